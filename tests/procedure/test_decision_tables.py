"""The DMN suggestions and the FEEL in the diagrams behave as the regulation reads, evaluated by
the engine's own DMN and FEEL (feelin under mini-racer)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.dmn import evaluate_decision, parse_dmn
from engine.feel import FeelError, feel
from tests.procedure.bpmn_model import BPMN, REPO, ZEEBE, load_diagrams, load_forms


def evaluate_table(decision_id: str, context: dict[str, Any]) -> Any:
    """The table's result as the engine's business rule task would receive it."""
    path = next(p for p in sorted((REPO / "bpmn").glob("*.dmn")) if decision_id in p.read_text())
    drg = parse_dmn(path.read_bytes(), path.name)
    return evaluate_decision(drg, decision_id, context).output


def eligibility(**context: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "circumstancesFound": ["art7-1", "art7-5"],
        "knowingViolation": False,
        "persistedAfterBan": False,
        "forPrivateGain": False,
        # Art. 6 and Art. 4, as the department findings record them
        "publicSpirited": True,
        "objectiveCause": True,
        "inReformContext": True,
        "seriousConsequences": False,
    }
    base.update(context)
    suggestion = evaluate_table("exemption-eligibility", base)  # hit policy FIRST
    assert suggestion, f"no rule matched {base}"
    assert isinstance(suggestion, dict)
    return suggestion


def test_eligibility_suggests_recognition_when_art7_holds_and_art3_distinctions_favour() -> None:
    suggestion = eligibility()
    assert suggestion["suggestedRecognised"] is True
    assert "第七条" in suggestion["suggestionReason"]
    # a suggestion for the leading group, never a recognition
    assert suggestion["suggestionReason"].startswith("建议")
    assert "领导小组审定" in suggestion["suggestionReason"]


def test_one_art7_item_alone_only_suggests_and_needs_the_groups_judgement() -> None:
    suggestion = eligibility(circumstancesFound=["art7-8"])
    assert suggestion["suggestedRecognised"] is True
    assert suggestion["needsGroupJudgement"] is True
    assert suggestion["suggestionReason"].startswith("建议")
    assert "须领导小组研判" in suggestion["suggestionReason"]
    assert eligibility()["needsGroupJudgement"] is False


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("publicSpirited", False),
        ("publicSpirited", None),
        ("objectiveCause", False),
        ("objectiveCause", None),
    ],
)
def test_art6_not_established_means_not_recognised(flag: str, value: bool | None) -> None:
    """Art. 6: 主观上出于公心、担当尽责, 客观上由于不可抗力、难以预见等因素; an Art. 7 item
    without them (or with them unrecorded) is not enough."""
    suggestion = eligibility(**{flag: value}, circumstancesFound=["art7-1", "art7-5", "art7-8"])
    assert suggestion["suggestedRecognised"] is False
    assert suggestion["needsGroupJudgement"] is False
    assert "第六条" in suggestion["suggestionReason"]


def test_outside_reform_context_is_left_to_the_groups_judgement() -> None:
    suggestion = eligibility(inReformContext=False)
    assert suggestion["suggestedRecognised"] is False
    assert suggestion["needsGroupJudgement"] is True
    assert "第六条" in suggestion["suggestionReason"]
    assert "领导小组" in suggestion["suggestionReason"]


def test_serious_consequences_are_weighed_by_the_group_under_art4() -> None:
    suggestion = eligibility(seriousConsequences=True)
    assert suggestion["suggestedRecognised"] is True
    assert suggestion["needsGroupJudgement"] is True
    assert "第四条" in suggestion["suggestionReason"]
    # Art. 3 still excludes first, whatever the consequences
    assert (
        eligibility(seriousConsequences=True, forPrivateGain=True)["suggestedRecognised"] is False
    )


@pytest.mark.parametrize("flag", ["knowingViolation", "persistedAfterBan", "forPrivateGain"])
def test_each_art3_distinction_on_the_wrong_side_excludes_recognition(flag: str) -> None:
    suggestion = eligibility(**{flag: True})
    assert suggestion["suggestedRecognised"] is False
    assert "第三条" in suggestion["suggestionReason"]


@pytest.mark.parametrize("found", [[], None])
def test_no_art7_circumstance_found_means_not_recognised(found: list[str] | None) -> None:
    assert eligibility(circumstancesFound=found)["suggestedRecognised"] is False


def test_outcomes_follow_art9_and_the_kind_of_accountability() -> None:
    def outcomes(recognised: bool, administrative: bool, disciplinary: bool) -> list[str]:
        context = {
            "recognised": recognised,
            "administrativeAccountability": administrative,
            "disciplinaryAccountability": disciplinary,
        }
        result = evaluate_table("exemption-outcomes", context)  # COLLECT, one output
        return list(result or [])

    assert outcomes(True, True, False) == ["art9-1", "art9-2", "art9-3", "art9-4"]
    assert outcomes(True, False, True) == ["art9-1", "art9-2", "art9-3", "art9-5"]
    assert outcomes(False, True, True) == []


def art9_outcomes(
    applicant_type: str | None,
    *,
    recognised: bool = True,
    administrative: bool = True,
    disciplinary: bool = True,
) -> list[str]:
    context = {
        "recognised": recognised,
        "administrativeAccountability": administrative,
        "disciplinaryAccountability": disciplinary,
        "applicantType": applicant_type,
    }
    return list(evaluate_table("exemption-outcomes", context) or [])


def test_discipline_art9_5_is_suggested_for_an_individual_and_never_for_a_unit() -> None:
    everything = ["art9-1", "art9-2", "art9-3", "art9-4", "art9-5"]
    assert art9_outcomes("individual") == everything
    assert art9_outcomes("unit") == ["art9-1", "art9-2", "art9-3", "art9-4"]
    assert art9_outcomes("unit", administrative=False) == ["art9-1", "art9-2", "art9-3"]
    assert art9_outcomes("individual", administrative=False) == [
        "art9-1", "art9-2", "art9-3", "art9-5",
    ]  # fmt: skip


@pytest.mark.parametrize("applicant_type", ["individual", "unit", None])
def test_no_art9_outcome_is_suggested_for_a_case_not_recognised(
    applicant_type: str | None,
) -> None:
    assert art9_outcomes(applicant_type, recognised=False) == []


def test_the_outcome_suggestion_reads_the_applicant_type_from_the_case() -> None:
    diagram = next(d for d in load_diagrams() if d.process_id == "investigation")
    task = next(e for e in diagram.process.iter() if e.get("id") == "suggestOutcomes")
    inputs = {i.get("target"): i.get("source") for i in task.iter(f"{{{ZEEBE}}}input")}
    assert inputs["applicantType"] == "=applicantType"


def model_expression(process_id: str, element_id: str, attribute: str = "expression") -> str:
    diagram = next(d for d in load_diagrams() if d.process_id == process_id)
    element = next(e for e in diagram.process.iter() if e.get("id") == element_id)
    script = element.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}script")
    assert script is not None, f"{process_id}#{element_id} has no zeebe:script"
    return script.get(attribute, "").removeprefix("=")


def test_findings_summary_merges_departments_for_the_decision() -> None:
    finding = {
        "circumstancesFound": ["art7-1", "art7-5"],
        "distinctionExperience": "reform-inexperience",
        "distinctionProhibition": "no-explicit-restriction",
        "distinctionIntent": "unintentional-for-development",
        "privateGain": False,
        "reformContext": "pilot-first",
        "publicSpirit": "public-spirited",
        "objectiveCause": "force-majeure",
        "consequenceSeverity": "limited",
    }
    other = dict(
        finding,
        circumstancesFound=["art7-5", "art7-6"],
        privateGain=True,
        objectiveCause="subjective-fault",
        consequenceSeverity="serious",
    )
    context = {
        "departmentFindings": [
            {
                "department": "dept-audit",
                "finding": finding,
                "subjectConfirmation": {"concurs": True},
            },
            {
                "department": "dept-justice",
                "finding": other,
                "subjectConfirmation": {"concurs": False},
            },
        ]
    }
    answer = feel().evaluate(model_expression("investigation", "summariseFindings"), context)
    assert answer == {
        "circumstancesFound": ["art7-1", "art7-5", "art7-6"],
        "knowingViolation": False,
        "persistedAfterBan": False,
        "forPrivateGain": True,
        "inReformContext": True,
        "publicSpirited": True,
        "objectiveCause": False,
        "seriousConsequences": True,
        "subjectConcursAll": False,
    }


@pytest.mark.parametrize(
    ("element", "variable", "default"),
    [
        ("applyAcceptanceDeadline", "acceptanceReminderAfter", "P10D"),
        ("applyInvestigationDeadline", "investigationReminderAfter", "P30D"),
        ("restartInvestigationDeadline", "investigationReminderAfter", "P30D"),
    ],
)
def test_local_deadlines_default_unless_the_case_sets_them(
    element: str, variable: str, default: str
) -> None:
    process = "acceptance" if element == "applyAcceptanceDeadline" else "investigation"
    text = model_expression(process, element)
    # 2026-09-02T01:00Z; the script turns the local duration into the stage's due instant
    now_ms = 1_788_310_800_000
    due_by_default = {"P10D": "2026-09-12T01:00:00Z", "P30D": "2026-10-02T01:00:00Z"}[default]
    assert feel().evaluate(text, {}, now_ms=now_ms) == due_by_default
    assert feel().evaluate(text, {variable: "PT48H"}, now_ms=now_ms) == "2026-09-04T01:00:00Z"


def test_every_feel_expression_in_the_diagrams_parses() -> None:
    expressions: list[tuple[str, str]] = []
    for diagram in load_diagrams():
        for element in diagram.root.iter():
            for name, value in element.attrib.items():
                if value.startswith("=") and name not in ("id",):
                    expressions.append((f"{diagram.process_id}#{element.get('id')}", value[1:]))
            if element.tag.endswith("}conditionExpression") or element.tag.endswith(
                ("}timeDuration", "}timeDate")
            ):
                expressions.append((diagram.process_id, (element.text or "").removeprefix("=")))
    assert expressions
    assert [(where, error) for where, text in expressions if (error := parse_error(text))] == []


def test_every_feel_condition_in_the_forms_parses() -> None:
    conditions: list[tuple[str, str]] = []
    for form_id, (_, schema) in load_forms().items():
        for component in schema["components"]:
            hide = component.get("conditional", {}).get("hide")
            if hide:
                conditions.append((f"{form_id}#{component['id']}", str(hide).removeprefix("=")))
    assert conditions, "the forms are expected to use FEEL conditions"
    assert [(where, error) for where, text in conditions if (error := parse_error(text))] == []


def parse_error(expression: str) -> str | None:
    """Evaluating with no variables gives null for unknown names; only a syntax error raises."""
    try:
        feel().evaluate(expression, {})
    except FeelError as error:
        return str(error)
    return None
