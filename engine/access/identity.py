"""Authentication: turns an `Authorization` header value into a Principal, for REST and gRPC alike.

Accepted: HTTP Basic (users with a password hash) and `Bearer <token>` (API tokens, stored as
sha256 digests). Every refusal raises `engine.api.Unauthenticated` with a message that does not
tell an attacker whether the user exists, or `SignInLocked` (RESOURCE_EXHAUSTED, REST 429) when
the account or the client address has failed too often (engine.access.sign_in_throttle).

`authenticate` is a coroutine because a password check is slow: it runs in a small thread pool
(engine.access.password_checks) so that the event loop keeps serving everyone else meanwhile.
Concurrent requests with the same credentials share one check.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from pathlib import Path

import structlog

from engine.access.demo_guard import DEMO_PASSWORD_REFUSAL, is_demo_password
from engine.access.directory import Directory, directory_from_sources
from engine.access.password_checks import PasswordChecker, VerifiedCredentials
from engine.access.password_policy import password_problems
from engine.access.principal import DEV_PRINCIPAL, Principal
from engine.access.secrets import token_digest
from engine.access.sign_in_throttle import Lockout, SignInThrottle, ThrottlePolicy
from engine.api import Unauthenticated

log = structlog.get_logger("engine.access")

_BAD_CREDENTIALS = "invalid username or password"
# The hash of a random password nobody knows: checked for unknown users so that response times
# do not reveal which usernames exist.
_DECOY_HASH = "scrypt$16384$8$1$IFH1Z4FpwxyU3nqFwURDTQ$RrC/y85InaRR07jO6pqNvqJiZBHdudmXXPRcZlGGC9A"

LockoutListener = Callable[[Lockout, str], None]


class Identity:
    def __init__(
        self,
        directory: Directory,
        *,
        enabled: bool = True,
        throttle: SignInThrottle | None = None,
        checker: PasswordChecker | None = None,
        verified: VerifiedCredentials | None = None,
    ) -> None:
        self.directory = directory
        self.enabled = enabled
        self.throttle = throttle or SignInThrottle(ThrottlePolicy())
        self.checker = checker or PasswordChecker()
        self.verified = verified or VerifiedCredentials()
        # Told of every lockout with the transport ("rest"/"grpc"); the served engine writes
        # them to the audit trail.
        self.lockout_listeners: list[LockoutListener] = []
        self._checks: dict[str, asyncio.Future[str | None]] = {}

    @classmethod
    def from_sources(cls, path: Path | None = None) -> Identity:
        """The identity file (`--identity-file`, else env ENGINE_IDENTITY_FILE) plus the
        environment's bootstrap admin; raises IdentityConfigError naming a bad entry."""
        return cls(directory_from_sources(path))

    @classmethod
    def disabled(cls) -> Identity:
        """The `--no-auth` dev mode: everyone is an all-powerful principal. Says so loudly."""
        log.warning(
            "AUTHENTICATION IS DISABLED (--no-auth): every caller acts as an administrator; "
            "never run like this outside a developer machine"
        )
        return cls(Directory(), enabled=False)

    def replace_directory(self, directory: Directory) -> None:
        """A changed identity: nothing verified under the old one is trusted any more."""
        self.directory = directory
        self.verified.clear()

    async def authenticate(
        self, authorization: str | None, *, client: str | None = None, via: str = "rest"
    ) -> Principal:
        """`client` is the caller's address (throttled separately from the account); `via` names
        the transport in lockout reports."""
        if not self.enabled:
            return DEV_PRINCIPAL
        if not authorization or not authorization.strip():
            raise Unauthenticated(
                "missing Authorization header: use HTTP Basic credentials or 'Bearer <token>'"
            )
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "basic":
            return await self._basic(credentials, client, via)
        if scheme.lower() == "bearer":
            return self._bearer(credentials)
        raise Unauthenticated(
            f"unsupported authorization scheme {scheme!r}: use 'Basic' or 'Bearer'"
        )

    async def _basic(self, credentials: str, client: str | None, via: str) -> Principal:
        key = self.verified.key(credentials)
        known = self.verified.find(key, self._password_hash_of)
        if known is not None:
            return self.directory.principal_for(known)
        username, password = _decode_basic(credentials)
        check = self._checks.get(key)
        if check is None:
            # Raises SignInLocked before any hashing when the account or address is locked.
            self.throttle.admit(username, client)
            check = asyncio.ensure_future(self._check(key, username, password, client, via))
            self._checks[key] = check
            check.add_done_callback(lambda done: self._check_done(key, done))
        # Shielded: a caller that goes away must not cancel a check others wait for.
        verified = await asyncio.shield(check)
        if verified is None:
            raise Unauthenticated(_BAD_CREDENTIALS)
        return self.directory.principal_for(verified)

    async def _check(
        self, key: str, username: str, password: str, client: str | None, via: str
    ) -> str | None:
        """The username when the password is right, else None; settles the throttle."""
        outcome: bool | None = None
        try:
            stored = self._password_hash_of(username)
            right = await self.checker.verify(password, stored or _DECOY_HASH)
            outcome = right and stored is not None
            if not outcome or stored is None:
                return None
            if not self.directory.demo:
                if is_demo_password(password):
                    raise Unauthenticated(DEMO_PASSWORD_REFUSAL)
                problems = password_problems(password, username)
                if problems:
                    # Right but too weak: refused, and not remembered, until it is changed.
                    raise Unauthenticated(
                        "密码不符合最低要求（"
                        + "；".join(problems)
                        + "），请联系管理员重新设置密码"
                    )
            self.verified.remember(key, username, stored)
            return username
        finally:
            for lockout in self.throttle.settle(username, client, outcome):
                self._report(lockout, via)

    def _check_done(self, key: str, done: asyncio.Future[str | None]) -> None:
        self._checks.pop(key, None)
        # Every caller may have gone away; the outcome is then read here so that asyncio does
        # not log it as an exception nobody retrieved.
        if not done.cancelled():
            done.exception()

    def _report(self, lockout: Lockout, via: str) -> None:
        log.warning(
            "access.sign_in_locked",
            scope=str(lockout.scope),
            subject=lockout.subject,
            address=lockout.address,
            failures=lockout.failures,
            seconds=lockout.seconds,
            via=via,
        )
        for listener in self.lockout_listeners:
            try:
                listener(lockout, via)
            except Exception as error:  # a failing listener must not turn a 401 into a 500
                log.error("access.lockout_listener_failed", error=repr(error), exc_info=error)

    def _password_hash_of(self, username: str) -> str | None:
        user = self.directory.users.get(username)
        return user.password_hash if user is not None and user.active else None

    def _bearer(self, token: str) -> Principal:
        if not token:
            raise Unauthenticated("empty bearer token")
        entry = self.directory.tokens.get(token_digest(token))
        user = self.directory.users.get(entry.username) if entry is not None else None
        if entry is None or user is None or not user.active:
            raise Unauthenticated("invalid or revoked API token")
        return self.directory.principal_for(entry.username)


def _decode_basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise Unauthenticated(
            "malformed Basic credentials: expected base64 of 'user:password'"
        ) from None
    username, colon, password = decoded.partition(":")
    if not colon or not username:
        raise Unauthenticated("malformed Basic credentials: expected base64 of 'user:password'")
    return username, password
