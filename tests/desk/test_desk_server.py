"""The desk's server without a browser: sign-in, cookies, CSRF, the proxy, document access."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from desk.app import create_desk_app
from desk.settings import DeskSettings
from engine.access import Identity
from engine.gateway import ClusterInfo
from engine.http import create_app
from engine.service import EngineService
from tests.desk.fake_api import ACCEPTANCE, CASE, TASK, FakeCamunda, create_fake_api
from tests.desk.live_stack import DEMO_IDENTITY


@dataclass
class Desk:
    client: httpx.AsyncClient
    fake: FakeCamunda

    async def sign_in(self, username: str, password: str) -> str:
        answer = await self.client.post(
            "/auth/sign-in", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["csrfToken"]
        assert isinstance(token, str)
        return token


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    fake = FakeCamunda(data_dir=tmp_path / "data")
    settings = DeskSettings(api_url="http://api.test", data_dir=tmp_path / "data")
    app = create_desk_app(settings, transport=httpx.ASGITransport(app=create_fake_api(fake)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as client:
        yield Desk(client, fake)


async def test_sign_in_sets_httponly_samesite_session_cookie_and_readable_csrf_cookie(
    desk: Desk,
) -> None:
    answer = await desk.client.post(
        "/auth/sign-in", json={"username": "office", "password": "demo-office"}
    )
    assert answer.status_code == 200
    assert answer.json()["user"]["displayName"] == "王敏"
    assert answer.json()["user"]["groups"] == ["leading-group-office"]
    cookies = {c.split("=", 1)[0]: c.lower() for c in answer.headers.get_list("set-cookie")}
    assert "httponly" in cookies["desk_session"]
    assert "samesite=strict" in cookies["desk_session"]
    assert "httponly" not in cookies["desk_csrf"]
    assert "samesite=strict" in cookies["desk_csrf"]
    # The password never comes back to the browser.
    assert "demo-office" not in answer.text
    assert "demo-office" not in " ".join(answer.headers.get_list("set-cookie"))


async def test_wrong_password_is_refused_in_chinese(desk: Desk) -> None:
    answer = await desk.client.post("/auth/sign-in", json={"username": "office", "password": "x"})
    assert answer.status_code == 401
    assert answer.json()["detail"] == "用户名或密码不正确"
    assert "set-cookie" not in answer.headers


async def test_malformed_sign_in_names_the_missing_field(desk: Desk) -> None:
    answer = await desk.client.post("/auth/sign-in", json={"username": "office"})
    assert answer.status_code == 400
    assert "password" in answer.json()["detail"]
    answer = await desk.client.post(
        "/auth/sign-in", content=b"not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400


async def test_session_endpoint_knows_the_officer_until_sign_out(desk: Desk) -> None:
    assert (await desk.client.get("/auth/session")).status_code == 401
    token = await desk.sign_in("office", "demo-office")
    session = await desk.client.get("/auth/session")
    assert session.json()["user"]["username"] == "office"
    refused = await desk.client.post("/auth/sign-out")
    assert refused.status_code == 403
    signed_out = await desk.client.post("/auth/sign-out", headers={"x-csrf-token": token})
    assert signed_out.status_code == 200
    assert (await desk.client.get("/auth/session")).status_code == 401


async def test_proxy_needs_a_session(desk: Desk) -> None:
    answer = await desk.client.post("/api/v2/user-tasks/search", json={})
    assert answer.status_code == 401
    assert desk.fake.requests == []


async def test_proxy_adds_the_officers_credentials_and_the_api_decides(desk: Desk) -> None:
    token = await desk.sign_in("office", "demo-office")
    answer = await desk.client.post(
        "/api/v2/user-tasks/search", json={"filter": {}}, headers={"x-csrf-token": token}
    )
    assert answer.status_code == 200
    assert [t["userTaskKey"] for t in answer.json()["items"]] == [TASK]
    method, path, authorization = desk.fake.requests[-1]
    assert (method, path) == ("POST", "/v2/user-tasks/search")
    assert authorization is not None and authorization.startswith("Basic ")


async def test_state_changing_calls_without_the_csrf_token_are_refused(desk: Desk) -> None:
    token = await desk.sign_in("office", "demo-office")
    before = len(desk.fake.requests)
    for headers in ({}, {"x-csrf-token": "forged"}):
        answer = await desk.client.post(
            f"/api/v2/user-tasks/{TASK}/assignment",
            json={"assignee": "office"},
            headers=headers,
        )
        assert answer.status_code == 403
        assert "CSRF" in answer.json()["detail"]
    assert len(desk.fake.requests) == before
    answer = await desk.client.post(
        f"/api/v2/user-tasks/{TASK}/assignment",
        json={"assignee": "office"},
        headers={"x-csrf-token": token},
    )
    assert answer.status_code == 204
    assert desk.fake.tasks[0]["assignee"] == "office"


async def test_reads_pass_without_csrf_token(desk: Desk) -> None:
    await desk.sign_in("office", "demo-office")
    answer = await desk.client.get(f"/api/v2/user-tasks/{TASK}")
    assert answer.status_code == 200
    assert answer.json()["elementId"] == "officeAcceptanceReview"


async def test_proxy_rejects_dot_segments(desk: Desk) -> None:
    await desk.sign_in("office", "demo-office")
    answer = await desk.client.get("/api/v2/user-tasks/%2E%2E/authentication/me")
    assert answer.status_code in (400, 404)


async def test_another_officer_does_not_see_the_task(desk: Desk) -> None:
    token = await desk.sign_in("audit", "demo-audit")
    answer = await desk.client.post(
        "/api/v2/user-tasks/search", json={}, headers={"x-csrf-token": token}
    )
    assert answer.json()["items"] == []


async def test_officer_with_the_task_opens_the_case_document_inline(desk: Desk) -> None:
    await desk.sign_in("office", "demo-office")
    answer = await desk.client.get(f"/documents/{ACCEPTANCE}/acceptanceNoticeDocument")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    assert answer.content.startswith(b"%PDF")


async def test_officer_without_a_task_of_the_case_may_not_open_its_documents(desk: Desk) -> None:
    await desk.sign_in("audit", "demo-audit")
    answer = await desk.client.get(f"/documents/{ACCEPTANCE}/acceptanceNoticeDocument")
    assert answer.status_code == 403
    assert answer.json()["detail"] == "您无权查看该案件的文书"


async def test_manager_opens_documents_of_any_case(desk: Desk) -> None:
    await desk.sign_in("manager", "demo-manager")
    answer = await desk.client.get(f"/documents/{CASE}/acceptanceNoticeDocument")
    assert answer.status_code == 200


async def test_document_outside_the_data_directory_is_never_served(desk: Desk) -> None:
    await desk.sign_in("manager", "demo-manager")
    answer = await desk.client.get(f"/documents/{CASE}/forgedDocument")
    assert answer.status_code == 404
    assert "root:" not in answer.text


async def test_documents_need_a_session_and_a_sane_name(desk: Desk) -> None:
    assert (await desk.client.get(f"/documents/{CASE}/acceptanceNoticeDocument")).status_code == 401
    await desk.sign_in("manager", "demo-manager")
    assert (await desk.client.get(f"/documents/{CASE}/caseNumber")).status_code == 400
    assert (await desk.client.get("/documents/abc/acceptanceNoticeDocument")).status_code == 400


async def test_unreachable_api_is_a_plain_sentence(tmp_path: Path) -> None:
    settings = DeskSettings(api_url="http://127.0.0.1:9", data_dir=tmp_path)
    app = create_desk_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as client:
        answer = await client.post("/auth/sign-in", json={"username": "a", "password": "b"})
    assert answer.status_code == 502
    assert "无法连接流程引擎接口" in answer.json()["detail"]


async def test_pages_carry_a_content_security_policy(desk: Desk) -> None:
    answer = await desk.client.get("/")
    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "容错免责办理工作台" in answer.text


async def test_sign_in_must_be_json_so_other_sites_cannot_post_it(desk: Desk) -> None:
    answer = await desk.client.post(
        "/auth/sign-in",
        content=b'{"username": "office", "password": "demo-office"}',
        headers={"content-type": "text/plain"},
    )
    assert answer.status_code == 415
    assert "set-cookie" not in answer.headers


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/%252e%252e/authentication/me",  # double-encoded dot segments
        "/api/v2/%252E%252E/x",
        "/api/v2/user-tasks/%252e%252e%252fx",
        "/api/v2/%00",
        "/api/v2/user-tasks/x%09X-Injected:%20yes",
        "/api/v2/user-tasks/a%5c..%5cb",  # backslashes
        "/api/v2/..;/x",
        "/api/v2/user-tasks//search",
    ],
)
async def test_proxy_forwards_only_plain_paths_under_v2(desk: Desk, path: str) -> None:
    await desk.sign_in("office", "demo-office")
    before = len(desk.fake.requests)
    answer = await desk.client.get(path)
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"].startswith("接口路径")
    assert "无效" in answer.json()["detail"]
    assert len(desk.fake.requests) == before, desk.fake.requests[before:]


async def test_proxy_never_forwards_line_breaks(desk: Desk) -> None:
    # Starlette's path routes do not match a decoded line break at all: no route, no forwarding.
    await desk.sign_in("office", "demo-office")
    before = len(desk.fake.requests)
    answer = await desk.client.get("/api/v2/user-tasks/%0d%0aX-Injected:%20yes")
    assert answer.status_code in (400, 404)
    assert len(desk.fake.requests) == before


async def test_proxy_still_forwards_ordinary_paths(desk: Desk) -> None:
    await desk.sign_in("office", "demo-office")
    answer = await desk.client.get(f"/api/v2/user-tasks/{TASK}", params={"a": "b%2e"})
    assert answer.status_code == 200
    assert desk.fake.requests[-1][:2] == ("GET", f"/v2/user-tasks/{TASK}")


# --- documents come from the case's own store (issue 17) -----------------------------------------


async def test_a_forged_document_variable_never_serves_another_cases_file(desk: Desk) -> None:
    """The officer writes a variable pointing at case B's file into their own case (as they can
    in a case they start or a form they submit), with a content type of their choice."""
    other_file = desk.fake.other_document_path
    leak = {"title": "越权", "uri": other_file.as_uri(), "mediaType": "text/html"}
    desk.fake.variables[ACCEPTANCE]["leakDocument"] = leak
    desk.fake.variables[ACCEPTANCE]["acceptanceNoticeDocument"] = (
        desk.fake.document.to_variables() | {"uri": other_file.as_uri(), "mediaType": "text/html"}
    )
    await desk.sign_in("office", "demo-office")

    leaked = await desk.client.get(f"/documents/{ACCEPTANCE}/leakDocument")
    assert leaked.status_code == 404, leaked.headers
    assert b"case B" not in leaked.content

    # The case's own acceptance notice, from its own archive, as a PDF: not B's, not HTML.
    own = await desk.client.get(f"/documents/{ACCEPTANCE}/acceptanceNoticeDocument")
    assert own.status_code == 200
    assert own.headers["content-type"] == "application/pdf"
    assert own.content == desk.fake.document_content
    assert b"case B" not in own.content


async def test_documents_are_found_from_any_instance_of_the_case(desk: Desk) -> None:
    # The case page links with the root instance; the case was numbered in a called instance.
    await desk.sign_in("manager", "demo-manager")
    answer = await desk.client.get(f"/documents/{CASE}/acceptanceNoticeDocument")
    assert answer.status_code == 200
    assert answer.content == desk.fake.document_content


async def test_a_document_altered_on_disk_is_not_served(desk: Desk) -> None:
    await asyncio.to_thread(desk.fake.document_path.write_bytes, b"%PDF-1.4\n% altered\n%%EOF\n")
    await desk.sign_in("manager", "demo-manager")
    answer = await desk.client.get(f"/documents/{CASE}/acceptanceNoticeDocument")
    assert answer.status_code == 409
    assert "校验值不符" in answer.json()["detail"]


async def test_a_case_without_the_document_type_answers_404_in_chinese(desk: Desk) -> None:
    await desk.sign_in("manager", "demo-manager")
    answer = await desk.client.get(f"/documents/{CASE}/feedbackNoticeDocument")
    assert answer.status_code == 404
    assert "文书存档中没有" in answer.json()["detail"]


# --- sign-in throttling through the desk, against the engine's own /v2 app ----------------------


async def test_desk_shows_the_engines_lockout_and_forwards_the_browsers_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine trusts the desk's X-Forwarded-For (the desk reaches it from 127.0.0.1 here).
    monkeypatch.setenv("ENGINE_TRUSTED_PROXIES", "127.0.0.1")
    service = await EngineService.open(None)
    engine_app = create_app(
        service,
        lambda: ClusterInfo("127.0.0.1", 26500),
        identity=Identity.from_sources(DEMO_IDENTITY),
    )
    settings = DeskSettings(api_url="http://engine.test", data_dir=tmp_path)
    desk_app = create_desk_app(settings, transport=httpx.ASGITransport(app=engine_app))

    def browser(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=desk_app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://desk.test")

    try:
        async with browser("10.0.0.1") as attacker, browser("10.0.0.2") as officer:
            for _ in range(5):
                wrong = await attacker.post(
                    "/auth/sign-in", json={"username": "office", "password": "guess"}
                )
                assert wrong.status_code == 401
            locked = await attacker.post(
                "/auth/sign-in", json={"username": "office", "password": "demo-office"}
            )
            assert locked.status_code == 429
            assert locked.json()["detail"] == (
                "账户 office 登录失败次数过多，已暂时锁定，请 15 分钟后再试"
            )
            assert int(locked.headers["retry-after"]) > 800
            # Twenty failures over other accounts lock the attacker's address, not the desk's.
            for i in range(15):
                await attacker.post(
                    "/auth/sign-in", json={"username": f"nobody-{i}", "password": "guess"}
                )
            refused = await attacker.post(
                "/auth/sign-in", json={"username": "leader", "password": "demo-leader"}
            )
            assert refused.status_code == 429
            assert "来自地址 10.0.0.1" in refused.json()["detail"]
            signed_in = await officer.post(
                "/auth/sign-in", json={"username": "leader", "password": "demo-leader"}
            )
            assert signed_in.status_code == 200, signed_in.text
    finally:
        await service.close()
