"""A clarification case (澄清了结, Art. 14) worked through the desk, in Chromium at 1366 px against
the real engine (demo identity), the workers and the desk server: the office (何平) records the
verification on its task page, the commission's leader (邓华) approves the closure, the office
records the proof of service of the letter to the unit's party organisation; the case page shows
what each step decided and the letter. The case is started through the API (the desk's start
page is another branch's work)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.desk import desk_pages
from tests.desk.desk_pages import Screenshots, fill_date, no_ascii_words, submit
from tests.desk.live_stack import LiveStack
from tests.desk.test_desk_browser import signed_in

OFFICE = ("jiwei", "demo-jiwei")
LEADER = ("weiling", "demo-weiling")
ADMIN = ("admin", "demo-admin")
REPORTER = "钱多多"
CONTACT = "13900001111"
pytestmark = pytest.mark.timeout(300)

stack = desk_pages.stack
browser = desk_pages.browser
desk = desk_pages.desk
patient_expectations = desk_pages.patient_expectations  # autouse
shot = Screenshots("clarification")


def test_office_and_leader_work_a_clarification_case_through_the_desk(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    office = signed_in(browser, desk, *OFFICE)
    office.get_by_role("link", name="举报人登记").click()
    form = office.get_by_role("form", name="登记举报人")
    form.get_by_label("举报人姓名").fill(REPORTER)
    form.get_by_label("举报人联系方式").fill(CONTACT)
    form.get_by_label("收到举报日期").fill("2026-08-20")
    form.get_by_role("button", name="登记举报人").click()
    expect(office.get_by_role("status")).to_contain_text("登记编号2026-举-001")
    no_ascii_words(office)
    shot(office, "0-reporter-register")

    started = stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "clarification",
            "variables": {
                "personName": "李明",
                "personPosition": "镇长",
                "unitId": "town-xinqiao",
                "reportSource": "letters-visits",
                "reportSummary": "反映其在场镇改造项目中违规指定施工单位",
                "reportReceivedOn": "2026-08-20",
                "reporterRef": "2026-举-001",
            },
        },
    )
    case_key = started["processInstanceKey"]

    stack.wait_for_task(OFFICE, "recordVerification")
    office.get_by_role("link", name="待办任务").click()
    row = office.locator("tr", has_text="办公室登记核查结论")
    expect(row).to_contain_text("游纪澄〔2026〕1号")
    shot(office, "1-inbox")
    row.get_by_role("link", name="办公室登记核查结论").click()
    expect(office.locator("main")).to_contain_text("反映其在场镇改造项目中违规指定施工单位")
    office.get_by_label("问题反映失实").check()
    office.get_by_label("核查情况").fill("经调取项目招标档案、询问相关人员，施工单位经公开招标确定")
    office.get_by_label("认定理由").fill("招标程序完整，无证据表明李明同志干预招标")
    fill_date(office, "核查完成日期", "2026-09-01")
    office.get_by_label("向被反映人所在单位党组织予以说明").check()
    office.get_by_label("是否说明的理由").fill("反映问题在该镇干部中已有传播，需向镇党委说明")
    no_ascii_words(office)
    shot(office, "2-verification-form")
    submit(office)

    task = stack.wait_for_task(LEADER, "approveClosure")
    leader = signed_in(browser, desk, *LEADER)
    leader.goto(f"{desk}/#/task/{task['userTaskKey']}")
    expect(leader.locator("main")).to_contain_text("问题反映失实")
    expect(leader.locator("main")).to_contain_text("拟说明")
    leader.get_by_label("批准了结").check()
    leader.get_by_label("审批领导姓名").fill("邓华")
    fill_date(leader, "审批日期", "2026-09-02")
    leader.get_by_label("审批意见").fill("同意了结，并向新桥镇党委说明")
    no_ascii_words(leader)
    shot(leader, "3-approval-form")
    submit(leader)

    service = stack.wait_for_task(OFFICE, "recordLetterService")
    office.goto(f"{desk}/#/task/{service['userTaskKey']}")
    office.get_by_label("签收人").fill("张华")
    fill_date(office, "签收日期", "2026-09-04")
    office.get_by_label("直接送达").check()
    shot(office, "4-letter-service-form")
    submit(office)

    stack.wait_until_completed(case_key, timeout=20)

    office.goto(f"{desk}/#/case/{case_key}")
    history = office.locator("table.business-history")
    expect(history.locator("tr", has_text="委领导审批了结")).to_contain_text("批准了结")
    expect(history.locator("tr", has_text="委领导审批了结")).to_contain_text("审批领导：邓华")
    expect(history.locator("tr", has_text="登记情况说明函送达回证")).to_contain_text("签收人：张华")
    expect(office.locator("main")).to_contain_text("关于李明同志有关问题反映核查情况的说明函")
    summary = office.locator("dl.summary")
    expect(summary).to_contain_text("被反映人李明")
    expect(summary).to_contain_text("办理结果已了结并说明")
    reporters = office.locator("section.reporters")
    expect(reporters).to_contain_text(REPORTER)
    expect(reporters).to_contain_text(CONTACT)
    no_ascii_words(office)
    shot(office, "5-case-page")

    # A manager reads the case, never who reported it.
    manager = signed_in(browser, desk, "manager", "demo-manager")
    manager.goto(f"{desk}/#/case/{case_key}")
    expect(manager.locator("section.reporters")).to_contain_text("没有办理任务")
    expect(manager.locator("main")).not_to_contain_text(REPORTER)
    expect(manager.locator("main")).not_to_contain_text(CONTACT)
    shot(manager, "6-case-page-manager")
