"""Server-side sessions: the browser holds only a random id; credentials stay here."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SESSION_COOKIE = "desk_session"
CSRF_COOKIE = "desk_csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass
class Officer:
    """Who signed in, as the API describes them (GET /v2/authentication/me)."""

    username: str
    display_name: str
    groups: tuple[str, ...]
    roles: tuple[str, ...]

    @property
    def is_manager(self) -> bool:
        return bool({"manager", "admin"} & set(self.roles))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def to_json(self) -> dict[str, object]:
        return {
            "username": self.username,
            "displayName": self.display_name,
            "groups": list(self.groups),
            "roles": list(self.roles),
            "isManager": self.is_manager,
            "isAdmin": self.is_admin,
        }


@dataclass
class Session:
    session_id: str
    officer: Officer
    authorization: str
    csrf_token: str
    expires_at: float = field(default=0.0)


class SessionStore:
    """In memory: a desk restart signs everyone out, which is acceptable for one office."""

    def __init__(self, lifetime_seconds: int, now: Callable[[], float] = time.monotonic) -> None:
        self._lifetime = lifetime_seconds
        self._now = now
        self._sessions: dict[str, Session] = {}

    def open(self, officer: Officer, authorization: str) -> Session:
        session = Session(
            session_id=secrets.token_urlsafe(32),
            officer=officer,
            authorization=authorization,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=self._now() + self._lifetime,
        )
        self._sessions[session.session_id] = session
        return session

    def find(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires_at <= self._now():
            del self._sessions[session_id]
            return None
        # Sliding expiry: an officer working through a long form is not thrown out.
        session.expires_at = self._now() + self._lifetime
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)
