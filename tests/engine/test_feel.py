"""FEEL evaluation through feelin in embedded V8 (engine.feel)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.feel import (
    Feel,
    FeelError,
    evaluate_property,
    feel,
    is_expression,
)
from engine.feel.bundle import read_bundle

# 2026-09-21T14:13:20Z, i.e. 22:13:20 in Shanghai.
PINNED_MS = 1_790_000_000_000


@pytest.fixture(scope="module")
def engine_feel() -> Feel:
    return feel()


@pytest.mark.parametrize(
    ("expression", "variables", "expected"),
    [
        ("1 + 2 * 3", {}, 7),
        ("10 / 4", {}, 2.5),
        ("1.5 * 2", {}, 3),
        ("x ** 2 - y", {"x": 3, "y": 1}, 8),
        ('"立案" + "审查"', {}, "立案审查"),
        ('upper case(name) + "-" + string(n)', {"name": "ab", "n": 5}, "AB-5"),
        ('contains(title, "容错")', {"title": "申请容错免责"}, True),
        ("[1, 2, 3][item > 1]", {}, [2, 3]),
        ("for x in xs return x * 2", {"xs": [1, 2, 3]}, [2, 4, 6]),
        ("some x in xs satisfies x > 2", {"xs": [1, 2, 3]}, True),
        ("every x in xs satisfies x > 2", {"xs": [1, 2, 3]}, False),
        ("sum(xs) + count(xs)", {"xs": [1, 2, 3]}, 9),
        ("case.applicant.unit", {"case": {"applicant": {"unit": "区财政局"}}}, "区财政局"),
        ("items[2].v", {"items": [{"v": "a"}, {"v": "b"}]}, "b"),
        ('{a: 1, b: {c: "x"}}', {}, {"a": 1, "b": {"c": "x"}}),
        ('if score >= 60 then "pass" else "fail"', {"score": 61}, "pass"),
        ('if score >= 60 then "pass" else "fail"', {"score": 59}, "fail"),
        ("a < b and b <= 3", {"a": 1, "b": 3}, True),
        ('s = "x" or n != 2', {"s": "y", "n": 2}, False),
        ("x in [1..5]", {"x": 5}, True),
        ("x in (1..5)", {"x": 5}, False),
        ("`case no` + 1", {"case no": 1}, 2),
    ],
)
def test_evaluates_core_feel(
    engine_feel: Feel, expression: str, variables: dict[str, Any], expected: Any
) -> None:
    assert engine_feel.evaluate(expression, variables) == expected


def test_integral_numbers_come_back_as_int(engine_feel: Feel) -> None:
    result = engine_feel.evaluate("2.5 * 2", {})
    assert result == 5
    assert type(result) is int


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('date("2026-09-28") + duration("P7D")', "2026-10-05"),
        ('date("2026-09-28") - date("2026-09-21")', "P7D"),
        ('date("2026-01-31") + duration("P1M")', "2026-02-28"),
        (
            'date and time("2026-10-13T00:00:00+08:00") + duration("PT1H")',
            "2026-10-13T01:00:00+08:00",
        ),
        ('date and time("2026-10-13T00:00:00@Asia/Shanghai")', "2026-10-13T00:00:00+08:00"),
        ('duration("PT1H") + duration("PT30M")', "PT1H30M"),
        ('years and months duration(date("2024-03-01"), date("2026-09-01"))', "P2Y6M"),
        ('date("2026-10-05") > date("2026-09-28")', True),
        ("date(deadline).weekday", 1),
        ('time("10:30:00")', "10:30:00"),
    ],
)
def test_date_and_time(engine_feel: Feel, expression: str, expected: Any) -> None:
    assert engine_feel.evaluate(expression, {"deadline": "2026-10-05"}) == expected


def test_now_and_today_follow_the_engine_clock(engine_feel: Feel) -> None:
    assert engine_feel.evaluate("now()", {}, now_ms=PINNED_MS) == "2026-09-21T14:13:20+00:00"
    assert engine_feel.evaluate("today()", {}, now_ms=PINNED_MS) == "2026-09-21"
    later = PINNED_MS + 86_400_000
    assert engine_feel.evaluate("today()", {}, now_ms=later) == "2026-09-22"
    assert engine_feel.evaluate(
        'now() > date and time("2026-09-21T14:13:19Z")', {}, now_ms=PINNED_MS
    )


def test_now_without_pinned_clock_is_the_host_clock(engine_feel: Feel) -> None:
    first = engine_feel.evaluate("now()", {})
    host = datetime.now(UTC)
    parsed = datetime.fromisoformat(first)
    assert abs((parsed - host).total_seconds()) < 60


def test_time_zone_applies_to_now() -> None:
    shanghai = Feel(time_zone="Asia/Shanghai")
    try:
        assert shanghai.evaluate("now()", {}, now_ms=PINNED_MS) == "2026-09-21T22:13:20+08:00"
        # 20:00 UTC on the 21st is already the 22nd in Shanghai.
        evening = PINNED_MS + 6 * 3_600_000
        assert shanghai.evaluate("today()", {}, now_ms=evening) == "2026-09-22"
    finally:
        shanghai.close()


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        Feel(time_zone="Mars/Olympus")


def test_null_handling_follows_zeebe(engine_feel: Feel) -> None:
    assert engine_feel.evaluate("missing", {}) is None
    assert engine_feel.evaluate("a.b.c", {"a": {}}) is None
    assert engine_feel.evaluate("x = null", {"x": None}) is True
    assert engine_feel.evaluate("missing = null", {}) is True
    assert engine_feel.evaluate('if missing = null then "prio-99" else missing', {}) == "prio-99"
    assert engine_feel.evaluate("1 + null", {}) is None


def test_warnings_explain_a_null_result(engine_feel: Feel) -> None:
    result = engine_feel.evaluate_detailed("applicant.name", {})
    assert result.value is None
    assert result.warnings[0].type == "NO_VARIABLE_FOUND"
    assert "applicant" in result.warnings[0].message
    assert engine_feel.evaluate_detailed("1", {}).warnings == ()


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        ("-", "anything", True),
        ("", None, True),
        (">= 3", 3, True),
        (">= 3", 2, False),
        ("< 10", 9.5, True),
        ("[1..5]", 5, True),
        ("[1..5)", 5, False),
        ("(1..5]", 1, False),
        ('"a","b"', "b", True),
        ('"a","b"', "c", False),
        ('not("x")', "y", True),
        ('not("x")', "x", False),
        ("not([1..3])", 4, True),
        ("> limit", 11, True),
        ('[date("2026-01-01")..date("2026-12-31")]', None, False),
        ("null", None, True),
        ("true", True, True),
        ("true", False, False),
    ],
)
def test_unary_tests(engine_feel: Feel, test: str, value: Any, expected: bool) -> None:
    assert engine_feel.unary_test(test, value, {"limit": 10}) is expected


def test_unary_test_with_dates(engine_feel: Feel) -> None:
    test = '[date("2026-01-01")..date("2026-12-31")]'
    assert engine_feel.unary_test(test, None, {}) is False
    assert engine_feel.unary_test(f"date(?) in {test}", "2026-05-01", {}) is True


@pytest.mark.parametrize("expression", ["x +", "if a then", "[1, 2", "a b c d +"])
def test_syntax_error_raises_feel_error_naming_the_expression(
    engine_feel: Feel, expression: str
) -> None:
    with pytest.raises(FeelError) as caught:
        engine_feel.evaluate(expression, {"a": 1})
    assert f"'{expression}'" in str(caught.value)
    assert "syntax error" in str(caught.value)
    assert caught.value.expression == expression


def test_syntax_error_in_unary_test(engine_feel: Feel) -> None:
    with pytest.raises(FeelError, match=r"'>= \[1'"):
        engine_feel.unary_test(">= [1", 1, {})


def test_non_json_variables_are_a_clear_error(engine_feel: Feel) -> None:
    with pytest.raises(FeelError, match="not JSON-compatible"):
        engine_feel.evaluate("x", {"x": object()})
    with pytest.raises(FeelError, match="not JSON-compatible"):
        engine_feel.evaluate("x", {"x": float("nan")})


def test_runaway_expression_times_out() -> None:
    quick = Feel(timeout_seconds=0.2)
    try:
        with pytest.raises(FeelError, match=r"stopped at the time limit of 0\.2 s"):
            quick.evaluate("count(for i in 1..100000000 return i)", {})
        assert quick.evaluate("1 + 1", {}) == 2
    finally:
        quick.close()


def test_repeated_evaluation_is_cached() -> None:
    local = Feel()
    try:
        variables = {"xs": [1, 2, 3]}
        assert local.evaluate("for x in xs return x * 2", variables) == [2, 4, 6]
        assert (local.cache_hits, local.cache_misses) == (0, 1)
        first = local.evaluate("for x in xs return x * 2", variables)
        assert local.cache_hits == 1
        # Callers get their own copy: mutating a result must not change the next one.
        first.append(99)
        assert local.evaluate("for x in xs return x * 2", variables) == [2, 4, 6]
        with pytest.raises(FeelError):
            local.evaluate("x +", {})
        with pytest.raises(FeelError):
            local.evaluate("x +", {})
        assert local.cache_hits == 3
    finally:
        local.close()


def test_clock_dependent_results_are_not_cached_without_a_pinned_clock() -> None:
    local = Feel()
    try:
        local.evaluate("today()", {})
        local.evaluate("today()", {})
        assert local.cache_hits == 0
        local.evaluate("today()", {}, now_ms=PINNED_MS)
        assert local.evaluate("today()", {}, now_ms=PINNED_MS + 86_400_000) == "2026-09-22"
    finally:
        local.close()


def test_large_variable_documents_are_not_cached() -> None:
    local = Feel()
    try:
        big = {"text": "x" * 20_000}
        assert local.evaluate("string length(text)", big) == 20_000
        assert local.evaluate("string length(text)", big) == 20_000
        assert local.cache_hits == 0
    finally:
        local.close()


def test_concurrent_use_from_threads(engine_feel: Feel) -> None:
    failures: list[str] = []

    def work(n: int) -> None:
        for i in range(30):
            got = engine_feel.evaluate("a * b", {"a": n, "b": i})
            if got != n * i:
                failures.append(f"{n}*{i}={got}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_is_expression_and_evaluate_property() -> None:
    assert is_expression("=a + 1")
    assert not is_expression("review-case")
    assert evaluate_property("=a + 1", {"a": 1}) == 2
    assert evaluate_property("review-case", {"a": 1}) == "review-case"
    assert evaluate_property('="job-" + kind', {"kind": "x"}) == "job-x"


def test_missing_bundle_says_run_make_setup(tmp_path: Path) -> None:
    with pytest.raises(FeelError, match="run make setup"):
        read_bundle(tmp_path / "feelin.bundle.js")


# --- Camunda extensions and Zeebe semantics beyond feelin ------------------------------------
# Boolean functions: https://docs.camunda.io/docs/components/modeler/feel/builtin-functions/feel-built-in-functions-boolean/


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("is defined(1)", True),
        ("is defined(null)", False),
        ("is defined(x)", True),
        ("is defined(missing)", False),
        ("is defined(x.y)", False),
        ("is defined(empty)", False),
        ('get or else("this", "default")', "this"),
        ('get or else(null, "default")', "default"),
        ("get or else(null, null)", None),
        ('get or else(missing, "prio-99")', "prio-99"),
        ("get or else(value: empty, default: 4)", 4),
        ("assert(x, x > 0)", 1),
        ('assert(x, x != null, "x is required")', 1),
    ],
)
def test_camunda_boolean_extensions(engine_feel: Feel, expression: str, expected: Any) -> None:
    assert engine_feel.evaluate(expression, {"x": 1, "empty": None}) == expected


@pytest.mark.parametrize(
    ("expression", "cause"),
    [
        ("assert(x, x < 0)", "condition is not fulfilled"),
        ('assert(x, x < 0, "x must be negative")', "x must be negative"),
        ("assert(missing, missing != null)", "condition is not fulfilled"),
    ],
)
def test_failed_assert_fails_the_evaluation(engine_feel: Feel, expression: str, cause: str) -> None:
    # Zeebe turns the failure into an incident; here it is a FeelError naming the expression.
    with pytest.raises(FeelError, match=cause) as caught:
        engine_feel.evaluate(expression, {"x": 1})
    assert caught.value.expression == expression


# Temporal functions: https://docs.camunda.io/docs/components/modeler/feel/builtin-functions/feel-built-in-functions-temporal/
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('last day of month(date("2024-02-10"))', "2024-02-29"),
        ('last day of month(date("2026-02-01"))', "2026-02-28"),
        ('last day of month(date and time("2026-12-16T12:00:00"))', "2026-12-31"),
        ('last day of month(date and time("2026-04-30T23:00:00+08:00"))', "2026-04-30"),
        ('last day of month("2026-04-03")', None),
    ],
)
def test_last_day_of_month(engine_feel: Feel, expression: str, expected: Any) -> None:
    assert engine_feel.evaluate(expression, {}) == expected


# Comparing values of different types is null in Zeebe's FEEL, so such an input entry
# does not match: https://docs.camunda.io/docs/components/modeler/feel/language-guide/feel-boolean-expressions/
@pytest.mark.parametrize(
    ("test", "value"),
    [
        (">= 3", "text"),
        ("< 3", "text"),
        ("not(< 3)", "text"),
        ("[1..5]", "x"),
        ("not([1..5])", "x"),
        ("> limit", "11"),
        ('[date("2026-01-01")..date("2026-12-31")]', "2026-05-01"),
        ('> duration("P1D")', 3),
        ("3", "3"),
        ("not(3)", "3"),
    ],
)
def test_unary_test_on_another_type_does_not_match(
    engine_feel: Feel, test: str, value: Any
) -> None:
    assert engine_feel.unary_test(test, value, {"limit": 10}) is False


def test_mismatched_test_in_a_list_does_not_hide_a_matching_one(engine_feel: Feel) -> None:
    assert engine_feel.unary_test('"a", > 3', "a", {}) is True
    assert engine_feel.unary_test('"a", > 3', "b", {}) is False
    assert engine_feel.unary_test("not(< 3)", 4, {}) is True


# Temporal expressions (multiplication, division):
# https://docs.camunda.io/docs/components/modeler/feel/language-guide/feel-temporal-expressions/
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('duration("PT1H") * 2', "PT2H"),
        ('2 * duration("PT1H")', "PT2H"),
        ('duration("P1D") * 1.5', "P1DT12H"),
        ('duration("-PT90M") * 2', "-PT3H"),
        ('duration("P1Y") * 2', "P2Y"),
        ('duration("PT1H") / 2', "PT30M"),
        ('duration("P1Y") / 2', "P6M"),
        ('duration("P1Y") / duration("P1M")', 12),
        ('duration("P1D") / duration("PT1H")', 24),
        ('duration("P1D") / duration("P1M")', None),
        ('duration("P1D") / 0', None),
        ('date("2026-09-28") + duration("P1D") * days', "2026-10-05"),
        ("10 / 4", 2.5),
        ("1 / 0", None),
        ('"a" * 2', None),
    ],
)
def test_duration_multiplication_and_division(
    engine_feel: Feel, expression: str, expected: Any
) -> None:
    assert engine_feel.evaluate(expression, {"days": 7}) == expected


def test_invalid_operands_keep_feelins_warning(engine_feel: Feel) -> None:
    result = engine_feel.evaluate_detailed('"a" * 2', {})
    assert result.value is None
    assert [w.type for w in result.warnings] == ["INVALID_TYPE"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"text" >= 3', None),
        ('"text" < 3', None),
        ('3 > "a"', None),
        ('date("2026-01-01") < 3', None),
        ("true > false", None),
        ("[1, 2] < [1, 3]", None),
        ('"b" > "a"', True),
        ("2 <= 2", True),
        ('date("2026-01-01") >= date("2026-01-01")', True),
        ('duration("P1D") > duration("PT1H")', True),
        ('time("10:00:00") < time("11:00:00")', True),
        ("not(x > 2)", True),
        ("null < 1", None),
    ],
)
def test_comparison_of_different_types_is_null(
    engine_feel: Feel, expression: str, expected: Any
) -> None:
    assert engine_feel.evaluate(expression, {"x": 1}) == expected


def test_incomparable_operands_are_reported(engine_feel: Feel) -> None:
    result = engine_feel.evaluate_detailed('score >= 60 or "x" > 1', {"score": 59})
    assert result.value is None
    assert result.warnings[0].type == "NOT_COMPARABLE"
    assert "string with a number" in result.warnings[0].message


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[1, 2, 3][item * 2 > 2]", [2, 3]),
        ("count([1, 2, 3][item >= 2])", 2),
        ("[{a: 1}, {a: 5}][a >= 2].a", [5]),
        ("for i in [1, 2] return i * n", [3, 6]),
        ("(function(y) y * 2 >= 4)(n)", True),
        ("{a: n * 3}.a", 9),
        ("n between 0 and 3", True),
        ("`case no` * 2 > 1", True),
    ],
)
def test_rewritten_operators_keep_feel_structure(
    engine_feel: Feel, expression: str, expected: Any
) -> None:
    assert engine_feel.evaluate(expression, {"n": 3, "case no": 1}) == expected
