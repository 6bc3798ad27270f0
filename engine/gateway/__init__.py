"""Zeebe's gRPC gateway protocol in front of the engine, built on pyzeebe's generated stubs."""

from engine.gateway.auth import Authorizer, allow_all, current_principal
from engine.gateway.server import CannotListen, GatewayServer, start_gateway
from engine.gateway.topology import GATEWAY_VERSION, ClusterInfo

__all__ = [
    "GATEWAY_VERSION",
    "Authorizer",
    "CannotListen",
    "ClusterInfo",
    "GatewayServer",
    "allow_all",
    "current_principal",
    "start_gateway",
]
