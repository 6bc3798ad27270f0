"""The minimum a password must meet outside the demo identity.

Checked where passwords are set (`python -m engine.access hash-password / add-user`) and at
sign-in, so that a weak hash made by other means is not usable either. The demo identity
(engine/access/demo-identity.toml, marked `demo = true`) is exempt: its passwords are public anyway.
"""

from __future__ import annotations

MIN_LENGTH = 12
MIN_KINDS = 2


class WeakPassword(ValueError):
    """The message says, in Chinese, what the password lacks."""


def password_problems(password: str, username: str | None = None) -> list[str]:
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"长度至少 {MIN_LENGTH} 个字符")
    kinds = sum(
        (
            any(c.isalpha() and c.isascii() for c in password),
            any(c.isdigit() for c in password),
            any(not (c.isascii() and c.isalnum()) for c in password),
        )
    )
    if kinds < MIN_KINDS:
        problems.append("至少包含字母、数字、其他字符中的两类")
    if username and username.casefold() in password.casefold():
        problems.append("不得包含用户名")
    return problems


def check_password_policy(password: str, username: str | None = None) -> None:
    problems = password_problems(password, username)
    if problems:
        raise WeakPassword("密码不符合最低要求：" + "；".join(problems))
