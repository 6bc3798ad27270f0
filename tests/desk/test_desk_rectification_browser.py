"""One rectification case (Art. 12) worked through the desk, on the real stack (engine with the
demo identity, the workers, the desk, Chromium at 1366 px): started over the API, then the office
(区纪委监委案件监督管理室) sets the requirements and deadline from its inbox, the unit's party
organisation records its plan and reports completion, the office checks with the repeat check
shown on the form, and the commission's leader approves. The clock is pinned, never slept for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.desk import desk_pages
from tests.desk.desk_pages import Screenshots, fill_date, no_ascii_words, running_stack, submit
from tests.desk.live_stack import LiveStack
from tests.desk.test_desk_browser import signed_in

BEIJING = timezone(timedelta(hours=8))
ADMIN = ("admin", "demo-admin")
OFFICE = ("discipline", "demo-discipline")
LEADER = ("dleader", "demo-dleader")
UNIT = ("audit", "demo-audit")  # 区审计局: the unit whose party organisation rectifies
pytestmark = pytest.mark.timeout(300)

browser = desk_pages.browser
desk = desk_pages.desk
patient_expectations = desk_pages.patient_expectations  # autouse
shot = Screenshots("rectification")


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveStack]:
    # The workers (in this process) read the register for the repeat check on the office's form.
    with running_stack(tmp_path, monkeypatch, register_reader=True) as running:
        yield running


def open_from_inbox(page: Page, desk: str, task_name: str) -> None:
    page.goto(f"{desk}/#/inbox")
    row = page.locator("tr", has_text=task_name)
    expect(row.first).to_be_visible()
    row.first.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text(task_name)


def wait_for_task(stack: LiveStack, element_id: str) -> dict[str, Any]:
    return stack.wait_for_task(ADMIN, element_id, timeout=60)


def test_office_works_a_rectification_case_through_inbox_and_task_pages(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    stack.call(
        ADMIN,
        "PUT",
        "/clock",
        {"timestamp": int(datetime(2026, 9, 2, 9, 0, tzinfo=BEIJING).timestamp() * 1000)},
    )
    started = stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "rectification",
            "variables": {
                "subjectKind": "person",
                "personName": "周涛",
                "personPosition": "副局长",
                "unitId": "dept-audit",
                "problemSource": "supervision-check",
                "errorCategory": "fund-use",
                "problemSummary": "专项资金拨付未经局党组集体研究",
                "problemFoundOn": "2026-09-01",
            },
        },
    )
    key = started["processInstanceKey"]

    office = signed_in(browser, desk, *OFFICE)
    wait_for_task(stack, "draftRectificationNotice")
    open_from_inbox(office, desk, "拟定整改要求和期限")
    expect(office.locator("main")).to_contain_text("游纪整〔2026〕1号")
    expect(office.locator("main")).to_contain_text("区审计局副局长周涛")
    office.get_by_role("textbox", name="整改要求", exact=True).fill(
        "建立专项资金拨付集体研究制度，逐笔复核已拨付资金"
    )
    fill_date(office, "整改期限（截止日期）", "2026-10-31")
    office.get_by_role("radio", name="每30日").check()
    no_ascii_words(office)
    shot(office, "1-notice-drafting")
    submit(office)

    unit = signed_in(browser, desk, *UNIT)
    wait_for_task(stack, "recordProblemAnalysis")
    open_from_inbox(unit, desk, "分析问题、查找原因、制定整改方案")
    unit.get_by_role("textbox", name="问题分析", exact=True).fill("资金拨付环节把关不严")
    unit.get_by_role("textbox", name="原因查找", exact=True).fill("制度执行不到位")
    unit.get_by_role("textbox", name="整改方案（解决办法、措施和时限）", exact=True).fill(
        "十月底前完成复核并修订制度"
    )
    unit.get_by_role("textbox", name="记录人", exact=True).fill("张伟")
    fill_date(unit, "记录日期", "2026-09-03")
    shot(unit, "2-analysis")
    submit(unit)

    wait_for_task(stack, "reportRectificationProgress")
    open_from_inbox(unit, desk, "报告整改进展")
    fill_date(unit, "报告日期", "2026-09-25")
    unit.get_by_role("textbox", name="整改进展情况", exact=True).fill(
        "已完成全部复核，制度已修订印发"
    )
    unit.get_by_label("整改已全部完成").check()
    shot(unit, "3-progress-report")
    submit(unit)

    wait_for_task(stack, "supervisionCheck")
    open_from_inbox(office, desk, "监督检查整改情况")
    main = office.locator("main")
    expect(main).to_contain_text("同类错误复查结果")
    expect(main).to_contain_text("经查登记簿，周涛此前没有其他案件记录。")
    expect(main).to_contain_text("建议整改销号")
    fill_date(office, "检查日期", "2026-09-28")
    office.get_by_role("textbox", name="检查情况", exact=True).fill(
        "实地检查资金台账，复核记录完整"
    )
    office.get_by_role("radio", name="整改到位").check()
    office.get_by_role("radio", name="整改销号").check()
    office.get_by_role("textbox", name="理由", exact=True).fill("整改措施已落实，效果明显")
    no_ascii_words(office)
    shot(office, "4-supervision-check")
    submit(office)

    leader = signed_in(browser, desk, *LEADER)
    wait_for_task(stack, "approveHandling")
    open_from_inbox(leader, desk, "委领导审批处理意见")
    leader.get_by_label("同意监督检查提出的处理意见").check()
    leader.get_by_role("textbox", name="审批人", exact=True).fill("林峰")
    fill_date(leader, "审批日期", "2026-09-29")
    shot(leader, "5-approval")
    submit(leader)

    stack.wait_until_completed(key, timeout=60)
    office.goto(f"{desk}/#/case/{key}")
    history = office.locator("table.business-history")
    expect(history).to_contain_text("整改销号", timeout=60_000)
    expect(history).to_contain_text("整改期限：2026年10月31日")
    expect(history).to_contain_text("同意处理意见；审批人：林峰")
    no_ascii_words(office)
    shot(office, "6-case-page")
