"""/v2 search request bodies as Camunda 8.8 documents them ("Data fetching":
https://docs.camunda.io/docs/8.8/apis-tools/orchestration-cluster-api-rest/orchestration-cluster-api-rest-data-fetching/):
filter operators, sort, offset and cursor paging, the response envelope, and the errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.access import Identity, Principal, load_directory, user_task_visibility_filter
from engine.api import EngineError, InvalidArgument
from engine.http.problem import engine_problem
from engine.http.search import (
    INCIDENTS,
    PROCESS_INSTANCES,
    USER_TASKS,
    apply_search,
    like_pattern,
    parse_search_request,
    request_schema,
    response_schema,
    search,
)

DEMO_IDENTITY = Path(__file__).resolve().parents[2] / "engine" / "access" / "demo-identity.toml"


def _task(key: int, **fields: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "userTaskKey": str(key),
        "state": "CREATED",
        "assignee": None,
        "candidateGroups": [],
        "candidateUsers": [],
        "priority": 50,
        "processInstanceKey": "2251799813685249",
        "elementId": "acceptReview",
        "name": "审核受理",
        "creationDate": "2026-10-01T09:00:00.000Z",
    }
    task.update(fields)
    return task


TASKS = [
    _task(
        1,
        assignee="office",
        candidateGroups=["leading-group-office"],
        priority=80,
        creationDate="2026-10-01T09:00:00.000Z",
        dueDate="2026-10-13T09:00:00.000+08:00",
    ),
    _task(
        2,
        candidateGroups=["external-audit", "leading-group"],
        priority=20,
        creationDate="2026-10-02T09:00:00.000Z",
    ),
    _task(
        3,
        candidateGroups=["external-supervisor"],
        state="COMPLETED",
        priority=50,
        creationDate="2026-10-03T09:00:00.000Z",
        completionDate="2026-10-04T09:00:00.000Z",
    ),
    _task(
        4,
        assignee="audit",
        candidateUsers=["audit"],
        priority=50,
        creationDate="2026-10-04T09:00:00.000Z",
        processInstanceKey="2251799813685300",
    ),
]


def _keys(body: dict[str, Any], items: list[dict[str, Any]] | None = None) -> list[str]:
    result = apply_search(parse_search_request(body, USER_TASKS), items or TASKS).to_json()
    return [item["userTaskKey"] for item in result["items"]]


# --- filters -------------------------------------------------------------------------------------


def test_no_body_returns_everything_in_key_order() -> None:
    assert _keys({}) == ["1", "2", "3", "4"]
    assert apply_search(parse_search_request(None, USER_TASKS), TASKS).total_items == 4


def test_exact_values_are_anded() -> None:
    assert _keys({"filter": {"assignee": "office"}}) == ["1"]
    assert _keys({"filter": {"state": "CREATED", "priority": 50}}) == ["4"]
    assert _keys({"filter": {"processInstanceKey": "2251799813685300"}}) == ["4"]


def test_eq_and_neq() -> None:
    assert _keys({"filter": {"assignee": {"$eq": "audit"}}}) == ["4"]
    # A missing assignee is "not equal", as a negated term query in Camunda's backends.
    assert _keys({"filter": {"assignee": {"$neq": "audit"}}}) == ["1", "2", "3"]


def test_exists() -> None:
    assert _keys({"filter": {"assignee": {"$exists": True}}}) == ["1", "4"]
    assert _keys({"filter": {"assignee": {"$exists": False}}}) == ["2", "3"]
    assert _keys({"filter": {"dueDate": {"$exists": True}}}) == ["1"]
    assert _keys({"filter": {"candidateGroup": {"$exists": False}}}) == ["4"]


def test_in_and_not_in() -> None:
    assert _keys({"filter": {"state": {"$in": ["COMPLETED", "CANCELED"]}}}) == ["3"]
    assert _keys({"filter": {"assignee": {"$in": ["office", "audit"]}}}) == ["1", "4"]
    assert _keys({"filter": {"assignee": {"$notIn": ["office"]}}}) == ["2", "3", "4"]
    assert _keys({"filter": {"priority": {"$in": [20, 80]}}}) == ["1", "2"]


def test_like_with_wildcards_and_escapes() -> None:
    # The documented example: candidate groups starting "external-" but not external-supervisor.
    body = {"filter": {"candidateGroup": {"$like": "external-*", "$neq": "external-supervisor"}}}
    assert _keys(body) == ["2"]
    assert _keys({"filter": {"assignee": {"$like": "o?fice"}}}) == ["1"]
    assert _keys({"filter": {"assignee": {"$like": "off"}}}) == []  # whole value must match
    assert like_pattern(r"my \*").fullmatch("my *") is not None
    assert like_pattern(r"my \*").fullmatch("my x") is None
    assert like_pattern("a?c").fullmatch("abc") is not None


def test_number_comparisons() -> None:
    assert _keys({"filter": {"priority": {"$gt": 50}}}) == ["1"]
    assert _keys({"filter": {"priority": {"$gte": 50}}}) == ["1", "3", "4"]
    assert _keys({"filter": {"priority": {"$lt": 50}}}) == ["2"]
    assert _keys({"filter": {"priority": {"$lte": 50, "$neq": 20}}}) == ["3", "4"]


def test_date_comparisons_respect_offsets() -> None:
    body = {
        "filter": {
            "creationDate": {
                "$gte": "2026-10-02T00:00:00Z",
                "$lt": "2026-10-04T08:00:00+08:00",  # 2026-10-04T00:00Z
            }
        }
    }
    assert _keys(body) == ["2", "3"]
    assert _keys({"filter": {"dueDate": {"$eq": "2026-10-13T01:00:00Z"}}}) == ["1"]
    assert _keys({"filter": {"completionDate": {"$gt": "2026-10-01T00:00:00Z"}}}) == ["3"]


def test_or_alternatives() -> None:
    body = {"filter": {"$or": [{"assignee": "office"}, {"candidateUser": "audit"}]}}
    assert _keys(body) == ["1", "4"]


def test_variable_filters_match_json_text() -> None:
    items = [
        _task(1, processInstanceVariables={"district": "游仙", "amount": 10000}),
        _task(2, processInstanceVariables={"district": "涪城", "amount": 300}),
        _task(3, processInstanceVariables={"amount": 10000, "skipped": True}),
    ]
    by_value = {"filter": {"processInstanceVariables": [{"name": "amount", "value": "10000"}]}}
    assert _keys(by_value, items) == ["1", "3"]
    by_string = {"filter": {"processInstanceVariables": [{"name": "district", "value": '"游仙"'}]}}
    assert _keys(by_string, items) == ["1"]
    absent = {
        "filter": {
            "processInstanceVariables": [
                {"name": "amount", "value": {"$in": ["10000"]}},
                {"name": "skipped", "value": {"$exists": False}},
            ]
        }
    }
    assert _keys(absent, items) == ["1"]
    # Variables are there to be filtered on, not returned.
    result = apply_search(parse_search_request(by_value, USER_TASKS), items)
    assert all("processInstanceVariables" not in item for item in result.items)


def test_restrictions_are_anded_with_the_callers_filter() -> None:
    officer = Principal("audit", groups=frozenset({"dept-audit"}))
    restriction = user_task_visibility_filter(officer)
    assert restriction is not None
    query = parse_search_request(
        {"filter": {"state": "CREATED"}}, USER_TASKS, restrictions=[restriction]
    )
    assert [t["userTaskKey"] for t in apply_search(query, TASKS).items] == ["4"]
    office = Principal("office", groups=frozenset({"leading-group", "leading-group-office"}))
    office_filter = user_task_visibility_filter(office)
    assert office_filter is not None
    query = parse_search_request({}, USER_TASKS, restrictions=[office_filter])
    assert [t["userTaskKey"] for t in apply_search(query, TASKS).items] == ["1", "2"]


# --- sort ----------------------------------------------------------------------------------------


def test_sort_by_several_fields_with_missing_values_last() -> None:
    body = {"sort": [{"field": "priority", "order": "DESC"}, {"field": "creationDate"}]}
    assert _keys(body) == ["1", "3", "4", "2"]
    assert _keys({"sort": [{"field": "dueDate", "order": "ASC"}]})[0] == "1"
    assert _keys({"sort": [{"field": "dueDate", "order": "DESC"}]})[0] == "1"
    assert _keys({"sort": [{"field": "creationDate", "order": "DESC"}]}) == ["4", "3", "2", "1"]


# --- paging --------------------------------------------------------------------------------------


def test_offset_paging_and_the_response_envelope() -> None:
    result = apply_search(
        parse_search_request({"page": {"from": 1, "limit": 2}}, USER_TASKS), TASKS
    ).to_json()
    assert [i["userTaskKey"] for i in result["items"]] == ["2", "3"]
    assert set(result["page"]) == {"totalItems", "startCursor", "endCursor"}
    assert result["page"]["totalItems"] == 4
    # Cursors are base64 of the JSON array of sort values, as Camunda's example cursor is.
    assert json.loads(base64.b64decode(result["page"]["startCursor"])) == [2]


def test_cursor_paging_forward_and_backward() -> None:
    sort = [{"field": "priority", "order": "DESC"}]
    first = apply_search(
        parse_search_request({"sort": sort, "page": {"limit": 2}}, USER_TASKS), TASKS
    )
    assert [i["userTaskKey"] for i in first.items] == ["1", "3"]
    second = apply_search(
        parse_search_request(
            {"sort": sort, "page": {"limit": 2, "after": first.end_cursor}}, USER_TASKS
        ),
        TASKS,
    )
    assert [i["userTaskKey"] for i in second.items] == ["4", "2"]
    assert second.total_items == 4
    back = apply_search(
        parse_search_request(
            {"sort": sort, "page": {"limit": 2, "before": second.start_cursor}}, USER_TASKS
        ),
        TASKS,
    )
    assert [i["userTaskKey"] for i in back.items] == ["1", "3"]
    beyond = apply_search(
        parse_search_request({"sort": sort, "page": {"after": second.end_cursor}}, USER_TASKS),
        TASKS,
    ).to_json()
    assert beyond["items"] == []
    # 8.8 leaves the cursors out of an empty page (they are not nullable).
    assert beyond["page"] == {"totalItems": 4}


def test_default_limit_is_100() -> None:
    many = [_task(k) for k in range(1, 151)]
    result = apply_search(parse_search_request({}, USER_TASKS), many)
    assert len(result.items) == 100
    assert result.total_items == 150


def _nested_or(depth: int) -> dict[str, Any]:
    inner: dict[str, Any] = {"assignee": "office"}
    for _ in range(depth):
        inner = {"$or": [inner]}
    return inner


def test_nested_or_within_the_limit() -> None:
    assert _keys({"filter": _nested_or(3)}) == ["1"]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"filter": {"assigne": "office"}}, "'assigne'"),
        ({"filter": {"assignee": {"$gt": "a"}}}, "filter.assignee"),
        ({"filter": {"assignee": {"$regex": "a"}}}, "'$regex'"),
        ({"filter": {"priority": "high"}}, "filter.priority"),
        ({"filter": {"state": "DONE"}}, "filter.state"),
        ({"filter": {"processInstanceKey": "abc"}}, "filter.processInstanceKey"),
        ({"filter": {"creationDate": {"$gt": "yesterday"}}}, "filter.creationDate.$gt"),
        ({"filter": {"creationDate": "2026-10-01T09:00:00"}}, "filter.creationDate"),
        ({"filter": {"assignee": {"$exists": "yes"}}}, "filter.assignee.$exists"),
        ({"filter": {"assignee": {"$in": "office"}}}, "filter.assignee.$in"),
        ({"filter": {"elementId": {"$like": "a*"}}}, "filter.elementId"),
        ({"filter": {"$or": []}}, "filter.$or"),
        ({"filter": _nested_or(6)}, "nested at most"),
        ({"filter": {"$or": [{"nope": 1}]}}, "'nope'"),
        ({"filter": {"localVariables": [{"name": "x"}]}}, "filter.localVariables[0].value"),
        ({"filter": []}, "filter"),
        ({"sort": [{"field": "assignee"}]}, "sort[0].field"),
        ({"sort": [{"field": "priority", "order": "UP"}]}, "sort[0].order"),
        ({"sort": {"field": "priority"}}, "sort"),
        ({"page": {"limit": 0}}, "page.limit"),
        ({"page": {"limit": 10_001}}, "page.limit"),
        ({"page": {"from": -1}}, "page.from"),
        ({"page": {"from": 1, "after": "WzFd"}}, "'from'"),
        ({"page": {"after": "WzFd", "before": "WzFd"}}, "page"),
        ({"page": {"after": "not base64!"}}, "page.after"),
        ({"page": {"after": base64.b64encode(b"[1,2,3]").decode()}}, "page.after"),
        ({"page": {"size": 3}}, "'size'"),
        ({"query": {}}, "'query'"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_requests_name_the_cause(body: Any, named: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_search_request(body, USER_TASKS)
    assert named in str(refused.value)
    assert refused.value.http_status == 400


def test_unknown_field_error_lists_the_allowed_fields() -> None:
    with pytest.raises(InvalidArgument, match=r"allowed: .*candidateGroup"):
        parse_search_request({"filter": {"group": "x"}}, USER_TASKS)


def test_other_resources_have_their_own_fields() -> None:
    instances = [
        {
            "processInstanceKey": "10",
            "state": "ACTIVE",
            "hasIncident": True,
            "processDefinitionId": "exemption-procedure",
        },
        {
            "processInstanceKey": "11",
            "state": "COMPLETED",
            "hasIncident": False,
            "processDefinitionId": "exemption-procedure",
        },
    ]
    query = parse_search_request({"filter": {"hasIncident": True}}, PROCESS_INSTANCES)
    assert [i["processInstanceKey"] for i in apply_search(query, instances).items] == ["10"]
    query = parse_search_request(
        {
            "filter": {"processDefinitionId": {"$like": "exemption-*"}},
            "sort": [{"field": "processInstanceKey", "order": "DESC"}],
        },
        PROCESS_INSTANCES,
    )
    assert [i["processInstanceKey"] for i in apply_search(query, instances).items] == ["11", "10"]
    with pytest.raises(InvalidArgument, match="'assignee'"):
        parse_search_request({"filter": {"assignee": "x"}}, PROCESS_INSTANCES)
    with pytest.raises(InvalidArgument, match=r"filter\.errorType"):
        parse_search_request({"filter": {"errorType": "OOPS"}}, INCIDENTS)


# --- over HTTP: how an endpoint combines authentication, visibility, search and problems ---------


def _search_app(identity: Identity, tasks: list[dict[str, Any]]) -> Starlette:
    async def user_task_search(request: Request) -> JSONResponse:
        principal = await identity.authenticate(request.headers.get("authorization"))
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except json.JSONDecodeError:
            raise InvalidArgument("the search request body is not valid JSON") from None
        visibility = user_task_visibility_filter(principal)
        restrictions = [visibility] if visibility is not None else []
        return JSONResponse(search(body, USER_TASKS, tasks, restrictions=restrictions))

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, EngineError)
        return engine_problem(request, error)

    return Starlette(
        routes=[Route("/v2/user-tasks/search", user_task_search, methods=["POST"])],
        exception_handlers={EngineError: refused},
    )


async def test_search_over_http_with_visibility_and_problem_bodies() -> None:
    identity = Identity(load_directory(DEMO_IDENTITY))
    app = _search_app(identity, TASKS)
    office = httpx.BasicAuth("office", "demo-office")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://engine") as client:
        seen = await client.post("/v2/user-tasks/search", json={}, auth=office)
        assert seen.status_code == 200
        assert [t["userTaskKey"] for t in seen.json()["items"]] == ["1"]
        assert seen.json()["page"]["totalItems"] == 1

        manager = httpx.BasicAuth("manager", "demo-manager")
        everything = await client.post("/v2/user-tasks/search", auth=manager)
        assert everything.json()["page"]["totalItems"] == 4

        unknown = await client.post(
            "/v2/user-tasks/search", json={"filter": {"asignee": "office"}}, auth=office
        )
        assert unknown.status_code == 400
        assert unknown.headers["content-type"].startswith("application/problem+json")
        problem = unknown.json()
        assert problem["title"] == "INVALID_ARGUMENT"
        assert problem["status"] == 400
        assert "'asignee'" in problem["detail"]
        assert problem["instance"] == "/v2/user-tasks/search"

        anonymous = await client.post("/v2/user-tasks/search", json={})
        assert anonymous.status_code == 401
        assert anonymous.json()["title"] == "UNAUTHORIZED"


def test_request_schema_is_generated_from_the_declarations() -> None:
    schema = request_schema(USER_TASKS)
    filters = schema["properties"]["filter"]["properties"]
    assert set(filters) == {f.name for f in USER_TASKS.filters} | {"$or"}
    assignee = filters["assignee"]["oneOf"][1]["properties"]
    assert set(assignee) == {"$eq", "$neq", "$exists", "$in", "$notIn", "$like"}
    priority = filters["priority"]["oneOf"][1]["properties"]
    assert {"$gt", "$gte", "$lt", "$lte"} <= set(priority)
    # null is "no criterion on this field", as Camunda's clients send it.
    assert filters["elementId"] == {"type": ["string", "null"]}
    assert filters["localVariables"]["type"] == ["array", "null"]
    sort_fields = schema["properties"]["sort"]["items"]["properties"]["field"]["enum"]
    assert sort_fields == [
        "creationDate",
        "completionDate",
        "followUpDate",
        "dueDate",
        "priority",
        "name",
    ]
    envelope = response_schema({"type": "object"})
    assert set(envelope["properties"]["page"]["properties"]) == {
        "totalItems",
        "startCursor",
        "endCursor",
    }
