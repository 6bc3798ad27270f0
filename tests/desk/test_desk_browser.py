"""Officers and a manager use the desk in Chromium against the 8.8-shaped fake API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect, sync_playwright

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
from tests.desk.fake_api import ACCEPTANCE, CASE, TASK, FakeCamunda, create_fake_api
from tests.desk.live_stack import DEMO_IDENTITY

VIEWPORT: ViewportSize = {"width": 1366, "height": 768}


@pytest.fixture
def fake(tmp_path: Path) -> FakeCamunda:
    return FakeCamunda(data_dir=tmp_path / "data")


@pytest.fixture
def desk_url(fake: FakeCamunda, tmp_path: Path) -> Iterator[str]:
    require_browser_prerequisites()
    settings = DeskSettings(
        api_url="http://api.test", data_dir=tmp_path / "data", people_file=DEMO_IDENTITY
    )
    app = create_desk_app(settings, transport=httpx.ASGITransport(app=create_fake_api(fake)))
    with serving(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Browser]:
    require_browser_prerequisites()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def signed_in(browser: Browser, url: str, username: str, password: str) -> Page:
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    return page


def stage_count(page: Page, stage: str) -> str:
    chart = page.locator("figure.chart", has_text="各阶段在办案件数")
    return chart.locator("tr", has=page.locator("th", has_text=stage)).locator("td").inner_text()


def test_officer_claims_and_completes_acceptance_review_manager_sees_case_move(
    browser: Browser, desk_url: str, fake: FakeCamunda
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    manager = signed_in(browser, desk_url, "manager", "demo-manager")
    manager.get_by_role("link", name="管理看板").click()
    expect(manager.get_by_test_id("open-cases")).to_have_text("1")
    expect(manager.locator(".desk-badge")).to_have_text("1")
    assert stage_count(manager, "审核受理") == "1 件"
    assert stage_count(manager, "调查核实") == "0 件"

    office = signed_in(browser, desk_url, "office", "demo-office")
    row = office.locator(f"tr[data-task='{TASK}']")
    expect(row).to_contain_text("游容免〔2026〕3号")
    expect(row).to_contain_text("新桥镇农业服务中心")
    expect(row).to_contain_text("审核受理")
    expect(row.locator(".tag.overdue")).to_have_text("已逾期")
    office.screenshot(path=str(ARTIFACTS / "inbox.png"))

    row.get_by_role("button", name="办理").click()
    expect(office.get_by_role("heading", name="办公室审核申请", exact=True).first).to_be_visible()

    # A required field left empty: form-js marks it and nothing reaches the API.
    office.get_by_role("button", name="提交并完成任务").click()
    expect(office.get_by_role("alert")).to_contain_text("请按红色提示修改后再提交")
    expect(office.locator(".fjs-form-field-error").first).to_contain_text("此项为必填项。")
    assert fake.tasks[0]["state"] == "CREATED"

    office.get_by_label("办公室意见：同意受理").check()
    office.get_by_label("理由（不予受理的，理由写入不予受理通知书）").fill("符合第八条第（一）项")
    fill_date(office, "审核日期", "2026-01-05")

    # Not claimed yet: submitting claims the task for the officer first (issue 13, item 1:
    # whoever decided is recorded), then completes it.
    office.screenshot(path=str(ARTIFACTS / "task.png"), full_page=True)
    office.get_by_role("button", name="提交并完成任务").click()
    expect(office.get_by_role("status")).to_have_text("任务已完成。")
    assert fake.tasks[0]["assignee"] == "office"
    assert fake.tasks[0]["state"] == "COMPLETED"
    assert fake.variables[fake.tasks[0]["processInstanceKey"]]["officeAcceptsApplication"] is True
    assert (
        fake.variables[fake.tasks[0]["processInstanceKey"]]["officeAcceptanceReason"]
        == "符合第八条第（一）项"
    )

    manager.get_by_role("button", name="统计").click()
    expect(
        manager.locator("figure.chart", has_text="各阶段在办案件数").locator(
            "tr", has_text="调查核实"
        )
    ).to_contain_text("1 件")
    assert stage_count(manager, "审核受理") == "0 件"
    manager.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


def test_another_officer_neither_lists_nor_opens_the_task(browser: Browser, desk_url: str) -> None:
    audit = signed_in(browser, desk_url, "audit", "demo-audit")
    expect(audit.get_by_text("没有符合条件的待办任务")).to_be_visible()
    audit.goto(f"{desk_url}/#/task/{TASK}")
    expect(audit.get_by_role("alert")).to_contain_text("要找的记录不存在或已被处理")
    assert audit.get_by_role("link", name="管理看板").count() == 0


def test_wrong_password_shows_a_sentence(browser: Browser, desk_url: str) -> None:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(desk_url)
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("wrong")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确，请重新输入。")


def test_admin_retries_an_incident_and_cancels_the_case_a_manager_only_reads(
    browser: Browser, desk_url: str, fake: FakeCamunda
) -> None:
    manager = signed_in(browser, desk_url, "manager", "demo-manager")
    manager.goto(f"{desk_url}/#/case/{CASE}")
    incident = manager.locator("tr", has_text="文书生成失败：字体缺失")
    expect(incident).to_contain_text("需管理员处理")
    assert manager.get_by_role("button", name="撤销案件流程").count() == 0
    expect(manager.locator("table.history tr", has_text="办公室审核申请")).to_be_visible()

    admin = signed_in(browser, desk_url, "admin", "demo-admin")
    admin.goto(f"{desk_url}/#/case/{CASE}")
    admin.locator("tr", has_text="文书生成失败：字体缺失").get_by_role(
        "button", name="重试"
    ).click()
    expect(admin.get_by_role("status")).to_have_text("已重试。")
    expect(admin.get_by_text("无未处理的异常")).to_be_visible()
    assert fake.incidents[0]["state"] == "RESOLVED"

    # A reason is required: an empty answer cancels nothing and says why.
    admin.once("dialog", lambda dialog: dialog.accept("  "))
    admin.get_by_role("button", name="撤销案件流程").click()
    expect(admin.get_by_role("alert")).to_have_text("未填写撤销理由，案件流程未撤销。")
    assert fake.instances[0]["state"] == "ACTIVE"

    prompts: list[str] = []

    def answer(dialog: Dialog) -> None:
        prompts.append(f"{dialog.type}:{dialog.message}")
        dialog.accept("申请人撤回申请")

    admin.once("dialog", answer)
    admin.get_by_role("button", name="撤销案件流程").click()
    expect(admin.get_by_role("status")).to_have_text("案件流程已撤销。")
    expect(admin.locator(".meta")).to_contain_text("已终止")
    assert prompts == ["prompt:撤销案件流程须说明理由。请填写撤销理由："]
    assert fake.instances[0]["state"] == "TERMINATED"
    row = admin.locator(
        "table.business-history tr", has_text="撤销案件流程（理由：申请人撤回申请）"
    )
    expect(row).to_contain_text("吴涛")
    expect(row).to_contain_text("已终止")


def test_inbox_shows_every_task_fifty_rows_at_a_time(
    browser: Browser, desk_url: str, fake: FakeCamunda
) -> None:
    fake.add_tasks(120, "CREATED", None)
    office = signed_in(browser, desk_url, "office", "demo-office")
    rows = office.locator("tr[data-task]")
    expect(rows).to_have_count(50)
    expect(office.get_by_text("已显示 50 / 121 条")).to_be_visible()
    office.get_by_role("button", name="显示更多").click()
    office.get_by_role("button", name="显示更多").click()
    expect(rows).to_have_count(121)
    expect(office.get_by_role("button", name="显示更多")).to_have_count(0)


def test_completed_tasks_load_more_through_the_cursor(
    browser: Browser, desk_url: str, fake: FakeCamunda
) -> None:
    fake.add_tasks(65, "COMPLETED", "office")
    office = signed_in(browser, desk_url, "office", "demo-office")
    office.get_by_role("link", name="已办任务").click()
    rows = office.locator("section[aria-labelledby='done-title'] tbody tr")
    expect(rows).to_have_count(50)
    office.get_by_role("button", name="加载更多").click()
    expect(rows).to_have_count(65)
    expect(rows.last).to_contain_text("办公室审核申请 065")
    expect(office.get_by_role("button", name="加载更多")).to_have_count(0)


def test_officer_reads_the_whole_case_history_on_the_task_page(
    browser: Browser, desk_url: str
) -> None:
    office = signed_in(browser, desk_url, "office", "demo-office")
    office.goto(f"{desk_url}/#/task/{TASK}")
    history = office.locator("table.business-history")
    # The root instance's steps (the stages it called) beside the officer's own stage.
    expect(history.locator("tr", has_text="办公室审核申请")).to_be_visible()
    expect(history.locator("tr", has_text=re.compile(r"进入.+阶段"))).not_to_have_count(0)


def test_applicant_input_in_form_text_shows_literally(
    browser: Browser, desk_url: str, fake: FakeCamunda
) -> None:
    """Issue 16: the form's text interpolates applicant input; markdown or HTML in it is shown
    as typed, never rendered (no image request, no link, no emphasis)."""
    name = "<img src=x onerror=alert(2)>*张*_三_"
    unit = "[新桥镇](http://attacker.test/) **农业** \\ `中心` {{caseNumber}}"
    fake.variables[ACCEPTANCE].update(applicantName=name, applicantUnit=unit)
    office = signed_in(browser, desk_url, "office", "demo-office")
    images: list[str] = []
    office.on("request", lambda r: images.append(r.url) if r.resource_type == "image" else None)
    office.goto(f"{desk_url}/#/task/{TASK}")
    text = office.locator(".fjs-form-field-text", has_text="申请人：")
    expect(text).to_contain_text(f"申请人：{name}（{unit}）")
    # The form author's own markdown still renders.
    expect(office.get_by_role("heading", name="办公室审核申请", exact=True).first).to_be_visible()
    assert text.locator("img, a, em, strong, code").count() == 0
    assert not [url for url in images if url.endswith("/x") or "attacker" in url], images
