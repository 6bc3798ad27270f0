"""Periodic screening (Art. 10) in the desk, on the real stack (engine with the demo identity,
workers, desk, Chromium): the office deploys an ad-hoc screening (through the API, as the desk's
start page would), the audit bureau's officer finds the screening task in the inbox, files the
analysis through the task's form, and the office reviews it on its own task page, where every
unit's analysis is listed. Screenshots in test-artifacts/desk/screening-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk import desk_pages
from tests.desk.browser import serving
from tests.desk.desk_pages import Screenshots, no_ascii_words
from tests.desk.live_stack import LiveStack
from tests.desk.test_desk_browser import signed_in

pytestmark = pytest.mark.timeout(300)
OFFICE = ("caseoffice", "demo-caseoffice")
AUDIT = ("audit", "demo-audit")

stack = desk_pages.stack
browser = desk_pages.browser
shot = Screenshots("screening")


def test_unit_files_its_screening_analysis_in_the_desk_and_the_office_reviews_it(
    stack: LiveStack, browser: Browser
) -> None:
    started = stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "problem-screening",
            "variables": {
                "screeningAllUnits": False,
                "screeningUnits": ["dept-audit", "dept-org-department"],
                "screeningPeriod": "2026年第四季度",
                "screeningFilingDays": 20,
                "screeningRequirements": "重点排查工程建设和资金使用领域",
            },
        },
    )
    task = stack.wait_for_task(AUDIT, "fileScreeningAnalysis")
    settings = DeskSettings(api_url=stack.api_url, data_dir=stack.data_dir)
    with serving(create_desk_app(settings)) as url:
        audit = signed_in(browser, url, *AUDIT)
        row = audit.locator("tr", has_text="报送排查梳理分析")
        expect(row).to_be_visible(timeout=30_000)
        shot(audit, "inbox")
        audit.goto(f"{url}/#/task/{task['userTaskKey']}")
        expect(audit.locator("main")).to_contain_text("报送单位：区审计局", timeout=30_000)
        expect(audit.locator("main")).to_contain_text("排查期间：2026年第四季度")
        audit.get_by_label("信访反映方面发现的问题").fill("本季度收到信访件1件，已办结，未发现问题")
        audit.get_by_label("巡视巡察方面发现的问题").fill("巡察反馈问题2个，均已整改")
        audit.get_by_label("纪律审查方面发现的问题").fill("未发现问题")
        audit.get_by_label("领导干部个人有关事项报告方面发现的问题").fill(
            "抽查核实3人，发现1人漏报，已提醒补报"
        )
        audit.get_by_label("苗头性、倾向性问题分析").fill("审计项目外包管理存在廉政风险苗头")
        audit.get_by_label("拟采取的措施").fill("完善外包审计项目复核制度")
        no_ascii_words(audit)
        shot(audit, "analysis-form")
        audit.get_by_role("button", name="提交并完成任务").click()
        expect(audit.get_by_role("status")).to_contain_text("完成", timeout=30_000)

        # the other unit files over the API; the office then reviews both analyses
        other = stack.wait_for_task(("orgdept", "demo-orgdept"), "fileScreeningAnalysis")
        stack.call(
            ("orgdept", "demo-orgdept"),
            "POST",
            f"/user-tasks/{other['userTaskKey']}/completion",
            {
                "variables": {
                    "petitionFindings": "未发现问题",
                    "inspectionFindings": "未发现问题",
                    "disciplineReviewFindings": "未发现问题",
                    "personalMattersFindings": "未发现问题",
                    "screeningTendencies": "未发现苗头性、倾向性问题",
                    "screeningMeasures": "继续加强日常监督",
                }
            },
        )
        review = stack.wait_for_task(OFFICE, "reviewScreeningAnalyses")
        office = signed_in(browser, url, *OFFICE)
        office.goto(f"{url}/#/task/{review['userTaskKey']}")
        main = office.locator("main")
        expect(main).to_contain_text("审计项目外包管理存在廉政风险苗头", timeout=30_000)
        expect(main).to_contain_text("区委组织部")
        office.get_by_label("分析研判意见").fill("外包审计项目存在廉政风险，纳入重点监督")
        no_ascii_words(office)
        shot(office, "review-form")
        office.get_by_role("button", name="提交并完成任务").click()
        expect(office.get_by_role("status")).to_contain_text("完成", timeout=30_000)
    # the report is generated and the screening closes without referrals
    stack.wait_until_completed(started["processInstanceKey"], timeout=30)
