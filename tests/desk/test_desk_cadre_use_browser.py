"""Article 18 in the desk, in Chromium at 1366 px against the real engine (demo identity), the
workers and the desk server: a case whose determination recognised the exemption reaches 区委组织部
(刘洋), who records on the task page how the result was used in assessment and appointment; the
case page's history shows the record and who made it. The case is driven to that step by
tests/procedure/case_steps.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.desk import desk_pages
from tests.desk.desk_pages import Screenshots, fill_date, no_ascii_words, submit
from tests.desk.live_stack import LiveProcedure, LiveStack
from tests.desk.test_desk_browser import signed_in
from tests.desk.test_desk_tasks_live import steps
from tests.procedure import case_steps

ORG_DEPARTMENT = ("orgdept", "demo-orgdept")
pytestmark = pytest.mark.timeout(300)

stack = desk_pages.stack
browser = desk_pages.browser
desk = desk_pages.desk
patient_expectations = desk_pages.patient_expectations  # autouse
shot = Screenshots("cadre-use")


def test_the_organisation_department_records_how_a_recognised_exemption_was_used(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    cases = LiveProcedure(stack)
    case = steps(lambda: cases.start_case(case_steps.application(districtManagedCadre=False)))
    steps(lambda: case_steps.joint_acceptance_review(cases, case))
    findings = {"dept-audit": case_steps.finding("dept-audit", "容缺受理程序有会议纪要支持")}
    steps(lambda: case_steps.joint_investigation(cases, case, findings))
    opinion = case_steps.recognising_opinion(publicity=False)
    steps(lambda: case_steps.determination(cases, case, opinion))
    steps(lambda: case_steps.org_personnel_signs(cases, case))

    task = stack.wait_for_task(ORG_DEPARTMENT, "recordCadreUse")
    department = signed_in(browser, desk, *ORG_DEPARTMENT)
    department.get_by_role("link", name="待办任务").click()
    row = department.locator("tr", has_text="区委组织部记录认定结果运用情况")
    expect(row).to_be_visible()
    shot(department, "0-inbox")
    department.goto(f"{desk}/#/task/{task['userTaskKey']}")
    expect(department.locator("main")).to_contain_text("第十八条")
    department.get_by_label("在考核评价中的运用").fill(
        "2026年度考核中客观评价，不因本次容错免责事项降低考核等次"
    )
    department.get_by_label("在选拔任用中的运用").fill("纳入优秀年轻干部人选，选拔任用不受影响")
    department.get_by_label("备注").fill("审定意见已归入干部档案")
    department.get_by_label("记录人").fill("刘洋")
    fill_date(department, "记录日期", "2026-10-20")
    no_ascii_words(department)
    shot(department, "1-form")
    submit(department)

    steps(lambda: case_steps.applicant_service_proof(cases, case))
    steps(lambda: case_steps.subject_applies_outcome(cases, case))
    steps(lambda: cases.wait_until_closed(case))

    department.goto(f"{desk}/#/case/{case.key}")
    history = department.locator("table.business-history")
    recorded = history.locator("tr", has_text="区委组织部记录认定结果运用情况")
    expect(recorded).to_contain_text("考核评价：2026年度考核中客观评价")
    expect(recorded).to_contain_text("选拔任用：纳入优秀年轻干部人选")
    expect(recorded).to_contain_text("记录人：刘洋")
    expect(recorded).to_contain_text("刘洋（区委组织部）")
    no_ascii_words(department)
    shot(department, "2-case-page")
