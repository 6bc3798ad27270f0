"""The engine's job commands spoken over Camunda 8.8's REST job endpoints, for tests that want a
job worker's every call to cross /v2 the way a REST worker's calls do (the third transport of the
job tests, beside in-process and gRPC).

`RestJobEngine` sends activation (`POST /v2/jobs/activation`), completion, failure, BPMN errors
and retries/timeout updates (`PATCH /v2/jobs/{jobKey}`) through the real ASGI app, and hands every
other command to `local`, the in-process engine behind it. Refusals come back as the
`engine.api` error for their HTTP status, with the problem's detail, so a test asserts the same
error whichever transport it runs on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import httpx

from engine.api import (
    DEFAULT_TENANT,
    ActivatedJob,
    ActivateJobsRequest,
    AlreadyExists,
    EngineError,
    FailedPrecondition,
    InvalidArgument,
    JsonObject,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)
from engine.audit import AuditTrail
from engine.gateway import ClusterInfo
from engine.http import create_app
from engine.http.context import RestContext
from engine.service import EngineService

_ERRORS: dict[int, type[EngineError]] = {
    400: InvalidArgument,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: FailedPrecondition,
    429: ResourceExhausted,
}


def _raise_for_problem(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
        detail, title = str(body.get("detail", "")), str(body.get("title", ""))
    except ValueError:
        detail, title = response.text, ""
    if response.status_code == 409 and title == "ALREADY_EXISTS":
        raise AlreadyExists(detail)
    raise _ERRORS.get(response.status_code, EngineError)(detail)


class RestJobEngine:
    """Job commands over REST, the rest in-process; use as an `engine.api.Engine`."""

    def __init__(self, local: EngineService) -> None:
        self._local = local
        self._trail = AuditTrail.attach(sqlite3.connect(":memory:", check_same_thread=False))
        app = create_app(
            local,
            lambda: ClusterInfo(host="127.0.0.1", port=0),
            rest=RestContext(local, self._trail),
        )
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://engine/v2", timeout=None
        )

    async def close(self) -> None:
        await self._http.aclose()
        self._trail.close()

    def __getattr__(self, name: str) -> Any:
        # Commands with no REST job endpoint go straight to the engine.
        return getattr(self._local, name)

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        response = await self._http.post(path, json=body)
        _raise_for_problem(response)
        return response

    async def activate_jobs(self, request: ActivateJobsRequest) -> list[ActivatedJob]:
        # The gRPC request's "0 = the default hold" and "negative = answer now" mean the same
        # in 8.8's REST body; int64 fields travel as strings, as Camunda's TypeScript client
        # sends them.
        response = await self._post(
            "/jobs/activation",
            {
                "type": request.type,
                "worker": request.worker,
                "timeout": str(request.timeout_ms),
                "maxJobsToActivate": request.max_jobs_to_activate,
                "fetchVariable": list(request.fetch_variables),
                "requestTimeout": str(request.request_timeout_ms),
                "tenantIds": list(request.tenant_ids),
            },
        )
        return [_activated(job) for job in response.json()["jobs"]]

    async def complete_job(self, job_key: int, variables: JsonObject | None = None) -> None:
        await self._post(f"/jobs/{job_key}/completion", {"variables": variables})

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        error_message: str = "",
        retry_backoff_ms: int = 0,
        variables: JsonObject | None = None,
    ) -> None:
        await self._post(
            f"/jobs/{job_key}/failure",
            {
                "retries": retries,
                "errorMessage": error_message,
                "retryBackOff": str(retry_backoff_ms),
                "variables": variables,
            },
        )

    async def throw_error(
        self,
        job_key: int,
        error_code: str,
        error_message: str = "",
        variables: JsonObject | None = None,
    ) -> None:
        await self._post(
            f"/jobs/{job_key}/error",
            {"errorCode": error_code, "errorMessage": error_message, "variables": variables},
        )

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        response = await self._http.patch(
            f"/jobs/{job_key}", json={"changeset": {"retries": retries}}
        )
        _raise_for_problem(response)

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        response = await self._http.patch(
            f"/jobs/{job_key}", json={"changeset": {"timeout": str(timeout_ms)}}
        )
        _raise_for_problem(response)

    async def yield_jobs(self, job_keys: Sequence[int]) -> None:
        await self._local.yield_jobs(job_keys)


def _activated(job: dict[str, Any]) -> ActivatedJob:
    return ActivatedJob(
        key=int(job["jobKey"]),
        type=job["type"],
        process_instance_key=int(job["processInstanceKey"]),
        bpmn_process_id=job["processDefinitionId"],
        process_definition_version=job["processDefinitionVersion"],
        process_definition_key=int(job["processDefinitionKey"]),
        element_id=job["elementId"],
        element_instance_key=int(job["elementInstanceKey"]),
        custom_headers=job["customHeaders"],
        worker=job["worker"],
        retries=job["retries"],
        deadline=int(job["deadline"]),
        variables=job["variables"],
        tenant_id=job.get("tenantId", DEFAULT_TENANT),
    )
