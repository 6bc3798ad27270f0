"""The audit entry of the command being submitted, carried to the engine's commit.

An adapter that must audit a command wraps its engine call in `recorded_with(describe)`; the
engine takes `describe` along with the command and, once the command has succeeded, writes
`describe(result)` in the same transaction as the command's records. So a command is either
stored and audited, or neither (a full disk refuses both), and never answered before both are
durable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from engine.audit.entry import AuditDraft

DescribeAudit = Callable[[Any], AuditDraft]

_describe: ContextVar[DescribeAudit | None] = ContextVar("pending_audit", default=None)


@contextmanager
def recorded_with(describe: DescribeAudit) -> Iterator[None]:
    """Within the block, the command submitted to the engine is audited by `describe`, which gets
    the command's result and must not fail (check the data with `AuditDraft.of` up front)."""
    token = _describe.set(describe)
    try:
        yield
    finally:
        _describe.reset(token)


def pending_audit() -> DescribeAudit | None:
    """What the engine reads when it takes a command in."""
    return _describe.get()
