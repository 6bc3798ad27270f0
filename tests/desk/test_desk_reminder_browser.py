"""One case of reminders and warnings (Art. 11, `reminder-warning`) worked through the desk's
inbox and task pages, in Chromium at 1366 px against the real engine (demo identity), the
workers and the desk: the office proposes a written enquiry (函询), a leader of the commission
approves it, the office records the 函询函's delivery (the letter is on the task page), the
cadre's reply and the outcome. The case is started over /v2 (the desk's start page for the new
procedures is another branch's); the engine clock is pinned, never slept for."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.desk import desk_pages
from tests.desk.desk_pages import Screenshots, fill_date, no_ascii_words, submit
from tests.desk.live_stack import LiveStack
from tests.desk.test_desk_browser import signed_in

BEIJING = timezone(timedelta(hours=8))
SUPERVISION = ("supervision", "demo-supervision")
ADMIN = ("admin", "demo-admin")
pytestmark = pytest.mark.timeout(300)

stack = desk_pages.stack
browser = desk_pages.browser
desk = desk_pages.desk
patient_expectations = desk_pages.patient_expectations  # autouse
shot = Screenshots("reminder")


def open_from_inbox(page: Page, url: str, task_name: str) -> None:
    page.goto(f"{url}/#/inbox")
    row = page.locator("table.grid tbody tr", has_text=task_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("游纪提〔2026〕1号")
    expect(row).to_contain_text("提醒告诫")
    row.get_by_role("link", name=task_name).click()
    expect(page.get_by_role("button", name="提交并完成任务")).to_be_visible()


def fill_text(page: Page, label: str, value: str) -> None:
    """form-js takes a typed value on its debounced input event; leaving the field commits it."""
    field = page.get_by_label(re.compile(rf"^{re.escape(label)}\*?$"))
    field.fill(value)
    field.press("Tab")


def test_a_written_enquiry_worked_through_the_inbox_and_task_pages(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    stack.call(
        ADMIN,
        "PUT",
        "/clock",
        {"timestamp": int(datetime(2026, 9, 2, 9, 0, tzinfo=BEIJING).timestamp() * 1000)},
    )
    created = stack.call(
        SUPERVISION,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "reminder-warning",
            "variables": {
                "problemSource": "petition",
                "problemSummary": "反映其在农贸市场改造项目验收中未按合同约定验收即签字",
                "personName": "李明",
                "personPosition": "区审计局副局长",
                "personUnitId": "dept-audit",
            },
        },
    )
    case_key = int(created["processInstanceKey"])
    office = signed_in(browser, desk, *SUPERVISION)
    stack.wait_for_task(SUPERVISION, "proposeDisposal")
    open_from_inbox(office, desk, "提出处置方式")
    main = office.locator("main")
    expect(main).to_contain_text("被反映人：李明（绵阳市游仙区审计局，区审计局副局长）")
    expect(main).to_contain_text("问题来源：信访反映")
    summary = office.locator("dl.summary")
    expect(summary).to_contain_text("被反映人李明")
    expect(summary).to_contain_text("所在单位绵阳市游仙区审计局")
    expect(summary).not_to_contain_text("申请人")
    office.get_by_label("函询").check()
    fill_text(office, "提出理由", "反映问题具体，需本人作出书面说明")
    expect(office.get_by_label("书面说明期限（工作日）")).to_have_value("15")
    no_ascii_words(office)
    shot(office, "1-proposal")
    submit(office, shot)

    leader = signed_in(browser, desk, "commissioner", "demo-commissioner")
    stack.wait_for_task(("commissioner", "demo-commissioner"), "approveDisposal")
    open_from_inbox(leader, desk, "委领导审批处置方式")
    expect(leader.locator("main")).to_contain_text("拟采取的处置方式：函询")
    leader.get_by_label("同意所提处置方式").check()
    leader.get_by_label("委领导会议研究").check()
    fill_date(leader, "会议日期", "2026-09-02")
    fill_text(leader, "会议纪要编号", "游纪纪要〔2026〕9号")
    fill_text(leader, "审批领导姓名", "何建华")
    no_ascii_words(leader)
    shot(leader, "2-approval")
    submit(leader, shot)

    stack.wait_for_task(SUPERVISION, "recordEnquiryDelivery")
    open_from_inbox(office, desk, "登记函询函送达")
    main = office.locator("main")
    expect(main).to_contain_text("书面说明期限：2026年9月22日24时前")
    expect(main).to_contain_text(re.compile(r"函询函发文字号：游纪函〔2026〕\d+号"))
    expect(office.get_by_role("link", name="函询函", exact=True)).to_be_visible()
    letter = office.request.get(f"{desk}/documents/{case_key}/enquiryLetterDocument")
    assert letter.status == 200, letter.text()
    assert letter.body().startswith(b"%PDF")
    fill_date(office, "送达日期", "2026-09-03")
    office.get_by_label("委托所在单位党组织转交").check()
    fill_text(office, "签收人", "王芳")
    no_ascii_words(office)
    shot(office, "3-enquiry-delivery")
    submit(office, shot)

    stack.wait_for_task(SUPERVISION, "recordEnquiryReply")
    open_from_inbox(office, desk, "登记书面说明")
    fill_date(office, "收到书面说明日期", "2026-09-18")
    fill_text(office, "书面说明主要内容", "验收依据第三方机构出具的验收报告签字")
    office.get_by_label("所在单位党组织主要负责人已签署意见").check()
    shot(office, "4-enquiry-reply")
    submit(office, shot)

    stack.wait_for_task(SUPERVISION, "recordOutcome")
    open_from_inbox(office, desk, "提出处置结果")
    office.get_by_label("了结", exact=True).check()
    office.get_by_label("已说明清楚").check()
    fill_text(office, "理由", "书面说明附验收报告，反映问题已说明清楚")
    fill_date(office, "日期", "2026-09-21")
    no_ascii_words(office)
    shot(office, "5-outcome")
    submit(office, shot)

    stack.wait_until_completed(case_key, timeout=30)

    # the business history on the case page says what each step decided, in words
    office.goto(f"{desk}/#/case/{case_key}")
    history = office.locator("main")
    expect(history).to_contain_text("拟函询", timeout=60_000)
    expect(history).to_contain_text("审批领导：何建华")
    expect(history).to_contain_text("了结；已说明清楚")
    shot(office, "6-case-history")
