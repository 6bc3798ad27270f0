"""Throttling of password sign-ins, per account and per client address.

Every password check costs tens of milliseconds of scrypt, and unlimited guesses would let anyone
try passwords at leisure. So each account and each client address may fail only a few times within
a window; one more failure locks it for a while, and the lockout is reported (the identity writes it
to the audit trail). Checks still running count against the limit as if they had failed, so a burst
of concurrent guesses cannot slip past it before the first ones are answered.

A success clears the account's failures, never the address's: otherwise one valid account would let
its owner reset the counter of the address they guess other accounts' passwords from.

Time is a monotonic clock passed in (tests move it by hand), not the engine clock: the engine clock
may be pinned, and a pinned lockout would never end.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from engine.api import ResourceExhausted


class Scope(StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    account_failures: int = 5
    address_failures: int = 20
    window_seconds: float = 15 * 60
    lockout_seconds: float = 15 * 60

    def limit(self, scope: Scope) -> int:
        return self.account_failures if scope is Scope.ACCOUNT else self.address_failures


@dataclass(frozen=True)
class Lockout:
    """An account or an address has just been locked."""

    scope: Scope
    subject: str  # the username or the address
    username: str  # the account of the failure that locked it
    address: str | None
    failures: int
    seconds: int


class SignInLocked(ResourceExhausted):
    """Refused before any password check: locked out, or too many checks at once. The message is
    for officers (Chinese); `retry_after_seconds` goes into REST's Retry-After."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    locked_until: float = 0.0


# Beyond this many tracked accounts/addresses, idle records are dropped (random usernames must not
# grow memory without bound).
_PRUNE_ABOVE = 10_000


class SignInThrottle:
    def __init__(
        self, policy: ThrottlePolicy | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy or ThrottlePolicy()
        self._clock = clock
        self._records: dict[tuple[Scope, str], _Record] = {}

    def admit(self, username: str, address: str | None) -> None:
        """Reserves one check for `username` from `address`, or raises SignInLocked. Every admit
        must be followed by exactly one `settle`."""
        now = self._clock()
        keys = self._keys(username, address)
        for scope, subject in keys:
            record = self._records.get((scope, subject))
            if record is None:
                continue
            if record.locked_until > now:
                raise SignInLocked(
                    _locked_message(scope, subject, record.locked_until - now),
                    math.ceil(record.locked_until - now),
                )
            self._forget_old(record, now)
            if len(record.failures) + record.in_flight >= self.policy.limit(scope):
                raise SignInLocked("登录尝试过于频繁，请稍后再试", 1)
        for key in keys:
            self._records.setdefault(key, _Record()).in_flight += 1

    def settle(self, username: str, address: str | None, succeeded: bool | None) -> list[Lockout]:
        """Ends a check admitted before: True (right password), False (wrong), None (not checked,
        e.g. the checker was busy). Returns the lockouts this failure caused."""
        now = self._clock()
        lockouts: list[Lockout] = []
        for scope, subject in self._keys(username, address):
            record = self._records.setdefault((scope, subject), _Record())
            record.in_flight = max(0, record.in_flight - 1)
            if succeeded is None:
                continue
            if succeeded:
                if scope is Scope.ACCOUNT:
                    record.failures.clear()
                continue
            self._forget_old(record, now)
            record.failures.append(now)
            if len(record.failures) >= self.policy.limit(scope) and record.locked_until <= now:
                record.locked_until = now + self.policy.lockout_seconds
                lockouts.append(
                    Lockout(
                        scope,
                        subject,
                        username,
                        address,
                        len(record.failures),
                        math.ceil(self.policy.lockout_seconds),
                    )
                )
                record.failures.clear()
        if len(self._records) > _PRUNE_ABOVE:
            self._prune(now)
        return lockouts

    def _keys(self, username: str, address: str | None) -> list[tuple[Scope, str]]:
        keys = [(Scope.ACCOUNT, username)]
        if address:
            keys.append((Scope.ADDRESS, address))
        return keys

    def _forget_old(self, record: _Record, now: float) -> None:
        horizon = now - self.policy.window_seconds
        while record.failures and record.failures[0] <= horizon:
            record.failures.popleft()

    def _prune(self, now: float) -> None:
        for key, record in list(self._records.items()):
            self._forget_old(record, now)
            if not record.failures and not record.in_flight and record.locked_until <= now:
                del self._records[key]


def _locked_message(scope: Scope, subject: str, seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if scope is Scope.ACCOUNT:
        return f"账户 {subject} 登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试"
    return f"来自地址 {subject} 的登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试"
