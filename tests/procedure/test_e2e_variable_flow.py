"""Every variable a FEEL expression reads is produced upstream.

The expressions are parsed with feelin, the FEEL implementation the engine runs
(`feel_names.mjs`), so paths, function names, context keys and names bound by for/some/every are
told apart from the variables read. A variable is upstream of a stage of Article 8 when the start
form, a worker, a form, a mapping, a script, a decision, a multi-instance or a message of that
stage or an earlier one produces it; the main process sees everything its stages produced. The
decision tables read only what their business rule task maps in.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest

from tests.procedure.bpmn_model import (
    BPMN,
    DMN,
    REPO,
    ZEEBE,
    form_keys,
    load_decisions,
    load_diagrams,
    load_forms,
    local,
)

FEEL_NAMES = REPO / "tests" / "procedure" / "feel_names.mjs"
MAIN = "exemption-procedure"
# The stages in the order a case passes them (docs/procedure-contract.md, "Processes").
STAGES = [
    "application",
    "acceptance",
    "investigation",
    "publicity",
    "feedback-filing",
    "committee-recording",
]
# What each worker returns (docs/procedure-contract.md, "Service tasks"); a job type missing
# here fails the test, so a new worker has to say what it produces.
WORKER_OUTPUTS: dict[str, set[str]] = {
    "application.validate": {"applicationFindings"},
    "application.supplement-deadline": {
        "supplementDueAt",
        "supplementLastDay",
        "supplementWorkingDays",
        "supplementRequests",
    },
    "case.assign-number": {"caseNumber", "caseYear", "caseSequence"},
    "document.generate": {"document"},
    "notice.send": {"notice"},
    "calendar.publicity-period": {
        "publicityEndsAt",
        "publicityLastWorkingDay",
        "publicityStartProblem",
    },
    "archive.file-case": {"archiveRecord"},
    "committee.record": {"committeeRecord"},
    "organisation.recusal": {
        "assignableDepartments",
        "recusedDepartments",
        "recusalNotice",
        "departmentNames",
    },
    "organisation.check-assignment": {"assignmentAccepted", "assignmentRefusal"},
    "determination.check-approval": {"approvalRefusal", "approvalRefusalFields"},
    "determination.check-opinion": {
        "opinionRefusal",
        "opinionRefusalFields",
        "checkedOpinionChoices",
        "determinationOutcomes",
        "determinationAdministrativeTreatment",
        "determinationDisciplinaryTreatment",
    },
    # rectification (Art. 12) and the register
    "rectification.open-case": {
        "caseNumber",
        "procedureName",
        "registerSubjects",
        "errorCategory",
        "rectificationSubjectKind",
        "rectificationUnitId",
        "subjectDisplayName",
        "problemSummary",
        "problemSource",
        "rectificationOverdue",
        "originCaseNumber",
    },
    "rectification.document": {"document", "rectificationDeadlineAt"},
    "rectification.remind-late-report": {"reminder"},
    "register.repeat-check": {
        "earlierCases",
        "repeatedError",
        "repeatCheckFindings",
        "repeatCheckText",
    },
}
# The message `publicity-objection` (contract, "Messages").
MESSAGE_VARIABLES: dict[str, set[str]] = {
    "publicity-objection": {"objectionId", "objectionContent", "objectionReceivedAt"},
    "application-withdrawal": {"withdrawalReason", "withdrawalReceivedAt"},
}
# What the desk starts a process with (docs/procedure-contract.md, "Messages"): an objection no
# running publicity can take gets `publicity-late-objection` with these variables.
STARTED_WITH: dict[str, set[str]] = {
    "publicity-late-objection": {
        "caseNumber",
        "caseInstanceKey",
        "applicantName",
        "applicantType",
        "applicantUnit",
        "accountabilityMatter",
        "objectionId",
        "objectionContent",
        "objectionReceivedAt",
        "objectionAfterPeriod",
    },
    # the office's start form, or `reminder-warning`'s call activity (ROUND3 contract)
    "rectification": {"reportedProblem", "registerSubjects", "errorCategory", "originCaseNumber"},
}
# Set by Zeebe itself inside a multi-instance body.
ENGINE_VARIABLES = {"loopCounter"}
# Local-policy settings (docs/local-policy.md) a case may carry from its start; the scripts that
# read them fall back to the default when they are absent.
CASE_SETTINGS = {
    "acceptanceReminderAfter",
    "leadingGroupAcceptanceDueAfter",
    "investigationReminderAfter",
    "determinationDraftDueAfter",
    "opinionApprovalDueAfter",
    "findingsDisagreementDueAfter",
    "publicityArrangementDueAfter",
    "objectionHandlingDueAfter",
    "feedbackReceiptDueAfter",
    "committeeAcknowledgementDueAfter",
    "subjectApplicationDueAfter",
    "cadreUseRecordDueAfter",
}

# Art. 10 periodic screening (docs/procedure-contract.md, "problem-screening"): a root process
# started by its timer (no variables) or its start form.
WORKER_OUTPUTS |= {
    "screening.prepare": {
        "caseNumber",
        "procedureName",
        "screeningOccasion",
        "screeningPeriod",
        "screeningUnits",
        "screeningUnitNames",
        "screeningDueAt",
        "screeningRequirements",
        "registerSubjects",
        "errorCategory",
    },
    "screening.mark-overdue": {"screeningOverdue", "screeningOverdueSince", "screeningReminder"},
    "screening.report": {"screeningReportDocument", "registerOutcome"},
    "screening.refer-problem": {"referralMessageId"},
}
STARTED_WITH["problem-screening"] = set()

# Art. 11 reminders and warnings (docs/procedure-contract.md, "reminder-warning").
WORKER_OUTPUTS |= {
    "reminder.assign-number": {
        "caseNumber",
        "procedureName",
        "registerSubjects",
        "reportedUnitName",
        "errorCategory",
    },
    "reminder.reply-deadline": {"enquiryDueAt", "enquiryLastDay", "enquiryDeadlines"},
    "reminder.letter": {"document"},
}
STARTED_WITH["reminder-warning"] = set()
# Chapter 4 (docs/procedure-contract.md): clarification, false-accusation, retaliation-complaint.
WORKER_OUTPUTS |= {
    "chapter-four.assign-number": {
        "caseNumber",
        "procedureName",
        "registerSubjects",
        "unitName",
        # handed over from reminder-warning's reportedProblem
        "personName",
        "personPosition",
        "unitId",
        "reportSummary",
    },
    "chapter-four.generate-document": {"document"},
    "chapter-four.send": {"notice"},
}
# What the called false-accusation hands back (it propagates its variables to the clarification).
STARTED_WITH["clarification"] = {"falseAccusationOutcome"}
CASE_SETTINGS |= {"clarificationTaskDueAfter", "cityApprovalAnswerDueAfter"}
MESSAGE_VARIABLES["false-accusation-approval-answer"] = {
    "approved",
    "approverBody",
    "approvalDocumentNumber",
    "approvalDate",
}
STARTED_WITH["retaliation-complaint"] = set()
STARTED_WITH["false-accusation"] = set()
# Art. 19 (contract, "public-opinion-response"): started from the desk with its start form and the
# requester the desk adds from the session.
WORKER_OUTPUTS |= {
    "opinion-response.assign-number": {
        "caseNumber",
        "procedureName",
        "registerSubjects",
        "originCaseNumber",
        "unitName",
    },
    "opinion-response.record": {"document"},
    "opinion-response.notify-requester": {"notice"},
}
STARTED_WITH["public-opinion-response"] = {"requestedByUser", "requestedByName", "requesterGroups"}
CASE_SETTINGS |= {
    "opinionPlanDueAfter",
    "responsePlanApprovalDueAfter",
    "opinionResponseDueAfter",
    "opinionCloseDueAfter",
}
# problem-screening's referral (contract, "problem-referral") starts reminder-warning.
MESSAGE_VARIABLES["problem-referral"] = {
    "reportedProblem",
    "registerSubjects",
    "errorCategory",
    "caseNumber",
    "originCaseNumber",
}
CASE_SETTINGS |= {"screeningReviewDueAfter"}


@dataclass(frozen=True)
class Expression:
    process_id: str
    where: str
    text: str


def _nearest_id(element: ET.Element, parents: dict[ET.Element, ET.Element]) -> str:
    current: ET.Element | None = element
    while current is not None and not current.get("id"):
        current = parents.get(current)
    return current.get("id", "?") if current is not None else "?"


def _diagram_expressions() -> list[Expression]:
    found = []
    for diagram in load_diagrams():
        parents = {child: parent for parent in diagram.process.iter() for child in parent}
        for element in diagram.process.iter():
            where = _nearest_id(element, parents)
            values = [v for v in element.attrib.values() if element.tag.startswith(f"{{{ZEEBE}}}")]
            if local(element.tag) in (
                "conditionExpression",
                "timeDate",
                "timeDuration",
                "timeCycle",
            ):
                values.append(element.text or "")
            for value in values:
                if value.strip().startswith("="):
                    found.append(Expression(diagram.process_id, where, value.strip()[1:]))
    return found


def _form_expressions() -> dict[str, list[Expression]]:
    found: dict[str, list[Expression]] = {}

    def walk(form_id: str, value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(form_id, item, f"{where}.{key}" if where else key)
        elif isinstance(value, list):
            for item in value:
                walk(form_id, item, where)
        elif isinstance(value, str) and value.startswith("="):
            found.setdefault(form_id, []).append(Expression(form_id, where, value[1:]))

    for form_id, (_, schema) in load_forms().items():
        for component in schema["components"]:
            walk(form_id, component, str(component.get("key", component.get("type", ""))))
    return found


def _names_read(expressions: list[str]) -> list[list[str]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is needed to parse FEEL with feelin (node_modules/feelin); install Node.js"
        )
    result = subprocess.run(
        [node, str(FEEL_NAMES)],
        input=json.dumps(expressions),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"feel_names.mjs failed: {result.stderr}"
    names: list[list[str]] = json.loads(result.stdout)
    return names


def _produced_by_process() -> dict[str, set[str]]:
    forms = load_forms()
    produced: dict[str, set[str]] = {}
    for diagram in load_diagrams():
        names = produced.setdefault(diagram.process_id, set())
        for element in diagram.process.iter():
            tag = local(element.tag)
            if tag in ("input", "output"):
                names.add(element.get("target", ""))
            elif tag in ("script", "calledDecision"):
                names.add(element.get("resultVariable", ""))
            elif tag == "loopCharacteristics" and element.tag.startswith(f"{{{ZEEBE}}}"):
                names |= {element.get("inputElement", ""), element.get("outputCollection", "")}
            elif tag == "taskDefinition":
                job_type = element.get("type", "")
                assert job_type in WORKER_OUTPUTS, f"{diagram.process_id}: job type {job_type!r}"
                names |= WORKER_OUTPUTS[job_type]
            elif tag == "formDefinition":
                form_id = element.get("formId", "")
                names |= set(form_keys(forms[form_id][1]["components"]))
        for message in diagram.root.iter(f"{{{BPMN}}}message"):
            names |= MESSAGE_VARIABLES.get(message.get("name", ""), set())
        names.discard("")
    return produced


def _upstream(produced: dict[str, set[str]]) -> dict[str, set[str]]:
    """Variables a stage (or the main process) may read."""
    available = set(produced[MAIN]) | ENGINE_VARIABLES | CASE_SETTINGS
    upstream = {}
    for stage in STAGES:
        available |= produced[stage]
        upstream[stage] = set(available)
    upstream[MAIN] = set(available)
    for process_id, variables in STARTED_WITH.items():
        upstream[process_id] = produced[process_id] | variables | CASE_SETTINGS
    return upstream


def _stage_of_forms() -> dict[str, str]:
    stages = {}
    for diagram in load_diagrams():
        for element in diagram.process.iter(f"{{{ZEEBE}}}formDefinition"):
            stages[element.get("formId", "")] = diagram.process_id
    return stages


def test_every_variable_a_feel_expression_reads_is_produced_upstream() -> None:
    upstream = _upstream(_produced_by_process())
    expressions = _diagram_expressions()
    form_stage = _stage_of_forms()
    for form_id, in_form in _form_expressions().items():
        expressions += [
            Expression(form_stage[form_id], f"form {form_id}: {e.where}", e.text) for e in in_form
        ]
    assert len(expressions) > 40, "expected the procedure's expressions to be found"

    problems = []
    for expression, names in zip(
        expressions, _names_read([e.text for e in expressions]), strict=True
    ):
        for name in names:
            if name not in upstream[expression.process_id]:
                problems.append(
                    f"{expression.process_id}#{expression.where}: '{name}' in ={expression.text}"
                )
    assert problems == [], "read but not produced upstream:\n" + "\n".join(problems)


def test_decision_tables_read_only_what_their_business_rule_task_maps_in() -> None:
    mapped: dict[str, set[str]] = {}
    for diagram in load_diagrams():
        for task in diagram.elements("businessRuleTask"):
            extensions = task.find(f"{{{BPMN}}}extensionElements")
            assert extensions is not None
            called = extensions.find(f"{{{ZEEBE}}}calledDecision")
            assert called is not None
            targets = {i.get("target", "") for i in extensions.iter(f"{{{ZEEBE}}}input")}
            mapped[called.get("decisionId", "")] = targets
    problems = []
    for decision_id, decision in load_decisions().items():
        inputs = [text.text or "" for text in _input_texts(decision)]
        for text, names in zip(inputs, _names_read(inputs), strict=True):
            for name in names:
                if name not in mapped.get(decision_id, set()):
                    problems.append(f"{decision_id}: '{name}' in {text}")
    assert problems == [], "decision inputs not mapped in by the task:\n" + "\n".join(problems)


def _input_texts(decision: ET.Element) -> list[ET.Element]:
    return [
        text
        for expression in decision.iter(f"{{{DMN}}}inputExpression")
        for text in expression.iter(f"{{{DMN}}}text")
    ]


def test_a_name_read_but_never_produced_is_reported() -> None:
    [names] = _names_read(["for f in departmentFindings return f.finding.typo + misspeltVariable"])
    assert names == ["departmentFindings", "misspeltVariable"]
    assert "misspeltVariable" not in _upstream(_produced_by_process())[MAIN]
