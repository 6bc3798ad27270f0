"""The desk's register rules (desk/register_subjects.py, desk/register_history.py,
desk/work_statistics.py) over plain rows: whom a case concerns, a history's order, a name search,
the dashboard's Chapter 3 and 4 figures; and the desk reads a case's subjects and outcome exactly
as the repeat check does (workers/register.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from desk.case_index import CaseQuery, CaseRow
from desk.register_data import load_units
from desk.register_history import history, history_entry, subject_from_params, subjects_named
from desk.register_subjects import Subject, case_subjects, exemption_outcome
from desk.work_statistics import period_of, periods_between, work_statistics
from workers import register as workers_register

UNITS = load_units()
LI_MING = {"kind": "person", "name": "李明", "unitId": "town-xinqiao"}
XINQIAO = {"kind": "unit", "name": "新桥镇", "unitId": "town-xinqiao"}


def row(
    key: str,
    process_id: str,
    started: str,
    variables: dict[str, Any],
    *,
    state: str = "COMPLETED",
    ended: str | None = None,
) -> CaseRow:
    made = CaseRow(
        key=key,
        state=state,
        started=datetime.fromisoformat(started).replace(tzinfo=UTC),
        ended=datetime.fromisoformat(ended).replace(tzinfo=UTC) if ended else None,
        variables=variables,
        process_id=process_id,
    )
    made.subjects = case_subjects(process_id, variables, UNITS)
    return made


SAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("rectification", {"registerSubjects": [LI_MING], "registerOutcome": "已整改销号"}),
    ("clarification", {"registerSubjects": [LI_MING, XINQIAO]}),
    ("problem-screening", {"registerSubjects": [XINQIAO, {"kind": "unit", "unitId": "x"}]}),
    ("reminder-warning", {"registerSubjects": [{"kind": "robot", "unitId": "town-xinqiao"}]}),
    ("reminder-warning", {"registerSubjects": "not a list"}),
    (
        "exemption-procedure",
        {"applicantName": " 赵文华 ", "applicantUnit": "绵阳市游仙区交通运输局"},
    ),
    ("exemption-procedure", {"applicantName": "王五", "applicantUnit": "不存在的单位"}),
    ("exemption-procedure", {"applicantType": "unit", "applicantName": "游仙区审计局"}),
    (
        "exemption-procedure",
        {"applicantName": "赵文华", "applicantUnit": "区交通运输局", "applicationAccepted": False},
    ),
    ("exemption-procedure", {"withdrawal": {"withdrawn": True}, "determinationRecognised": True}),
    ("exemption-procedure", {"determinationRecognised": False}),
    ("exemption-procedure", {"registerOutcome": "认定容错免责", "applicationAccepted": False}),
]


@pytest.mark.parametrize(("process_id", "variables"), SAMPLES)
def test_the_desk_reads_subjects_and_outcomes_as_the_repeat_check_does(
    process_id: str, variables: dict[str, Any]
) -> None:
    instance = {"processInstanceKey": "1", "processDefinitionId": process_id, "state": "ACTIVE"}
    theirs = workers_register.registered_case(instance, variables)
    ours = case_subjects(process_id, variables, UNITS)
    assert [(s.kind, s.name, s.unit_id) for s in ours] == [
        (s.kind, s.name, s.unit_id) for s in theirs.subjects
    ]
    if process_id == "exemption-procedure":
        assert exemption_outcome(variables) == theirs.outcome


def test_the_procedure_table_names_the_procedures_as_the_register_does() -> None:
    from desk.procedures import PROCEDURE_BY_ID

    assert set(PROCEDURE_BY_ID) == set(workers_register.PROCEDURE_IDS)
    for process_id, procedure in PROCEDURE_BY_ID.items():
        assert procedure.name == workers_register.PROCEDURE_NAMES[process_id]


def test_a_history_lists_the_persons_cases_across_procedures_oldest_first() -> None:
    rows = [
        row("3", "clarification", "2026-09-01T02:00:00", {"registerSubjects": [LI_MING]}),
        row(
            "1",
            "rectification",
            "2026-03-01T02:00:00",
            {
                "registerSubjects": [LI_MING],
                "caseNumber": "游纪整〔2026〕1号",
                "errorCategory": "fund-use",
                "registerOutcome": "已整改销号",
            },
            ended="2026-05-01T02:00:00",
        ),
        row("2", "reminder-warning", "2026-04-01T02:00:00", {"registerSubjects": [XINQIAO]}),
        # Same name, another unit: another person.
        row(
            "4",
            "rectification",
            "2026-02-01T02:00:00",
            {"registerSubjects": [{**LI_MING, "unitId": "dept-audit"}]},
        ),
        row(
            "5",
            "clarification",
            "2026-10-01T02:00:00",
            {"registerSubjects": [{**LI_MING, "name": "李 明"}]},
            state="ACTIVE",
        ),
    ]
    found = history(rows, Subject("person", "李明", "town-xinqiao"))
    assert [r.key for r in found] == ["1", "3", "5"]
    first = history_entry(found[0], UNITS)
    assert first["procedureName"] == "问题整改"
    assert first["errorCategory"] == "资金使用"
    assert first["outcome"] == "已整改销号"
    assert first["started"] == "2026年3月1日 10:00"
    assert history_entry(found[2], UNITS)["outcome"] == "办理中"
    assert [r.key for r in history(rows, Subject("unit", "", "town-xinqiao"))] == ["2"]


def test_a_name_search_finds_each_person_and_unit_once() -> None:
    rows = [
        row("1", "rectification", "2026-03-01T02:00:00", {"registerSubjects": [LI_MING]}),
        row("2", "clarification", "2026-04-01T02:00:00", {"registerSubjects": [LI_MING]}),
        row("3", "reminder-warning", "2026-04-01T02:00:00", {"registerSubjects": [XINQIAO]}),
    ]
    found = subjects_named(rows, "李明", UNITS)
    assert found == [
        {
            "kind": "person",
            "kindName": "个人",
            "name": "李明",
            "unitId": "town-xinqiao",
            "unitName": UNITS.name_of("town-xinqiao"),
            "cases": 2,
        }
    ]
    assert [item["name"] for item in subjects_named(rows, "新桥", UNITS)] == ["新桥镇"]
    assert subjects_named(rows, "张三", UNITS) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "robot", "unit": "x", "name": "a"}, "登记对象类别"),
        ({"kind": "person", "unit": "", "name": "李明"}, "所在单位"),
        ({"kind": "person", "unit": "town-xinqiao", "name": ""}, "姓名"),
    ],
)
def test_a_bad_history_query_is_refused_naming_the_field(
    params: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        subject_from_params(params)


def test_the_search_filters_by_procedure_and_matches_whom_a_case_concerns() -> None:
    rectification = row(
        "1", "rectification", "2026-03-01T02:00:00", {"registerSubjects": [LI_MING]}
    )
    rectification.subject_units = "新桥镇"
    exemption = row("2", "exemption-procedure", "2026-03-01T02:00:00", {"applicantName": "赵文华"})
    assert CaseQuery.from_params({"procedure": "rectification"}).matches(rectification)
    assert not CaseQuery.from_params({"procedure": "rectification"}).matches(exemption)
    assert CaseQuery.from_params({"applicant": "李明"}).matches(rectification)
    assert CaseQuery.from_params({"unit": "新桥"}).matches(rectification)
    assert CaseQuery.from_params({"applicant": "赵文华"}).matches(exemption)
    with pytest.raises(ValueError, match="办理程序"):
        CaseQuery.from_params({"procedure": "no-such-procedure"})
    assert rectification.to_json()["procedureName"] == "问题整改"
    assert rectification.to_json()["outcome"] == "已办结"


def test_periods_are_chinese_quarters_or_months_and_none_is_skipped() -> None:
    assert period_of(date(2026, 8, 31), "quarter") == "2026年第三季度"
    assert period_of(date(2026, 8, 31), "month") == "2026年8月"
    assert periods_between(date(2026, 1, 15), date(2026, 7, 1), "quarter") == [
        "2026年第一季度",
        "2026年第二季度",
        "2026年第三季度",
    ]
    assert len(periods_between(date(2025, 11, 1), date(2026, 2, 1), "month")) == 4


def test_work_statistics_count_open_overdue_and_outcomes_per_period() -> None:
    rows = [
        row("1", "rectification", "2026-03-01T02:00:00", {}, state="ACTIVE"),
        row(
            "2",
            "clarification",
            "2026-03-01T02:00:00",
            {"registerOutcome": "已了结；错告误告，不予追究"},
            ended="2026-05-01T02:00:00",
        ),
        row(
            "3",
            "clarification",
            "2026-03-01T02:00:00",
            {"registerOutcome": "已了结并说明"},
            ended="2026-08-01T02:00:00",
        ),
        # Outside the period, and the exemption work is not Chapter 3 or 4.
        row("4", "clarification", "2025-03-01T02:00:00", {}, ended="2025-05-01T02:00:00"),
        row("5", "exemption-procedure", "2026-03-01T02:00:00", {}, state="ACTIVE"),
    ]
    tasks = [
        {
            "processDefinitionId": "problem-screening",
            "candidateGroups": ["town-xinqiao"],
            "processInstanceKey": "9",
            "name": "单位报送排查梳理分析报告",
        },
        {"processDefinitionId": "exemption-procedure", "candidateGroups": ["leading-group"]},
    ]
    found = work_statistics(
        rows, tasks, UNITS.names, date(2026, 1, 1), date(2026, 12, 31), "quarter"
    )
    assert {item["label"]: item["value"] for item in found["open"]}["问题整改"] == 1
    assert "容错免责办理" not in found["procedures"]
    assert {i["label"]: i["value"] for i in found["overdueByProcedure"]}["定期排查梳理"] == 1
    assert found["overdueByUnit"] == [{"label": UNITS.name_of("town-xinqiao"), "value": 1}]
    clarification = next(o for o in found["outcomes"] if o["procedureName"] == "澄清了结")
    assert clarification["series"] == ["已了结", "已了结并说明"]
    by_period = {r["label"]: r["values"] for r in clarification["rows"]}
    assert by_period == {
        "2026年第一季度": {},
        "2026年第二季度": {"已了结": 1},
        "2026年第三季度": {"已了结并说明": 1},
        "2026年第四季度": {},
    }
