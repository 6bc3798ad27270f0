"""The gRPC channel to a Zeebe gateway, as the environment describes it.

One place for every client of ours (the workers, `make demo`'s deployment, the container's
deployment, tests) so that they all reach Camunda 8 SaaS, a self-managed cluster with OAuth, or
the embedded engine with its bearer tokens in the same way.

- `CAMUNDA_CLUSTER_ID` (+ `CAMUNDA_CLIENT_ID`, `CAMUNDA_CLIENT_SECRET`, `CAMUNDA_CLUSTER_REGION`):
  Camunda 8 SaaS.
- `ZEEBE_CLIENT_ID`/`ZEEBE_CLIENT_SECRET`, `ZEEBE_AUTHORIZATION_SERVER_URL`,
  `ZEEBE_TOKEN_AUDIENCE` (or their `CAMUNDA_*` spellings): self-managed with OAuth over TLS;
  `ZEEBE_CA_CERTIFICATE_PATH` names a private CA.
- `ZEEBE_BEARER_TOKEN`: a static API token sent as `authorization: Bearer …` in plaintext, as the
  embedded engine accepts (its tokens come from its identity file).
- otherwise plaintext to `ZEEBE_ADDRESS` (default 127.0.0.1:26500).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from pyzeebe import (
    create_camunda_cloud_channel,
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
)
from pyzeebe.channel.channel_options import get_channel_options

DEFAULT_ADDRESS = "127.0.0.1:26500"


def env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


class _TokenMetadata:
    """Adds the token to every call's metadata: plaintext channels carry no call credentials."""

    def __init__(self, token: str) -> None:
        self._metadata = ("authorization", f"Bearer {token}")

    def with_token(self, details: Any) -> Any:
        return details._replace(metadata=[*(details.metadata or []), self._metadata])


# grpc.aio files each interceptor object under one call kind only (the first base it matches),
# so unary calls (deploy, complete) and streaming ones (ActivateJobs) need one class each.
class _UnaryBearerToken(_TokenMetadata, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        return await continuation(self.with_token(details), request)


class _StreamBearerToken(_TokenMetadata, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        return await continuation(self.with_token(details), request)


def bearer_token_channel(address: str, token: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        target=address,
        options=get_channel_options(None),
        interceptors=[_UnaryBearerToken(token), _StreamBearerToken(token)],
    )


def create_channel(address: str | None = None) -> tuple[grpc.aio.Channel, str]:
    """The channel the environment asks for, and a description for the log (no secrets)."""
    if env("CAMUNDA_CLUSTER_ID"):
        return create_camunda_cloud_channel(), "camunda-saas"
    address = address or env("ZEEBE_ADDRESS") or DEFAULT_ADDRESS
    if env("ZEEBE_CLIENT_ID", "CAMUNDA_CLIENT_ID"):
        certificate_path = env("ZEEBE_CA_CERTIFICATE_PATH")
        credentials = grpc.ssl_channel_credentials(
            Path(certificate_path).read_bytes() if certificate_path else None
        )
        channel = create_oauth2_client_credentials_channel(
            grpc_address=address, channel_credentials=credentials
        )
        return channel, f"oauth2 {address}"
    token = env("ZEEBE_BEARER_TOKEN")
    if token:
        return bearer_token_channel(address, token), f"bearer-token {address}"
    return create_insecure_channel(grpc_address=address), f"plaintext {address}"
