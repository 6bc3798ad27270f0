"""The identity configuration: users, groups and API tokens, read from a TOML or JSON file and
optionally a bootstrap admin from the environment.

File shape (TOML; JSON uses the same keys):

    demo = true                          # only in the demo file: weak public passwords allowed

    [[groups]]
    id = "leading-group-office"         # the id the BPMN puts in candidateGroups
    name = "容错纠错工作领导小组办公室"
    roles = []                           # optional: roles every member gets

    [[users]]
    username = "office"
    name = "王敏"
    password = "scrypt$16384$8$1$..."   # python -m engine.access hash-password
    groups = ["leading-group-office"]
    roles = ["officer"]                  # officer (default) | manager | admin | worker
    jobTypes = ["document.generate"]     # worker only: the job types it may work ("*": all)
    active = false                       # optional: a deactivated user cannot sign in

    [[tokens]]
    name = "desk"
    username = "office"                  # the token acts as this user
    sha256 = "..."                       # python -m engine.access mint-token

Every mistake is reported at load time naming the entry and the field, so a typo in a group name
does not silently lock someone out of their tasks.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.access.principal import Principal, Role
from engine.access.secrets import MalformedHash, check_hash_format

IDENTITY_FILE_ENV = "ENGINE_IDENTITY_FILE"
ADMIN_USER_ENV = "ENGINE_ADMIN_USER"
ADMIN_PASSWORD_HASH_ENV = "ENGINE_ADMIN_PASSWORD_HASH"
ADMIN_TOKEN_SHA256_ENV = "ENGINE_ADMIN_TOKEN_SHA256"

# Accountability subjects (问责主体) are many and change with each case, so their groups are not
# listed one by one in the BPMN: they follow this pattern, e.g. "subject-town-xinqiao".
SUBJECT_GROUP_PREFIX = "subject-"


class IdentityConfigError(ValueError):
    """The identity configuration is unusable; the message names the entry and field."""


@dataclass(frozen=True)
class Group:
    id: str
    name: str = ""
    roles: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class User:
    username: str
    display_name: str = ""
    password_hash: str | None = None
    groups: frozenset[str] = frozenset()
    roles: frozenset[Role] = frozenset()
    job_types: frozenset[str] = frozenset()
    message_names: frozenset[str] = frozenset()
    # Deactivated users keep their history (audit, tasks) but can neither sign in nor use tokens.
    active: bool = True


@dataclass(frozen=True)
class ApiToken:
    name: str
    username: str
    sha256: str


@dataclass(frozen=True)
class Directory:
    users: Mapping[str, User] = field(default_factory=dict)
    groups: Mapping[str, Group] = field(default_factory=dict)
    tokens: Mapping[str, ApiToken] = field(default_factory=dict)  # by sha256 digest
    # The demo identity's passwords are public and short; everywhere else the password policy
    # (engine.access.password_policy) applies at sign-in.
    demo: bool = False

    def principal_for(self, username: str) -> Principal:
        user = self.users[username]
        roles = set(user.roles)
        for group_id in user.groups:
            roles.update(self.groups[group_id].roles)
        return Principal(
            username=user.username,
            display_name=user.display_name,
            groups=user.groups,
            roles=frozenset(roles) if roles else frozenset({Role.OFFICER}),
            job_types=user.job_types,
            message_names=user.message_names,
        )


def load_directory(path: Path) -> Directory:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IdentityConfigError(f"cannot read identity file {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            data: Any = json.loads(raw.decode("utf-8"))
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IdentityConfigError(f"identity file {path} is not valid: {exc}") from None
    return parse_directory(data, source=str(path))


def directory_from_sources(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Directory:
    """The file (argument, else ENGINE_IDENTITY_FILE) merged with the environment's bootstrap
    admin (ENGINE_ADMIN_USER with ENGINE_ADMIN_PASSWORD_HASH and/or ENGINE_ADMIN_TOKEN_SHA256)."""
    env = os.environ if environ is None else environ
    if path is None and env.get(IDENTITY_FILE_ENV):
        path = Path(env[IDENTITY_FILE_ENV])
    directory = load_directory(path) if path is not None else Directory()
    return _with_environment_admin(directory, env)


def parse_directory(data: Any, source: str = "identity configuration") -> Directory:
    if not isinstance(data, Mapping):
        raise IdentityConfigError(f"{source}: top level must be a table/object")
    unknown = set(data) - {"users", "groups", "tokens", "demo"}
    if unknown:
        raise IdentityConfigError(f"{source}: unknown section(s) {sorted(unknown)}")
    demo = data.get("demo", False)
    if not isinstance(demo, bool):
        raise IdentityConfigError(f"{source}: 'demo' must be true or false")
    groups: dict[str, Group] = {}
    for index, entry in enumerate(_entries(data, "groups", source)):
        where = f"{source}: groups[{index}]"
        group = Group(
            id=_required_str(entry, "id", where),
            name=_optional_str(entry, "name", where),
            roles=_roles(entry, where),
        )
        _only_keys(entry, {"id", "name", "roles"}, where)
        if group.id in groups:
            raise IdentityConfigError(f"{where}: duplicate group id {group.id!r}")
        groups[group.id] = group
    users: dict[str, User] = {}
    for index, entry in enumerate(_entries(data, "users", source)):
        where = f"{source}: users[{index}]"
        _only_keys(
            entry,
            {
                "username",
                "name",
                "password",
                "groups",
                "roles",
                "jobTypes",
                "messageNames",
                "active",
            },
            where,
        )
        username = _required_str(entry, "username", where)
        where = f"{source}: user {username!r}"
        password = entry.get("password")
        if password is not None:
            if not isinstance(password, str):
                raise IdentityConfigError(f"{where}: field 'password' must be a string")
            try:
                check_hash_format(password)
            except MalformedHash as exc:
                raise IdentityConfigError(f"{where}: field 'password': {exc}") from None
        member_of = frozenset(_str_list(entry, "groups", where))
        for group_id in sorted(member_of):
            if group_id not in groups:
                raise IdentityConfigError(
                    f"{where}: field 'groups' names {group_id!r}, "
                    "which no [[groups]] entry declares"
                )
        if username in users:
            raise IdentityConfigError(f"{where}: duplicate username")
        users[username] = User(
            username=username,
            display_name=_optional_str(entry, "name", where),
            password_hash=password,
            groups=member_of,
            roles=_roles(entry, where),
            job_types=frozenset(_str_list(entry, "jobTypes", where)),
            message_names=frozenset(_str_list(entry, "messageNames", where)),
            active=_flag(entry, "active", where),
        )
    tokens: dict[str, ApiToken] = {}
    for index, entry in enumerate(_entries(data, "tokens", source)):
        where = f"{source}: tokens[{index}]"
        _only_keys(entry, {"name", "username", "sha256"}, where)
        token = ApiToken(
            name=_optional_str(entry, "name", where) or f"token-{index}",
            username=_required_str(entry, "username", where),
            sha256=_required_str(entry, "sha256", where).lower(),
        )
        if token.username not in users:
            raise IdentityConfigError(f"{where}: field 'username' names unknown user")
        if len(token.sha256) != 64 or any(c not in "0123456789abcdef" for c in token.sha256):
            raise IdentityConfigError(f"{where}: field 'sha256' must be 64 hex digits")
        if token.sha256 in tokens:
            raise IdentityConfigError(f"{where}: duplicate token digest")
        tokens[token.sha256] = token
    return Directory(users=users, groups=groups, tokens=tokens, demo=demo)


def _with_environment_admin(directory: Directory, env: Mapping[str, str]) -> Directory:
    username = env.get(ADMIN_USER_ENV, "").strip()
    if not username:
        return directory
    password_hash = env.get(ADMIN_PASSWORD_HASH_ENV) or None
    token_sha = (env.get(ADMIN_TOKEN_SHA256_ENV) or "").strip().lower()
    if password_hash is None and not token_sha:
        raise IdentityConfigError(
            f"{ADMIN_USER_ENV} is set but neither {ADMIN_PASSWORD_HASH_ENV} "
            f"nor {ADMIN_TOKEN_SHA256_ENV} is"
        )
    data: dict[str, Any] = {
        "users": [{"username": username, "name": "administrator (environment)", "roles": ["admin"]}]
    }
    if password_hash is not None:
        data["users"][0]["password"] = password_hash
    if token_sha:
        data["tokens"] = [{"name": "environment", "username": username, "sha256": token_sha}]
    extra = parse_directory(data, source="environment")
    if username in directory.users:
        raise IdentityConfigError(
            f"environment: {ADMIN_USER_ENV}={username!r} is already a user of the identity file"
        )
    return Directory(
        users={**directory.users, **extra.users},
        groups=directory.groups,
        tokens={**directory.tokens, **extra.tokens},
        demo=directory.demo,
    )


def _entries(data: Mapping[str, Any], key: str, source: str) -> Sequence[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise IdentityConfigError(f"{source}: {key!r} must be a list of tables/objects")
    return value


def _only_keys(entry: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise IdentityConfigError(f"{where}: unknown field(s) {sorted(unknown)}")


def _required_str(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise IdentityConfigError(f"{where}: field {key!r} is required and must be a string")
    return value.strip()


def _optional_str(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise IdentityConfigError(f"{where}: field {key!r} must be a string")
    return value


def _flag(entry: Mapping[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, True)
    if not isinstance(value, bool):
        raise IdentityConfigError(f"{where}: field {key!r} must be true or false")
    return value


def _str_list(entry: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise IdentityConfigError(f"{where}: field {key!r} must be a list of non-empty strings")
    return list(value)


def _roles(entry: Mapping[str, Any], where: str) -> frozenset[Role]:
    roles = set()
    for name in _str_list(entry, "roles", where):
        try:
            roles.add(Role(name))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise IdentityConfigError(
                f"{where}: field 'roles' has unknown role {name!r} (allowed: {allowed})"
            ) from None
    return frozenset(roles)
