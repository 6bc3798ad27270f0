"""Publicity in the desk, on the real stack (engine, workers, desk, Chromium at 1366 px): the office
records an objection on the 公示与异议 page while the period runs, answers it, and reads the answer
with the objector's identity, which a manager never sees; an administrator enters next year's
holiday schedule, is told which field is wrong first, and sees who entered it and when.

The case reaches its publicity through the procedure's step helpers (tests/procedure/case_steps.py)
over REST, with the engine clock pinned, never slept for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, expect

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.containers.product_procedure import ProductProcedure
from tests.desk import desk_pages
from tests.desk.browser import serving
from tests.desk.desk_pages import Screenshots, no_ascii_words
from tests.desk.live_stack import LiveStack
from tests.desk.test_desk_browser import signed_in
from tests.procedure import case_steps as steps
from tests.procedure.scenario import Case
from workers.working_days import WorkingDayCalendar

BEIJING = timezone(timedelta(hours=8))
T = TypeVar("T")
# The walk to the publicity renders three PDFs and the objection adds a fourth; alone the first
# test takes about 85 s here, and the machine's two cores are shared.
pytestmark = pytest.mark.timeout(300)


stack = desk_pages.stack
browser = desk_pages.browser
shot = Screenshots("publicity")
holiday_shot = Screenshots("holiday-schedule")


def _procedure(stack: LiveStack) -> ProductProcedure:
    # ProductProcedure asks its product only for these two addresses.
    product: Any = SimpleNamespace(http_url=stack.api_url, grpc_address=stack.grpc_address)
    return ProductProcedure(product)


async def _case_in_publicity(run: ProductProcedure) -> Case:
    await run.pin_clock(datetime(2026, 9, 2, 9, 0, tzinfo=BEIJING))
    case = await run.start_case(steps.application(districtManagedCadre=False))
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(
        run, case, {"dept-audit": steps.finding("dept-audit", "容缺受理程序有会议纪要支持")}
    )
    await steps.determination(run, case, steps.recognising_opinion(publicity=True))
    await run.set_clock(case, datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING))
    await steps.arrange_publicity(run, case, "2026-09-28")
    await run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds")
    await run.set_clock(case, datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING))
    return case


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Playwright's sync API owns this thread's event loop: the REST steps run in another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def test_office_records_an_objection_during_publicity_and_a_manager_never_sees_who(
    stack: LiveStack, browser: Browser
) -> None:
    run = _procedure(stack)
    case = _run(_case_in_publicity(run))
    settings = DeskSettings(api_url=stack.api_url, data_dir=stack.data_dir)
    with serving(create_desk_app(settings)) as url:
        office = signed_in(browser, url, "office", "demo-office")
        office.get_by_role("link", name="公示与异议").click()
        row = office.locator("tr", has_text="游容免〔2026〕1号")
        expect(row).to_contain_text("公示中")
        expect(row).to_contain_text("自2026年9月28日次日起至2026年10月13日24时止（7个工作日）")
        expect(row.get_by_role("link", name="公示公告（新窗口打开）")).to_be_visible()
        row.get_by_role("button", name="登记与查看异议").click()

        form = office.get_by_role("form", name="登记公示异议")
        form.get_by_label("异议内容").fill("审批材料中的会议纪要系事后补写，当事人事先知情。")
        form.get_by_label("收到日期").fill("2026-09-30")
        form.get_by_label("异议人姓名或单位").fill("赵强")
        form.get_by_label("异议人联系方式").fill("0816-7654321")
        form.get_by_role("button", name="登记异议").click()
        expect(office.get_by_role("status")).to_have_text(
            "异议已登记，编号2026-异-001；已并入公示流程，办公室处理任务已生成。"
        )
        table = office.locator("section.objections table")
        expect(table).to_contain_text("赵强")
        expect(table).to_contain_text("并入公示流程办理")
        expect(table).to_contain_text("待答复")
        no_ascii_words(office)
        shot(office, "objection-recorded")

        # the handling task shows the period too, and the notice, from the task page
        task = _run(run.wait_for_user_task(case, "handleObjection"))
        office.goto(f"{url}/#/task/{task['userTaskKey']}")
        period = office.locator("section.publicity-period")
        expect(period).to_contain_text(
            "自2026年9月28日次日起至2026年10月13日24时止", timeout=30_000
        )
        expect(period.get_by_role("link", name="公示公告（新窗口打开）")).to_be_visible()
        expect(office.locator("main")).not_to_contain_text("赵强")
        shot(office, "objection-task")

        # the office answers in writing through its task; the register shows the answer
        office.get_by_role("link", name="公示与异议").click()
        _run(
            steps.answer_objection(
                run, case, upheld=False, answer="经核实，会议纪要形成于决策当日，所反映问题不属实"
            )
        )
        _run(run.wait_until_waiting_at(case, "publicity#publicityPeriodEnds"))
        office.reload()
        office.get_by_role("button", name="登记与查看异议").click()
        expect(table).to_contain_text("经核实，会议纪要形成于决策当日，所反映问题不属实")
        expect(table).to_contain_text("核实结论：不成立")
        expect(table.get_by_role("link", name="异议答复书（新窗口打开）")).to_be_visible()
        shot(office, "objection-answered")

        manager = signed_in(browser, url, "manager", "demo-manager")
        manager.goto(f"{url}/#/case/{case.key}")
        objections = manager.locator("section.objections")
        # the case page reads the whole case (diagram, history): slow on a loaded machine
        expect(objections).to_contain_text("审批材料中的会议纪要系事后补写", timeout=60_000)
        expect(manager.locator("section.publicity-period")).to_contain_text("公示中")
        expect(manager.locator("main")).not_to_contain_text("赵强")
        expect(manager.locator("main")).not_to_contain_text("0816-7654321")
        expect(objections.get_by_role("form")).to_have_count(0)
        shot(manager, "case-page-manager")
        manager.goto(f"{url}/#/dashboard")
        expect(manager.get_by_test_id("in-publicity")).to_contain_text(
            "公示期自2026年9月28日次日起至2026年10月13日24时止", timeout=60_000
        )
        shot(manager, "dashboard")


def test_administrator_enters_next_years_holiday_schedule(
    stack: LiveStack, browser: Browser
) -> None:
    settings = DeskSettings(api_url=stack.api_url, data_dir=stack.data_dir)
    with serving(create_desk_app(settings)) as url:
        admin = signed_in(browser, url, "admin", "demo-admin")
        admin.get_by_role("link", name="节假日安排").click()
        expect(admin.locator("main")).to_contain_text("系统内置日历收录至2026年")
        form = admin.get_by_role("form", name="录入节假日安排")
        form.get_by_label("年度").fill("2027")
        form.get_by_label("通知文号").fill("国办发明电〔2026〕9号")
        form.get_by_label("元旦放假开始日期").fill("2027-01-01")
        form.get_by_label("元旦放假结束日期").fill("2027-01-03")
        form.get_by_label("春节放假开始日期").fill("2027-02-05")
        form.get_by_label("春节放假结束日期").fill("2027-02-13")
        form.get_by_label("国庆节放假开始日期").fill("2027-10-01")
        form.get_by_label("国庆节放假结束日期").fill("2027-10-07")
        workdays = form.get_by_label("调休上班日期（周六或周日，多个日期用逗号或空格分隔）")
        workdays.fill("2027-01-30，2027-02-22")
        form.get_by_role("button", name="核验并录入").click()
        expect(admin.get_by_role("alert")).to_contain_text(
            "调休上班日期第2项（2027-02-22）不是星期六或星期日：调休上班只能安排在周末"
        )
        holiday_shot(admin, "refused")

        workdays.fill("2027-01-30，2027-02-20，2027-10-09")
        form.get_by_role("button", name="核验并录入").click()
        expect(admin.get_by_role("status")).to_have_text(
            "2027年节假日安排已录入（国办发明电〔2026〕9号），此后公示期按此计算。"
        )
        entered = admin.locator("table", has_text="录入人")
        expect(entered).to_contain_text("春节：2027年2月5日至2027年2月13日")
        expect(entered).to_contain_text("2027年10月9日")
        expect(admin.locator("main")).to_contain_text(
            "admin 录入2027年安排（国办发明电〔2026〕9号）"
        )
        holiday_shot(admin, "entered")

    # the workers count 2027 from what was entered (the same data directory)
    last = WorkingDayCalendar.from_file().add_working_days(datetime(2027, 1, 29).date(), 7)
    assert last.isoformat() == "2027-02-16"
