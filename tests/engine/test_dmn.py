"""DMN parsing and decision evaluation (engine.dmn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.dmn import (
    DecisionError,
    DecisionRequirements,
    DmnParseError,
    HitPolicy,
    evaluate_decision,
    parse_dmn,
)

FIXTURES = Path(__file__).parent / "fixtures"
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
# 2026-09-21T14:13:20Z
PINNED_MS = 1_790_000_000_000


def load(name: str) -> DecisionRequirements:
    return parse_dmn((FIXTURES / name).read_bytes(), name)


@pytest.fixture(scope="module")
def hit_policies() -> DecisionRequirements:
    return load("hit_policies.dmn")


@pytest.fixture(scope="module")
def exemption() -> DecisionRequirements:
    return load("exemption_drg.dmn")


def output(drg: DecisionRequirements, decision_id: str, **variables: Any) -> Any:
    return evaluate_decision(drg, decision_id, variables).output


# --- parsing -------------------------------------------------------------------------------


def test_parses_the_decision_requirements_graph(exemption: DecisionRequirements) -> None:
    assert exemption.id == "exemptionDrg"
    assert exemption.name == "容错免责建议"
    assert exemption.namespace == "http://youxian.example/dmn/exemption"
    assert [d.id for d in exemption.decisions] == [
        "lossSeverity",
        "exemptionSuggestion",
        "summary",
    ]
    suggestion = exemption.decision("exemptionSuggestion")
    assert suggestion.kind == "DECISION_TABLE"
    assert suggestion.name == "处理建议"
    assert suggestion.required_decisions == ("lossSeverity",)
    assert suggestion.table is not None
    assert suggestion.table.hit_policy is HitPolicy.FIRST
    assert [o.name for o in suggestion.table.outputs] == ["suggestion", "reviewDays"]
    assert [r.index for r in suggestion.table.rules] == [1, 2, 3, 4]
    summary = exemption.decision("summary")
    assert summary.kind == "LITERAL_EXPRESSION"
    assert summary.required_decisions == ("exemptionSuggestion", "lossSeverity")


def test_accepts_dmn_12_namespace() -> None:
    drg = load("deadline_dmn12.dmn")
    assert [d.kind for d in drg.decisions] == ["LITERAL_EXPRESSION", "LITERAL_EXPRESSION"]


def dmn(body: str, *, root_attrs: str = 'id="defs" name="Defs"') -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<definitions xmlns="{DMN13}" {root_attrs} namespace="urn:test">{body}</definitions>'
    ).encode()


SIMPLE_TABLE = """
<decision id="d1" name="D1">
  <decisionTable id="t1" hitPolicy="{policy}">
    <input id="i1"><inputExpression id="ie1"><text>x</text></inputExpression></input>
    <output id="o1" name="out" />
    <rule id="r1">
      <inputEntry id="r1i"><text>-</text></inputEntry>
      <outputEntry id="r1o"><text>1</text></outputEntry>
    </rule>
  </decisionTable>
