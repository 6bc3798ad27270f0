"""A case's documents (PDFs written by the workers) served only to those who may see the case.

Whether the officer may see the case is asked of the API with their own credentials. The file is
then located by the workers' store (desk.case_store) from the case's process instances, never from
the `uri` in a process variable, which an officer can write: a forged variable once served another
case's file, with a content type of the forger's choosing. The variable's name only says which
document type is wanted; the type served is the store's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable
from desk.case_store import CaseStore, StoreDamaged, document_type_of, verified_bytes
from desk.sessions import Session
from desk.sign_in import current_session, refusal

# Call activities nest a few levels; the bound only stops a malformed answer from looping.
_MAX_DEPTH = 16


async def _items(api: ApiClient, session: Session, path: str, body: Any) -> list[dict[str, Any]]:
    answer = await api.post_json(path, session.authorization, body)
    if answer.status_code != 200:
        return []
    items = answer.json().get("items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


async def may_see_case(api: ApiClient, session: Session, instance_key: str) -> bool:
    """Managers see every case; so does the leading group office, which runs every case and must
    show the publicity notice while the period runs, when no task of theirs is open; another
    officer sees a case holding a task they may act on."""
    if session.officer.is_manager or "leading-group-office" in session.officer.groups:
        return True
    tasks = await _items(
        api,
        session,
        "/v2/user-tasks/search",
        {"filter": {"processInstanceKey": instance_key}, "page": {"limit": 200}},
    )
    officer = session.officer
    for task in tasks:
        if task.get("assignee") == officer.username:
            return True
        if set(task.get("candidateGroups") or []) & set(officer.groups):
            return True
        if officer.username in (task.get("candidateUsers") or []):
            return True
    return False


async def case_instances(api: ApiClient, session: Session, instance_key: str) -> set[str]:
    """Every process instance of the case `instance_key` belongs to (its call-activity tree), as
    the API tells the officer: parents and children are engine facts, not variables."""
    root, seen = instance_key, {instance_key}
    for _ in range(_MAX_DEPTH):
        answer = await api.send("GET", f"/v2/process-instances/{root}", session.authorization)
        if answer.status_code != 200:
            break
        parent = str(answer.json().get("parentProcessInstanceKey") or "")
        if not parent.isdigit() or parent in seen:
            break
        seen.add(parent)
        root = parent
    tree, level = {root}, [root]
    for _ in range(_MAX_DEPTH):
        children = await _items(
            api,
            session,
            "/v2/process-instances/search",
            {"filter": {"parentProcessInstanceKey": {"$in": level}}, "page": {"limit": 100}},
        )
        level = [
            key
            for key in (str(child.get("processInstanceKey") or "") for child in children)
            if key.isdigit() and key not in tree
        ]
        if not level:
            break
        tree.update(level)
    return tree | seen


async def _document_id(
    api: ApiClient, session: Session, instance_key: str, variable_name: str
) -> str | None:
    """Which version of the document the case refers to (an objection can have a second
    opinion written): only a choice among the case's own stored files, never a location."""
    variables = await _items(
        api,
        session,
        "/v2/variables/search",
        {"filter": {"processInstanceKey": instance_key, "name": variable_name}},
    )
    for variable in variables:
        raw = variable.get("value")
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("documentId"), str):
            return str(value["documentId"])
    return None


async def case_document(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    instance_key = str(request.path_params["instance_key"])
    variable_name = str(request.path_params["variable"])
    if not instance_key.isdigit():
        return refusal(400, f"案件实例编号 {instance_key} 无效")
    document_type = document_type_of(variable_name)
    if document_type is None:
        return refusal(400, f"文书变量名 {variable_name} 无效（应以 Document 结尾）")
    api: ApiClient = request.app.state.api
    try:
        if not await may_see_case(api, session, instance_key):
            return refusal(403, "您无权查看该案件的文书")
        instances = await case_instances(api, session, instance_key)
        # `?document=` picks one of the case's own files (e.g. the answer to one objection of
        # several); like the variable, it only chooses among files the store holds for the case.
        document_id = request.query_params.get("document") or await _document_id(
            api, session, instance_key, variable_name
        )
    except ApiUnavailable as error:
        return refusal(502, str(error))
    store = CaseStore(request.app.state.settings.data_dir)
    # Files and the register are read in a thread: the desk's event loop serves everyone.
    stored = await asyncio.to_thread(store.find, instances, document_type, document_id)
    if stored is None:
        return refusal(404, f"本案的文书存档中没有 {variable_name} 对应的文书")
    try:
        content = await asyncio.to_thread(verified_bytes, stored)
    except StoreDamaged as error:
        return refusal(409, str(error))
    except OSError:
        return refusal(404, f"本案的文书存档中没有 {variable_name} 对应的文书")
    return Response(
        content,
        media_type=stored.media_type,
        headers={
            "content-disposition": _inline(stored.file_name),
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )


def _inline(file_name: str) -> str:
    if file_name.isascii():
        return f'inline; filename="{file_name}"'
    return f"inline; filename*=utf-8''{quote(file_name)}"


def document_routes() -> list[BaseRoute]:
    return [Route("/documents/{instance_key}/{variable}", case_document, methods=["GET"])]
