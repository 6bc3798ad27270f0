"""A case's documents (PDFs written by the workers) served only to those who may see the case.

The document is found through the case's `*Document` variable read from the API with the
officer's own credentials, so the API's authorizations apply; the file must lie inside the
data directory, so a forged variable cannot expose other files of the machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from desk.api_client import ApiClient, ApiUnavailable
from desk.sessions import Session
from desk.sign_in import current_session, refusal


async def _items(api: ApiClient, session: Session, path: str, body: Any) -> list[dict[str, Any]]:
    answer = await api.post_json(path, session.authorization, body)
    if answer.status_code != 200:
        return []
    items = answer.json().get("items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


async def may_see_case(api: ApiClient, session: Session, instance_key: str) -> bool:
    """Managers see every case; an officer sees a case holding a task they may act on."""
    if session.officer.is_manager:
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


def _document_of(variable: dict[str, Any]) -> dict[str, Any] | None:
    raw = variable.get("value")
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("uri"), str) else None


def archived_file(data_dir: Path, uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = Path(unquote(parsed.path)).resolve()
    root = data_dir.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


async def case_document(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    instance_key = str(request.path_params["instance_key"])
    variable_name = str(request.path_params["variable"])
    if not instance_key.isdigit():
        return refusal(400, f"案件实例编号 {instance_key} 无效")
    if not variable_name.endswith("Document") or not variable_name.isalnum():
        return refusal(400, f"文书变量名 {variable_name} 无效（应以 Document 结尾）")
    api: ApiClient = request.app.state.api
    try:
        if not await may_see_case(api, session, instance_key):
            return refusal(403, "您无权查看该案件的文书")
        variables = await _items(
            api,
            session,
            "/v2/variables/search",
            {"filter": {"processInstanceKey": instance_key, "name": variable_name}},
        )
    except ApiUnavailable as error:
        return refusal(502, str(error))
    documents = [doc for doc in map(_document_of, variables) if doc is not None]
    if not documents:
        return refusal(404, f"该案件没有文书 {variable_name}")
    document = documents[0]
    path = archived_file(request.app.state.settings.data_dir, str(document["uri"]))
    if path is None:
        return refusal(404, f"文书 {variable_name} 的文件不在案卷目录中或已不存在")
    return FileResponse(
        path,
        media_type=str(document.get("mediaType") or "application/pdf"),
        filename=str(document.get("fileName") or path.name),
        content_disposition_type="inline",
        headers={"cache-control": "private, no-store", "x-content-type-options": "nosniff"},
    )


def document_routes() -> list[BaseRoute]:
    return [Route("/documents/{instance_key}/{variable}", case_document, methods=["GET"])]
