"""The confidential reporter register (举报人保密登记, Art. 15 of the measures).

Who reported a problem is protected: their name and contact are kept only here, in the desk's data
directory, never in a process variable (variables are read by every officer of a case, by the
managers' dashboards and by the documents, some of which reach the person reported on). A case
of Chapter 4 carries only the register's number, `reporterRef` (2026-举-001), entered by the
office on the start form.

Who may read an entry: an officer who handles that report, i.e. who may act on a user task of a
case carrying its `reporterRef` (open or done, anywhere in the case's call-activity tree) offered
to the discipline organ's office or leaders. Whether a task is theirs is asked of the engine's
API with the officer's own credentials, so the engine's access rules decide. Managers, the unit's
party organisation and everyone else get a refusal; so does the person reported on, who is no
officer of such a case. Only the office registers reporters.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable
from desk.case_documents import case_instances
from desk.desk_audit import DeskAuditTrail
from desk.sessions import Officer, Session
from desk.sign_in import csrf_refusal, current_session, refusal

OFFICE_GROUP = "discipline-office"
HANDLING_GROUPS = frozenset({"discipline-office", "discipline-leaders"})
REGISTER_FILE_NAME = "reporter-register.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS reporter (
    reporter_ref TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    received_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
)
"""
_NUMBERING = threading.Lock()


class ReporterRegister:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / REGISTER_FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        db.execute(_SCHEMA)
        return db

    def add(self, record: dict[str, str]) -> str:
        """Keeps the reporter under the next number of the year received: 2026-举-001."""
        year = record["received_on"][:4]
        with _NUMBERING, closing(self._connect()) as db, db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM reporter WHERE reporter_ref LIKE ?", (f"{year}-举-%",)
            ).fetchone()
            reference = f"{year}-举-{count + 1:03d}"
            db.execute(
                "INSERT INTO reporter VALUES (?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    record["name"],
                    record["contact"],
                    record["received_on"],
                    record["recorded_by"],
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )
        return reference

    def one(self, reference: str) -> dict[str, Any] | None:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT * FROM reporter WHERE reporter_ref = ?", (reference,)
            ).fetchone()
        return dict(row) if row is not None else None


def _read_new_reporter(body: Any) -> dict[str, str] | str:
    if not isinstance(body, dict):
        return "提交的内容不是一条举报人登记"
    read: dict[str, str] = {}
    for key, (label, limit) in {
        "name": ("举报人姓名", 100),
        "contact": ("举报人联系方式", 200),
    }.items():
        value = body.get(key)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            return f"{label}未填写"
        if len(value) > limit:
            return f"{label}超过{limit}字"
        read[key] = value
    received = body.get("receivedOn")
    try:
        received_on = date.fromisoformat(received) if isinstance(received, str) else None
    except ValueError:
        received_on = None
    if received_on is None:
        return "收到举报日期未填写或不是有效日期"
    read["received_on"] = received_on.isoformat()
    return read


async def _search(api: ApiClient, session: Session, path: str, body: Any) -> list[dict[str, Any]]:
    answer = await api.post_json(path, session.authorization, body)
    if answer.status_code != 200:
        return []
    items = answer.json().get("items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _handles(task: dict[str, Any], officer: Officer) -> bool:
    offered = set(task.get("candidateGroups") or [])
    if not offered & HANDLING_GROUPS:
        return False
    return task.get("assignee") == officer.username or bool(
        offered & HANDLING_GROUPS & set(officer.groups)
    )


async def handles_report(api: ApiClient, session: Session, case_key: str) -> bool:
    """The officer may act on a task of the discipline organ in this case (any state)."""
    tree = sorted(await case_instances(api, session, case_key))
    tasks = await _search(
        api,
        session,
        "/v2/user-tasks/search",
        {"filter": {"processInstanceKey": {"$in": tree}}, "page": {"limit": 500}},
    )
    return any(_handles(task, session.officer) for task in tasks)


async def _references(api: ApiClient, session: Session, case_key: str) -> list[str]:
    tree = sorted(await case_instances(api, session, case_key))
    items = await _search(
        api,
        session,
        "/v2/variables/search",
        {
            "filter": {"processInstanceKey": {"$in": tree}, "name": "reporterRef"},
            "page": {"limit": 100},
        },
    )
    found: list[str] = []
    for item in items:
        raw = item.get("value")
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            value = raw
        if isinstance(value, str) and value and value not in found:
            found.append(value)
    return found


async def reporters_of_case(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    case_key = str(request.path_params["case_key"])
    if not case_key.isdigit():
        return refusal(400, f"案件实例编号 {case_key} 无效")
    api: ApiClient = request.app.state.api
    try:
        allowed = await handles_report(api, session, case_key)
        references = await _references(api, session, case_key) if allowed else []
    except ApiUnavailable as error:
        return refusal(502, str(error))
    data_dir: Path = request.app.state.settings.data_dir
    audit = DeskAuditTrail(data_dir)
    if not allowed:
        await asyncio.to_thread(
            audit.record, session.officer.username, "reporter.refused", {"caseKey": case_key}
        )
        return refusal(403, "举报人信息只向承办该举报的纪检监察人员提供，您在本案中没有办理任务")
    register = ReporterRegister(data_dir)
    items = []
    for reference in references:
        row = await asyncio.to_thread(register.one, reference)
        if row is not None:
            items.append(
                {
                    "reporterRef": row["reporter_ref"],
                    "name": row["name"],
                    "contact": row["contact"],
                    "receivedOn": row["received_on"],
                }
            )
    # Every reading of an identity is on the record (who, which case, which entries).
    await asyncio.to_thread(
        audit.record,
        session.officer.username,
        "reporter.read",
        {"caseKey": case_key, "reporterRefs": [i["reporterRef"] for i in items]},
    )
    return JSONResponse({"items": items})


async def register_reporter(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    refused = csrf_refusal(request, session)
    if refused is not None:
        return refused
    if OFFICE_GROUP not in session.officer.groups:
        return refusal(403, "举报人只能由区纪委监委承办部门登记")
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    read = _read_new_reporter(body)
    if isinstance(read, str):
        return refusal(400, read)
    data_dir: Path = request.app.state.settings.data_dir
    reference = await asyncio.to_thread(
        ReporterRegister(data_dir).add, {**read, "recorded_by": session.officer.username}
    )
    await asyncio.to_thread(
        DeskAuditTrail(data_dir).record,
        session.officer.username,
        "reporter.registered",
        {"reporterRef": reference},
    )
    return JSONResponse({"reporterRef": reference})


def reporter_routes() -> list[BaseRoute]:
    return [
        Route("/reporters", register_reporter, methods=["POST"]),
        Route("/reporters/case/{case_key}", reporters_of_case, methods=["GET"]),
    ]
