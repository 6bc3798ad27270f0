"""The desk server's people directory (names, never login names or password hashes) and its
refusal to complete a task the officer has not claimed (issue 13, items 1 and 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from desk.app import create_desk_app
from desk.people import PeopleFileInvalid, load_directory
from desk.settings import DeskSettings
from tests.desk.fake_api import TASK, FakeCamunda, create_fake_api
from tests.desk.live_stack import DEMO_IDENTITY


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    fake = FakeCamunda(data_dir=tmp_path / "data")
    settings = DeskSettings(
        api_url="http://api.test", data_dir=tmp_path / "data", people_file=DEMO_IDENTITY
    )
    app = create_desk_app(settings, transport=httpx.ASGITransport(app=create_fake_api(fake)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as http:
        yield http


async def sign_in(client: httpx.AsyncClient, username: str) -> str:
    answer = await client.post(
        "/auth/sign-in", json={"username": username, "password": f"demo-{username}"}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrfToken"]
    return token


async def test_people_are_known_by_name_and_unit_after_sign_in_only(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/people")).status_code == 401
    await sign_in(client, "office")
    answer = await client.get("/people")
    assert answer.status_code == 200
    people = answer.json()["people"]
    assert people["office"] == {"name": "王敏", "units": ["游仙区容错纠错工作领导小组办公室"]}
    assert people["audit"] == {"name": "张伟", "units": ["区审计局"]}
    assert answer.json()["units"]["dept-audit"] == "区审计局"
    # The identity file's password hashes and token digests stay on the server.
    assert "scrypt" not in answer.text and "sha256" not in answer.text


def test_no_people_file_means_no_names_and_a_broken_one_says_which(tmp_path: Path) -> None:
    assert load_directory(None).to_json() == {"people": {}, "units": {}}
    broken = tmp_path / "people.toml"
    broken.write_text("[[users]\n", encoding="utf-8")
    with pytest.raises(PeopleFileInvalid, match=r"people\.toml"):
        load_directory(broken)


async def test_the_desk_refuses_to_complete_a_task_no_one_claimed(
    client: httpx.AsyncClient,
) -> None:
    token = await sign_in(client, "office")
    headers = {"x-csrf-token": token}
    refused = await client.post(
        f"/api/v2/user-tasks/{TASK}/completion", json={"variables": {}}, headers=headers
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == "请先认领本任务再提交：办理结果须记录办理人"
    claimed = await client.post(
        f"/api/v2/user-tasks/{TASK}/assignment", json={"assignee": "office"}, headers=headers
    )
    assert claimed.status_code == 204, claimed.text
    completed = await client.post(
        f"/api/v2/user-tasks/{TASK}/completion", json={"variables": {}}, headers=headers
    )
    assert completed.status_code == 204, completed.text
