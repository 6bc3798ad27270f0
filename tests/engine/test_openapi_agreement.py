"""`/v2/openapi.json` says exactly what the server does (issue 17): each case below was a
disagreement found by the fuzz run in tests/fuzz, and each checks both the document and the
answer, so neither can drift alone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.engine.rest_harness import RestEngine, problem, rest_engine


@pytest.fixture
async def rest(tmp_path: Path) -> AsyncIterator[RestEngine]:
    async with rest_engine(tmp_path) as engine:
        await engine.deploy_case()
        yield engine


async def _document(rest: RestEngine) -> dict[str, Any]:
    document: dict[str, Any] = (await rest.anonymous.get("/v2/openapi.json")).json()
    return document


def _body_schema(document: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    body = document["paths"][path][method]["requestBody"]
    schema: dict[str, Any] = next(iter(body["content"].values()))["schema"]
    return schema


async def test_path_keys_are_declared_as_the_digits_the_server_accepts(rest: RestEngine) -> None:
    document = await _document(rest)
    parameters = [
        parameter
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", ())
    ]
    assert parameters
    for parameter in parameters:
        pattern = parameter["schema"]["pattern"]
        assert re.search(pattern, "2251799813685249")
        assert not re.search(pattern, "abc")
        assert not re.search(pattern, "12345678901234567890")
    refused = await rest.as_("admin").get("/v2/process-instances/abc")
    assert "must be a key" in problem(refused, 400)
    # 19 digits match the pattern; above int64 no key exists: not found, not an error.
    beyond = await rest.as_("admin").get("/v2/process-instances/9999999999999999999")
    assert "keys are at most" in problem(beyond, 404)


async def test_cursors_after_and_before_are_exclusive_in_the_document_and_the_answer(
    rest: RestEngine,
) -> None:
    page = _body_schema(await _document(rest), "/v2/process-instances/search")["properties"]["page"]
    assert {"required": ["after", "before"]} in page["not"]["anyOf"]
    both = await rest.as_("admin").post(
        "/v2/process-instances/search", json={"page": {"after": "WzFd", "before": "WzFd"}}
    )
    assert "either 'after' or 'before'" in problem(both, 400)


@pytest.mark.parametrize("field", ["page", "filter", "sort"])
async def test_null_search_fields_are_refused_naming_the_field(
    rest: RestEngine, field: str
) -> None:
    schema = _body_schema(await _document(rest), "/v2/process-instances/search")
    assert "null" not in str(schema["properties"][field].get("type"))
    answer = await rest.as_("admin").post("/v2/process-instances/search", json={field: None})
    assert f"{field} must be" in problem(answer, 400)


async def test_exactly_one_of_definition_id_and_key_is_declared(rest: RestEngine) -> None:
    schema = _body_schema(await _document(rest), "/v2/process-instances")
    assert schema["oneOf"] == [
        {"required": ["processDefinitionId"]},
        {"required": ["processDefinitionKey"]},
    ]
    assert schema["properties"]["processDefinitionId"]["minLength"] == 1
    document = await _document(rest)
    assert document["paths"]["/v2/process-instances"]["post"]["requestBody"]["required"]
    zero = await rest.as_("admin").post("/v2/process-instances", json={"processDefinitionKey": "0"})
    assert "not found" in problem(zero, 404)


async def test_names_the_server_refuses_empty_are_declared_non_empty(rest: RestEngine) -> None:
    document = await _document(rest)
    activation = _body_schema(document, "/v2/jobs/activation")["properties"]
    assert activation["type"]["minLength"] == 1
    message = _body_schema(document, "/v2/messages/publication")["properties"]
    assert message["name"]["minLength"] == 1
    error = _body_schema(document, "/v2/jobs/{jobKey}/error")["properties"]
    assert error["errorCode"]["minLength"] == 1
    empty = await rest.as_("admin").post("/v2/messages/publication", json={"name": ""})
    assert "name" in problem(empty, 400)


async def test_falsy_values_are_not_read_as_absent(rest: RestEngine) -> None:
    # `fetchVariable: false` was accepted as "no variables" though the document says array.
    answer = await rest.as_("admin").post(
        "/v2/jobs/activation",
        json={
            "type": "check",
            "timeout": 1000,
            "maxJobsToActivate": 1,
            "requestTimeout": -1,
            "fetchVariable": False,
        },
    )
    assert "fetchVariable" in problem(answer, 400)


async def test_integral_numbers_are_integers_as_json_schema_says(rest: RestEngine) -> None:
    answer = await rest.as_("admin").post(
        "/v2/process-instances/search", json={"page": {"limit": 5.0, "from": 0.0}}
    )
    assert answer.status_code == 200, answer.text
    pinned = await rest.as_("admin").put("/v2/clock", json={"timestamp": 1767574800000.0})
    assert pinned.status_code == 204, pinned.text


async def test_non_negative_and_changeset_constraints_are_declared(rest: RestEngine) -> None:
    document = await _document(rest)
    clock = _body_schema(document, "/v2/clock", "put")["properties"]["timestamp"]
    assert all(branch.get("minimum", 0) == 0 for branch in clock["oneOf"])
    changeset = _body_schema(document, "/v2/jobs/{jobKey}", "patch")["properties"]["changeset"]
    assert changeset["additionalProperties"] is False and changeset["anyOf"]
    assert changeset["properties"]["retries"]["minimum"] == 1
    task = _body_schema(document, "/v2/user-tasks/{userTaskKey}", "patch")
    assert task["required"] == ["changeset"] and task["properties"]["changeset"]["anyOf"]
    reason = _body_schema(document, "/v2/process-instances/{processInstanceKey}/cancellation")
    assert reason["required"] == ["reason"]


async def test_await_completion_timeout_is_documented_and_answered(rest: RestEngine) -> None:
    document = await _document(rest)
    responses = document["paths"]["/v2/process-instances"]["post"]["responses"]
    assert "504" in responses and "awaitCompletion" in responses["504"]["description"]
    waited = await rest.as_("admin").post(
        "/v2/process-instances",
        json={
            "processDefinitionId": "case",
            "variables": {"caseId": "C-9"},
            "awaitCompletion": True,
            "requestTimeout": 20,
        },
    )
    assert "did not complete" in problem(waited, 504)


@pytest.mark.parametrize("method", ["TRACE", "DELETE", "PUT"])
async def test_unserved_methods_are_answered_405_with_allow(rest: RestEngine, method: str) -> None:
    answer = await rest.as_("admin").request(method, "/v2/user-tasks/1")
    problem(answer, 405)
    # Both routes of the path: GET (and so HEAD) and PATCH.
    assert answer.headers["Allow"] == "GET, HEAD, PATCH"
    # /user-tasks/search is also matched by /user-tasks/{userTaskKey}, whose methods are
    # routed there too (and answered 400 for the key): Allow lists every routed method.
    search = await rest.as_("admin").request(method, "/v2/user-tasks/search")
    assert search.headers["Allow"] == "GET, HEAD, PATCH, POST"
    clock = await rest.as_("admin").request(method, "/v2/clock/reset")
    assert clock.headers["Allow"] == "POST"


async def test_filter_keys_as_integers_and_null_criteria_are_documented(rest: RestEngine) -> None:
    schema = _body_schema(await _document(rest), "/v2/process-instances/search")
    parent = schema["properties"]["filter"]["properties"]["parentElementInstanceKey"]
    plain = parent["oneOf"][0]["oneOf"]
    assert {"type": "integer", "minimum": 0} in plain
    assert {"type": "null"} in parent["oneOf"]
    answer = await rest.as_("admin").post(
        "/v2/process-instances/search",
        json={"filter": {"parentElementInstanceKey": 1.0, "processDefinitionId": None}},
    )
    assert answer.status_code == 200, answer.text
