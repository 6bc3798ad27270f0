"""Password checks that never stall the engine: scrypt in a small pool of threads, a bounded
queue in front of it, and a short-lived memory of credentials already verified.

The engine serves REST and gRPC from one asyncio event loop; one scrypt check holds the CPU for
~50 ms, so a few hundred bad passwords checked on the loop froze every call for seconds (issue 17).
`hashlib.scrypt` releases the GIL, so checks in threads leave the loop free. The pool has as many
threads as the machine has cores at most, and at most `max_pending` checks may wait for it: more
are refused at once (SignInLocked, "busy") instead of queueing minutes of work.

Browsers and the desk send the same Basic credentials with every request. A verified header is
remembered under an HMAC of the header with a key that lives only in this process (the password is
never kept, and the memory is useless outside it) for a few minutes after its last use; the entry
also holds the password hash it was verified against, so changing a user's password or removing the
user invalidates it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from engine.access.secrets import verify_password
from engine.access.sign_in_throttle import SignInLocked

# One thread less than the cores (at least one), so the event loop always has a core to run on.
DEFAULT_WORKERS = max(1, min(2, (os.cpu_count() or 1) - 1))
DEFAULT_MAX_PENDING = 64
DEFAULT_CACHE_SECONDS = 10 * 60
_HASHING_NICENESS = 10
_CACHE_LIMIT = 4096


class PasswordChecker:
    def __init__(
        self, workers: int = DEFAULT_WORKERS, max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        self.workers = workers
        self.max_pending = max_pending
        self._pool: ThreadPoolExecutor | None = None
        self._pending = 0

    async def verify(self, password: str, stored_hash: str) -> bool:
        """Raises SignInLocked when `max_pending` checks are already waiting or running."""
        if self._pending >= self.max_pending:
            raise SignInLocked("身份核验请求过多，请稍后再试", 1)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.workers, thread_name_prefix="password-check", initializer=_yield_cpu
            )
        self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, verify_password, password, stored_hash)
        finally:
            self._pending -= 1

    @property
    def pending(self) -> int:
        return self._pending

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _yield_cpu() -> None:
    """Runs in each hashing thread: on a busy machine the event loop (every other call) gets the
    CPU first, password checks take what is left. Linux schedules threads one by one, so this
    lowers only this thread's priority; elsewhere it is a no-op."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _HASHING_NICENESS)


@dataclass
class _Verified:
    username: str
    password_hash: str
    expires_at: float


class VerifiedCredentials:
    def __init__(
        self, seconds: float = DEFAULT_CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[str, _Verified] = OrderedDict()

    def key(self, credentials: str) -> str:
        return hmac.new(self._key, credentials.encode("utf-8"), hashlib.sha256).hexdigest()

    def find(self, key: str, current_hash: Callable[[str], str | None]) -> str | None:
        """The username verified under `key`, if still fresh and the user's password hash is
        still the one it was verified against (`current_hash(username)`)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        if entry.expires_at <= now or current_hash(entry.username) != entry.password_hash:
            del self._entries[key]
            return None
        entry.expires_at = now + self.seconds
        self._entries.move_to_end(key)
        return entry.username

    def remember(self, key: str, username: str, password_hash: str) -> None:
        self._entries[key] = _Verified(username, password_hash, self._clock() + self.seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > _CACHE_LIMIT:
            self._entries.popitem(last=False)

    def forget_user(self, username: str) -> None:
        for key in [k for k, v in self._entries.items() if v.username == username]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
