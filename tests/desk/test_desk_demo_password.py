"""Issue 13, item 9: outside demo mode a demo password is refused at sign-in, and the desk tells
the officer why (the engine's own authentication in front of the desk, no fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from desk.app import create_desk_app
from desk.settings import DeskSettings
from engine.access import Identity, parse_directory
from engine.access.secrets import hash_password
from engine.gateway import ClusterInfo
from engine.http import create_app
from tests.engine.fake_engine import FakeEngine


@pytest.fixture
async def desk() -> AsyncIterator[httpx.AsyncClient]:
    identity = Identity(
        parse_directory(
            {
                "users": [
                    # A demo password, freshly hashed into a production identity.
                    {"username": "personnel", "password": hash_password("demo-personnel")},
                    {"username": "qianfang", "password": hash_password("Caiwu-2026-strong")},
                ]
            }
        )
    )  # fmt: skip
    api = create_app(
        FakeEngine(),
        lambda: ClusterInfo(host="127.0.0.1", port=26500),
        identity=identity,
    )
    app = create_desk_app(DeskSettings(), transport=httpx.ASGITransport(app=api))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


async def test_a_demo_password_is_refused_with_the_reason(desk: httpx.AsyncClient) -> None:
    refused = await desk.post(
        "/auth/sign-in", json={"username": "personnel", "password": "demo-personnel"}
    )
    assert refused.status_code == 401
    assert refused.json()["detail"] == (
        "该密码是演示环境的公开密码，正式环境不得使用；请联系管理员重新设置密码"
    )
    wrong = await desk.post("/auth/sign-in", json={"username": "qianfang", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "用户名或密码不正确"
    right = await desk.post(
        "/auth/sign-in", json={"username": "qianfang", "password": "Caiwu-2026-strong"}
    )
    assert right.status_code == 200
