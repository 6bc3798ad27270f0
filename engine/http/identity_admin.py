"""Users, groups and API tokens over /v2, for the desk's administration page.

Shaped after Camunda 8.8's identity endpoints where they exist (`POST /v2/users/search`,
`POST /v2/users`, `PUT /v2/users/{username}`, `POST /v2/groups/search`, `POST /v2/groups`,
`PUT`/`DELETE /v2/groups/{groupId}/users/{username}`); deactivation and API tokens are OUR
EXTENSIONS (Camunda manages those in its identity provider). Everyone may read names (pages show
people and units by name); only administrators see accounts' state and tokens and change anything.
Every change is an audit entry (engine.access.directory_admin).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from engine.access import Permission, has_permission, require
from engine.access.directory_admin import DirectoryAdmin
from engine.api import InvalidArgument, NotFound
from engine.http.auth import principal_of
from engine.http.body import json_object
from engine.http.context import optional_json_object
from engine.http.endpoint import Endpoint
from engine.http.schemas import BOOLEAN, NO_CONTENT, STRINGS, TEXT, obj
from engine.http.search import response_schema

USER = obj(
    ["username", "name"],
    username=TEXT,
    name=TEXT,
    groups=STRINGS,
    roles=STRINGS,
    active=BOOLEAN,
    hasPassword=BOOLEAN,
    tokens=STRINGS,
)
GROUP = obj(["groupId", "name"], groupId=TEXT, name=TEXT, members=STRINGS)
_PUBLIC_USER_FIELDS = ("username", "name", "groups")
# What the directory accepts, said in the schema so that clients (and fuzzers) know it.
USERNAME = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9._-]{1,63}$"}
GROUP_ID = {"type": "string", "pattern": "^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"}
FILLED = {"type": "string", "minLength": 1, "pattern": "\\S"}
IDS = {"type": "array", "items": {"type": "string", "minLength": 1}}
PERSON_ROLES = {
    "type": "array",
    "items": {"type": "string", "enum": ["officer", "manager", "admin"]},
}


def _text(body: dict[str, Any], field: str, *, required: bool = True) -> str:
    value = body.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidArgument(f"字段 {field} 必须是非空文本")
    return value


def _names(body: dict[str, Any], field: str) -> list[str]:
    value = body.get(field)
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidArgument(f"字段 {field} 必须是文本列表")
    return list(value)


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "page": {"totalItems": len(items)}}


def _user_view(admin: DirectoryAdmin, username: str) -> dict[str, Any]:
    found = next((u for u in admin.users() if u["username"] == username), None)
    if found is None:
        raise NotFound(f"没有用户名为 {username} 的用户")
    return found


def identity_endpoints(admin: DirectoryAdmin) -> list[Endpoint]:
    async def search_users(request: Request) -> Response:
        principal = principal_of(request)
        require(principal, Permission.READ_DIRECTORY)
        users = admin.users()
        if not has_permission(principal, Permission.MANAGE_IDENTITY):
            users = [{k: u[k] for k in _PUBLIC_USER_FIELDS} for u in users if u["active"]]
        return JSONResponse(_page(users))

    async def search_groups(request: Request) -> Response:
        principal = principal_of(request)
        require(principal, Permission.READ_DIRECTORY)
        groups = admin.groups()
        if not has_permission(principal, Permission.MANAGE_IDENTITY):
            groups = [{"groupId": g["groupId"], "name": g["name"]} for g in groups]
        return JSONResponse(_page(groups))

    async def create_user(request: Request) -> Response:
        principal = principal_of(request)
        require(principal, Permission.MANAGE_IDENTITY)
        body = await json_object(request)
        username = _text(body, "username").strip()
        admin.create_user(
            principal.username,
            username,
            _text(body, "name"),
            _text(body, "password"),
            _names(body, "groups"),
            _names(body, "roles"),
        )
        return JSONResponse(_user_view(admin, username), status_code=201)

    async def update_user(request: Request) -> Response:
        principal = principal_of(request)
        require(principal, Permission.MANAGE_IDENTITY)
        username = str(request.path_params["username"])
        body = await json_object(request)
        # Like 8.8's update: fields left out stay as they are (an empty object changes nothing).
        if "name" in body:
            admin.rename_user(principal.username, username, _text(body, "name"))
        if "password" in body:
            admin.reset_password(principal.username, username, _text(body, "password"))
        return JSONResponse(_user_view(admin, username))

    def activation(active: bool) -> Any:
        async def handle(request: Request) -> Response:
            principal = principal_of(request)
            require(principal, Permission.MANAGE_IDENTITY)
            admin.set_active(principal.username, str(request.path_params["username"]), active)
            return Response(status_code=204)

        return handle

    async def create_group(request: Request) -> Response:
        principal = principal_of(request)
        require(principal, Permission.MANAGE_IDENTITY)
        body = await json_object(request)
        group_id = _text(body, "groupId").strip()
        admin.create_group(principal.username, group_id, _text(body, "name"))
        return JSONResponse(next(g for g in admin.groups() if g["groupId"] == group_id), 201)

    def membership(member: bool) -> Any:
        async def handle(request: Request) -> Response:
            principal = principal_of(request)
            require(principal, Permission.MANAGE_IDENTITY)
            admin.set_membership(
                principal.username,
                str(request.path_params["groupId"]),
                str(request.path_params["username"]),
                member,
            )
            return Response(status_code=204)

        return handle

    async def create_token(request: Request) -> Response:
        principal = principal_of(request)
        require(principal, Permission.MANAGE_IDENTITY)
        body = await optional_json_object(request)
        username = str(request.path_params["username"])
        name = _text(body, "name", required=False)
        token = admin.create_token(principal.username, username, name)
        label = name.strip() or f"{username}-token"
        return JSONResponse({"name": label, "username": username, "token": token}, 201)

    async def revoke_token(request: Request) -> Response:
        principal = principal_of(request)
        require(principal, Permission.MANAGE_IDENTITY)
        admin.revoke_token(
            principal.username,
            str(request.path_params["username"]),
            str(request.path_params["name"]),
        )
        return Response(status_code=204)

    ext = ("extension",)
    return [
        Endpoint(
            "POST",
            "/users/search",
            search_users,
            "Search users",
            "search-users",
            response_schema=response_schema(USER),
        ),
        Endpoint(
            "POST",
            "/users",
            create_user,
            "Create a user",
            "create-user",
            obj(
                ["username", "name", "password"],
                username=USERNAME,
                name=FILLED,
                password=FILLED,
                groups=IDS,
                roles=PERSON_ROLES,
            ),
            response_schema=USER,
            success_status=201,
            permission="admin",
        ),
        Endpoint(
            "PUT",
            "/users/{username}",
            update_user,
            "Rename a user or reset the password",
            "update-user",
            obj(name=FILLED, password=FILLED),
            response_schema=USER,
            permission="admin",
            body_required=True,
        ),
        Endpoint(
            "POST",
            "/users/{username}/deactivation",
            activation(False),
            "EXTENSION (not in Camunda 8.8): deactivate a user (no sign-in, no tokens)",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
            tags=ext,
            body_required=False,
        ),
        Endpoint(
            "DELETE",
            "/users/{username}/deactivation",
            activation(True),
            "EXTENSION (not in Camunda 8.8): activate a deactivated user",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
            tags=ext,
        ),
        Endpoint(
            "POST",
            "/users/{username}/tokens",
            create_token,
            "EXTENSION (not in Camunda 8.8): mint an API token (shown once)",
            request_schema=obj(name=TEXT),
            success_status=201,
            permission="admin",
            tags=ext,
            body_required=False,
        ),
        Endpoint(
            "DELETE",
            "/users/{username}/tokens/{name}",
            revoke_token,
            "EXTENSION (not in Camunda 8.8): revoke an API token",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
            tags=ext,
        ),
        Endpoint(
            "POST",
            "/groups/search",
            search_groups,
            "Search groups",
            "search-groups",
            response_schema=response_schema(GROUP),
        ),
        Endpoint(
            "POST",
            "/groups",
            create_group,
            "Create a group",
            "create-group",
            obj(["groupId", "name"], groupId=GROUP_ID, name=FILLED),
            response_schema=GROUP,
            success_status=201,
            permission="admin",
        ),
        Endpoint(
            "PUT",
            "/groups/{groupId}/users/{username}",
            membership(True),
            "Assign a user to a group",
            "assign-user-to-group",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
            body_required=False,
        ),
        Endpoint(
            "DELETE",
            "/groups/{groupId}/users/{username}",
            membership(False),
            "Unassign a user from a group",
            "unassign-user-from-group",
            response_schema=NO_CONTENT,
            success_status=204,
            permission="admin",
        ),
    ]
