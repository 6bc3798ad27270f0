"""Issue 13, items 1, 2, 3, 6, 8 and 11, in Chromium at 1366 px against the real engine (demo
identity), the procedure's workers and the desk server: who decided is always recorded, the case
history is the business history, people appear by name and unit, the inbox names each task's
unit with its urgency and due day, and length limits count characters as people do without the
submit button moving under the mouse. Cases are driven by tests/procedure/case_steps.py."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.desk import desk_pages
from tests.desk.desk_pages import Screenshots, chromium, fill_date
from tests.desk.live_stack import LiveProcedure, LiveStack
from tests.desk.test_desk_browser import VIEWPORT, signed_in
from tests.procedure import case_steps

OFFICE = ("office", "demo-office")
SUBJECT = ("subject", "demo-subject")
ADMIN = ("admin", "demo-admin")
# What a task page may be tall at 1366 px with the business history (it was 3,000–4,400 px with
# the engine's element trail); the diagram and the form are most of it.
# The page around the form: the findings form itself grew with round 2 of the procedure (Art. 4
# and 6 fields), so the page is measured without it. The old page, whose history listed every
# engine element, was 3,266 px with 33 rows, of which ~1,200 px were history.
PAGE_BESIDE_FORM_MAX_PX = 1600
T = TypeVar("T")
LOGIN_NAMES = re.compile(r"\b(office|subject|audit|orgdept|leader|personnel|committee|admin)\b")


stack = desk_pages.stack
desk = desk_pages.desk
patient_expectations = desk_pages.patient_expectations  # autouse
shot = Screenshots("desk-tasks")


@pytest.fixture
def browser() -> Iterator[Browser]:
    # As these tests always ran: only each page's context is Chinese (locale zh-CN).
    with chromium(chinese=False) as launched:
        yield launched


def steps(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs case steps (coroutines) in a thread of their own: Playwright's sync API keeps an
    event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(work())).result()


def start(cases: LiveProcedure, **changes: Any) -> Any:
    return steps(lambda: cases.start_case(case_steps.application(**changes)))


def csrf_post(page: Page, url: str, path: str, body: dict[str, Any]) -> Any:
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "desk_csrf")
    return page.request.post(f"{url}{path}", data=body, headers={"x-csrf-token": token})


def test_completing_an_unclaimed_task_records_the_officer_who_decided(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    cases = LiveProcedure(stack)
    case = start(cases)
    office_task = cases.open_task(case.key, "officeAcceptanceReview", "")
    subject_task = cases.open_task(case.key, "subjectAcceptanceOpinion", "")

    office = signed_in(browser, desk, *OFFICE)
    # Straight from the inbox's link to the form: the officer never presses 认领.
    office.goto(f"{desk}/#/task/{office_task['userTaskKey']}")
    expect(office.locator(".meta")).to_contain_text("待认领（提交时由您认领）")
    office.get_by_label("办公室意见：同意受理").check()
    office.get_by_label("理由（不予受理的，理由写入不予受理通知书）").fill("申请要件齐全")
    fill_date(office, "审核日期", "2026-09-02")
    office.get_by_role("button", name="提交并完成任务").click()
    expect(office.get_by_role("status")).to_have_text("任务已完成。")
    expect(office.locator(".meta")).to_contain_text(
        "办理人：王敏（游仙区容错纠错工作领导小组办公室）"
    )

    recorded = stack.call(ADMIN, "GET", f"/user-tasks/{office_task['userTaskKey']}")
    assert recorded["state"] == "COMPLETED"
    assert recorded["assignee"] == "office"

    office.get_by_role("link", name="已办任务").click()
    done = office.locator("table.grid tbody tr", has_text="办公室审核申请")
    expect(done).to_have_count(1)
    expect(done).to_contain_text("游容免〔2026〕1号")
    shot(office, "1-done-list", full_page=False)

    # The desk refuses a completion of a task no one has claimed, whoever sends it.
    subject = signed_in(browser, desk, *SUBJECT)
    refused = csrf_post(
        subject,
        desk,
        f"/api/v2/user-tasks/{subject_task['userTaskKey']}/completion",
        {"variables": {"subjectAcceptsApplication": True}},
    )
    assert refused.status == 409, refused.text()
    assert "请先认领" in refused.json()["detail"]
    still = stack.call(ADMIN, "GET", f"/user-tasks/{subject_task['userTaskKey']}")
    assert still["state"] == "CREATED" and not still.get("assignee")

    # The case's history names who decided: on the officer's own task page, on the manager's
    # case page; a unit that may not open the office's task still sees what it decided.
    done.get_by_role("link", name="办公室审核申请").click()
    row = office.locator("table.business-history tr", has_text="办公室审核申请")
    expect(row).to_contain_text("王敏（游仙区容错纠错工作领导小组办公室）")
    expect(row).to_contain_text("同意受理")
    shot(office, "1-history-names-who-decided")
    manager = signed_in(browser, desk, "manager", "demo-manager")
    manager.goto(f"{desk}/#/case/{case.key}")
    row = manager.locator("table.business-history tr", has_text="办公室审核申请")
    expect(row).to_contain_text("王敏")
    expect(row).not_to_contain_text("未记录办理人")
    subject.goto(f"{desk}/#/task/{subject_task['userTaskKey']}")
    row = subject.locator("table.business-history tr", has_text="办公室审核申请")
    expect(row).to_contain_text("同意受理")


def walk_to_joint_confirmation(cases: LiveProcedure, case: Any) -> None:
    """Both departments report; the subject's two confirmations (one per department) wait."""
    findings = {
        "dept-audit": case_steps.finding("区审计局", "符合容错情形"),
        "dept-org-department": case_steps.finding("区委组织部", "符合容错情形"),
    }

    async def walk() -> None:
        await case_steps.joint_acceptance_review(cases, case)
        await cases.complete_task(
            case,
            "assignDepartments",
            {"investigatingDepartments": list(findings), "investigationInstructions": "会同核实"},
            candidate_group="leading-group",
        )
        for department, submitted in findings.items():
            await cases.complete_task(
                case, "departmentInvestigation", submitted, candidate_group=department
            )

    steps(walk)


