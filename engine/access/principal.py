"""Who is calling: the authenticated user with the groups and roles the identity file gives them.

Roles are coarse (what kind of actor), groups are the procedure's participants (who the BPMN
names in candidateGroups). Both come only from the identity configuration, never from the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    MANAGER = "manager"
    ADMIN = "admin"
    # A job worker's account (an API token, no person): works jobs of its `job_types` only.
    WORKER = "worker"


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str = ""
    groups: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.OFFICER}))
    # For the worker role: the job types it may activate and work ("*": every type).
    job_types: frozenset[str] = field(default_factory=frozenset)
    # For the worker role: the messages it may publish (a worker that hands a case on to another
    # procedure, e.g. a screening's referral); none unless the identity names them.
    message_names: frozenset[str] = field(default_factory=frozenset)
    # Set only by the --no-auth dev mode: every permission check passes.
    unrestricted: bool = False

    def has_role(self, role: Role) -> bool:
        return self.unrestricted or role in self.roles or Role.ADMIN in self.roles

    @property
    def is_admin(self) -> bool:
        return self.unrestricted or Role.ADMIN in self.roles

    @property
    def is_manager(self) -> bool:
        # Admins can do whatever managers can.
        return self.has_role(Role.MANAGER)


DEV_PRINCIPAL = Principal(
    username="dev",
    display_name="development mode (no authentication)",
    roles=frozenset(Role),
    unrestricted=True,
)


# Who the commands submitted in this context act for: set by the adapters (the REST
# authentication, the gRPC authorizer) for the rest of the call; the engine's service takes it
# into each command it queues, and the command processor decides the command against it
# (engine/access/rules.py). Unset: the engine's own and embedded callers, who pass every rule.
acting_principal: ContextVar[Principal | None] = ContextVar("acting_principal", default=None)


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    token = acting_principal.set(principal)
    try:
        yield
    finally:
        acting_principal.reset(token)
