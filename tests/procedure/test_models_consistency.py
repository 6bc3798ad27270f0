"""The diagrams, decision tables, forms and the procedure contract agree with each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.feel import feel
from tests.procedure.bpmn_model import (
    BPMN,
    DMN,
    DOCS_DIR,
    MODELER,
    REFERENCE,
    ZEEBE,
    Diagram,
    form_keys,
    known_elements,
    load_decisions,
    load_diagrams,
    load_forms,
    local,
    zeebe,
)
from tests.procedure.officers import demo_workers
from workers.screening import REFERRAL_MESSAGE

STAGES = {
    "exemption-procedure",
    "application",
    "acceptance",
    "investigation",
    "publicity",
    "feedback-filing",
    "committee-recording",
}
# Processes no stage calls: the desk starts them (an objection the running publicity cannot take).
STARTED_BY_THE_DESK = {"publicity-late-objection"}
# The procedures of Chs. 3-4 (ROUND3 contract, docs/procedure-contract.md): root processes the
# office starts, which call each other with the contract's variables only.
OTHER_PROCEDURES = {
    "problem-screening",
    "reminder-warning",
    "rectification",
    "clarification",
    "false-accusation",
    "retaliation-complaint",
    "public-opinion-response",
}
# Root procedures of Chs. 3–4 (docs/procedure-contract.md): the office or a timer starts them.
STARTED_BY_THE_DESK |= {"problem-screening"}
# Root procedures of Chapters 3-4 the office starts (ROUND3 contract).
STARTED_BY_THE_OFFICE = {"rectification"}
# The roles Art. 5 and Art. 8 name; the last two come from the case.
ROLES = {
    "leading-group-office",
    "leading-group",
    "org-personnel",
    "district-committee",
    "=[accountabilitySubjectGroup]",
    "=[department]",
    # Chs. 3-4: the discipline inspection and supervision organ's office and its leaders
    "discipline-office",
    "discipline-leaders",
    "=[rectificationUnitId]",
}
# Chs. 3–4: the discipline office, and a unit's party organisation (its unit id).
ROLES |= {"discipline-office", "=[screeningUnit]"}
# Chapter 4 (Arts. 13–15): root processes the discipline organ's office starts, and its leaders.
STARTED_BY_THE_DESK |= {"clarification", "false-accusation", "retaliation-complaint"}
STAGES |= {"false-accusation"}  # also called by `clarification`
ROLES |= {"discipline-office", "discipline-leaders"}
# Chapter 5: 区委组织部 records how it used a recognised exemption (Art. 18); 区委宣传部 answers
# public opinion (Art. 19), a procedure the desk starts from any case.
ROLES |= {"dept-org-department", "dept-publicity", "=requesterGroups"}
STARTED_BY_THE_DESK |= {"public-opinion-response"}
DIAGRAMS = load_diagrams()
DIAGRAM_IDS = [d.path.name for d in DIAGRAMS]
CONTRACT = (DOCS_DIR / "procedure-contract.md").read_text(encoding="utf-8")


def user_tasks_and_start_forms(diagram: Diagram) -> list[tuple[str, str | None]]:
    """(element id, formId) for every user task and every start event that declares a form."""
    found: list[tuple[str, str | None]] = []
    for element in diagram.elements("userTask") + diagram.elements("startEvent"):
        form = zeebe(element, "formDefinition")
        if local(element.tag) == "startEvent" and form is None:
            continue
        found.append((element.get("id", ""), None if form is None else form.get("formId")))
    return found


def test_every_stage_of_article_8_has_its_own_process() -> None:
    assert {d.process_id for d in DIAGRAMS} >= STAGES | STARTED_BY_THE_DESK
    assert {d.process_id for d in DIAGRAMS} <= STAGES | STARTED_BY_THE_DESK | OTHER_PROCEDURES
    for diagram in DIAGRAMS:
        assert diagram.path.stem == diagram.process_id, diagram.path.name
        assert diagram.process.get("isExecutable") == "true", diagram.process_id
        assert diagram.process.get("name"), f"{diagram.process_id} has no Chinese name"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_diagram_targets_camunda_8_8(diagram: Diagram) -> None:
    assert diagram.root.get(f"{{{MODELER}}}executionPlatform") == "Camunda Cloud"
    assert diagram.root.get(f"{{{MODELER}}}executionPlatformVersion") == "8.8.0"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_every_form_id_exists_in_forms(diagram: Diagram) -> None:
    forms = load_forms()
    for element_id, form_id in user_tasks_and_start_forms(diagram):
        assert form_id, f"{diagram.process_id}#{element_id} has no formId"
        assert form_id in forms, (
            f"{diagram.process_id}#{element_id}: form {form_id!r} not in forms/"
        )


def test_every_form_is_used_by_a_diagram() -> None:
    used = {form_id for d in DIAGRAMS for _, form_id in user_tasks_and_start_forms(d) if form_id}
    assert set(load_forms()) == used


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_every_user_task_is_a_zeebe_user_task_with_candidate_groups(diagram: Diagram) -> None:
    for task in diagram.elements("userTask"):
        where = f"{diagram.process_id}#{task.get('id')}"
        assert zeebe(task, "userTask") is not None, f"{where} is not a zeebe:userTask"
        assignment = zeebe(task, "assignmentDefinition")
        assert assignment is not None, f"{where} has no zeebe:assignmentDefinition"
        groups = (assignment.get("candidateGroups") or "").strip()
        assert groups in ROLES, (
            f"{where}: candidate groups {groups!r} name no role of the procedure"
        )


# A clarification that finds a false accusation pursues it as the same case, under its number.
CONTINUED_CASES = {("clarification", "false-accusation")}


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_every_call_activity_calls_a_process_in_bpmn(diagram: Diagram) -> None:
    for call in diagram.elements("callActivity"):
        called = zeebe(call, "calledElement")
        assert called is not None, f"{diagram.process_id}#{call.get('id')}: no zeebe:calledElement"
        continues_the_case = (diagram.process_id, called.get("processId")) in CONTINUED_CASES
        if called.get("processId") in OTHER_PROCEDURES and not continues_the_case:
            # another procedure numbers its own case: it gets the contract's variables only
            assert called.get("propagateAllParentVariables") == "false", call.get("id")
            assert called.get("propagateAllChildVariables") == "false", call.get("id")
            mapping = zeebe(call, "ioMapping")
            assert mapping is not None and len(mapping) > 0, call.get("id")
            continue
        assert called.get("processId") in STAGES, called.get("processId")
        assert called.get("propagateAllChildVariables") == "true"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_every_called_decision_exists_in_a_dmn(diagram: Diagram) -> None:
    decisions = load_decisions()
    for task in diagram.elements("businessRuleTask"):
        called = zeebe(task, "calledDecision")
        assert called is not None, f"{diagram.process_id}#{task.get('id')}: no calledDecision"
        assert called.get("decisionId") in decisions, called.get("decisionId")
        assert called.get("resultVariable"), f"{task.get('id')}: no resultVariable"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_every_flow_node_has_a_shape_and_every_flow_an_edge(diagram: Diagram) -> None:
    shapes = diagram.di_elements("BPMNShape")
    edges = diagram.di_elements("BPMNEdge")
    for node in diagram.flow_nodes():
        assert node.get("id") in shapes, f"{diagram.process_id}#{node.get('id')}: no BPMNShape"
    for flow in diagram.elements("sequenceFlow"):
        edge = edges.get(flow.get("id", ""))
        assert edge is not None, f"{diagram.process_id}#{flow.get('id')}: no BPMNEdge"
        waypoints = edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")
        assert len(waypoints) >= 2, f"{flow.get('id')}: edge without waypoints"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_exclusive_gateway_branches_are_named_and_conditional_or_default(diagram: Diagram) -> None:
    flows = {f.get("id"): f for f in diagram.elements("sequenceFlow")}
    for gateway in diagram.elements("exclusiveGateway"):
        outgoing = [f for f in flows.values() if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) < 2:
            continue
        assert gateway.get("name"), f"{diagram.process_id}#{gateway.get('id')} has no name"
        for flow in outgoing:
            where = f"{diagram.process_id}#{flow.get('id')}"
            assert flow.get("name"), f"{where} has no name"
            conditional = flow.find(f"{{{BPMN}}}conditionExpression") is not None
            is_default = gateway.get("default") == flow.get("id")
            assert conditional != is_default, f"{where} must be conditional or the default"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_job_types_forms_and_messages_are_in_the_contract(diagram: Diagram) -> None:
    for task in diagram.elements("serviceTask") + diagram.elements("sendTask"):
        definition = zeebe(task, "taskDefinition")
        where = f"{diagram.process_id}#{task.get('id')}"
        assert definition is not None and definition.get("type"), f"{where}: no job type"
        assert f"`{definition.get('type')}`" in CONTRACT, f"{where}: job type not in contract"
        assert f"{diagram.process_id}#{task.get('id')}" in CONTRACT, f"{where} not in contract"
    for element_id, form_id in user_tasks_and_start_forms(diagram):
        assert f"`{form_id}`" in CONTRACT, (
            f"{diagram.process_id}#{element_id}: form not in contract"
        )
    for message in diagram.root.iter(f"{{{BPMN}}}message"):
        assert f"`{message.get('name')}`" in CONTRACT


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=DIAGRAM_IDS)
def test_messages_are_referenced_and_correlated(diagram: Diagram) -> None:
    messages = {m.get("id"): m for m in diagram.root.iter(f"{{{BPMN}}}message")}
    # A message start event has no subscription to correlate: any instance of the message starts
    # a new case (Zeebe needs no correlation key there).
    starts = {
        definition
        for start in diagram.elements("startEvent")
        for definition in start.iter(f"{{{BPMN}}}messageEventDefinition")
    }
    for definition in diagram.process.iter(f"{{{BPMN}}}messageEventDefinition"):
        if definition in starts:
            assert messages.get(definition.get("messageRef")) is not None
            continue
        message = messages.get(definition.get("messageRef"))
        assert message is not None, f"unknown message {definition.get('messageRef')}"
        subscription = message.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}subscription")
        assert subscription is not None and subscription.get("correlationKey")


def test_decision_tables_are_dmn_1_3_with_complete_rules() -> None:
    decisions = load_decisions()
    assert {"exemption-eligibility", "exemption-outcomes"} <= set(decisions)
    for decision_id, decision in decisions.items():
        table = decision.find(f"{{{DMN}}}decisionTable")
        assert table is not None, decision_id
        inputs = table.findall(f"{{{DMN}}}input")
        outputs = table.findall(f"{{{DMN}}}output")
        rules = table.findall(f"{{{DMN}}}rule")
        assert rules, decision_id
        for rule in rules:
            assert len(rule.findall(f"{{{DMN}}}inputEntry")) == len(inputs), rule.get("id")
            assert len(rule.findall(f"{{{DMN}}}outputEntry")) == len(outputs), rule.get("id")


def test_forms_target_camunda_8_8_with_unique_keys() -> None:
    for form_id, (path, schema) in load_forms().items():
        assert path.stem == form_id, f"{path.name}: id {form_id!r} differs from the file name"
        assert schema["type"] == "default"
        assert schema["executionPlatform"] == "Camunda Cloud"
        assert str(schema["executionPlatformVersion"]).startswith("8.8")
        keys = form_keys(schema["components"])
        assert len(keys) == len(set(keys)), f"{path.name}: duplicate keys"


def test_article_7_and_9_options_are_complete_where_chosen() -> None:
    forms = load_forms()
    _, opinion = forms["investigation-determination-opinion"]
    by_key = {c.get("key"): c for c in opinion["components"]}
    circumstances = [v["value"] for v in by_key["determinationCircumstances"]["values"]]
    assert circumstances == [f"art7-{n}" for n in range(1, 11)]
    # Art. 9 options depend on the applicant: (五), discipline, is imposed on persons only.
    expression = by_key["determinationOutcomes"]["valuesExpression"].removeprefix("=")
    for applicant_type, expected in (
        ("individual", [f"art9-{n}" for n in range(1, 6)]),
        (None, [f"art9-{n}" for n in range(1, 6)]),
        ("unit", [f"art9-{n}" for n in range(1, 5)]),
    ):
        options = feel().evaluate(expression, {"applicantType": applicant_type})
        assert [o["value"] for o in options] == expected, applicant_type
        assert all(o["label"].startswith("（") for o in options)


def test_every_form_field_is_documented_in_the_contract() -> None:
    for form_id, (_, schema) in load_forms().items():
        for key in form_keys(schema["components"]):
            assert f"`{key}" in CONTRACT, f"{form_id}: field {key!r} not in the contract"


@pytest.mark.parametrize(
    ("process_id", "roles"),
    [
        ("acceptance", {"leading-group-office", "=[accountabilitySubjectGroup]"}),
        (
            "investigation",
            {
                "leading-group",
                "=[department]",
                "=[accountabilitySubjectGroup]",
                "leading-group-office",
            },
        ),
        ("publicity", {"leading-group-office"}),
        ("feedback-filing", {"org-personnel"}),
        ("committee-recording", {"district-committee"}),
    ],
)
def test_each_stage_involves_the_roles_article_8_names(process_id: str, roles: set[str]) -> None:
    diagram = next(d for d in DIAGRAMS if d.process_id == process_id)
    groups = set()
    for task in diagram.elements("userTask"):
        assignment = zeebe(task, "assignmentDefinition")
        if assignment is not None:
            groups.add(assignment.get("candidateGroups"))
    assert roles <= groups, f"{process_id}: missing {roles - groups}"


def test_joint_investigation_runs_once_per_chosen_department() -> None:
    diagram = next(d for d in DIAGRAMS if d.process_id == "investigation")
    joint = next(s for s in diagram.elements("subProcess") if s.get("id") == "jointInvestigation")
    loop = joint.find(f"{{{BPMN}}}multiInstanceLoopCharacteristics")
    assert loop is not None and loop.get("isSequential") != "true"
    characteristics = loop.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}loopCharacteristics")
    assert characteristics is not None
    assert characteristics.get("inputCollection") == "=investigatingDepartments"
    assert characteristics.get("inputElement") == "department"
    assert characteristics.get("outputCollection") == "departmentFindings"


# Not reminders: the deadline a rectification notice sets ends the rectification period, and
# the case goes to the supervision check as not rectified in time (Art. 12).
PERIOD_ENDING_DEADLINES = {"rectification#rectificationDeadlinePassed"}


def test_local_deadline_reminders_never_interrupt_the_work() -> None:
    for diagram in DIAGRAMS:
        for boundary in diagram.elements("boundaryEvent"):
            if f"{diagram.process_id}#{boundary.get('id')}" in PERIOD_ENDING_DEADLINES:
                continue
            if boundary.find(f"{{{BPMN}}}timerEventDefinition") is not None:
                assert boundary.get("cancelActivity") == "false", boundary.get("id")


def test_every_element_the_contract_names_exists() -> None:
    known = known_elements()
    missing = [
        f"{definition}#{element}"
        for definition, element in REFERENCE.findall(CONTRACT)
        if element not in known.get(definition, set())
    ]
    assert missing == []


def test_the_demo_workers_may_take_every_job_of_the_procedure() -> None:
    """The demo's worker token is limited to its job types: a type missing there stops the demo's
    workers with PERMISSION_DENIED (engine/access/demo-identity.toml)."""
    workers = demo_workers()
    used = {
        str(definition.get("type"))
        for diagram in DIAGRAMS
        for task in diagram.elements("serviceTask") + diagram.elements("sendTask")
        if (definition := zeebe(task, "taskDefinition")) is not None
    }
    assert used - set(workers["jobTypes"]) == set()


def test_the_demo_workers_may_publish_every_message_the_workers_publish() -> None:
    """A worker publishes a message only if its identity names it (engine/access/rules.py); the
    screening's referral missing there would leave the demo's screenings with an incident."""
    workers = demo_workers()
    sources = {
        path.name: path.read_text(encoding="utf-8")
        for path in (Path(__file__).parents[2] / "workers").glob("*.py")
    }
    publishers = {name for name, text in sources.items() if ".publish_message(" in text}
    # a new publisher must name its message here, and the demo identity must allow it
    assert publishers == {"screening.py"}
    assert {REFERRAL_MESSAGE} <= set(workers.get("messageNames", []))
