"""Password hashes and API tokens: what the identity file stores instead of the secrets.

Passwords are slow-hashed with scrypt and a per-user salt, so a leaked identity file does not give
the passwords away. API tokens are long random strings, so a fast sha256 is enough to store them;
only their digest is kept, and the token itself is shown once when it is minted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
# RFC 7914 interactive-login parameters: about 50 ms and 16 MiB per check.
_N = 2**14
_R = 8
_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_MAXMEM = 64 * 1024 * 1024

TOKEN_PREFIX = "yxt_"


class MalformedHash(ValueError):
    """A stored password hash that this module did not write."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    if not password:
        raise ValueError("a password must not be empty")
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, _N, _R, _P)
    return "$".join((SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(key)))


def verify_password(password: str, stored: str) -> bool:
    scheme, n, r, p, salt, key = _parse(stored)
    del scheme
    candidate = _scrypt(password, salt, n, r, p)
    return hmac.compare_digest(candidate, key)


def check_hash_format(stored: str) -> None:
    """Raises MalformedHash naming the problem, so a bad identity file fails at start-up."""
    _parse(stored)


def mint_token() -> tuple[str, str]:
    """Returns (token, sha256 hex digest); store the digest, hand the token to the client."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _parse(stored: str) -> tuple[str, int, int, int, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise MalformedHash(
            "password hash must look like 'scrypt$N$r$p$salt$key' "
            "(make one with: python -m engine.access hash-password)"
        )
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except ValueError as exc:
        raise MalformedHash(f"password hash has a malformed field: {exc}") from None
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or not salt or not key:
        raise MalformedHash("password hash has invalid scrypt parameters")
    return parts[0], n, r, p, salt, key


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_KEY_BYTES
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded.encode("ascii"), validate=True)
