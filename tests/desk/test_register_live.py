"""The register on the real stack (engine, workers, desk): a person's history across procedures
and the index over every procedure, as each officer may read them. The desk asks /v2 with the
officer's own credentials: the manager reads all three of 李明's cases, the discipline office the
two it has tasks in, the exemption office the one it has, an officer with none of them nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desk.app import create_desk_app
from desk.settings import DeskSettings
from tests.desk.browser import serving
from tests.desk.live_stack import DEMO_IDENTITY, LiveStack, live_stack
from tests.desk.register_cases import (
    AUDIT,
    DISCIPLINE_OFFICE,
    EXEMPTION_OFFICE,
    MANAGER,
    PERSON,
    RegisterCases,
    open_register_cases,
)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveStack]:
    monkeypatch.setenv("EXEMPTION_DATA_DIR", str(tmp_path / "exemption-data"))
    monkeypatch.setenv("NOTICE_TRANSPORT", "file")
    with live_stack(tmp_path) as running:
        yield running


def desk_client(url: str, officer: tuple[str, str]) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    answer = client.post("/auth/sign-in", json={"username": officer[0], "password": officer[1]})
    assert answer.status_code == 200, answer.text
    return client


def test_each_officer_reads_the_part_of_a_history_the_api_gives_them(stack: LiveStack) -> None:
    cases: RegisterCases = open_register_cases(stack)
    settings = DeskSettings(
        api_url=stack.api_url, data_dir=stack.data_dir, people_file=DEMO_IDENTITY
    )
    with serving(create_desk_app(settings)) as url:
        manager = desk_client(url, MANAGER)
        answer = manager.get("/register/history", params=PERSON)
        assert answer.status_code == 200, answer.text
        history = answer.json()
        assert history["subject"]["unitName"] == "新桥镇"
        assert history["complete"] is True and history["notice"] == ""
        rows = history["cases"]
        # Oldest first, one procedure each.
        assert [r["key"] for r in rows] == [
            cases.clarification,
            cases.rectification,
            cases.exemption,
        ]
        assert [r["procedureName"] for r in rows] == ["澄清了结", "问题整改", "容错免责办理"]
        assert rows[0]["outcome"] == "已了结" and rows[0]["caseNumber"].startswith("游纪澄〔")
        assert rows[1]["errorCategory"] == "资金使用" and rows[1]["outcome"] == "办理中"
        assert rows[2]["caseNumber"].startswith("游容免〔")

        office = desk_client(url, DISCIPLINE_OFFICE).get("/register/history", params=PERSON).json()
        assert [r["key"] for r in office["cases"]] == [cases.clarification, cases.rectification]
        assert office["complete"] is False and "只能查看本人承办过任务的案件" in office["notice"]

        exemption_office = desk_client(url, EXEMPTION_OFFICE)
        seen = exemption_office.get("/register/history", params=PERSON).json()
        assert [r["key"] for r in seen["cases"]] == [cases.exemption]
        assert (
            exemption_office.get(f"/register/cases/{cases.rectification}/subjects").status_code
            == 404
        )

        audit = desk_client(url, AUDIT)
        assert audit.get("/register/history", params=PERSON).json()["cases"] == []
        assert audit.get("/register/subjects", params={"name": "李明"}).json()["items"] == []
        assert audit.get("/register/statistics").status_code == 403

        # The name search and the case page's subjects lead to the same history.
        found = manager.get("/register/subjects", params={"name": "李明"}).json()["items"]
        assert [(f["name"], f["unitId"], f["cases"]) for f in found] == [
            ("李明", "town-xinqiao", 3)
        ]
        subjects = manager.get(f"/register/cases/{cases.rectification}/subjects").json()["items"]
        assert subjects == [
            {
                "kind": "person",
                "kindName": "个人",
                "name": "李明",
                "unitId": "town-xinqiao",
                "unitName": "新桥镇",
            }
        ]

        # The index over every procedure, with the procedure filter.
        index = manager.get("/cases", params={"procedure": "rectification"}).json()
        assert [item["key"] for item in index["items"]] == [cases.rectification]
        item = index["items"][0]
        assert (item["procedureName"], item["concerns"], item["unit"]) == (
            "问题整改",
            "李明",
            "新桥镇",
        )
        assert item["stage"] and item["outcome"] == "办理中"
        everything = manager.get("/cases").json()
        assert {i["key"] for i in everything["items"]} >= {
            cases.clarification,
            cases.rectification,
            cases.exemption,
        }
        assert "舆论解释回应" in [p["name"] for p in everything["procedures"]]
        bad = manager.get("/register/history", params={"kind": "person", "unit": "town-xinqiao"})
        assert bad.status_code == 400 and "姓名" in bad.json()["detail"]

        # The dashboard's Chapter 3 and 4 figures.
        figures = manager.get(
            "/register/statistics",
            params={"from": "2020-01-01", "to": "2099-12-31", "by": "quarter"},
        ).json()
        opened = {row["label"]: row["value"] for row in figures["open"]}
        assert opened["问题整改"] == 1 and opened["澄清了结"] == 0
        late = {row["label"]: row["value"] for row in figures["overdueByProcedure"]}
        assert late["问题整改"] == 1
        assert figures["overdueByUnit"] == [{"label": "区纪委监委党风政风监督室", "value": 1}]
        closed = next(o for o in figures["outcomes"] if o["procedureName"] == "澄清了结")
        assert closed["series"] == ["已了结"]
        assert sum(r["values"].get("已了结", 0) for r in closed["rows"]) == 1
        bad_period = manager.get("/register/statistics", params={"by": "week"})
        assert bad_period.status_code == 400 and "统计周期" in bad_period.json()["detail"]
