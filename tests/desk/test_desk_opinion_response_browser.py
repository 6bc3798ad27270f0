"""A response to public opinion (舆论解释回应, Art. 19) worked through the desk, in Chromium at 1366
px against the real engine (demo identity), the workers and the desk server: the commission's
officer (何平) asks for it on the start page, naming the case it comes from; 区委宣传部 (唐雪梅)
plans the way and the line; the commission's leader (邓华) approves it; the department records
the response; the officer who asked closes the case, whose page shows what each step decided and
the 舆情回应情况记录."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.desk import desk_pages
from tests.desk.desk_pages import Screenshots, fill_date, no_ascii_words, submit
from tests.desk.live_stack import LiveStack
from tests.desk.test_desk_browser import signed_in

OFFICE = ("jiwei", "demo-jiwei")
PUBLICITY = ("xuanchuan", "demo-xuanchuan")
LEADER = ("weiling", "demo-weiling")
ADMIN = ("admin", "demo-admin")
ORIGIN = "游容免〔2026〕3号"
pytestmark = pytest.mark.timeout(300)

stack = desk_pages.stack
browser = desk_pages.browser
desk = desk_pages.desk
patient_expectations = desk_pages.patient_expectations  # autouse
shot = Screenshots("opinion-response")


def test_an_opinion_response_is_asked_planned_approved_made_and_closed_in_the_desk(
    stack: LiveStack,
    browser: Browser,
    desk: str,
) -> None:
    office = signed_in(browser, desk, *OFFICE)
    office.get_by_role("link", name="登记申请").click()
    office.get_by_role("link", name="申请舆论解释回应（第十九条）").click()
    expect(office.get_by_role("heading", name="申请舆论解释回应")).to_be_visible()
    office.get_by_label("原案件受理编号").fill(ORIGIN)
    unit = office.get_by_label("舆论涉及的单位")
    unit.click()
    unit.fill("区发展和改革局")
    office.get_by_text("区发展和改革局", exact=True).last.click()
    office.get_by_label("舆论涉及的干部姓名").fill("王刚")
    office.get_by_label("舆情主要内容").fill(
        "网民质疑容缺受理项目审批导致项目停工，认为相关干部失职"
    )
    office.get_by_label("舆情出现的媒体或平台").fill("本地网络论坛和微信公众号")
    fill_date(office, "发现舆情日期", "2026-10-08")
    office.get_by_label("改革创新中出现的失误情况").fill("先行先试容缺受理，因上级政策调整项目暂停")
    office.get_by_label("申请解释回应的理由").fill("舆论误解容缺受理改革，需向社会说明")
    no_ascii_words(office)
    shot(office, "0-request")
    office.get_by_role("button", name="提交申请").click()
    # the requester has no task in the case yet: the page says where it will reach them
    expect(office.get_by_role("status")).to_contain_text("本案将出现在您的待办任务中")
    shot(office, "1-requested")

    task = stack.wait_for_task(PUBLICITY, "planOpinionResponse")
    case_key = str(task["processInstanceKey"])
    publicity = signed_in(browser, desk, *PUBLICITY)
    publicity.goto(f"{desk}/#/task/{task['userTaskKey']}")
    expect(publicity.locator("main")).to_contain_text(ORIGIN)
    expect(publicity.locator("main")).to_contain_text("申请人：何平")
    publicity.get_by_label("发布情况通报").check()
    publicity.get_by_label("回应口径").fill(
        "容缺受理是经批准的改革举措，项目暂停系上级政策调整所致"
    )
    publicity.get_by_label("发布平台或范围").fill("区政府网站")
    fill_date(publicity, "拟回应日期", "2026-10-10")
    publicity.get_by_label("拟定人").fill("唐雪梅")
    no_ascii_words(publicity)
    shot(publicity, "2-plan")
    submit(publicity)

    approval = stack.wait_for_task(LEADER, "approveResponsePlan")
    leader = signed_in(browser, desk, *LEADER)
    leader.goto(f"{desk}/#/task/{approval['userTaskKey']}")
    expect(leader.locator("main")).to_contain_text("回应方式：发布情况通报")
    leader.get_by_label("同意回应方案").check()
    leader.get_by_label("审核领导姓名").fill("邓华")
    fill_date(leader, "审核日期", "2026-10-09")
    leader.get_by_label("审核意见").fill("同意按此口径回应")
    no_ascii_words(leader)
    shot(leader, "3-approval")
    submit(leader)

    record = stack.wait_for_task(PUBLICITY, "recordOpinionResponse")
    publicity.goto(f"{desk}/#/task/{record['userTaskKey']}")
    fill_date(publicity, "回应日期", "2026-10-10")
    made = "在区政府网站发布情况通报，说明改革背景和处理结果"
    publicity.get_by_role("textbox", name="回应情况").fill(made)
    publicity.get_by_label("回应后舆情反应").fill("网民评论趋于理性")
    publicity.get_by_label("经办人").fill("唐雪梅")
    shot(publicity, "4-record")
    submit(publicity)

    close = stack.wait_for_task(OFFICE, "closeOpinionResponse")
    office.get_by_role("link", name="待办任务").click()
    row = office.locator("tr", has_text="申请人确认并办结")
    expect(row).to_contain_text("游宣应〔2026〕1号")
    shot(office, "5-inbox")
    office.goto(f"{desk}/#/task/{close['userTaskKey']}")
    office.get_by_label("确认人").fill("何平")
    fill_date(office, "确认日期", "2026-10-12")
    office.get_by_label("确认意见").fill("舆情已平息，同意办结")
    submit(office)

    stack.wait_until_completed(case_key, timeout=20)

    office.goto(f"{desk}/#/case/{case_key}")
    history = office.locator("table.business-history")
    approved = history.locator("tr", has_text="区纪委监委领导审核回应口径")
    expect(approved).to_contain_text("同意回应方案")
    expect(approved).to_contain_text("审核领导：邓华")
    responded = history.locator("tr", has_text="区委宣传部登记回应情况")
    expect(responded).to_contain_text("经办人：唐雪梅")
    expect(responded).to_contain_text("已于2026年10月10日回应")
    expect(history.locator("tr", has_text="申请人确认并办结")).to_contain_text("何平确认办结")
    summary = office.locator("dl.summary")
    expect(summary).to_contain_text(f"原案件受理编号{ORIGIN}")
    expect(summary).to_contain_text("申请人何平")
    expect(summary).to_contain_text("办理结果已解释回应并办结")
    expect(office.locator("main")).to_contain_text("舆情回应情况记录（游宣应〔2026〕1号）")
    no_ascii_words(office)
    shot(office, "6-case-page")
