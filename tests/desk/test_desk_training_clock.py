"""The training clock's endpoints without a browser (the browser test is in
test_desk_chinese.py): production has none, only admins move the clock, and the /api/v2 proxy
never forwards the engine's clock endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk.fake_api import FakeCamunda, create_fake_api


async def client_for(tmp_path: Path, *, training: bool) -> httpx.AsyncClient:
    fake = FakeCamunda(data_dir=tmp_path / "data")
    data_dir = tmp_path / "data"
    settings = DeskSettings(api_url="http://api.test", data_dir=data_dir, training=training)
    app = create_desk_app(settings, transport=httpx.ASGITransport(app=create_fake_api(fake)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk.test")


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(tmp_path, training=False) as client:
        yield client


@pytest.fixture
async def training(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(tmp_path, training=True) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> str:
    answer = await client.post("/auth/sign-in", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrfToken"]
    return token


async def test_production_desk_has_no_clock(production: httpx.AsyncClient) -> None:
    assert (await production.get("/training")).json() == {"training": False}
    token = await sign_in(production, "admin", "demo-admin")
    headers = {"x-csrf-token": token}
    moved = await production.put("/training/clock", json={"timestamp": 0}, headers=headers)
    assert moved.status_code == 404
    assert moved.json()["detail"] == "正式环境不提供调整系统时钟的功能"
    assert (await production.post("/training/clock/reset", headers=headers)).status_code == 404
    assert (await production.get("/training/clock")).status_code == 404
    for method, path in (("PUT", "/api/v2/clock"), ("POST", "/api/v2/clock/reset")):
        proxied = await production.request(method, path, json={"timestamp": 0}, headers=headers)
        assert proxied.status_code == 403, (path, proxied.text)


async def test_training_desk_lets_only_admins_move_the_clock(training: httpx.AsyncClient) -> None:
    assert (await training.get("/training")).json() == {"training": True}
    token = await sign_in(training, "office", "demo-office")
    refused = await training.put(
        "/training/clock", json={"timestamp": 0}, headers={"x-csrf-token": token}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有系统管理员可以调整系统时钟"
    token = await sign_in(training, "admin", "demo-admin")
    without_csrf = await training.put("/training/clock", json={"timestamp": 0})
    assert without_csrf.status_code == 403
    for wrong in ({"timestamp": "soon"}, {"timestamp": -1}, {"timestamp": True}, {}):
        answer = await training.put("/training/clock", json=wrong, headers={"x-csrf-token": token})
        assert answer.status_code == 400, wrong
