"""Issue 13, items 4, 7 and 10 and "nothing in English", on the real stack (engine, workers,
desk in training mode, Chromium at 1366 px): every page and every form in forms/*.form as each
role, one Chinese date format with a Chinese Monday-first calendar, a dashboard whose counts
can be read, and the training clock that exists only in training."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
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
from tests.desk.chinese_pages import english_on, form_gallery_bpmn, form_ids
from tests.desk.live_stack import LiveStack, live_stack, sample_application
from tests.desk.test_desk_browser import VIEWPORT, signed_in
from tests.procedure.case_steps import application

OFFICE = ("office", "demo-office")
SUBJECT = ("subject", "demo-subject")
MANAGER = ("manager", "demo-manager")
ADMIN = ("admin", "demo-admin")
# One user of each role (officer of the office, officer of another unit, manager, admin).
ROLES = [OFFICE, SUBJECT, MANAGER, ADMIN]
GALLERY = "form_gallery"
BEIJING = ZoneInfo("Asia/Shanghai")
CHINESE_DAY = r"\d{4}年\d{1,2}月\d{1,2}日"
# Every desk page and every form as four users, in one browser on a shared 2-core machine.
pytestmark = pytest.mark.timeout(600)
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
MONTHS = [f"{name}月" for name in NUMERALS]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    require_browser_prerequisites()
    tmp_path = tmp_path_factory.mktemp("chinese-desk")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXEMPTION_DATA_DIR", str(tmp_path / "exemption-data"))
        patch.setenv("NOTICE_TRANSPORT", "file")
        with live_stack(tmp_path) as running:
            yield running


def start_case(stack: LiveStack) -> str:
    case = stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "exemption-procedure",
            "variables": sample_application("subject-discipline-commission"),
        },
    )
    return str(case["processInstanceKey"])


def complete(stack: LiveStack, user: tuple[str, str], element_id: str, values: Any) -> None:
    key = stack.wait_for_task(user, element_id)["userTaskKey"]
    stack.call(user, "POST", f"/user-tasks/{key}/assignment", {"assignee": user[0]})
    stack.call(user, "POST", f"/user-tasks/{key}/completion", {"variables": values})


@pytest.fixture(scope="module")
def accepted_case_key(stack: LiveStack) -> str:
    """游容免〔2026〕1号: accepted (straight through /v2), so it has documents and is in
    investigation; its pages show document links."""
    key = start_case(stack)
    accepted = {
        "officeAcceptsApplication": True,
        "officeAcceptanceReason": "符合受理条件",
        "officeReviewedOn": "2026-09-02",
    }
    complete(stack, OFFICE, "officeAcceptanceReview", accepted)
    complete(
        stack,
        SUBJECT,
        "subjectAcceptanceOpinion",
        {
            "subjectAcceptsApplication": True,
            "subjectAcceptanceReason": "同意受理",
            "subjectReviewedOn": "2026-09-02",
        },
    )
    stack.wait_for_element("callInvestigation")
    return key


@pytest.fixture(scope="module")
def case_key(stack: LiveStack, accepted_case_key: str) -> str:
    """游容免〔2026〕2号, waiting at acceptance."""
    case = stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "exemption-procedure",
            "variables": sample_application("subject-discipline-commission"),
        },
    )
    stack.wait_for_task(OFFICE, "officeAcceptanceReview")
    return str(case["processInstanceKey"])


@pytest.fixture(scope="module")
def gallery(stack: LiveStack) -> dict[str, str]:
    """formId → userTaskKey of a task showing that form, offered to every role's user."""
    xml = form_gallery_bpmn(GALLERY, [user for user, _ in ROLES])
    deployed = httpx.post(
        f"{stack.api_url}/v2/deployments",
        files=[("resources", ("form-gallery.bpmn", xml.encode()))],
        auth=ADMIN,
        timeout=30,
    )
    assert deployed.status_code == 200, deployed.text
    variables = {**application(), "caseNumber": "游容免〔2026〕99号"}
    variables.pop("applicationDate")
    started = {"processDefinitionId": GALLERY, "variables": variables}
    created = stack.call(ADMIN, "POST", "/process-instances", started)
    wanted = set(form_ids())
    deadline = time.monotonic() + 30
    while True:
        found = stack.call(
            ADMIN,
            "POST",
            "/user-tasks/search",
            {
                "filter": {"processInstanceKey": created["processInstanceKey"], "state": "CREATED"},
                "page": {"limit": 100},
            },
        )["items"]
        if len(found) == len(wanted):
            break
        assert time.monotonic() < deadline, f"{len(found)} of {len(wanted)} gallery tasks"
        time.sleep(0.2)
    by_form: dict[str, str] = {}
    for task in found:
        form = stack.call(ADMIN, "GET", f"/user-tasks/{task['userTaskKey']}/form")
        by_form[form["formId"]] = str(task["userTaskKey"])
    assert set(by_form) == wanted
    return by_form


