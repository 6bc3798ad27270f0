"""Objections to a publicity (公示异议, Art. 8(3)), recorded in the desk by the office.

Who objected is confidential (cf. Art. 15, protection of those who report): the objector's name
and contact are kept only in this register, in the desk's data directory, and shown only to
officers of the leading group office (`leading-group-office`), who handle objections. The engine
gets the objection's number, content and date of receipt, never the identity: process variables
are readable by every officer of the case, by managers' dashboards and by the documents, so
nothing confidential may enter them.

How an objection reaches the procedure: as the message `publicity-objection`, correlated by the
case number to the running publicity (`publicity#objectionReceived`, a message boundary event on
the 7-working-day period). A message is the event the diagram waits for: it can arrive on any day
of the period, interrupts the wait and starts the office's handling task, and the REST
correlation answers at once whether a publicity was waiting for it. When none was (the period
has ended, or another objection is being handled), the objection is not lost: the desk starts
`publicity-late-objection` for it, where the office answers it in writing just the same.

Each objection is recorded here first, then handed to the engine; if the engine cannot be
reached the record stays, marked as not yet handed over, and the office hands it over again.
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

OFFICE_GROUP = "leading-group-office"
REGISTER_FILE_NAME = "objection-register.sqlite3"
OBJECTION_MESSAGE = "publicity-objection"
LATE_OBJECTION_PROCESS = "publicity-late-objection"
IN_PERIOD = "in-period"
SEPARATE = "separate"
# Variables of the case a late objection's own process needs for its form and reply.
CASE_FACTS = ("caseNumber", "applicantName", "applicantType", "applicantUnit",
              "accountabilityMatter", "publicityLastWorkingDay")  # fmt: skip
_SCHEMA = """
CREATE TABLE IF NOT EXISTS objection (
    objection_id TEXT PRIMARY KEY,
    case_key TEXT NOT NULL,
    case_number TEXT NOT NULL,
    content TEXT NOT NULL,
    received_on TEXT NOT NULL,
    objector_name TEXT NOT NULL,
    objector_contact TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    after_period INTEGER NOT NULL,
    route TEXT,
    process_instance_key TEXT
)
"""
_NUMBERING = threading.Lock()


def handles_objections(officer: Officer) -> bool:
    return OFFICE_GROUP in officer.groups


class ObjectionRegister:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / REGISTER_FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        db.execute(_SCHEMA)
        return db

    def add(self, record: dict[str, Any]) -> str:
        """Keeps the objection under the next number of its year: 2026-异-001."""
        year = record["received_on"][:4]
        with _NUMBERING, closing(self._connect()) as db, db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM objection WHERE objection_id LIKE ?", (f"{year}-异-%",)
            ).fetchone()
            objection_id = f"{year}-异-{count + 1:03d}"
            db.execute(
                "INSERT INTO objection (objection_id, case_key, case_number, content, "
                "received_on, objector_name, objector_contact, recorded_by, recorded_at, "
                "after_period) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    objection_id,
                    record["case_key"],
                    record["case_number"],
                    record["content"],
                    record["received_on"],
                    record["objector_name"],
                    record["objector_contact"],
                    record["recorded_by"],
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    int(record["after_period"]),
                ),
            )
        return objection_id

    def handed_over(self, objection_id: str, route: str, instance_key: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "UPDATE objection SET route = ?, process_instance_key = ? WHERE objection_id = ?",
                (route, instance_key, objection_id),
            )

    def of_case(self, case_key: str) -> list[dict[str, Any]]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT * FROM objection WHERE case_key = ? ORDER BY objection_id", (case_key,)
            ).fetchall()
        return [dict(row) for row in rows]

    def one(self, objection_id: str) -> dict[str, Any] | None:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT * FROM objection WHERE objection_id = ?", (objection_id,)
            ).fetchone()
        return dict(row) if row is not None else None


def _value(raw: Any) -> Any:
    try:
        return json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return raw


async def _variables(
    api: ApiClient, session: Session, instance_keys: list[str], names: list[str]
) -> dict[str, Any]:
    """The named variables of these instances (the first found per name)."""
    if not instance_keys:
        return {}
    answer = await api.post_json(
        "/v2/variables/search",
        session.authorization,
        {
            "filter": {"processInstanceKey": {"$in": instance_keys}, "name": {"$in": names}},
            "page": {"limit": 500},
        },
    )
    if answer.status_code != 200:
        return {}
    found: dict[str, Any] = {}
    for item in answer.json().get("items") or []:
        if isinstance(item, dict) and item.get("name") not in found:
            found[str(item.get("name"))] = _value(item.get("value"))
    return found


def _read_new_objection(body: Any) -> dict[str, str] | str:
    if not isinstance(body, dict):
        return "提交的内容不是一件异议"
    fields = {
        "content": ("异议内容", 3000),
        "objectorName": ("异议人姓名或单位", 100),
        "objectorContact": ("异议人联系方式", 200),
    }
    read: dict[str, str] = {}
    for key, (label, limit) in fields.items():
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
        return "收到日期未填写或不是有效日期"
    if received_on > date.today():
        return "收到日期不能晚于今天"
    read["receivedOn"] = received_on.isoformat()
    return read


async def _hand_over(
    api: ApiClient, session: Session, record: dict[str, Any], facts: dict[str, Any]
) -> tuple[str, str]:
    """To the running publicity when one waits for it, else to a process of its own."""
    variables = {
        "objectionId": record["objection_id"],
        "objectionContent": record["content"],
        "objectionReceivedAt": record["received_on"],
    }
    correlated = await api.post_json(
        "/v2/messages/correlation",
        session.authorization,
        {
            "name": OBJECTION_MESSAGE,
            "correlationKey": record["case_number"],
            "variables": variables,
        },
    )
    if correlated.status_code == 200:
        return IN_PERIOD, str(correlated.json().get("processInstanceKey") or "")
    if correlated.status_code != 404:
        raise ApiUnavailable(f"异议未能转入公示流程（{correlated.status_code}）")
    started = await api.post_json(
        "/v2/process-instances",
        session.authorization,
        {
            "processDefinitionId": LATE_OBJECTION_PROCESS,
            "variables": {
                **{name: facts[name] for name in CASE_FACTS if facts.get(name) is not None},
                **variables,
                "caseInstanceKey": record["case_key"],
                "objectionAfterPeriod": bool(record["after_period"]),
            },
        },
    )
    if started.status_code != 200:
        raise ApiUnavailable(f"异议未能转入期外异议办理流程（{started.status_code}）")
    return SEPARATE, str(started.json().get("processInstanceKey") or "")


def _shown(row: dict[str, Any], officer: Officer, answers: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "objectionId": row["objection_id"],
        "caseNumber": row["case_number"],
        "content": row["content"],
        "receivedOn": row["received_on"],
        "recordedAt": row["recorded_at"],
        "afterPeriod": bool(row["after_period"]),
        "route": row["route"],
        "processInstanceKey": row["process_instance_key"],
        **answers.get(row["objection_id"], {}),
    }
    if handles_objections(officer):
        shown |= {
            "objectorName": row["objector_name"],
            "objectorContact": row["objector_contact"],
            "recordedBy": row["recorded_by"],
        }
    return shown


async def _answers(
    api: ApiClient, session: Session, case_key: str, rows: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """How each objection was answered, as the engine recorded it."""
    found: dict[str, dict[str, Any]] = {}
    tree = sorted(await case_instances(api, session, case_key))
    case = await _variables(api, session, tree, ["objections", "objectionReplies"])
    replies = {
        str(item.get("objectionId")): item.get("documentId")
        for item in case.get("objectionReplies") or []
        if isinstance(item, dict)
    }
    for item in case.get("objections") or []:
        if isinstance(item, dict) and item.get("objectionId"):
            key = str(item["objectionId"])
            found[key] = {
                "answer": item.get("answer"),
                "substantiated": item.get("substantiated"),
                "replyDocumentId": replies.get(key),
                "replyInstanceKey": case_key,
            }
    for row in rows:
        if row["route"] == SEPARATE and row["process_instance_key"]:
            key = row["process_instance_key"]
            own = await _variables(
                api,
                session,
                [key],
                ["objectionAnswer", "objectionSubstantiated", "objectionReplyDocument"],
            )
            if own.get("objectionAnswer"):
                document = own.get("objectionReplyDocument")
                found[row["objection_id"]] = {
                    "answer": own.get("objectionAnswer"),
                    "substantiated": own.get("objectionSubstantiated"),
                    "replyDocumentId": document.get("documentId")
                    if isinstance(document, dict)
                    else None,
                    "replyInstanceKey": key,
                }
    return found


async def list_objections(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    officer = session.officer
    if not (handles_objections(officer) or officer.is_manager):
        return refusal(403, "公示异议由领导小组办公室办理，您无权查看")
    case_key = str(request.path_params["case_key"])
    if not case_key.isdigit():
        return refusal(400, f"案件实例编号 {case_key} 无效")
    data_dir: Path = request.app.state.settings.data_dir
    rows = await asyncio.to_thread(ObjectionRegister(data_dir).of_case, case_key)
    api: ApiClient = request.app.state.api
    try:
        answers = await _answers(api, session, case_key, rows) if rows else {}
    except ApiUnavailable as error:
        return refusal(502, str(error))
    return JSONResponse(
        {
            "mayRecord": handles_objections(officer),
            "mayReadIdentity": handles_objections(officer),
            "items": [_shown(row, officer, answers) for row in rows],
        }
    )


async def record_objection(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    refused = csrf_refusal(request, session)
    if refused is not None:
        return refused
    if not handles_objections(session.officer):
        return refusal(403, "公示异议只能由领导小组办公室登记")
    case_key = str(request.path_params["case_key"])
    if not case_key.isdigit():
        return refusal(400, f"案件实例编号 {case_key} 无效")
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    read = _read_new_objection(body)
    if isinstance(read, str):
        return refusal(400, read)
    api: ApiClient = request.app.state.api
    try:
        tree = sorted(await case_instances(api, session, case_key))
        facts = await _variables(api, session, tree, list(CASE_FACTS))
    except ApiUnavailable as error:
        return refusal(502, str(error))
    case_number = facts.get("caseNumber")
    if not isinstance(case_number, str) or not case_number:
        return refusal(409, "该案件尚无受理编号，或您无权办理该案件，不能登记公示异议")
    last_day = facts.get("publicityLastWorkingDay")
    after_period = isinstance(last_day, str) and read["receivedOn"] > last_day
    data_dir: Path = request.app.state.settings.data_dir
    register = ObjectionRegister(data_dir)
    record = {
        "case_key": case_key,
        "case_number": case_number,
        "content": read["content"],
        "received_on": read["receivedOn"],
        "objector_name": read["objectorName"],
        "objector_contact": read["objectorContact"],
        "recorded_by": session.officer.username,
        "after_period": after_period,
    }
    objection_id = await asyncio.to_thread(register.add, record)
    record["objection_id"] = objection_id
    await asyncio.to_thread(
        DeskAuditTrail(data_dir).record,
        session.officer.username,
        "objection.recorded",
        {"objectionId": objection_id, "caseNumber": case_number},
    )
    return await _handed_over(request, session, register, record, facts)


async def _handed_over(
    request: Request,
    session: Session,
    register: ObjectionRegister,
    record: dict[str, Any],
    facts: dict[str, Any],
) -> Response:
    api: ApiClient = request.app.state.api
    try:
        route, instance_key = await _hand_over(api, session, record, facts)
    except ApiUnavailable as error:
        return refusal(
            502,
            f"异议已登记（编号{record['objection_id']}），但尚未转入办理：{error}。"
            "请稍后在本页点击“转入办理”",
        )
    await asyncio.to_thread(register.handed_over, record["objection_id"], route, instance_key)
    return JSONResponse(
        {"objectionId": record["objection_id"], "route": route, "processInstanceKey": instance_key}
    )


async def hand_over_again(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    refused = csrf_refusal(request, session)
    if refused is not None:
        return refused
    if not handles_objections(session.officer):
        return refusal(403, "公示异议只能由领导小组办公室办理")
    data_dir: Path = request.app.state.settings.data_dir
    register = ObjectionRegister(data_dir)
    record = await asyncio.to_thread(register.one, str(request.path_params["objection_id"]))
    if record is None or record["case_key"] != str(request.path_params["case_key"]):
        return refusal(404, "没有这件异议")
    if record["route"]:
        return refusal(409, "这件异议已经转入办理")
    api: ApiClient = request.app.state.api
    try:
        tree = sorted(await case_instances(api, session, record["case_key"]))
        facts = await _variables(api, session, tree, list(CASE_FACTS))
    except ApiUnavailable as error:
        return refusal(502, str(error))
    return await _handed_over(request, session, register, record, facts)


def objection_routes() -> list[BaseRoute]:
    return [
        Route("/objections/{case_key}", list_objections, methods=["GET"]),
        Route("/objections/{case_key}", record_objection, methods=["POST"]),
        Route("/objections/{case_key}/{objection_id}/hand-over", hand_over_again, methods=["POST"]),
    ]
