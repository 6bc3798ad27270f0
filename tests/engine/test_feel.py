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
        with pytest.raises(FeelError, match="Timeout"):
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
