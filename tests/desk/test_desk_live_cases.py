"""Issue 13, item 5, end to end on the real stack (engine, workers, desk, Chromium): closed cases
stay findable. A manager finds a closed case by its applicant's name, reads and prints its case
file (案卷) and downloads the year's statistics as .xlsx, which this test opens and checks; an
officer finds only the cases they have a task in.

Cases are driven through the procedure's step helpers (tests/procedure/case_steps.py)."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk.browser import ARTIFACTS, serving
from tests.desk.live_stack import LiveProcedure, LiveStack
from tests.desk.test_desk_browser import signed_in
from tests.desk.test_desk_live import browser, stack  # noqa: F401  (fixtures)
from tests.procedure import case_steps as steps
from tests.procedure.scenario import Case

BEIJING = timezone(timedelta(hours=8))


async def _two_cases(run: LiveProcedure) -> tuple[Case, Case]:
    """One case closed as not accepted (the subject disagrees, the leading group refuses), one
    still in acceptance."""
    closed = await run.start_case(
        steps.application(applicantName="赵文华", applicantUnit="游仙区交通运输局")
    )
    await steps.joint_acceptance_review(
        run, closed, subject_accepts=False, subject_reason="问责决定已执行完毕，不属于受理范围"
    )
    # The office and the subject disagree: the leading group decides (8(2), issue 12).
    await steps.leading_group_acceptance_decision(
        run, closed, accepts=False, reason="问责决定已执行完毕，不属于受理范围"
    )
    await run.wait_until_closed(closed)
    still_open = await run.start_case(steps.application())
    # Left at its first task: numbered, waiting for the acceptance review.
    await run._open_task(still_open, "officeAcceptanceReview", "")
    return closed, still_open


def _search(page: Page, **fields: str) -> None:
    form = page.get_by_role("search")
    form.get_by_role("button", name="清空条件").click()
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="查询").click()


def test_manager_finds_a_closed_case_by_applicant_and_exports_the_year_as_xlsx(
    stack: LiveStack,  # noqa: F811
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    run = LiveProcedure(stack)
    # Playwright's sync API holds this thread's event loop: the steps run in a thread of their own.
    with ThreadPoolExecutor(1) as steps_thread:
        closed, still_open = steps_thread.submit(asyncio.run, _two_cases(run)).result()
    settings = DeskSettings(api_url=stack.api_url, data_dir=stack.data_dir)
    with serving(create_desk_app(settings)) as url:
        manager = signed_in(browser, url, "manager", "demo-manager")
        manager.get_by_role("link", name="归档案件").click()
        archive = manager.locator("table.cases")
        expect(archive.locator("tbody tr")).to_have_count(1)
        expect(archive.locator(f"tr[data-case='{closed.key}']")).to_contain_text("不予受理")
        manager.screenshot(path=str(ARTIFACTS / "cases-archive.png"), full_page=True)

        manager.get_by_role("link", name="案件查询", exact=True).click()
        expect(manager.get_by_test_id("case-count")).to_have_text("共 2 件")
        _search(manager, 申请人或当事人="赵文华")
        expect(manager.get_by_test_id("case-count")).to_have_text("共 1 件")
        row = manager.locator(f"tr[data-case='{closed.key}']")
        expect(row).to_contain_text("游仙区交通运输局")
        expect(row).to_contain_text("已办结")
        expect(row).to_contain_text("不予受理")
        manager.screenshot(path=str(ARTIFACTS / "cases-search-applicant.png"), full_page=True)

        _search(manager, 所在单位="发展和改革")
        expect(manager.locator(f"tr[data-case='{still_open.key}']")).to_be_visible()
        expect(manager.get_by_test_id("case-count")).to_have_text("共 1 件")
        manager.get_by_role("search").get_by_label("办理结果").select_option("不予受理")
        manager.get_by_role("search").get_by_role("button", name="查询").click()
        expect(manager.get_by_test_id("case-count")).to_have_text("共 0 件")
        _search(manager, 受理编号="〔2026〕1号")
        expect(manager.locator(f"tr[data-case='{closed.key}']")).to_be_visible()
        _search(manager, 登记日期自="2000-01-01", 至="2000-12-31")
        expect(manager.get_by_test_id("case-count")).to_have_text("共 0 件")
        _search(manager, 登记日期自="2026-13-01")
        expect(manager.get_by_role("alert")).to_contain_text("起始日期“2026-13-01”不是有效日期")

        # The case file: the application, who decided what and when, the documents.
        _search(manager, 申请人或当事人="赵文华")
        manager.locator(f"tr[data-case='{closed.key}']").get_by_role(
            "link", name="查看案卷"
        ).click()
        expect(manager.get_by_role("heading", name="容错免责案件案卷")).to_be_visible()
        steps_table = manager.locator("table.file-steps")
        expect(steps_table).to_contain_text("王敏")
        expect(steps_table).to_contain_text("李强")
        expect(steps_table).to_contain_text("问责决定已执行完毕，不属于受理范围")
        expect(steps_table).to_contain_text("游仙区容错纠错工作领导小组办公室")
        expect(manager.locator("table.file-documents")).to_contain_text(
            "容错免责申请不予受理通知书"
        )
        expect(manager.locator("table.file-notices")).to_contain_text("申请人")
        manager.screenshot(path=str(ARTIFACTS / "case-file.png"), full_page=True)
        manager.emulate_media(media="print")
        expect(manager.get_by_role("navigation", name="主导航")).to_be_hidden()
        expect(manager.get_by_role("button", name="打印案卷")).to_be_hidden()
        manager.screenshot(path=str(ARTIFACTS / "case-file-print.png"), full_page=True)
        manager.emulate_media(media="screen")

        # The year's statistics and case list as a spreadsheet.
        manager.get_by_role("link", name="案件查询", exact=True).click()
        year = datetime.now(BEIJING).year
        with manager.expect_download() as download:
            manager.get_by_role("link", name="导出年度统计表（电子表格）").click()
        saved = tmp_path / "statistics.xlsx"
        download.value.save_as(saved)
        _check_workbook(saved.read_bytes(), year, closed_applicant="赵文华")

        # An officer finds only the cases they have a task in.
        audit = signed_in(browser, url, "audit", "demo-audit")
        audit.get_by_role("link", name="案件查询", exact=True).click()
        expect(audit.get_by_test_id("case-count")).to_have_text("共 0 件")
        refused = audit.request.get(f"{url}/cases/{closed.key}/file")
        assert refused.status == 404
        office = signed_in(browser, url, "office", "demo-office")
        office.get_by_role("link", name="归档案件").click()
        expect(office.locator(f"tr[data-case='{closed.key}']")).to_be_visible()


def _check_workbook(content: bytes, year: int, closed_applicant: str) -> None:
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["统计", "案件清单"]
    statistics = book["统计"]
    rows = [tuple(cell.value for cell in row) for row in statistics.iter_rows()]
    assert rows[0][0] == f"容错免责案件办理情况统计（{year}年1月1日至{year}年12月31日）"
    heading = rows.index(("按办理结果", None))
    assert rows[heading + 1] == ("办理结果", "件数")
    by_outcome: dict[str, int] = {}
    total = -1
    for row in rows[heading + 2 :]:
        assert isinstance(row[1], int), row
        if row[0] == "合计":
            total = row[1]
            break
        by_outcome[str(row[0])] = row[1]
    assert by_outcome["不予受理"] == 1
    assert by_outcome["办理中"] == 1
    assert by_outcome["认定容错免责"] == 0
    assert total == 2 == sum(by_outcome.values())
    stages = rows.index(("办理中案件所处阶段", None))
    assert ("审核受理", 1) in rows[stages : stages + 10]

    cases = book["案件清单"]
    table = [tuple(cell.value for cell in row) for row in cases.iter_rows()]
    assert table[0][:4] == ("序号", "受理编号", "申请人", "申请人单位")
    assert table[0][8] == "办理结果"
    listed = table[1:-1]
    assert len(listed) == 2
    assert [row[0] for row in listed] == [1, 2]
    closed_row = next(row for row in listed if row[2] == closed_applicant)
    assert closed_row[1] == "游容免〔2026〕1号"
    assert closed_row[3] == "游仙区交通运输局"
    assert closed_row[7] == "已办结"
    assert closed_row[8] == "不予受理"
    assert table[-1][0] == "合计"
    assert str(table[-1][1]).startswith("共 2 件")
