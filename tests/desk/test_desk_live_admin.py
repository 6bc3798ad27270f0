"""The admin actions of the case page on the real stack (engine, workers, desk, Chromium): a
document job fails for want of its font (EXEMPTION_PDF_FONT names a missing file: an incident
at once), the admin sees the incident on the case page and retries it once the font is fixed;
a manager sees neither retry nor cancel and the engine refuses them if forced; the admin
cancels a case. An officer of the case reads its whole history, across stages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    require_browser_prerequisites,
    serving,
)
from tests.desk.live_stack import DEMO_IDENTITY, LiveStack, live_stack, sample_application
from tests.desk.test_desk_browser import signed_in

OFFICE = ("office", "demo-office")
SUBJECT = ("subject", "demo-subject")
ADMIN = ("admin", "demo-admin")
MANAGER = ("manager", "demo-manager")


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveStack]:
    require_browser_prerequisites()
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(tmp_path / "exemption-data"))
    monkeypatch.setenv("NOTICE_TRANSPORT", "file")
    # The workers re-read the setting for every document: fixing it later lets a retry pass.
    monkeypatch.setenv("EXEMPTION_PDF_FONT", str(tmp_path / "no-such-font.ttf"))
    with live_stack(tmp_path) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _start_case(stack: LiveStack) -> str:
    case = stack.call(
        OFFICE,
        "POST",
        "/process-instances",
        {
            "processDefinitionId": "exemption-procedure",
            "variables": sample_application("subject-discipline-commission"),
        },
    )
    key: str = case["processInstanceKey"]
    return key


def _complete(stack: LiveStack, user: tuple[str, str], task: dict[str, Any], **values: Any) -> None:
    key = task["userTaskKey"]
    stack.call(user, "POST", f"/user-tasks/{key}/assignment", {"assignee": user[0]})
    stack.call(user, "POST", f"/user-tasks/{key}/completion", {"variables": values})


def _accept(stack: LiveStack) -> None:
    """Both acceptance opinions say yes: the acceptance notice is generated next."""
    office = stack.wait_for_task(OFFICE, "officeAcceptanceReview")
    subject = stack.wait_for_task(SUBJECT, "subjectAcceptanceOpinion")
    _complete(
        stack,
        OFFICE,
        office,
        officeAcceptsApplication=True,
        officeAcceptanceReason="符合受理条件",
        officeReviewedOn="2026-09-02",
    )
    _complete(
        stack,
        SUBJECT,
        subject,
        subjectAcceptsApplication=True,
        subjectAcceptanceReason="同意受理",
        subjectReviewedOn="2026-09-02",
    )


def _wait_for_incident(stack: LiveStack, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = stack.call(ADMIN, "POST", "/incidents/search", {"filter": {"state": "ACTIVE"}})
        if found["items"]:
            incident: dict[str, Any] = found["items"][0]
            return incident
        time.sleep(0.2)
    raise AssertionError(f"no incident after {timeout} s")


def test_admin_retries_an_incident_and_cancels_a_case_manager_may_not(
    stack: LiveStack, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    case_key = _start_case(stack)
    _accept(stack)
    incident = _wait_for_incident(stack)
    assert "EXEMPTION_PDF_FONT" in incident["errorMessage"]

    settings = DeskSettings(
        api_url=stack.api_url, data_dir=stack.data_dir, people_file=DEMO_IDENTITY
    )
    with serving(create_desk_app(settings)) as url:
        manager = signed_in(browser, url, *MANAGER)
        manager.goto(f"{url}/#/case/{case_key}")
        incidents = manager.locator("table", has_text="说明")
        expect(incidents).to_contain_text("EXEMPTION_PDF_FONT")
        expect(incidents).to_contain_text("需管理员处理")
        assert manager.get_by_role("button", name="重试").count() == 0
        assert manager.get_by_role("button", name="撤销案件流程").count() == 0
        # The page only hides: forced through the desk's proxy, the engine still refuses.
        csrf = next(c["value"] for c in manager.context.cookies() if c["name"] == "desk_csrf")
        forced = manager.request.post(
            f"{url}/api/v2/incidents/{incident['incidentKey']}/resolution",
            headers={"x-csrf-token": csrf},
            data={},
        )
        assert forced.status == 403, forced.text()
        cancel = manager.request.post(
            f"{url}/api/v2/process-instances/{case_key}/cancellation",
            headers={"x-csrf-token": csrf},
            data={},
        )
        assert cancel.status == 403, cancel.text()

        admin = signed_in(browser, url, *ADMIN)
        admin.goto(f"{url}/#/case/{case_key}")
        row = admin.locator("tr", has_text="EXEMPTION_PDF_FONT")
        expect(row).to_be_visible()
        admin.screenshot(path=str(ARTIFACTS / "live-case-incident.png"), full_page=True)

        monkeypatch.delenv("EXEMPTION_PDF_FONT")
        row.get_by_role("button", name="重试").click()
        expect(admin.get_by_role("status")).to_have_text("已重试。")
        # The document is made on the retry, and the case moves on to investigation.
        stack.wait_for_element("callInvestigation")
        admin.reload()
        expect(admin.get_by_text("无未处理的异常")).to_be_visible()
        expect(admin.locator("ul.documents").get_by_role("link", name="受理通知书")).to_be_visible()

        # The officer who reviewed the acceptance reads the whole case: every stage so far.
        office = signed_in(browser, url, *OFFICE)
        done = stack.call(
            OFFICE,
            "POST",
            "/user-tasks/search",
            {"filter": {"elementId": "officeAcceptanceReview", "state": "COMPLETED"}},
        )["items"][0]
        office.goto(f"{url}/#/task/{done['userTaskKey']}")
        # The business history, by name (issue 13, items 2 and 3).
        history = office.locator("table.business-history")
        expect(history.locator("tr", has_text="办公室审核申请")).to_contain_text("王敏")
        expect(history).to_contain_text("调查核实")
        expect(history).to_contain_text("提出申请")

        admin.once("dialog", lambda dialog: dialog.accept("申请人撤回申请"))
        admin.get_by_role("button", name="撤销案件流程").click()
        expect(admin.get_by_role("status")).to_have_text("案件流程已撤销。")
        instance = stack.call(ADMIN, "GET", f"/process-instances/{case_key}")
        assert instance["state"] == "TERMINATED"
        expect(
            admin.locator(
                "table.business-history tr", has_text="撤销案件流程（理由：申请人撤回申请）"
            )
        ).to_contain_text("吴涛")
