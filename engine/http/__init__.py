"""The engine's HTTP side: a Starlette app serving Camunda's /v2 REST endpoints."""

from engine.http.app import create_app
from engine.http.server import HttpServer, start_http

__all__ = ["HttpServer", "create_app", "start_http"]
