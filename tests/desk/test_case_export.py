"""The case index's outcomes and filters, and the spreadsheet built from them (fast, no server)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from desk.case_export import workbook_bytes
from desk.case_index import CaseQuery, CaseRow


def case(key: str, state: str, started: datetime, **variables: object) -> CaseRow:
    row = CaseRow(key=key, state=state, started=started, ended=None, variables=dict(variables))
    row.stage = "已办结" if state != "ACTIVE" else "调查核实"
    return row


CASES = [
    case("1", "COMPLETED", datetime(2026, 3, 1, 2, tzinfo=UTC), applicantName="赵文华",
         applicationAccepted=False, caseNumber="游容免〔2026〕1号"),
    case("2", "COMPLETED", datetime(2026, 5, 1, 2, tzinfo=UTC), applicantName="李明",
         applicationAccepted=True, determinationRecognised=True,
         determinationOutcomes=["art9-1", "art9-4"], determinationCircumstances=["art7-2"]),
    # An objection overturned the recognition: the old outcomes do not count.
    case("3", "COMPLETED", datetime(2026, 6, 1, 2, tzinfo=UTC), applicantName="王芳",
         determinationRecognised=False, determinationOutcomes=["art9-2"]),
    case("4", "ACTIVE", datetime(2026, 12, 31, 17, tzinfo=UTC), applicantName="孙强",
         claimedCircumstances=["art7-2", "art7-8"]),
    case("5", "TERMINATED", datetime(2026, 7, 1, 2, tzinfo=UTC), applicantName="周洁"),
]  # fmt: skip


def test_outcomes_follow_the_case() -> None:
    assert [row.outcome for row in CASES] == [
        "不予受理",
        "认定容错免责",
        "不予认定容错免责",
        "办理中",
        "已终止",
    ]
    assert CASES[1].exemptions == ["第九条第（一）项", "第九条第（四）项"]
    assert CASES[2].exemptions == []
    assert CASES[3].circumstances == ["第七条第（二）项", "第七条第（八）项"]


def test_filters_combine_and_dates_are_beijing_days() -> None:
    def keys(**params: str) -> list[str]:
        query = CaseQuery.from_params(params)
        return [row.key for row in CASES if query.matches(row)]

    assert keys(applicant="赵文") == ["1"]
    assert keys(closed="true") == ["1", "2", "3", "5"]
    assert keys(outcome="办理中", stage="调查核实") == ["4"]
    # 2026-12-31 17:00 UTC is 2027-01-01 in Beijing: not in 2026.
    assert keys(**{"from": "2026-01-01", "to": "2026-12-31"}) == ["1", "2", "3", "5"]
    assert keys(number="〔2026〕1号") == ["1"]
    assert CaseQuery.from_params({"from": "2026-02-01"}).since == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "起始日期“2026-13-01”不是有效日期"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "起始日期不能晚于截止日期"),
        ({"stage": "stage"}, "没有名为“stage”的办理阶段"),
        ({"closed": "maybe"}, "办理状态只能是"),
    ],
)
def test_bad_filters_are_refused_in_chinese(params: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CaseQuery.from_params(params)


def test_workbook_rows_and_totals() -> None:
    book = load_workbook(io.BytesIO(workbook_bytes(CASES, "2026年")))
    rows = [tuple(c.value for c in row) for row in book["统计"].iter_rows()]
    start = rows.index(("按办理结果", None)) + 2
    end = rows.index(("合计", 5))
    counts: dict[str, int] = {}
    for name, count in rows[start:end]:
        assert isinstance(count, int)
        counts[str(name)] = count
    assert sum(counts.values()) == 5
    assert counts["认定容错免责"] == 1 and counts["不予受理"] == 1 and counts["已终止"] == 1
    art9 = rows.index(("免责结果（第九条，一案可有多项）", None))
    assert ("第九条第（一）项", 1) in rows[art9:] and ("第九条第（二）项", 0) in rows[art9:]
    listed = [tuple(c.value for c in row) for row in book["案件清单"].iter_rows()]
    assert len(listed) == 1 + 5 + 1
    assert listed[2][2] == "李明" and listed[2][10] == "第九条第（一）项、第九条第（四）项"
    assert listed[-1][1] == "共 5 件（2026年）"
