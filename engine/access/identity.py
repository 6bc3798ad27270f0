"""Authentication: turns an `Authorization` header value into a Principal, for REST and gRPC alike.

Accepted: HTTP Basic (users with a password hash) and `Bearer <token>` (API tokens, stored as
sha256 digests). Every refusal raises `engine.api.Unauthenticated` with a message that does not
tell an attacker whether the user exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

import structlog

from engine.access.directory import Directory, directory_from_sources
from engine.access.principal import DEV_PRINCIPAL, Principal
from engine.access.secrets import hash_password, token_digest, verify_password
from engine.api import Unauthenticated

log = structlog.get_logger("engine.access")

_BAD_CREDENTIALS = "invalid username or password"
# scrypt costs ~50 ms; a browser sends Basic credentials with every request, so successful checks
# are remembered by the digest of the whole header value (never the password itself).
_CACHE_LIMIT = 1024


class Identity:
    def __init__(self, directory: Directory, *, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled
        self._verified: dict[str, str] = {}
        self._decoy_hash: str | None = None

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

    def authenticate(self, authorization: str | None) -> Principal:
        if not self.enabled:
            return DEV_PRINCIPAL
        if not authorization or not authorization.strip():
            raise Unauthenticated(
                "missing Authorization header: use HTTP Basic credentials or 'Bearer <token>'"
            )
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "basic":
            return self._basic(credentials)
        if scheme.lower() == "bearer":
            return self._bearer(credentials)
        raise Unauthenticated(
            f"unsupported authorization scheme {scheme!r}: use 'Basic' or 'Bearer'"
        )

    def _basic(self, credentials: str) -> Principal:
        cache_key = hashlib.sha256(credentials.encode("utf-8")).hexdigest()
        known = self._verified.get(cache_key)
        if known is not None and known in self.directory.users:
            return self.directory.principal_for(known)
        try:
            decoded = base64.b64decode(credentials.encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise Unauthenticated(
                "malformed Basic credentials: expected base64 of 'user:password'"
            ) from None
        username, colon, password = decoded.partition(":")
        if not colon or not username:
            raise Unauthenticated("malformed Basic credentials: expected base64 of 'user:password'")
        user = self.directory.users.get(username)
        if user is None or user.password_hash is None:
            # Spend the same time as a real check, so response times do not reveal usernames.
            verify_password(password, self._decoy())
            raise Unauthenticated(_BAD_CREDENTIALS)
        if not verify_password(password, user.password_hash):
            raise Unauthenticated(_BAD_CREDENTIALS)
        if len(self._verified) >= _CACHE_LIMIT:
            self._verified.clear()
        self._verified[cache_key] = username
        return self.directory.principal_for(username)

    def _bearer(self, token: str) -> Principal:
        if not token:
            raise Unauthenticated("empty bearer token")
        entry = self.directory.tokens.get(token_digest(token))
        if entry is None:
            raise Unauthenticated("invalid or revoked API token")
        return self.directory.principal_for(entry.username)

    def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = hash_password("decoy password that matches nobody")
        return self._decoy_hash
