"""Camunda 8.8's `PATCH /v2/jobs/{jobKey}`: change a job's retries or timeout (admins only)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from engine.access import Permission, require
from engine.api import InvalidArgument
from engine.audit import AuditAction
from engine.http.auth import principal_of
from engine.http.body import json_object
from engine.http.context import RestContext, path_key
from engine.http.endpoint import Endpoint
from engine.http.schemas import INTEGER, NO_CONTENT, obj


def job_endpoints(ctx: RestContext) -> list[Endpoint]:
    async def update(request: Request) -> Response:
        body = await json_object(request)
        principal = principal_of(request)
        require(principal, Permission.UPDATE_JOB)
        key = path_key(request.path_params["jobKey"], "jobKey")
        changeset = body.get("changeset")
        if not isinstance(changeset, dict):
            raise InvalidArgument("changeset must be a JSON object with retries and/or timeout")
        unknown = sorted(set(changeset) - {"retries", "timeout"})
        if unknown:
            raise InvalidArgument(
                f"changeset.{unknown[0]} cannot be changed (allowed: retries, timeout)"
            )
        retries, timeout = changeset.get("retries"), changeset.get("timeout")
        if retries is None and timeout is None:
            raise InvalidArgument("changeset must set retries or timeout")
        for name, value in (("retries", retries), ("timeout", timeout)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidArgument(f"changeset.{name} must be an integer")
        if retries is not None and retries < 1:
            raise InvalidArgument("changeset.retries must be at least 1")
        # The entry goes with the last of the (one or two) commands, as it did after both.
        audited = ctx.audited(
            principal,
            AuditAction.JOB_RETRIES_UPDATED,
            {"jobKey": key},
            {"changeset": {k: v for k, v in changeset.items() if v is not None}},
        )
        if retries is not None:
            if timeout is None:
                with audited:
                    await ctx.service.update_job_retries(key, retries)
            else:
                await ctx.service.update_job_retries(key, retries)
        if timeout is not None:
            with audited:
                await ctx.service.update_job_timeout(key, timeout)
        return Response(status_code=204)

    return [
        Endpoint(
            "PATCH",
            "/jobs/{jobKey}",
            update,
            "Update a job's retries and/or timeout",
            "update-job",
            obj(["changeset"], changeset=obj(retries=INTEGER, timeout=INTEGER)),
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        )
    ]
