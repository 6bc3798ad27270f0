"""What the /v2 route modules share: the engine, its read model and the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from starlette.requests import Request

from engine.access import Principal
from engine.api import (
    DEFAULT_TENANT,
    Engine,
    InvalidArgument,
    JsonObject,
    MessagePublished,
    NotFound,
    ReadModel,
    RepairTools,
    ServesReads,
)
from engine.audit import AuditDraft, AuditTrail, recorded_with
from engine.audit.entry import canonical_json
from engine.http.body import json_object


@runtime_checkable
class RestEngine(Engine, RepairTools, ServesReads, Protocol):
    """What the /v2 routes need of the engine: its commands (two in the richer form 8.8's REST
    API asks for) and its read side."""

    async def cancel_process_instance(
        self, process_instance_key: int, record: JsonObject | None = None
    ) -> None: ...

    async def correlate_message(
        self,
        name: str,
        correlation_key: str,
        variables: JsonObject | None = None,
        tenant_id: str = DEFAULT_TENANT,
    ) -> tuple[MessagePublished, int]: ...


@dataclass
class RestContext:
    service: RestEngine
    trail: AuditTrail
    read: ReadModel = field(init=False)

    def __post_init__(self) -> None:
        self.read = self.service.read_model

    async def reads(self) -> ReadModel:
        """The read model, once it has every record committed before this request (the desk
        creates, then searches at once)."""
        await self.read.settle()
        return self.read

    def audited(
        self,
        principal: Principal,
        action: str,
        subject_keys: Mapping[str, int | str] | Callable[[Any], Mapping[str, int | str]],
        details: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None = None,
    ) -> AbstractContextManager[None]:
        """Wraps the one engine call whose command this entry records: the entry is written in
        the same transaction as the command's records (so never without them, nor they without
        it). `subject_keys` and `details` may be functions of the command's result."""
        if not callable(subject_keys) and not callable(details):
            checked = AuditDraft.of(principal.username, action, subject_keys, details)
            return recorded_with(lambda _: checked)

        def describe(result: Any) -> AuditDraft:
            keys = subject_keys(result) if callable(subject_keys) else subject_keys
            body = details(result) if callable(details) else details
            try:
                return AuditDraft.of(principal.username, action, keys, body)
            except ValueError as error:  # never fail the commit over the entry's wording
                return AuditDraft.of(principal.username, action, {}, {"unrecordable": str(error)})

        return recorded_with(describe)


_MAX_KEY = 2**63 - 1


def path_key(raw: str, name: str) -> int:
    """A key from the URL path; 8.8 keys are strings of digits."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise InvalidArgument(f"path parameter {name!r} must be a key (digits), got {raw!r}")
    key = int(raw)
    if key > _MAX_KEY:  # well-formed, but no int64 key is that large: nothing has it
        raise NotFound(f"no resource has the key {raw} ({name}): keys are at most {_MAX_KEY}")
    return key


def find(read: ReadModel, resource: str, key: int, what: str) -> dict[str, Any]:
    """One item by key (resource: its SearchResource name), or NOT_FOUND naming it."""
    item = read.item(resource, key)
    if item is None:
        raise NotFound(f"{what} with key '{key}' not found")
    return item


async def optional_json_object(request: Request) -> dict[str, Any]:
    """A JSON object body that 8.8 lets clients leave out entirely."""
    if not (await request.body()).strip():
        return {}
    return await json_object(request)


def json_variables(value: Any, field_name: str = "variables") -> dict[str, Any]:
    """A variables document: a JSON object (null means none) of values JSON can carry. Python's
    parser lets NaN and Infinity through; they are refused here, before the engine sees them."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = "an array" if isinstance(value, list) else type(value).__name__
        raise InvalidArgument(
            f"{field_name} must be a JSON object mapping variable names to values, got {kind}"
        )
    try:
        canonical_json(value)
    except ValueError:
        raise InvalidArgument(f"{field_name} must not contain NaN or Infinity") from None
    return value
