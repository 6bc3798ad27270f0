"""Camunda 8.8's `GET /v2/authentication/me`: who the credentials belong to, which the desk
reads at sign-in to show the user's name and decide which views to offer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.http.auth import principal_of
from engine.http.endpoint import Endpoint
from engine.http.schemas import BOOLEAN, STRINGS, TEXT, obj

CURRENT_USER = obj(
    ["tenants", "groups", "roles", "salesPlanType", "c8Links", "canLogout"],
    username=TEXT,
    displayName=TEXT,
    email={"type": ["string", "null"]},
    authorizedComponents=STRINGS,
    tenants={"type": "array", "items": {"type": "object"}},
    groups=STRINGS,
    roles=STRINGS,
    salesPlanType=TEXT,
    c8Links={"type": "object"},
    canLogout=BOOLEAN,
)


def authentication_endpoints() -> list[Endpoint]:
    async def me(request: Request) -> Response:
        principal = principal_of(request)
        return JSONResponse(
            {
                "username": principal.username,
                "displayName": principal.display_name or principal.username,
                "email": None,  # nullable in 8.8's CamundaUserResult
                "authorizedComponents": ["*"],
                "tenants": [{"tenantId": "<default>", "name": "Default"}],
                "groups": sorted(principal.groups),
                "roles": sorted(str(role) for role in principal.roles),
                # Required (not nullable) in 8.8; a self-managed cluster has no plan.
                "salesPlanType": "",
                "c8Links": {},
                "canLogout": False,
            }
        )

    return [
        Endpoint(
            "GET",
            "/authentication/me",
            me,
            "The signed-in user: username, display name, groups and roles",
            "get-authentication",
            response_schema=CURRENT_USER,
        )
    ]
