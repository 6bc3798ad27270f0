"""End to end on the real stack: engine (`python -m engine serve`, demo identity), the procedure's
workers, the desk server and Chromium. An officer completes the acceptance review through the
form, another officer cannot see it, and the manager's dashboard follows the case."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    require_browser_prerequisites,
    serving,
)
from tests.desk.desk_pages import fill_date
from tests.desk.live_stack import DEMO_IDENTITY, LiveStack, live_stack, sample_application
from tests.desk.test_desk_browser import VIEWPORT, signed_in, stage_count

OFFICE = ("office", "demo-office")
SUBJECT = ("subject", "demo-subject")
ADMIN = ("admin", "demo-admin")


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveStack]:
    require_browser_prerequisites()
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(tmp_path / "exemption-data"))
    monkeypatch.setenv("NOTICE_TRANSPORT", "file")
    with live_stack(tmp_path) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_acceptance_review_through_the_desk_on_the_real_engine(
    stack: LiveStack, browser: Browser
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    case = stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "exemption-procedure",
            "variables": sample_application("subject-discipline-commission"),
        },
    )
    case_key = case["processInstanceKey"]
    task = stack.wait_for_task(OFFICE, "officeAcceptanceReview")
    subject_task = stack.wait_for_task(SUBJECT, "subjectAcceptanceOpinion")

    settings = DeskSettings(
        api_url=stack.api_url, data_dir=stack.data_dir, people_file=DEMO_IDENTITY
    )
    with serving(create_desk_app(settings)) as url:
        manager = signed_in(browser, url, "manager", "demo-manager")
        manager.get_by_role("link", name="管理看板").click()
        expect(manager.get_by_test_id("open-cases")).to_have_text("1")
        assert stage_count(manager, "审核受理") == "1 件"
        assert stage_count(manager, "调查核实") == "0 件"

        office = signed_in(browser, url, *OFFICE)
        row = office.locator(f"tr[data-task='{task['userTaskKey']}']")
        expect(row).to_contain_text("游容免〔2026〕1号")
        expect(row).to_contain_text("王建华")
        office.screenshot(path=str(ARTIFACTS / "live-inbox.png"))
        row.get_by_role("button", name="认领").click()
        expect(row).to_contain_text("我")
        row.get_by_role("button", name="办理").click()

        office.get_by_role("button", name="提交并完成任务").click()
        expect(office.get_by_role("alert")).to_contain_text("请按红色提示修改后再提交")
        office.get_by_label("办公室意见：同意受理").check()
        office.get_by_label("理由（不予受理的，理由写入不予受理通知书）").fill("符合受理条件")
        fill_date(office, "审核日期", "2026-09-02")
        history = office.locator("table.history")
        # By name and unit, never by login name (issue 13, item 3); claimed before the form.
        expect(history.locator("tr", has_text="办公室审核申请")).to_contain_text("王敏")
        office.screenshot(path=str(ARTIFACTS / "live-task.png"), full_page=True)
        office.get_by_role("button", name="提交并完成任务").click()
        expect(office.get_by_role("status")).to_have_text("任务已完成。")

        audit = signed_in(browser, url, "audit", "demo-audit")
        expect(audit.get_by_text("没有符合条件的待办任务")).to_be_visible()
        audit.goto(f"{url}/#/task/{task['userTaskKey']}")
        expect(audit.locator(".notice.error")).to_be_visible()

        # The accountability subject gives its opinion (straight through /v2), so the case
        # leaves acceptance for investigation.
        key = subject_task["userTaskKey"]
        stack.call(SUBJECT, "POST", f"/user-tasks/{key}/assignment", {"assignee": "subject"})
        stack.call(
            SUBJECT,
            "POST",
            f"/user-tasks/{key}/completion",
            {
                "variables": {
                    "subjectAcceptsApplication": True,
                    "subjectAcceptanceReason": "同意受理",
                    "subjectReviewedOn": "2026-09-02",
                }
            },
        )
        stack.wait_for_element("callInvestigation")

        manager.get_by_role("button", name="统计").click()
        expect(
            manager.locator("figure.chart", has_text="各阶段在办案件数").locator(
                "tr", has_text="调查核实"
            )
        ).to_contain_text("1 件")
        assert stage_count(manager, "审核受理") == "0 件"
        manager.screenshot(path=str(ARTIFACTS / "live-dashboard.png"), full_page=True)

        notice = manager.request.get(f"{url}/documents/{case_key}/acceptanceNoticeDocument")
        assert notice.status == 200, notice.text()
        assert notice.body().startswith(b"%PDF")
        refused = audit.request.get(f"{url}/documents/{case_key}/acceptanceNoticeDocument")
        assert refused.status == 403

        manager.goto(f"{url}/#/case/{case_key}")
        expect(manager.get_by_role("heading", name="案件 游容免〔2026〕1号")).to_be_visible()
        expect(
            manager.locator("ul.documents").get_by_role("link", name="受理通知书")
        ).to_be_visible()
        manager.screenshot(path=str(ARTIFACTS / "live-case.png"), full_page=True)


def test_officer_files_an_application_through_the_start_form(
    stack: LiveStack, browser: Browser
) -> None:
    settings = DeskSettings(
        api_url=stack.api_url, data_dir=stack.data_dir, people_file=DEMO_IDENTITY
    )
    with serving(create_desk_app(settings)) as url:
        office = signed_in(browser, url, *OFFICE)
        office.get_by_role("link", name="登记申请").click()
        submit = office.get_by_role("button", name="提交申请")
        submit.click()
        expect(office.get_by_role("alert")).to_contain_text("请按红色提示修改后再提交")

        # Choices first, texts after: form-js debounces text input, and a choice made within
        # that delay would be overwritten by the text field's late update.
        office.get_by_role("radio", name="个人").check()
        office.get_by_label("已启动问责").check()
        subject = office.locator(".fjs-form-field-select", has_text="问责主体（参与会同审核")
        subject.locator(".fjs-select-display").click()
        subject.locator(".fjs-dropdownlist-item", has_text="区纪委监委").click()
        office.get_by_label("行政问责或组织处理").check()
        office.get_by_label("（二）符合中央大政方针", exact=False).check()
        office.get_by_label("申请单位名称或申请人姓名").fill("李明")
        office.get_by_label(re.compile(r"^所在单位")).fill("游仙区交通运输局")
        office.get_by_label("联系电话").fill("0816-1234567")
        office.get_by_label(re.compile(r"^问责事项")).fill("农村公路养护资金提前拨付")
        office.get_by_label("问责主体名称").fill("区纪委监委")
        office.get_by_label("失误错误行为及其背景、动机、后果").fill("为保汛期通行提前拨付养护资金")
        office.get_by_label("挽回损失、消除影响的措施").fill("已补齐审批手续")
        office.get_by_label("佐证材料清单（每行一份）").fill("会议纪要")
        for label, day in (("启动问责日期", "2026-08-20"), ("申请日期", "2026-09-01")):
            fill_date(office, label, day)
        office.screenshot(path=str(ARTIFACTS / "live-start-form.png"), full_page=True)
        submit.click()
        expect(office.get_by_role("status")).to_contain_text("申请已登记")

        task = stack.wait_for_task(OFFICE, "officeAcceptanceReview")
        variables = stack.call(
            OFFICE,
            "POST",
            f"/user-tasks/{task['userTaskKey']}/variables/search",
            {"filter": {"name": {"$in": ["applicantName", "accountabilityKinds", "caseNumber"]}}},
        )
        values = {item["name"]: item["value"] for item in variables["items"]}
        assert values["applicantName"] == '"李明"'
        assert values["accountabilityKinds"] == '["administrative"]'
        assert values["caseNumber"] == '"游容免〔2026〕1号"'


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def signed_in_at(browser: Browser, url: str, user: tuple[str, str], moment: datetime) -> Page:
    """An officer's browser whose wall clock reads `moment`: the inbox marks what is overdue
    against the browser's own clock, so it must agree with the engine clock the test moved."""
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    page.clock.set_fixed_time(moment)
    page.set_default_timeout(10_000)
    page.goto(url)
    page.get_by_label("用户名").fill(user[0])
    page.get_by_label("密码").fill(user[1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    return page


def test_inbox_shows_the_due_date_and_marks_the_task_overdue_once_the_engine_clock_passes_it(
    stack: LiveStack, browser: Browser
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "exemption-procedure",
            "variables": sample_application("subject-discipline-commission"),
        },
    )
    task = stack.wait_for_task(OFFICE, "officeAcceptanceReview")
    due = instant(task["dueDate"])
    # local policy: acceptance is due 10 days after the stage starts (the engine clock runs on
    # wall time here, so the task is created a moment after the due date is computed)
    late_by = instant(task["creationDate"]) + timedelta(days=10) - due
    assert timedelta(0) <= late_by < timedelta(seconds=5), (task["creationDate"], due)

    settings = DeskSettings(
        api_url=stack.api_url, data_dir=stack.data_dir, people_file=DEMO_IDENTITY
    )
    with serving(create_desk_app(settings)) as url:
        office = signed_in(browser, url, *OFFICE)
        row = office.locator(f"tr[data-task='{task['userTaskKey']}']")
        # To the day, in Beijing time (issue 13, item 6).
        shown = office.evaluate(
            "d => new Intl.DateTimeFormat('zh-CN', {timeZone: 'Asia/Shanghai', year: 'numeric', "
            "month: 'long', day: 'numeric'}).format(new Date(d))",
            task["dueDate"],
        )
        expect(row).to_contain_text(shown)
        expect(row.locator(".tag")).to_have_count(0)

        past_due = due + timedelta(minutes=1)
        stack.call(ADMIN, "PUT", "/clock", {"timestamp": int(past_due.timestamp() * 1000)})
        deadline = time.monotonic() + 30
        while not stack.call(
            ADMIN,
            "POST",
            "/element-instances/search",
            {"filter": {"elementId": "acceptanceReminderSentEnd", "state": "COMPLETED"}},
        )["items"]:
            assert time.monotonic() < deadline, "the acceptance reminder did not fire"
            time.sleep(0.2)

        later = signed_in_at(browser, url, OFFICE, past_due)
        row = later.locator(f"tr[data-task='{task['userTaskKey']}']")
        expect(row).to_contain_text(shown)
        expect(row.locator(".tag.overdue")).to_have_text("已逾期")
        later.screenshot(path=str(ARTIFACTS / "live-inbox-overdue.png"))
        stack.call(ADMIN, "POST", "/clock/reset")
