"""Issue 13, item 9, end to end on the real stack: the administrator manages users, units and
tokens in the desk; the new officer signs in at once, a deactivated one cannot, and every change
is in the engine's audit trail (GET /v2/audit)."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Dialog, expect

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk.browser import ARTIFACTS, serving
from tests.desk.live_stack import LiveStack
from tests.desk.test_desk_browser import VIEWPORT, signed_in
from tests.desk.test_desk_live import browser, stack  # noqa: F401  (fixtures)

ADMIN = ("admin", "demo-admin")


def test_administrator_manages_users_units_and_tokens_in_the_desk(
    stack: LiveStack,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    settings = DeskSettings(api_url=stack.api_url, data_dir=stack.data_dir)
    with serving(create_desk_app(settings)) as url:
        officer_view = signed_in(browser, url, "office", "demo-office")
        expect(officer_view.get_by_role("link", name="用户管理")).to_have_count(0)

        admin = signed_in(browser, url, *ADMIN)
        admin.get_by_role("link", name="用户管理").click()
        expect(admin.locator("tr[data-user='audit']")).to_contain_text("区审计局")

        units = admin.get_by_role("form", name="新建单位")
        units.get_by_label("单位标识").fill("dept-finance")
        units.get_by_label("单位名称").fill("区财政局")
        units.get_by_role("button", name="新建单位").click()
        expect(admin.get_by_role("status")).to_have_text("已新建单位 区财政局。")

        form = admin.get_by_role("form", name="新建用户")
        form.get_by_label("用户名").fill("qianfang")
        form.get_by_label("姓名").fill("钱芳")
        form.get_by_label("初始密码").fill("Caiwu-2026-strong")
        form.get_by_label("所属单位").select_option(label="区审计局")
        form.get_by_role("button", name="新建用户").click()
        expect(admin.get_by_role("status")).to_have_text("已新建用户 钱芳（qianfang）。")
        row = admin.locator("tr[data-user='qianfang']")
        expect(row).to_contain_text("办理人员")
        expect(row).to_contain_text("正常")

        row.get_by_label("将 钱芳 加入单位").select_option(label="区财政局")
        expect(row).to_contain_text("区财政局")
        row.get_by_role("button", name="将 钱芳 移出 区审计局").click()
        expect(admin.get_by_role("status")).to_have_text("已将 钱芳 移出 区审计局。")
        expect(admin.locator("tr[data-group='dept-finance']")).to_contain_text("钱芳")

        new_officer = signed_in(browser, url, "qianfang", "Caiwu-2026-strong")
        # Pages name people, never by login name (issue 13, item 3).
        expect(new_officer.locator(".who")).to_contain_text("钱芳")
        expect(new_officer.locator(".who")).not_to_contain_text("qianfang")

        row.get_by_role("button", name="签发令牌").click()
        shown = admin.locator(".token-shown")
        expect(shown).to_be_visible()
        token = shown.inner_text().strip()
        me = httpx.get(
            f"{stack.api_url}/v2/authentication/me",
            headers={"authorization": f"Bearer {token}"},
        )
        assert me.status_code == 200 and me.json()["username"] == "qianfang"
        admin.screenshot(path=str(ARTIFACTS / "user-admin.png"), full_page=True)

        def answer(dialog: Dialog) -> None:
            dialog.accept("Xinmima-2026-ok")

        admin.once("dialog", answer)
        row.get_by_role("button", name="重置密码").click()
        expect(admin.get_by_role("status")).to_have_text("已重置 钱芳 的密码。")

        row.get_by_role("button", name="停用").click()
        expect(row).to_contain_text("已停用")
        refused = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
        refused.goto(url)
        refused.get_by_label("用户名").fill("qianfang")
        refused.get_by_label("密码").fill("Xinmima-2026-ok")
        refused.get_by_role("button", name="登录").click()
        expect(refused.get_by_role("alert")).to_have_text("用户名或密码不正确，请重新输入。")
        revoked = httpx.get(
            f"{stack.api_url}/v2/authentication/me",
            headers={"authorization": f"Bearer {token}"},
        )
        assert revoked.status_code == 401
        admin.screenshot(path=str(ARTIFACTS / "user-admin-deactivated.png"), full_page=True)

        # A refused change says why, in Chinese, and changes nothing.
        form.get_by_label("用户名").fill("audit")
        form.get_by_label("姓名").fill("重名")
        form.get_by_label("初始密码").fill("Caiwu-2026-strong")
        form.get_by_role("button", name="新建用户").click()
        expect(admin.get_by_role("alert")).to_contain_text("用户名 audit 已被使用")
        expect(admin.locator("tr[data-user='audit']")).to_contain_text("张伟")
        admin.screenshot(path=str(ARTIFACTS / "user-admin-refused.png"), full_page=True)
        admin.locator("tr[data-user='audit']").get_by_role("button", name="停用").click()
        expect(admin.locator("tr[data-user='audit']")).to_contain_text("已停用")

    trail = stack.call(ADMIN, "GET", "/audit?limit=100")["items"]
    changes = [
        (entry["action"], entry["details"].get("username") or entry["details"].get("groupId"))
        for entry in trail
        if entry["action"].startswith(("USER_", "GROUP_", "TOKEN_"))
    ]
    assert changes == [
        ("GROUP_CREATED", "dept-finance"),
        ("USER_CREATED", "qianfang"),
        ("GROUP_MEMBER_ADDED", "qianfang"),
        ("GROUP_MEMBER_REMOVED", "qianfang"),
        ("TOKEN_CREATED", "qianfang"),
        ("USER_PASSWORD_RESET", "qianfang"),
        ("USER_DEACTIVATED", "qianfang"),
        ("USER_DEACTIVATED", "audit"),
    ]
    assert {entry["actor"] for entry in trail if entry["action"].startswith("USER_")} == {"admin"}