def page_height(page: Page) -> int:
    height: int = page.evaluate("document.documentElement.scrollHeight")
    return height


def test_case_history_is_the_business_history_by_name_and_the_element_trail_is_for_admins(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    cases = LiveProcedure(stack)
    case = start(cases)

    async def walk() -> None:
        await case_steps.joint_acceptance_review(cases, case)
        await cases.complete_task(
            case,
            "assignDepartments",
            {
                "investigatingDepartments": ["dept-audit"],
                "investigationInstructions": "会同问责主体核实容缺受理的决策过程",
            },
            candidate_group="leading-group",
        )

    steps(walk)
    task = cases.open_task(case.key, "departmentInvestigation", "dept-audit")

    audit = signed_in(browser, desk, "audit", "demo-audit")
    audit.goto(f"{desk}/#/task/{task['userTaskKey']}")
    history = audit.locator("table.business-history")
    # The engine shows a task only to those who may act on it: the department sees what the
    # office, the subject and the leading group decided, the manager also sees by whom.
    expect(history.locator("tr", has_text="办公室审核申请")).to_contain_text(
        "同意受理；申请要件齐全"
    )
    expect(history.locator("tr", has_text="领导小组责成相关部门")).to_contain_text(
        "指定核实部门：区审计局"
    )
    expect(history).to_contain_text(re.compile(r"制发文书《[^》]*受理通知书》"))
    expect(history).to_contain_text("送达受理通知")
    expect(history).to_contain_text("进入调查核实阶段")
    # The engine's own elements are not the business history.
    expect(history).not_to_contain_text("意见汇合")
    expect(history).not_to_contain_text("分别审核")
    expect(history.locator("td", has_text=re.compile(r"^系统$"))).to_have_count(0)
    rows = history.locator("tbody tr").count()
    assert rows <= 16, f"{rows} rows in the business history"
    meta = audit.locator(".meta")
    expect(meta).to_contain_text("承办单位：区审计局")
    expect(audit.get_by_text("流程引擎环节记录")).to_have_count(0)
    text = audit.locator("main").inner_text()
    assert not LOGIN_NAMES.search(text), LOGIN_NAMES.search(text)
    height = page_height(audit)
    form_box = audit.locator(".camunda-form").bounding_box()
    form_height = int(form_box["height"]) if form_box else 0
    print(f"task page height at 1366 px: {height} px (form {form_height} px), {rows} history rows")
    beside = height - form_height
    assert beside <= PAGE_BESIDE_FORM_MAX_PX, f"the task page without its form is {beside} px"
    shot(audit, "2-task-page-business-history")

    manager = signed_in(browser, desk, "manager", "demo-manager")
    manager.goto(f"{desk}/#/case/{case.key}")
    business = manager.locator("table.business-history")
    expect(business.locator("tr", has_text="办公室审核申请")).to_contain_text(
        "王敏（游仙区容错纠错工作领导小组办公室）"
    )
    expect(business.locator("tr", has_text="问责主体会同审核")).to_contain_text("李强")
    expect(business.locator("tr", has_text="领导小组责成相关部门")).to_contain_text(
        "陈静（游仙区容错纠错工作领导小组）"
    )
    expect(business.locator("tr", has_text="部门调查核实")).to_contain_text("区审计局")
    expect(manager.get_by_text("流程引擎环节记录")).to_have_count(0)
    text = manager.locator("table.business-history").inner_text()
    assert not LOGIN_NAMES.search(text), LOGIN_NAMES.search(text)
    shot(manager, "2-3-case-page-manager")

    admin = signed_in(browser, desk, *ADMIN)
    admin.goto(f"{desk}/#/case/{case.key}")
    expect(admin.locator("table.business-history")).to_contain_text("王敏")
    trail = admin.locator("details.element-trail")
    expect(trail).to_contain_text("流程引擎环节记录（管理员")
    expect(trail.locator("table")).not_to_be_visible()
    trail.locator("summary").click()
    expect(trail.locator("table")).to_contain_text("意见汇合")
    shot(admin, "2-case-page-admin-trail-open")


def test_inbox_names_each_tasks_unit_urgency_in_words_and_due_day_with_marks(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    cases = LiveProcedure(stack)
    case = start(cases)
    walk_to_joint_confirmation(cases, case)
    cases.open_task(case.key, "subjectJointConfirmation", "")
    # A second case waits at acceptance: its due day is shown and marked as it comes near.
    second = start(cases, applicantName="赵红")
    opinion = cases.open_task(second.key, "subjectAcceptanceOpinion", "")
    due = datetime.fromisoformat(opinion["dueDate"].replace("Z", "+00:00"))

    subject = signed_in(browser, desk, *SUBJECT)
    rows = subject.locator("table.grid tbody tr", has_text="问责主体会同核实")
    expect(rows).to_have_count(2)
    units = sorted(rows.nth(i).locator("td.unit").inner_text() for i in range(2))
    assert units == ["区委组织部", "区审计局"], units
    table = subject.locator("table.grid")
    expect(table.locator("thead")).to_contain_text("紧急程度")
    expect(table.locator("thead")).not_to_contain_text("优先级")
    expect(rows.first).to_contain_text("一般")
    expect(table.locator("tbody")).not_to_contain_text("50")
    due_cells = table.locator("td.due")
    for index in range(due_cells.count()):
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日.*", due_cells.nth(index).inner_text())
        assert not re.search(r"\d{1,2}:\d{2}", due_cells.nth(index).inner_text())
    row = subject.locator(f"tr[data-task='{opinion['userTaskKey']}']")
    day = subject.evaluate(
        "d => new Intl.DateTimeFormat('zh-CN', {timeZone: 'Asia/Shanghai', year: 'numeric', "
        "month: 'long', day: 'numeric'}).format(new Date(d))",
        opinion["dueDate"],
    )
    expect(row.locator("td.due")).to_contain_text(day)
    expect(row.locator("td.unit")).to_contain_text("区纪委监委（问责主体）")
    shot(subject, "6-inbox", full_page=False)

    # Two days before the due day (Beijing time) the officer's browser marks it as due soon.
    soon = context_at(browser, desk, SUBJECT, due - timedelta(days=2))
    expect(soon.locator(f"tr[data-task='{opinion['userTaskKey']}'] .tag.soon")).to_have_text(
        "2日内到期"
    )
    shot(soon, "6-inbox-due-soon", full_page=False)
    late = context_at(browser, desk, SUBJECT, due + timedelta(hours=1))
    expect(late.locator(f"tr[data-task='{opinion['userTaskKey']}'] .tag.overdue")).to_have_text(
        "已逾期"
    )


def context_at(browser: Browser, url: str, user: tuple[str, str], moment: datetime) -> Page:
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    page.clock.set_fixed_time(moment)
    page.set_default_timeout(10_000)
    page.goto(url)
    page.get_by_label("用户名").fill(user[0])
    page.get_by_label("密码").fill(user[1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    return page


def document_y(element: Any) -> float:
    y: float = element.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    return y


def test_length_limits_count_characters_and_an_error_does_not_move_the_button(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    cases = LiveProcedure(stack)
    case = start(cases)
    task = cases.open_task(case.key, "officeAcceptanceReview", "")
    office = signed_in(browser, desk, *OFFICE)
    office.goto(f"{desk}/#/task/{task['userTaskKey']}")
    submit = office.get_by_role("button", name="提交并完成任务")
    expect(submit).to_be_enabled()
    submit.scroll_into_view_if_needed()
    before = submit.bounding_box()
    assert before is not None
    office.mouse.move(before["x"] + before["width"] / 2, before["y"] + before["height"] / 2)
    submit.click()
    expect(office.locator(".fjs-form-field-error").first).to_be_visible()
    expect(office.get_by_role("alert")).to_contain_text("请按红色提示修改后再提交")
    after = submit.bounding_box()
    assert after is not None
    print(f"submit button at y={before['y']} before the errors, y={after['y']} after")
    assert (after["x"], after["y"]) == (before["x"], before["y"])
    shot(office, "11-errors-button-still", full_page=False)

    reason = office.get_by_label("理由（不予受理的，理由写入不予受理通知书）")
    field = office.locator(".fjs-form-field", has=reason)
    # 2,000 characters as people count them: emoji (2 UTF-16 units each, a family 8) and 汉字.
    reason.fill("👍" * 1000 + "👨‍👩‍👧" * 500 + "同" * 500)
    reason.blur()
    expect(field.locator(".fjs-form-field-error")).to_have_count(0)
    reason.fill("👍" * 2000)
    reason.blur()
    expect(field.locator(".fjs-form-field-error")).to_have_count(0)
    full = document_y(submit)
    reason.press("End")
    reason.type("👍")
    reason.blur()
    expect(field.locator(".fjs-form-field-error")).to_have_text("最多 2000 个字。")
    # The one more character stays on the textarea's last line: only the error appeared.
    assert document_y(submit) == full
    shot(office, "11-length-error", full_page=False)


def test_registering_an_application_shows_the_case_number_and_a_link(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    office = signed_in(browser, desk, *OFFICE)
    office.get_by_role("link", name="登记申请").click()
    fill_start_form(office)
    office.get_by_role("button", name="提交申请").click()
    status = office.get_by_role("status")
    expect(status).to_contain_text("申请已登记，受理编号：游容免〔2026〕1号", timeout=20_000)
    expect(status).not_to_contain_text("流程实例")
    assert not re.search(r"\d{10,}", status.inner_text())
    shot(office, "8-registered", full_page=False)
    status.get_by_role("link", name="查看本案").click()
    expect(office.get_by_role("heading", name="案件 游容免〔2026〕1号")).to_be_visible()
    expect(office.locator("g.djs-element").first).to_be_attached()  # the diagram drawn
    expect(office.locator("table.business-history")).to_contain_text("办公室审核申请")
    shot(office, "8-case-from-link", full_page=False)


def fill_start_form(page: Page) -> None:
    # As tests/desk/test_desk_live.py fills it: choices first, texts after (form-js debounces).
    page.get_by_role("radio", name="个人").check()
    page.get_by_label("已启动问责").check()
    subject = page.locator(".fjs-form-field-select", has_text="问责主体（参与会同审核")
    subject.locator(".fjs-select-display").click()
    subject.locator(".fjs-dropdownlist-item", has_text="区纪委监委").click()
    page.get_by_label("行政问责或组织处理").check()
    page.get_by_label("（二）符合中央大政方针", exact=False).check()
    page.get_by_label("申请单位名称或申请人姓名").fill("李明")
    page.get_by_label(re.compile(r"^所在单位")).fill("游仙区交通运输局")
    page.get_by_label("联系电话").fill("0816-1234567")
    page.get_by_label(re.compile(r"^问责事项")).fill("农村公路养护资金提前拨付")
    page.get_by_label("问责主体名称").fill("区纪委监委")
    page.get_by_label("失误错误行为及其背景、动机、后果").fill("为保汛期通行提前拨付养护资金")
    page.get_by_label("挽回损失、消除影响的措施").fill("已补齐审批手续")
    page.get_by_label("佐证材料清单（每行一份）").fill("会议纪要")
    fill_date(page, "启动问责日期", "2026-08-20")
    fill_date(page, "申请日期", "2026-09-01")
