"""The gRPC server: the Gateway service, the standard health service, Zeebe-like limits."""

from __future__ import annotations

from dataclasses import dataclass, replace

import grpc
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from engine.api import Engine
from engine.gateway.auth import Authorizer, allow_all
from engine.gateway.decoding import RefuseUndecodable
from engine.gateway.limits import MAX_MESSAGE_BYTES
from engine.gateway.servicer import GatewayServicer
from engine.gateway.topology import ClusterInfo

log = structlog.get_logger("engine.gateway")

GATEWAY_SERVICE = "gateway_protocol.Gateway"

SERVER_OPTIONS: list[tuple[str, int]] = [
    # Bigger messages are refused by grpc itself with RESOURCE_EXHAUSTED, as Zeebe does.
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # Job streams and long polls stay open for minutes while clients ping every 45 s (Node SDK)
    # or more often; never answer pings with GOAWAY "too_many_pings".
    ("grpc.http2.max_ping_strikes", 0),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 5_000),
    ("grpc.so_reuseport", 0),
]


class CannotListen(RuntimeError):
    """A server could not bind its address (taken, not local, not resolvable)."""


def split_address(address: str) -> tuple[str, int]:
    """'host:port' (or '[v6]:port') into its parts; raises ValueError naming the address."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"Expected an address as host:port, but got '{address}'")
    return host.strip("[]"), int(port)


@dataclass
class GatewayServer:
    """A started gateway; `port` is the bound port (useful when asked for port 0)."""

    server: grpc.aio.Server
    health: health_aio.HealthServicer
    host: str
    port: int

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    async def stop(self, grace: float = 1.0) -> None:
        # Tell health checkers first, so load balancers stop sending new calls.
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


async def start_gateway(
    engine: Engine, address: str = "127.0.0.1:26500", authorize: Authorizer = allow_all
) -> GatewayServer:
    """Bind and start the gateway; raises CannotListen when the address cannot be bound."""
    host, requested_port = split_address(address)
    server = grpc.aio.server(options=SERVER_OPTIONS, interceptors=[RefuseUndecodable()])
    servicer = GatewayServicer(engine, ClusterInfo(host=host, port=requested_port), authorize)
    pb_grpc.add_GatewayServicer_to_server(servicer, server)

    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)

    try:
        port = server.add_insecure_port(address)
    except RuntimeError as error:
        raise CannotListen(f"Cannot listen for gRPC on {address}: {error}") from error
    if port == 0:
        raise CannotListen(f"Cannot listen for gRPC on {address}")
    servicer.cluster = replace(servicer.cluster, port=port)

    await server.start()
    serving = health_pb2.HealthCheckResponse.SERVING
    await health.set("", serving)
    await health.set(GATEWAY_SERVICE, serving)
    gateway = GatewayServer(server=server, health=health, host=host, port=port)
    log.info("gateway.started", address=gateway.address)
    return gateway
