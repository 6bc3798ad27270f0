"""Camunda 8.8's job endpoints, for job workers over REST: activation (long polling, as gRPC
ActivateJobs), completion, failure, BPMN error, and `PATCH /v2/jobs/{jobKey}` (retries, timeout).

Thin: the body is translated into the engine calls the gRPC gateway makes, so retries, back-off,
incidents and error catching follow the same rules on both transports. Job workers need only an
authenticated caller, as over gRPC; changing a job's retries or timeout is for admins.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.api import DEFAULT_TENANT, ActivatedJob, ActivateJobsRequest, InvalidArgument
from engine.audit import AuditAction
from engine.gateway import limits
from engine.http.auth import principal_of
from engine.http.body import json_object
from engine.http.context import RestContext, json_variables, optional_json_object, path_key
from engine.http.endpoint import Endpoint
from engine.http.int64 import (
    INT64_SCHEMA,
    NON_NEGATIVE_INT64_SCHEMA,
    POSITIVE_INT64_SCHEMA,
    int64,
    whole_number,
)
from engine.http.schemas import ACTIVATED_JOB, INTEGER, NAME, NO_CONTENT, STRINGS, TEXT, obj

# The engine holds an activation with request_timeout_ms = 0 for its own default, so "answer at
# once" travels as a negative number, as in the gRPC gateway.
_NO_LONG_POLL = -1


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise InvalidArgument(
            f"{name} must be a non-empty string" if required else f"{name} must be a string"
        )
    return value


def _integer(body: dict[str, Any], name: str, default: int, *, wide: bool = False) -> int:
    """An int32 (or, `wide`, an int64 that may come as a decimal string) field."""
    raw = body.get(name)
    if raw is None:
        return default
    value = int64(raw) if wide else whole_number(raw)
    if value is None:
        raise InvalidArgument(f"{name} must be an integer, got {raw!r}")
    return value


def _activation(body: dict[str, Any]) -> ActivateJobsRequest:
    job_type = _text(body, "type", required=True)
    if "timeout" not in body:
        raise InvalidArgument("timeout must be given: how long (ms) the jobs stay activated")
    timeout = _integer(body, "timeout", 0, wide=True)
    if timeout < 1:
        raise InvalidArgument(f"timeout must be greater than zero, got {timeout}")
    max_jobs = _integer(body, "maxJobsToActivate", 0)
    if max_jobs < 1:
        raise InvalidArgument(f"maxJobsToActivate must be greater than zero, got {max_jobs}")
    fetch = body.get("fetchVariable")
    fetch = [] if fetch is None else fetch
    if not isinstance(fetch, list) or not all(isinstance(name, str) for name in fetch):
        raise InvalidArgument("fetchVariable must be an array of variable names")
    tenants = body.get("tenantIds") or [DEFAULT_TENANT]
    if not isinstance(tenants, list) or not all(isinstance(t, str) and t for t in tenants):
        raise InvalidArgument("tenantIds must be an array of tenant ids")
    # 8.8: 0 = the default hold, negative = answer at once even without jobs.
    hold = _integer(body, "requestTimeout", 0, wide=True)
    return ActivateJobsRequest(
        type=job_type,
        worker=_text(body, "worker"),
        timeout_ms=timeout,
        max_jobs_to_activate=max_jobs,
        fetch_variables=tuple(fetch),
        request_timeout_ms=(limits.DEFAULT_LONG_POLL_MS if hold == 0 else max(hold, _NO_LONG_POLL)),
        tenant_ids=tuple(tenants),
    )


def activated_job_json(job: ActivatedJob) -> dict[str, Any]:
    return {
        "type": job.type,
        "processDefinitionId": job.bpmn_process_id,
        "processDefinitionVersion": job.process_definition_version,
        "elementId": job.element_id,
        "customHeaders": dict(job.custom_headers),
        "worker": job.worker,
        "retries": job.retries,
        "deadline": job.deadline,
        "variables": job.variables,
        "tenantId": job.tenant_id,
        "jobKey": str(job.key),
        "processInstanceKey": str(job.process_instance_key),
        "processDefinitionKey": str(job.process_definition_key),
        "elementInstanceKey": str(job.element_instance_key),
        # The engine runs no execution or task listeners: every job is a BPMN element's.
        "kind": "BPMN_ELEMENT",
        "listenerEventType": "UNSPECIFIED",
    }


async def _until_disconnected(request: Request) -> None:
    # Once the body is read, the next ASGI message is the client leaving.
    while (await request.receive())["type"] != "http.disconnect":
        pass


def job_endpoints(ctx: RestContext) -> list[Endpoint]:
    engine = ctx.service

    async def activate(request: Request) -> Response:
        activation = _activation(await json_object(request))
        activating = asyncio.ensure_future(engine.activate_jobs(activation))
        leaving = asyncio.ensure_future(_until_disconnected(request))
        try:
            await asyncio.wait({activating, leaving}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            leaving.cancel()
            if not activating.done():
                # The worker left while the call was held: the engine gives back what it
                # activated for it, as when a gRPC call is cancelled.
                activating.cancel()
        if activating.cancelled():
            return Response(status_code=204)
        jobs = activating.result()
        return JSONResponse({"jobs": [activated_job_json(job) for job in jobs]})

    async def complete(request: Request) -> Response:
        body = await optional_json_object(request)
        key = path_key(request.path_params["jobKey"], "jobKey")
        await engine.complete_job(key, json_variables(body.get("variables")))
        return Response(status_code=204)

    async def fail(request: Request) -> Response:
        body = await optional_json_object(request)
        key = path_key(request.path_params["jobKey"], "jobKey")
        retries = _integer(body, "retries", 0)
        backoff = _integer(body, "retryBackOff", 0, wide=True)
        await engine.fail_job(
            key,
            retries,
            error_message=_text(body, "errorMessage"),
            retry_backoff_ms=backoff,
            variables=json_variables(body.get("variables")),
        )
        return Response(status_code=204)

    async def throw_error(request: Request) -> Response:
        body = await json_object(request)
        key = path_key(request.path_params["jobKey"], "jobKey")
        await engine.throw_error(
            key,
            _text(body, "errorCode", required=True),
            error_message=_text(body, "errorMessage"),
            variables=json_variables(body.get("variables")),
        )
        return Response(status_code=204)

    async def update(request: Request) -> Response:
        body = await json_object(request)
        principal = principal_of(request)
        key = path_key(request.path_params["jobKey"], "jobKey")
        changeset = body.get("changeset")
        if not isinstance(changeset, dict):
            raise InvalidArgument("changeset must be a JSON object with retries and/or timeout")
        unknown = sorted(set(changeset) - {"retries", "timeout"})
        if unknown:
            raise InvalidArgument(
                f"changeset.{unknown[0]} cannot be changed (allowed: retries, timeout)"
            )
        retries = changeset.get("retries")
        timeout = changeset.get("timeout")
        if retries is None and timeout is None:
            raise InvalidArgument("changeset must set retries or timeout")
        if retries is not None:
            retries = whole_number(retries)
        if retries is None and changeset.get("retries") is not None:
            raise InvalidArgument("changeset.retries must be an integer")
        if timeout is not None:
            timeout = int64(timeout)
            if timeout is None:
                raise InvalidArgument("changeset.timeout must be an integer")
        # Whether the values are acceptable is the engine's rule, as for the gRPC calls. The
        # audit entry goes with the last of the (one or two) commands.
        changed = {"retries": retries, "timeout": timeout}
        audited = ctx.audited(
            principal,
            AuditAction.JOB_RETRIES_UPDATED,
            {"jobKey": key},
            {"changeset": {k: v for k, v in changed.items() if v is not None}},
        )
        if retries is not None:
            if timeout is None:
                with audited:
                    await engine.update_job_retries(key, retries)
            else:
                await engine.update_job_retries(key, retries)
        if timeout is not None:
            with audited:
                await engine.update_job_timeout(key, timeout)
        return Response(status_code=204)

    job = "/jobs/{jobKey}"
    variables = {"type": ["object", "null"]}
    return [
        Endpoint(
            "POST",
            "/jobs/activation",
            activate,
            "Activate jobs of a type (held up to requestTimeout until jobs arrive)",
            "activate-jobs",
            obj(
                ["type", "timeout", "maxJobsToActivate"],
                type=NAME,
                worker=TEXT,
                timeout=POSITIVE_INT64_SCHEMA,
                maxJobsToActivate={"type": "integer", "minimum": 1},
                fetchVariable=STRINGS,
                requestTimeout=INT64_SCHEMA,
                tenantIds={"type": "array", "items": NAME},
            ),
            response_schema=obj(["jobs"], jobs={"type": "array", "items": ACTIVATED_JOB}),
        ),
        Endpoint(
            "POST",
            f"{job}/completion",
            complete,
            "Complete a job",
            "complete-job",
            obj(variables=variables, result={"type": "object"}),
            response_schema=NO_CONTENT,
            success_status=204,
        ),
        Endpoint(
            "POST",
            f"{job}/failure",
            fail,
            "Fail a job: retry it after retryBackOff, or raise an incident at 0 retries",
            "fail-job",
            obj(
                retries=INTEGER,
                errorMessage=TEXT,
                retryBackOff=INT64_SCHEMA,
                variables={"type": "object"},
            ),
            response_schema=NO_CONTENT,
            success_status=204,
        ),
        Endpoint(
            "POST",
            f"{job}/error",
            throw_error,
            "Throw a BPMN error from a job",
            "throw-job-error",
            obj(
                ["errorCode"],
                errorCode=NAME,
                errorMessage={"type": ["string", "null"]},
                variables=variables,
            ),
            response_schema=NO_CONTENT,
            success_status=204,
        ),
        Endpoint(
            "PATCH",
            job,
            update,
            "Update a job's retries and/or timeout",
            "update-job",
            obj(
                ["changeset"],
                # null is "not changed": at least one of the two must be set.
                changeset=obj(
                    retries={"type": ["integer", "null"], "minimum": 1},
                    timeout={"oneOf": [*NON_NEGATIVE_INT64_SCHEMA["oneOf"], {"type": "null"}]},
                )
                | {
                    "additionalProperties": False,
                    "anyOf": [
                        {"required": ["retries"], "properties": {"retries": {"type": "integer"}}},
                        {
                            "required": ["timeout"],
                            "properties": {"timeout": NON_NEGATIVE_INT64_SCHEMA},
                        },
                    ],
                },
                operationReference=INT64_SCHEMA,
            ),
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        ),
    ]
