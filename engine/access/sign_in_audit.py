"""Lockouts of sign-in go into the audit trail: who was locked (an account or an address), after
how many failures, for how long, and over which transport."""

from __future__ import annotations

from collections.abc import Callable

from engine.access.identity import Identity
from engine.access.sign_in_throttle import Lockout
from engine.audit import AuditAction, AuditTrail


def audit_lockouts(identity: Identity, trail: AuditTrail, now_ms: Callable[[], int]) -> None:
    def record(lockout: Lockout, via: str) -> None:
        trail.append(
            timestamp=int(now_ms()),
            # The account the failures were for: for an address lockout, the last one tried.
            actor=lockout.username,
            action=AuditAction.SIGN_IN_LOCKED,
            details={
                "scope": str(lockout.scope),
                "locked": lockout.subject,
                "address": lockout.address,
                "failures": lockout.failures,
                "lockedForSeconds": lockout.seconds,
                "via": via,
            },
        )

    identity.lockout_listeners.append(record)
