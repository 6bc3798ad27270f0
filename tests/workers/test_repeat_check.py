from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workers.rectification import CaseOpening, RectificationDataError, open_case
from workers.register import RegisteredCase, Subject
from workers.repeat_check import check_repeats

LI = Subject("person", "李明", "dept-development-reform")


def case(
    key: int,
    process_id: str,
    *,
    day: int,
    category: str | None = "project-approval",
    number: str | None = None,
    outcome: str | None = None,
    subject: Subject = LI,
    parent: int | None = None,
) -> RegisteredCase:
    return RegisteredCase(
        process_instance_key=key,
        process_id=process_id,
        procedure_name={"exemption-procedure": "容错免责办理", "rectification": "问题整改"}.get(
            process_id, "澄清了结"
        ),
        case_number=number,
        started_at=datetime(2026, 9, day, 1, tzinfo=UTC),
        ended_at=None,
        state="COMPLETED",
        subjects=(subject,),
        error_category=category,
        outcome=outcome,
        parent_process_instance_key=parent,
    )


def test_an_exempted_error_of_the_same_category_is_flagged_in_chinese() -> None:
    cases = [
        case(1, "exemption-procedure", day=2, number="游容免〔2026〕1号", outcome="认定容错免责"),
        case(2, "rectification", day=20, number="游纪整〔2026〕1号"),
    ]
    checked = check_repeats([LI], "project-approval", cases, this_case=2)
    assert checked.repeated_error
    assert checked.findings == (
        "经查登记簿，李明此前共有1件案件记录：",
        "1. 二〇二六年九月二日容错免责办理（游容免〔2026〕1号），问题类别为“项目审批”，"
        "办理结果：认定容错免责。",
        "其中1件与本案同属“项目审批”类问题，属于同一错误再次发生，建议依照"
        "《游仙区容错纠错实施办法（试行）》第十二条进行严肃处理。",
        "该类错误此前曾经容错免责认定，现再次发生，请在监督检查时重点审核。",
    )
    assert checked.to_variables()["earlierCases"][0]["sameError"] is True


def test_other_categories_clarified_reports_the_origin_and_later_cases_are_not_repeats() -> None:
    cases = [
        case(1, "exemption-procedure", day=2, category="fund-use", outcome="不予受理"),
        case(3, "clarification", day=3, number="游纪澄〔2026〕1号"),
        case(4, "reminder-warning", day=10, number="游纪提〔2026〕2号"),
        case(5, "rectification", day=11, parent=4),
        case(6, "rectification", day=25),
        case(7, "rectification", day=2, subject=Subject("person", "李明", "dept-audit")),
    ]
    checked = check_repeats(
        [LI],
        "project-approval",
        cases,
        this_case=5,
        related=[4],
        related_numbers=["游纪提〔2026〕2号"],
    )
    assert [c.process_instance_key for c in checked.earlier] == [1, 3]
    assert not checked.repeated_error
    assert checked.findings[-1] == "上述案件与本案不属同一类问题，未发现同一错误再次发生。"


def test_a_problem_passed_by_a_reminder_opens_a_case_of_the_person() -> None:
    opened = open_case(
        CaseOpening.model_validate(
            {
                "reportedProblem": {
                    "source": "written-enquiry",
                    "summary": "函询中说明不清的项目审批问题",
                    "personName": "李明",
                    "personPosition": "副局长",
                    "unitId": "dept-development-reform",
                },
                "errorCategory": "retired-code",
                "originCaseNumber": "游纪提〔2026〕2号",
            }
        )
    )
    assert opened["registerSubjects"] == [
        {"kind": "person", "name": "李明", "unitId": "dept-development-reform"}
    ]
    assert opened["errorCategory"] == "other"
    assert opened["subjectDisplayName"] == "区发展和改革局副局长李明"
    assert opened["problemSource"] == "written-enquiry"


def test_a_unit_outside_the_list_is_refused_naming_it() -> None:
    with pytest.raises(RectificationDataError, match="dept-unknown"):
        open_case(CaseOpening(unit_id="dept-unknown", problem_summary="问题"))