@pytest.fixture(scope="module")
def training_url(stack: LiveStack) -> Iterator[str]:
    settings = DeskSettings(api_url=stack.api_url, data_dir=stack.data_dir, training=True)
    with serving(create_desk_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    # Parts of a page load on their own (history, documents): read the page once all are in.
    expect(page.locator("text=正在加载")).to_have_count(0, timeout=20_000)


def visit(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)


def show_form(page: Page, url: str, task_key: str) -> None:
    visit(page, f"{url}/#/task/{task_key}")
    expect(page.locator(".fjs-form").first).to_be_visible()
    settle(page)


def test_every_page_and_every_form_shows_no_english_to_any_role(
    stack: LiveStack,
    training_url: str,
    browser: Browser,
    case_key: str,
    accepted_case_key: str,
    gallery: dict[str, str],
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    english: dict[str, list[str]] = {}

    def check(page: Page, where: str) -> None:
        found = english_on(page)
        if found:
            english[where] = found

    signing_in = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    visit(signing_in, training_url)
    check(signing_in, "登录页")
    cases = [case_key, accepted_case_key]
    signing_in.context.close()

    for user in ROLES:
        page = signed_in(browser, training_url, *user)
        links = page.locator("nav[aria-label='主导航'] a").evaluate_all(
            "links => links.map((link) => link.getAttribute('href'))"
        )
        for href in links:
            visit(page, f"{training_url}/{href}")
            check(page, f"{user[0]} {href}")
            page.screenshot(path=str(ARTIFACTS / f"chinese-{user[0]}-{href.strip('#/')}.png"))
        if user in (MANAGER, ADMIN):
            for key in cases:
                visit(page, f"{training_url}/#/case/{key}")
                expect(page.get_by_role("heading", name=re.compile("^案件 "))).to_be_visible()
                check(page, f"{user[0]} 案件页 {key}")
        # The open tasks of real cases in the user's inbox, with their documents.
        visit(page, f"{training_url}/#/inbox")
        keys = page.locator("tr[data-task]").evaluate_all(
            "rows => rows.map((row) => row.getAttribute('data-task'))"
        )
        for task_key in [key for key in keys if key not in gallery.values()]:
            show_form(page, training_url, task_key)
            check(page, f"{user[0]} 任务 {task_key}")
        for form_id, task_key in gallery.items():
            show_form(page, training_url, task_key)
            check(page, f"{user[0]} 表单 {form_id}")
            if user == OFFICE:
                page.screenshot(path=str(ARTIFACTS / f"chinese-form-{form_id}.png"), full_page=True)
        page.context.close()

    assert not english, "\n".join(
        f"{where}:\n    " + "\n    ".join(found) for where, found in english.items()
    )


def beijing_today() -> datetime:
    return datetime.now(BEIJING)


def test_dates_are_one_chinese_format_with_a_chinese_monday_first_calendar(
    stack: LiveStack, training_url: str, browser: Browser, gallery: dict[str, str]
) -> None:
    today = beijing_today()
    office = signed_in(browser, training_url, *OFFICE)
    show_form(office, training_url, gallery["acceptance-office-review"])

    field = office.get_by_label("审核日期")
    # A date that means "today" is prefilled, written as the desk writes every date.
    expect(field).to_have_value(f"{today.year}年{today.month}月{today.day}日")
    assert field.get_attribute("placeholder") == "年/月/日，如 2026年1月5日"

    field.click()
    calendar = office.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    weekdays = [day.strip() for day in calendar.locator(".flatpickr-weekday").all_inner_texts()]
    assert weekdays[0] == "周一", weekdays
    assert weekdays[-1] == "周日", weekdays
    month = calendar.locator(".flatpickr-monthDropdown-months option:checked").inner_text()
    assert month == MONTHS[today.month - 1], month
    office.screenshot(path=str(ARTIFACTS / "dates-calendar.png"))

    # Typed in any common way, shown the one way, stored as the ISO day.
    field.fill("2026-01-05")
    field.press("Enter")
    expect(field).to_have_value("2026年1月5日")
    field.fill("2026/2/3")
    field.press("Enter")
    expect(field).to_have_value("2026年2月3日")

    # The task page's own dates (due date and history) are Chinese days with Beijing times.
    text = office.locator("main").inner_text()
    other_formats = r"\d{4}/\d{1,2}/\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
    assert not re.search(other_formats, text), text

    office.get_by_label("办公室意见：同意受理").check()
    office.get_by_label(re.compile("理由")).fill("要件齐全")
    claim = office.get_by_role("button", name="认领任务")
    if claim.count():
        claim.click()
    office.get_by_role("button", name="提交并完成任务").click()
    expect(office.get_by_role("status")).to_contain_text("任务已完成")
    task_key = gallery["acceptance-office-review"]
    gallery_case = stack.call(
        ADMIN, "POST", "/user-tasks/search", {"filter": {"userTaskKey": task_key}}
    )["items"][0]["processInstanceKey"]
    stored = stack.call(
        ADMIN,
        "POST",
        "/variables/search",
        {"filter": {"name": "officeReviewedOn", "processInstanceKey": gallery_case}},
    )["items"]
    assert [item["value"] for item in stored] == ['"2026-02-03"']

    # Completed tasks: a Chinese day and a Beijing time, never 2026/12/16 02:56:57.
    office.get_by_role("link", name="已办任务").click()
    settle(office)
    expect(office.locator("main table")).to_contain_text(re.compile(CHINESE_DAY + r" \d{2}:\d{2}"))
    done = office.locator("main").inner_text()
    assert not re.search(r"\d{4}/\d{1,2}/\d{1,2}|\d{2}:\d{2}:\d{2}", done), done
    office.screenshot(path=str(ARTIFACTS / "dates-done.png"))

    manager = signed_in(browser, training_url, *MANAGER)
    manager.get_by_role("link", name="管理看板").click()
    settle(manager)
    expect(manager.get_by_label("统计起始日期")).to_have_value(f"{today.year}年1月1日")
    expect(manager.get_by_label("统计截止日期")).to_have_value(
        f"{today.year}年{today.month}月{today.day}日"
    )


_RENDERED_FONT_SIZES = """(selectors) => {
  const sizes = [];
  for (const element of document.querySelectorAll(selectors)) {
    if (!element.textContent.trim() || element.getClientRects().length === 0) continue;
    let size = parseFloat(getComputedStyle(element).fontSize);
    if (element instanceof SVGElement && element.getScreenCTM) {
      const m = element.getScreenCTM();
      size *= Math.sqrt(m.a * m.a + m.b * m.b);
    }
    sizes.push({ text: element.textContent.trim().slice(0, 20), size: Math.round(size * 10) / 10 });
  }
  return sizes;
}"""


def test_dashboard_counts_and_labels_are_readable_and_a_stage_lists_its_cases(
    stack: LiveStack, training_url: str, browser: Browser, case_key: str
) -> None:
    manager = signed_in(browser, training_url, *MANAGER)
    manager.get_by_role("link", name="管理看板").click()
    expect(manager.locator(".diagram .djs-element").first).to_be_attached()
    settle(manager)
    sizes: list[dict[str, Any]] = manager.evaluate(
        _RENDERED_FONT_SIZES,
        ".stage-strip .stage-name, .stage-strip .stage-count, .diagram text, .desk-badge,"
        " .chart-label, .chart-value",
    )
    kinds = {
        "diagram labels": [s for s in sizes if s["text"] and not s["text"].isdigit()],
    }
    assert len(sizes) > 20, sizes
    small = [s for s in sizes if s["size"] < 12]
    assert not small, f"text under 12 px at 1366 px: {small}"
    assert kinds["diagram labels"]
    manager.screenshot(path=str(ARTIFACTS / "dashboard-readable.png"), full_page=True)

    stage = manager.locator(".stage-strip .stage", has_text="审核受理")
    expect(stage.locator(".stage-count")).to_contain_text("1 件")
    stage.click()
    listed = manager.get_by_role("region", name="审核受理阶段在办案件")
    expect(listed).to_contain_text("游容免〔2026〕2号")
    expect(listed).to_contain_text("王建华")
    # The diagram's own element leads to the same list.
    manager.locator(".stage-strip .stage", has_text="调查核实").click()
    expect(manager.get_by_role("region", name="调查核实阶段在办案件")).to_contain_text(
        "游容免〔2026〕1号"
    )
    manager.locator(".diagram [data-element-id='callAcceptance']").first.click()
    expect(manager.get_by_role("region", name="审核受理阶段在办案件")).to_contain_text(
        "游容免〔2026〕2号"
    )
    manager.screenshot(path=str(ARTIFACTS / "dashboard-stage-cases.png"), full_page=True)
    listed.get_by_role("link", name="游容免〔2026〕2号").click()
    expect(manager).to_have_url(re.compile(f"#/case/{case_key}$"))


def test_training_desk_moves_the_engine_clock_and_production_has_no_clock(
    stack: LiveStack, training_url: str, browser: Browser, case_key: str
) -> None:
    # Signed out and signed in, the training desk says what it is.
    guest = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    visit(guest, training_url)
    expect(guest.get_by_role("note")).to_contain_text("培训环境")
    guest.context.close()

    office = signed_in(browser, training_url, *OFFICE)
    expect(office.get_by_role("note")).to_contain_text("培训环境")
    expect(office.get_by_role("link", name="系统时钟（培训）")).to_have_count(0)
    refused = office.request.put(
        f"{training_url}/training/clock",
        data={"timestamp": 0},
        headers={"x-csrf-token": csrf_of(office)},
    )
    assert refused.status == 403

    admin = signed_in(browser, training_url, *ADMIN)
    admin.get_by_role("link", name="系统时钟（培训）").click()
    expect(admin.get_by_test_id("clock-state")).to_have_text("当前：系统时钟跟随真实时间。")
    admin.get_by_role("button", name="向前调 30 天").click()
    expect(admin.get_by_role("status")).to_contain_text("系统时钟已调至")
    expect(admin.get_by_test_id("clock-state")).to_contain_text("系统时钟已调至")
    admin.screenshot(path=str(ARTIFACTS / "training-clock.png"))
    # The engine's timers follow: the 10-day acceptance reminder of the open case fires.
    deadline = time.monotonic() + 30
    while not stack.call(
        ADMIN,
        "POST",
        "/element-instances/search",
        {"filter": {"elementId": "acceptanceReminderSentEnd", "state": "COMPLETED"}},
    )["items"]:
        assert time.monotonic() < deadline, "the acceptance reminder did not fire"
        time.sleep(0.2)
    admin.get_by_role("button", name="恢复真实时间").click()
    expect(admin.get_by_test_id("clock-state")).to_have_text("当前：系统时钟跟随真实时间。")

    production = DeskSettings(api_url=stack.api_url, data_dir=stack.data_dir)
    with serving(create_desk_app(production)) as url:
        admin = signed_in(browser, url, *ADMIN)
        expect(admin.get_by_role("note")).to_have_count(0)
        expect(admin.get_by_role("link", name="系统时钟（培训）")).to_have_count(0)
        visit(admin, f"{url}/#/clock")
        expect(admin.get_by_role("heading", name="系统时钟（培训环境）")).to_have_count(0)
        admin.screenshot(path=str(ARTIFACTS / "production-no-clock.png"))
        token = {"x-csrf-token": csrf_of(admin)}
        moved = admin.request.put(f"{url}/training/clock", data={"timestamp": 0}, headers=token)
        assert moved.status == 404
        assert moved.json()["detail"] == "正式环境不提供调整系统时钟的功能"
        proxied = admin.request.put(f"{url}/api/v2/clock", data={"timestamp": 0}, headers=token)
        assert proxied.status == 403
        reset = admin.request.post(f"{url}/api/v2/clock/reset", headers=token)
        assert reset.status == 403


def csrf_of(page: Page) -> str:
    for cookie in page.context.cookies():
        if cookie["name"] == "desk_csrf":
            return str(cookie["value"])
    raise AssertionError("no desk_csrf cookie: not signed in")


def test_form_gallery_covers_every_form(tmp_path: Path) -> None:
    xml = form_gallery_bpmn(GALLERY, ["office"])
    for form_id in form_ids():
        assert f'formId="{form_id}"' in xml
