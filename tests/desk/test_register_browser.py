"""The register in the desk, in Chromium at 1366 px against the real engine, the workers and the
desk server: a manager finds 李明 by name and reads his history across three procedures
(澄清了结, 问题整改, 容错免责办理), reaches it again from a case page, filters the search page by
procedure and sees the dashboard's Chapter 3 and 4 charts; the discipline office reads only the
part of the history it has tasks in, and is told so. Screenshots in the artifacts directory."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, expect

from tests.desk import desk_pages
from tests.desk.browser import ARTIFACTS
from tests.desk.desk_pages import Screenshots
from tests.desk.live_stack import LiveStack
from tests.desk.register_cases import DISCIPLINE_OFFICE, MANAGER, open_register_cases
from tests.desk.test_desk_browser import signed_in

pytestmark = pytest.mark.timeout(300)

stack = desk_pages.stack
browser = desk_pages.browser
desk = desk_pages.desk
patient_expectations = desk_pages.patient_expectations  # autouse
shot = Screenshots("register")


def no_ascii_words(part: Locator) -> None:
    text = part.inner_text()
    words = [w for w in text.split() if any(c.isascii() and c.isalpha() for c in w)]
    assert words == [], words


def test_a_history_across_procedures_and_the_chapter_three_and_four_charts(
    stack: LiveStack, browser: Browser, desk: str
) -> None:
    cases = open_register_cases(stack)

    manager = signed_in(browser, desk, *MANAGER)
    manager.get_by_role("link", name="登记簿").click()
    search = manager.get_by_role("search", name="查找登记对象")
    search.get_by_label("姓名或单位名称").fill("李明")
    search.get_by_role("button", name="查找").click()
    manager.get_by_role("link", name="李明（新桥镇）").click()
    history = manager.locator("table.history")
    expect(history.locator("tbody tr")).to_have_count(3)
    rows = history.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("澄清了结")
    expect(rows.nth(0)).to_contain_text("游纪澄〔2026〕1号")
    expect(rows.nth(0)).to_contain_text("已了结")
    expect(rows.nth(1)).to_contain_text("问题整改")
    expect(rows.nth(1)).to_contain_text("资金使用")
    expect(rows.nth(1)).to_contain_text("办理中")
    expect(rows.nth(2)).to_contain_text("容错免责办理")
    expect(rows.nth(2)).to_contain_text("游容免〔2026〕1号")
    expect(manager.get_by_role("heading", name="李明（新桥镇）的历史记录")).to_be_visible()
    expect(manager.get_by_test_id("history-partial")).to_have_count(0)
    no_ascii_words(manager.locator("main"))
    shot(manager, "1-history-manager")

    # From a case page: whom the case concerns, each a link to their history.
    rows.nth(1).get_by_role("link", name="查看案件").click()
    subjects = manager.locator("section.case-subjects")
    expect(subjects).to_contain_text("李明（新桥镇）的历史记录")
    subjects.scroll_into_view_if_needed()
    shot(manager, "2-case-page-subjects", full_page=False)
    subjects.get_by_role("link", name="李明（新桥镇）的历史记录").click()
    expect(manager.locator("table.history tbody tr")).to_have_count(3)

    # The search page over every procedure, filtered to one.
    manager.get_by_role("link", name="案件查询", exact=True).click()
    form = manager.get_by_role("search", name="案件查询")
    expect(form.get_by_label("办理程序").locator("option", has_text="问题整改")).to_have_count(1)
    form.get_by_label("办理程序").select_option(label="问题整改")
    form.get_by_role("button", name="查询").click()
    expect(manager.get_by_test_id("case-count")).to_have_text("共 1 件")
    row = manager.locator(f"tr[data-case='{cases.rectification}']")
    expect(row).to_contain_text("问题整改")
    expect(row).to_contain_text("游纪整〔2026〕1号")
    expect(row).to_contain_text("李明")
    expect(row).to_contain_text("新桥镇")
    no_ascii_words(manager.locator("main"))
    shot(manager, "3-search-by-procedure")

    # The dashboard's Chapter 3 and 4 work, as charts.
    manager.get_by_role("link", name="管理看板").click()
    expect(manager.get_by_test_id("open-cases")).to_have_text("1")
    # The rectification's overdue task is Chapter 3 work, counted in its own charts, never shown
    # as an instance key among the exemption cases.
    expect(manager.get_by_test_id("late-cases")).to_have_text("0")
    expect(manager.locator("main")).not_to_contain_text(cases.rectification)
    work = manager.locator("section.correction-work")
    charts = work.get_by_test_id("correction-charts")
    expect(charts.locator("figure", has_text="各项工作在办案件数").locator("svg")).to_be_visible()
    late_units = charts.locator("figure", has_text="逾期未办任务（按责任单位）")
    expect(late_units.locator("svg")).to_be_visible()
    expect(late_units.locator("text.chart-label")).to_have_text("区纪委监委党风政风监督室")
    by_procedure = charts.locator("figure", has_text="逾期未办任务（按工作）")
    expect(by_procedure.locator("tr", has_text="问题整改")).to_contain_text("1 项")
    outcomes = charts.locator("figure", has_text="澄清了结：各季度办结情况")
    expect(outcomes.locator("svg")).to_be_visible()
    expect(outcomes).to_contain_text("已了结")
    no_ascii_words(work)
    work.scroll_into_view_if_needed()
    shot(manager, "4-dashboard")
    work.get_by_label("成果统计周期").select_option(label="按月")
    expect(
        charts.locator("figure", has_text="澄清了结：各月办结情况").locator("svg")
    ).to_be_visible()
    work.screenshot(path=str(ARTIFACTS / "register-5-dashboard-by-month.png"))

    # The discipline office sees the two cases it has tasks in, and is told it may see only part.
    office = signed_in(browser, desk, *DISCIPLINE_OFFICE)
    office.get_by_role("link", name="登记簿").click()
    office_search = office.get_by_role("search", name="查找登记对象")
    office_search.get_by_label("姓名或单位名称").fill("李明")
    office_search.get_by_role("button", name="查找").click()
    office.get_by_role("link", name="李明（新桥镇）").click()
    expect(office.locator("table.history tbody tr")).to_have_count(2)
    expect(office.locator("table.history")).not_to_contain_text("容错免责办理")
    expect(office.get_by_test_id("history-partial")).to_contain_text("只能查看本人承办过任务的案件")
    no_ascii_words(office.locator("main"))
    shot(office, "6-history-office")