</decision>
"""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<definitions><decision", "not well-formed XML"),
        (dmn(SIMPLE_TABLE.replace("{policy}", "SOMETIMES")), "element 't1': unknown hitPolicy"),
        (dmn(SIMPLE_TABLE.replace("{policy}", "UNIQUE")).replace(b' id="r1"', b""), "<rule>"),
        (
            dmn(SIMPLE_TABLE.replace("{policy}", "UNIQUE")).replace(
                b'decision id="d1"', b"decision"
            ),
            "<decision> has no id",
        ),
        (dmn(SIMPLE_TABLE.replace("{policy}", "UNIQUE"), root_attrs='name="x"'), "<definitions>"),
        (
            dmn(SIMPLE_TABLE.replace("{policy}", "UNIQUE")).replace(DMN13.encode(), b"urn:other"),
            "expected a DMN <definitions>",
        ),
        (
            dmn(SIMPLE_TABLE.replace(
                'hitPolicy="{policy}"', 'hitPolicy="FIRST" aggregation="SUM"'
            )),
            "aggregation is only allowed with hit policy COLLECT",
        ),
        (
            dmn(SIMPLE_TABLE.replace("{policy}", "COLLECT")).replace(
                b'hitPolicy="COLLECT"', b'hitPolicy="COLLECT" aggregation="AVG"'
            ),
            "unknown aggregation 'AVG'",
        ),
        (
            dmn(SIMPLE_TABLE.replace("{policy}", "UNIQUE")).replace(
                b'<inputEntry id="r1i"><text>-</text></inputEntry>', b""
            ),
            "element 'r1': rule has 0 input entries, table has 1",
        ),
        (dmn(""), "has no decision"),
        (
            dmn('<decision id="d1"><informationRequirement id="ir">'
                '<requiredDecision href="#nope"/></informationRequirement>'
                '<literalExpression id="l"><text>1</text></literalExpression></decision>'),
            "decision 'd1' requires unknown decision 'nope'",
        ),
        (
            dmn('<decision id="a"><informationRequirement id="ir1"><requiredDecision href="#b"/>'
                '</informationRequirement><literalExpression id="la"><text>1</text>'
                '</literalExpression></decision>'
                '<decision id="b"><informationRequirement id="ir2"><requiredDecision href="#a"/>'
                '</informationRequirement><literalExpression id="lb"><text>1</text>'
                '</literalExpression></decision>'),
            "cycle",
        ),
        (dmn('<decision id="d1" name="x" />'), "element 'd1': decision has neither"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>'
            b'<definitions xmlns="' + DMN13.encode() + b'" id="x">&a;</definitions>',
            "DOCTYPE",
        ),
    ],
)  # fmt: skip
def test_parse_errors_name_the_element(content: bytes, expected: str) -> None:
    with pytest.raises(DmnParseError) as caught:
        parse_dmn(content, "broken.dmn")
    assert "'broken.dmn'" in str(caught.value)
    assert expected in str(caught.value)


def test_multi_output_table_needs_output_names() -> None:
    body = SIMPLE_TABLE.replace("{policy}", "UNIQUE").replace(
        '<output id="o1" name="out" />', '<output id="o1" name="a" /><output id="o2" />'
    ).replace('<outputEntry id="r1o"><text>1</text></outputEntry>',
              '<outputEntry id="r1o"><text>1</text></outputEntry>'
              '<outputEntry id="r1o2"><text>2</text></outputEntry>')  # fmt: skip
    with pytest.raises(DmnParseError, match="element 'o2': an output of a multi-output"):
        parse_dmn(dmn(body), "multi.dmn")


# --- hit policies --------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "expected"), [(10, "low"), (50, "medium"), (80, "high")])
def test_unique(hit_policies: DecisionRequirements, score: int, expected: str) -> None:
    assert output(hit_policies, "unique", score=score) == expected


def test_unique_violation_names_decision_and_rules(hit_policies: DecisionRequirements) -> None:
    with pytest.raises(DecisionError) as caught:
        evaluate_decision(hit_policies, "uniqueOverlap", {"score": 90})
    message = str(caught.value)
    assert "decision 'uniqueOverlap'" in message
    assert "'uniqueOverlap_r1', 'uniqueOverlap_r2'" in message
    assert caught.value.decision_id == "uniqueOverlap"
    assert caught.value.rule_id == "uniqueOverlap_r2"


def test_first(hit_policies: DecisionRequirements) -> None:
    assert output(hit_policies, "first", score=90) == "medium"
    assert output(hit_policies, "first", score=10) == "any"
    trace = evaluate_decision(hit_policies, "first", {"score": 90}).traces[-1]
    assert [r["ruleId"] for r in trace.matched_rules] == ["first_r1"]


@pytest.mark.parametrize(("score", "expected"), [(90, "high"), (60, "medium"), (10, "low")])
def test_priority(hit_policies: DecisionRequirements, score: int, expected: str) -> None:
    assert output(hit_policies, "priority", score=score) == expected


def test_any(hit_policies: DecisionRequirements) -> None:
    assert output(hit_policies, "any", score=90) == "high"
    assert output(hit_policies, "any", score=10) is None
    with pytest.raises(DecisionError, match="hit policy ANY"):
        evaluate_decision(hit_policies, "anyConflict", {"score": 90})


@pytest.mark.parametrize(
    ("decision_id", "score", "expected"),
    [
        ("collect", 95, [10, 20, 2.5]),
        ("collect", 60, [10]),
        ("collectSum", 95, 32.5),
        ("collectSum", 85, 30),
        ("collectMin", 95, 2.5),
        ("collectMax", 95, 20),
        ("collectCount", 95, 3),
        ("collectCount", 10, 1),
    ],
)
def test_collect_and_aggregations(
    hit_policies: DecisionRequirements, decision_id: str, score: int, expected: Any
) -> None:
    result = output(hit_policies, decision_id, score=score)
    assert result == expected
    assert type(result) is type(expected)


def test_rule_order_with_several_outputs(hit_policies: DecisionRequirements) -> None:
    assert output(hit_policies, "ruleOrder", score=90) == [
        {"level": "medium", "points": 10},
        {"level": "high", "points": 20},
    ]
    assert output(hit_policies, "ruleOrder", score=60) == [{"level": "medium", "points": 10}]


def test_output_order(hit_policies: DecisionRequirements) -> None:
    assert output(hit_policies, "outputOrder", score=90) == ["high", "medium", "low"]
    assert output(hit_policies, "outputOrder", score=60) == ["medium", "low"]


def test_single_result_with_several_outputs_is_a_context(
    hit_policies: DecisionRequirements,
) -> None:
    assert output(hit_policies, "multiUnique", score=70) == {"level": "high", "points": 140}
    assert output(hit_policies, "multiUnique", score=1) == {"level": "low", "points": 5}


@pytest.mark.parametrize(
    "decision_id", ["unique", "first", "ruleOrder", "outputOrder", "collect", "collectSum"]
)
def test_no_match_is_null(hit_policies: DecisionRequirements, decision_id: str) -> None:
    # A null score satisfies no comparison, and no rule of these tables has a '-' entry
    # that could match it except 'first' (whose catch-all row matches) and 'outputOrder'.
    result = evaluate_decision(hit_policies, decision_id, {"score": None})
    if decision_id in ("first", "outputOrder"):
        assert result.traces[-1].matched_rules != ()
        return
    assert result.output is None
    assert result.traces[-1].matched_rules == ()


def test_default_output_entry_when_nothing_matches(hit_policies: DecisionRequirements) -> None:
    assert output(hit_policies, "withDefault", score=1) == "none"
    assert output(hit_policies, "withDefault", score=1001) == "huge"


# --- DRG, literal expressions, traces -------------------------------------------------------


CASES = [
    ({"lossAmount": 5, "consequence": "minor", "personalGain": False,
      "collectiveDecision": True}, "较轻", "免责"),
    ({"lossAmount": 5, "consequence": "serious", "personalGain": False,
      "collectiveDecision": False}, "较重", "从轻或减轻"),
    ({"lossAmount": 50, "consequence": "none", "personalGain": True,
      "collectiveDecision": True}, "较重", "不予容错"),
    ({"lossAmount": 500, "consequence": "none", "personalGain": False,
      "collectiveDecision": True}, "严重", "依规处理"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "severity", "suggestion"), CASES)
def test_required_decisions_are_evaluated_first(
    exemption: DecisionRequirements, case: dict[str, Any], severity: str, suggestion: str
) -> None:
    result = evaluate_decision(exemption, "exemptionSuggestion", {"case": case})
    assert result.output["suggestion"] == suggestion
    assert [t.decision_id for t in result.traces] == ["lossSeverity", "exemptionSuggestion"]
    assert result.traces[0].output == severity


def test_literal_expression_sees_required_results_and_each_runs_once(
    exemption: DecisionRequirements,
) -> None:
    case = dict(CASES[0][0])
    result = evaluate_decision(exemption, "summary", {"case": case})
    assert result.output == "免责（较轻，30日内复核）"
    assert [t.decision_id for t in result.traces] == [
        "lossSeverity",
        "exemptionSuggestion",
        "summary",
    ]
    literal = result.traces[-1]
    assert literal.kind == "LITERAL_EXPRESSION"
    assert literal.decision_type == "LITERAL_EXPRESSION"
    assert literal.decision_name == "结论摘要"
    assert (literal.evaluated_inputs, literal.matched_rules) == ((), ())


def test_trace_has_inputs_rules_and_outputs(exemption: DecisionRequirements) -> None:
    case = dict(CASES[1][0])
    trace = evaluate_decision(exemption, "exemptionSuggestion", {"case": case}).traces[-1]
    assert trace.decision_name == "处理建议"
    assert trace.kind == "DECISION_TABLE"
    assert trace.output == {"suggestion": "从轻或减轻", "reviewDays": 30}
    assert trace.evaluated_inputs == (
        {"inputId": "severityInput", "inputName": "损失程度", "inputValue": "较重"},
        {"inputId": "personalGainInput", "inputName": "谋取私利", "inputValue": False},
        {"inputId": "collectiveInput", "inputName": "集体决策", "inputValue": False},
    )
    assert trace.matched_rules == (
        {
            "ruleId": "mitigate",
            "ruleIndex": 3,
            "evaluatedOutputs": [
                {"outputId": "suggestionOutput", "outputName": "suggestion",
                 "outputValue": "从轻或减轻"},
                {"outputId": "reviewDaysOutput", "outputName": "reviewDays", "outputValue": 30},
            ],
        },
    )  # fmt: skip


def test_literal_expression_uses_the_engine_clock() -> None:
    drg = load("deadline_dmn12.dmn")
    variables = {"receivedOn": "2026-09-01", "days": 15}
    assert evaluate_decision(drg, "replyDue", variables).output == "2026-09-16"
    assert evaluate_decision(drg, "overdue", variables, now_ms=PINNED_MS).output is True
    early = PINNED_MS - 10 * 86_400_000
    assert evaluate_decision(drg, "overdue", variables, now_ms=early).output is False


# --- errors --------------------------------------------------------------------------------


def test_missing_decision(exemption: DecisionRequirements) -> None:
    with pytest.raises(DecisionError, match=r"decision 'nope'.*no decision with id 'nope'"):
        evaluate_decision(exemption, "nope", {})


def test_bad_feel_in_a_rule_names_decision_and_rule() -> None:
    body = SIMPLE_TABLE.replace("{policy}", "UNIQUE").replace(
        "<text>-</text>", "<text>&gt;= [1</text>"
    )
    drg = parse_dmn(dmn(body), "bad-feel.dmn")
    with pytest.raises(DecisionError) as caught:
        evaluate_decision(drg, "d1", {"x": 1})
    assert caught.value.decision_id == "d1"
    assert caught.value.rule_id == "r1"
    assert "rule 'r1'" in str(caught.value)
    assert "syntax error" in str(caught.value)


def test_bad_feel_in_an_output_entry() -> None:
    body = SIMPLE_TABLE.replace("{policy}", "UNIQUE").replace("<text>1</text>", "<text>1 +</text>")
    drg = parse_dmn(dmn(body), "bad-output.dmn")
    with pytest.raises(DecisionError, match=r"decision 'd1', rule 'r1'.*output entry of 'o1'"):
        evaluate_decision(drg, "d1", {"x": 1})


def test_aggregation_of_non_numbers_fails() -> None:
    body = (
        SIMPLE_TABLE.replace("{policy}", "COLLECT")
        .replace('hitPolicy="COLLECT"', 'hitPolicy="COLLECT" aggregation="SUM"')
        .replace("<text>1</text>", '<text>"one"</text>')
    )
    drg = parse_dmn(dmn(body), "sum.dmn")
    with pytest.raises(DecisionError, match="aggregation SUM needs numbers"):
        evaluate_decision(drg, "d1", {"x": 1})


def test_non_json_variables_fail_cleanly(hit_policies: DecisionRequirements) -> None:
    with pytest.raises(DecisionError, match=r"decision 'unique'.*JSON"):
        evaluate_decision(hit_policies, "unique", {"score": object()})


# --- comparison of incompatible types --------------------------------------------------------


# Zeebe's FEEL engine: comparing values of different types is null, and a null input entry
# does not match (https://docs.camunda.io/docs/components/modeler/feel/language-guide/feel-boolean-expressions/).
@pytest.mark.parametrize(
    ("entry", "value", "matches"),
    [
        ("&gt;= 3", "text", False),
        ("&lt; 3", "text", False),
        ("not(&lt; 3)", "text", False),
        ("[1..5]", "3", False),
        ('"a", &gt; 3', "a", True),
        ("&gt;= 3", 4, True),
        ("not(&lt; 3)", 4, True),
    ],
)
def test_rule_with_input_of_another_type_does_not_match(
    entry: str, value: Any, matches: bool
) -> None:
    body = SIMPLE_TABLE.replace("{policy}", "FIRST").replace(
        "<text>-</text>", f"<text>{entry}</text>"
    )
    drg = parse_dmn(dmn(body), "types.dmn")
    result = evaluate_decision(drg, "d1", {"x": value})
    assert result.output == (1 if matches else None)
    assert len(result.traces[0].matched_rules) == (1 if matches else 0)
