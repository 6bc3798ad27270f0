"""The one way the desk reaches the /v2 API, always with the signed-in officer's credentials."""

from __future__ import annotations

import json
from typing import Any

import httpx

from desk.sessions import Officer


class ApiUnavailable(Exception):
    """The API did not answer; the message is shown to the officer as is."""


class SignInThrottled(Exception):
    """The API refused the sign-in for now (too many failures: 429); the message is its Chinese
    sentence, shown as is."""

    def __init__(self, message: str, retry_after: str | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SignInRefused(Exception):
    """The API refused the credentials with a reason for the officer (in Chinese), e.g. a demo
    password outside demo mode or a password below the policy; shown as is."""


def _chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


class ApiClient:
    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url, transport=transport, timeout=httpx.Timeout(30.0)
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        method: str,
        path: str,
        authorization: str,
        *,
        params: httpx.QueryParams | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        client_address: str | None = None,
    ) -> httpx.Response:
        headers = {"authorization": authorization, "accept": "application/json"}
        if content_type:
            headers["content-type"] = content_type
        if client_address:
            # The officer's browser, so that the API throttles failed sign-ins per officer's
            # address rather than locking the desk's own (honoured only when the API lists the
            # desk in ENGINE_TRUSTED_PROXIES).
            headers["x-forwarded-for"] = client_address
        try:
            return await self._client.request(
                method, path, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as error:
            raise ApiUnavailable(f"无法连接流程引擎接口 {self.base_url}：{error}") from error

    async def post_json(self, path: str, authorization: str, body: Any) -> httpx.Response:
        return await self.send(
            "POST",
            path,
            authorization,
            content=json.dumps(body).encode(),
            content_type="application/json",
        )

    async def whoami(self, authorization: str, client_address: str | None = None) -> Officer | None:
        """The officer behind these credentials, or None when the API refuses them; raises
        SignInThrottled when the API locks the account or address out for now."""
        response = await self.send(
            "GET", "/v2/authentication/me", authorization, client_address=client_address
        )
        if response.status_code in (401, 403):
            reason = _detail(response, "")
            if _chinese(reason):
                raise SignInRefused(reason)
            return None
        if response.status_code == 429:
            raise SignInThrottled(_detail(response), response.headers.get("retry-after"))
        if response.status_code != 200:
            raise ApiUnavailable(
                f"流程引擎接口 /v2/authentication/me 返回 {response.status_code}，无法核对身份"
            )
        body = response.json()
        username = str(body.get("username") or "")
        if not username:
            raise ApiUnavailable("流程引擎接口 /v2/authentication/me 未返回用户名")
        return Officer(
            username=username,
            display_name=str(body.get("displayName") or username),
            groups=tuple(_names(body.get("groups"))),
            roles=tuple(_names(body.get("roles"))),
        )


def _detail(response: httpx.Response, fallback: str = "登录尝试过于频繁，请稍后再试") -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else fallback


def _names(raw: Any) -> list[str]:
    # 8.8 lists ids as strings; accept {"groupId": ...}/{"roleId": ...} objects too.
    names: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            for key in ("groupId", "roleId", "id", "name"):
                if isinstance(item.get(key), str):
                    names.append(item[key])
                    break
    return names
