"""The demo identity's secrets are public (they are printed in engine/access/demo-identity.toml and
the README): outside demo mode none of them may open the engine.

Refused twice: at start, an identity that is not marked `demo = true` but holds a password hash or
token digest of the demo file (copied over) stops the engine with a message naming the entries;
and at sign-in or when a password is set, a demo password is refused even when freshly hashed
(new salt, so no hash comparison could catch it).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from engine.access.directory import Directory, IdentityConfigError

DEMO_IDENTITY_FILE = Path(__file__).parent / "demo-identity.toml"
# As the demo file's header lists them: public by design.
DEMO_PASSWORDS = frozenset(
    f"demo-{name}"
    for name in (
        "office",
        "subject",
        "audit",
        "orgdept",
        "leader",
        "personnel",
        "committee",
        "manager",
        "admin",
    )
)
DEMO_PASSWORD_REFUSAL = "该密码是演示环境的公开密码，正式环境不得使用；请联系管理员重新设置密码"


def is_demo_password(password: str) -> bool:
    return password.strip().casefold() in DEMO_PASSWORDS


def _demo_secrets() -> tuple[set[str], set[str]]:
    data = tomllib.loads(DEMO_IDENTITY_FILE.read_text(encoding="utf-8"))
    hashes = {str(user["password"]) for user in data.get("users", []) if "password" in user}
    digests = {str(token["sha256"]).lower() for token in data.get("tokens", [])}
    return hashes, digests


def refuse_demo_secrets(directory: Directory, source: str) -> None:
    """Raises IdentityConfigError when a non-demo identity holds a demo password or token."""
    if directory.demo:
        return
    hashes, digests = _demo_secrets()
    users = sorted(u.username for u in directory.users.values() if u.password_hash in hashes)
    tokens = sorted(t.name for t in directory.tokens.values() if t.sha256 in digests)
    if users or tokens:
        named = "、".join([*(f"用户 {u}" for u in users), *(f"令牌 {t}" for t in tokens)])
        raise IdentityConfigError(
            f"{source}: {named} 使用演示环境的公开密码或令牌；正式环境（未标记 demo = true）不得"
            "使用。请用 python -m engine.access hash-password / mint-token 重新设置 "
            f"(demo password or token outside demo mode: {', '.join([*users, *tokens])})"
        )
