"""The periodic screening's workers (Art. 10, workers/screening.py) without an engine: who screens
and by when, the overdue reminder, the report's text, what a referral carries, and that the
forms offer exactly the units of workers/data/district-units.json."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from workers.organisation import district_unit_ids
from workers.screening import (
    FiledAnalysis,
    OverdueScreening,
    Referral,
    ReferredProblem,
    ScreeningDataError,
    ScreeningFacts,
    ScreeningRequest,
    UnitAnalysis,
    mark_overdue,
    prepare_screening,
    referral_variables,
    screening_outcome,
    screening_report,
)

BEIJING = timezone(timedelta(hours=8))
FORMS = Path(__file__).resolve().parents[2] / "forms"
QUARTER_DAY = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 Beijing


def test_timer_started_screening_covers_every_unit_for_the_quarter(data_dir: Path) -> None:
    prepared = prepare_screening(ScreeningRequest(), 101, QUARTER_DAY)
    assert prepared["caseNumber"] == "游纪排〔2027〕1号"
    assert prepared["screeningPeriod"] == "2027年第一季度"
    assert prepared["screeningOccasion"] == "定期排查"
    assert prepared["screeningUnits"] == list(district_unit_ids())
    assert prepared["screeningDueAt"] == "2027-01-21T17:30:00+08:00"
    assert prepared["procedureName"] == "定期排查梳理"
    # the same instance asking again keeps its number; the next instance takes the next one
    assert (
        prepare_screening(ScreeningRequest(), 101, QUARTER_DAY)["caseNumber"] == "游纪排〔2027〕1号"
    )
    assert (
        prepare_screening(ScreeningRequest(), 102, QUARTER_DAY)["caseNumber"] == "游纪排〔2027〕2号"
    )


def test_ad_hoc_screening_of_chosen_units(data_dir: Path) -> None:
    request = ScreeningRequest.model_validate(
        {
            "screeningAllUnits": False,
            "screeningUnits": ["dept-audit", "town-shima", "dept-audit"],
            "screeningFilingDays": 5,
        }
    )
    prepared = prepare_screening(request, 7, datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert prepared["screeningUnits"] == ["dept-audit", "town-shima"]
    assert prepared["screeningUnitNames"] == {"dept-audit": "区审计局", "town-shima": "石马镇"}
    assert prepared["screeningPeriod"] == "2026年12月（临时部署）"  # 12-01 in Beijing
    assert prepared["screeningDueAt"] == "2026-12-06T17:30:00+08:00"
    assert prepared["registerSubjects"][1] == {
        "kind": "unit",
        "name": "石马镇",
        "unitId": "town-shima",
    }


@pytest.mark.parametrize(
    ("units", "message"), [(["dept-nowhere"], "不在单位名录中"), ([], "未选择排查单位")]
)
def test_bad_unit_choice_is_refused_in_chinese(
    data_dir: Path, units: list[str], message: str
) -> None:
    request = ScreeningRequest(screening_all_units=False, screening_units=units)
    with pytest.raises(ScreeningDataError, match=message):
        prepare_screening(request, 1, QUARTER_DAY)


def test_overdue_marks_and_words_the_reminder() -> None:
    marked = mark_overdue(
        OverdueScreening(
            screening_unit="town-xianhe",
            screening_due_at="2027-01-21T17:30:00+08:00",
            case_number="游纪排〔2027〕1号",
            screening_period="2027年第一季度",
        ),
        datetime(2027, 1, 21, 9, 30, tzinfo=UTC),
    )
    assert marked["screeningOverdue"] is True
    assert marked["screeningReminder"] == (
        "仙鹤镇2027年第一季度排查梳理分析（游纪排〔2027〕1号）应于2027年1月21日前报送，"
        "现已逾期，请抓紧报送。"
    )


def _facts(referred: list[ReferredProblem] | None) -> ScreeningFacts:
    return ScreeningFacts(
        case_number="游纪排〔2027〕1号",
        screening_period="2027年第一季度",
        screening_occasion="定期排查",
        screening_analyses=[
            FiledAnalysis(
                unit_id="dept-audit",
                unit_name="区审计局",
                analysis=UnitAnalysis(petition_findings="收到信访件1件", tendencies="外包风险"),
            ),
            FiledAnalysis(unit_id="town-xianhe", unit_name="仙鹤镇", overdue=True),
        ],
        screening_assessment="工程建设领域风险突出。",
        referred_problems=referred,
    )


def test_report_lists_units_overdue_and_referrals() -> None:
    problem = ReferredProblem(
        source="petition",
        summary="项目验收中打招呼",
        person_name="郑海波",
        person_position="副局长",
        unit_id="dept-housing-construction",
    )
    document = screening_report(_facts([problem]), date(2027, 2, 1))
    text = "".join(document.paragraphs)
    assert document.title == "关于2027年第一季度问题排查梳理情况的分析报告"
    assert document.document_number == "游纪排〔2027〕1号"
    assert "共部署2个单位党组织" in text and "其中仙鹤镇逾期报送" in text
    assert "（一）区审计局。信访反映方面：收到信访件1件。苗头性、倾向性问题：外包风险。" in text
    assert "（二）仙鹤镇。未发现问题。" in text
    assert (
        "（一）区住房和城乡建设局副局长郑海波。问题来源：信访反映。反映的问题：项目验收中打招呼。"
        "已按第十一条移交提醒告诫处置。"
    ) in text
    assert screening_outcome(_facts([problem])) == "已分析研判，移交问题线索1件"
    assert screening_outcome(_facts(None)) == "已分析研判，未发现需移交处置的问题"
    assert not any(c.isascii() and c.isalpha() for c in text)


def test_referral_carries_the_problem_and_the_register_variables() -> None:
    referral = Referral.model_validate(
        {
            "caseNumber": "游纪排〔2027〕1号",
            "referredProblem": {
                "source": "personal-matters",
                "summary": "漏报房产",
                "personName": "何晓燕",
                "unitId": "town-xianhe",
            },
        }
    )
    assert referral_variables(referral) == {
        "reportedProblem": {
            "source": "personal-matters",
            "summary": "漏报房产",
            "personName": "何晓燕",
            "personPosition": "",
            "unitId": "town-xianhe",
        },
        "registerSubjects": [{"kind": "person", "name": "何晓燕", "unitId": "town-xianhe"}],
        "errorCategory": "other",
        "caseNumber": "游纪排〔2027〕1号",
        "originCaseNumber": "游纪排〔2027〕1号",
        "originProcedureName": "定期排查梳理",
    }


def test_forms_offer_exactly_the_units_of_the_unit_list() -> None:
    start = json.loads((FORMS / "problem-screening-start.form").read_text(encoding="utf-8"))
    review = json.loads((FORMS / "problem-screening-review.form").read_text(encoding="utf-8"))
    [checklist] = [c for c in start["components"] if c.get("key") == "screeningUnits"]
    [entries] = [c for c in review["components"] if c.get("type") == "dynamiclist"]
    [unit_select] = [c for c in entries["components"] if c.get("key") == "unitId"]
    for values in (checklist["values"], unit_select["values"]):
        assert [v["value"] for v in values] == list(district_unit_ids())
