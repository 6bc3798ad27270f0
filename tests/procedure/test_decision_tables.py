"""The DMN suggestions and the FEEL in the diagrams behave as the regulation reads, under feelin."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.procedure.bpmn_model import BPMN, DMN, ZEEBE, load_decisions, load_diagrams, load_forms
from tests.procedure.feel_runner import run_feel


def text_of(element: ET.Element | None) -> str:
    found = None if element is None else element.find(f"{{{DMN}}}text")
    return "" if found is None or found.text is None else found.text.strip()


def evaluate_table(decision_id: str, context: dict[str, Any]) -> list[dict[str, Any]]:
    """Matched rules' outputs in rule order (the caller applies the hit policy)."""
    table = load_decisions()[decision_id].find(f"{{{DMN}}}decisionTable")
    assert table is not None
    inputs = [
        text_of(i.find(f"{{{DMN}}}inputExpression")) for i in table.findall(f"{{{DMN}}}input")
    ]
    names = [o.get("name", "") for o in table.findall(f"{{{DMN}}}output")]
    values = [a.get("value") for a in run_feel([expr(text, context) for text in inputs])]
    rules = table.findall(f"{{{DMN}}}rule")
    tests = [
        {"kind": "unary", "text": text_of(entry), "context": {"?": value}}
        for rule in rules
        for entry, value in zip(rule.findall(f"{{{DMN}}}inputEntry"), values, strict=True)
    ]
    answers = iter(run_feel(tests))
    hits = [rule for rule in rules if all([next(answers).get("value") is True for _ in inputs])]
    outputs = [text_of(e) for rule in hits for e in rule.findall(f"{{{DMN}}}outputEntry")]
    results = iter(run_feel([expr(text, context) for text in outputs]))
    matched = [{name: next(results).get("value") for name in names} for _ in hits]
    return matched


def expr(text: str, context: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "expression", "text": text, "context": context}


def eligibility(**context: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "circumstancesFound": ["art7-1", "art7-5"],
        "knowingViolation": False,
        "persistedAfterBan": False,
        "forPrivateGain": False,
    }
    base.update(context)
    matched = evaluate_table("exemption-eligibility", base)  # hit policy FIRST
    assert matched, f"no rule matched {base}"
    return matched[0]


def test_eligibility_suggests_recognition_when_art7_holds_and_art3_distinctions_favour() -> None:
    suggestion = eligibility()
    assert suggestion["suggestedRecognised"] is True
    assert "第七条" in suggestion["suggestionReason"]


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
        return [m["outcome"] for m in evaluate_table("exemption-outcomes", context)]

    assert outcomes(True, True, False) == ["art9-1", "art9-2", "art9-3", "art9-4"]
    assert outcomes(True, False, True) == ["art9-1", "art9-2", "art9-3", "art9-5"]
    assert outcomes(False, True, True) == []


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
    }
    other = dict(finding, circumstancesFound=["art7-5", "art7-6"], privateGain=True)
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
    [answer] = run_feel([expr(model_expression("investigation", "summariseFindings"), context)])
    assert answer["value"] == {
        "circumstancesFound": ["art7-1", "art7-5", "art7-6"],
        "knowingViolation": False,
        "persistedAfterBan": False,
        "forPrivateGain": True,
        "subjectConcursAll": False,
    }


@pytest.mark.parametrize(
    ("element", "variable", "default"),
    [
        ("applyAcceptanceDeadline", "acceptanceReminderAfter", "P10D"),
        ("applyInvestigationDeadline", "investigationReminderAfter", "P30D"),
    ],
)
def test_local_deadlines_default_unless_the_case_sets_them(
    element: str, variable: str, default: str
) -> None:
    process = "acceptance" if element == "applyAcceptanceDeadline" else "investigation"
    text = model_expression(process, element)
    unset, overridden = run_feel([expr(text, {}), expr(text, {variable: "PT48H"})])
    assert unset["value"] == default
    assert overridden["value"] == "PT48H"


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
    answers = run_feel([expr(text, {}) for _, text in expressions])
    errors = [
        (where, a["error"])
        for (where, _), a in zip(expressions, answers, strict=True)
        if "error" in a
    ]
    assert errors == []


def test_every_feel_condition_in_the_forms_parses() -> None:
    conditions: list[tuple[str, str]] = []
    for form_id, (_, schema) in load_forms().items():
        for component in schema["components"]:
            hide = component.get("conditional", {}).get("hide")
            if hide:
                conditions.append((f"{form_id}#{component['id']}", str(hide).removeprefix("=")))
    assert conditions, "the forms are expected to use FEEL conditions"
    answers = run_feel([expr(text, {}) for _, text in conditions])
    errors = [
        (w, a["error"]) for (w, _), a in zip(conditions, answers, strict=True) if "error" in a
    ]
    assert errors == []
