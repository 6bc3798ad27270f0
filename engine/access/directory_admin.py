"""Administrators change users, groups and API tokens while the engine runs (from the desk), each
change written to the audit trail.

The identity file (`--identity-file`) seeds the directory; once an administrator has changed it,
the directory lives in the engine's data directory (`identity.json`, same fields as the file, see
engine.access.directory) and is read from there at every start, so a restart loses no change.
The environment's bootstrap administrator (ENGINE_ADMIN_USER) is never written there.

Every change builds a new Directory, checks it as a loaded file would be checked, writes it
atomically, records the audit entry, and only then replaces the directory in use: a refused change
changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.access.demo_guard import DEMO_PASSWORD_REFUSAL, is_demo_password
from engine.access.directory import (
    ADMIN_USER_ENV,
    ApiToken,
    Directory,
    Group,
    IdentityConfigError,
    User,
    parse_directory,
)
from engine.access.identity import Identity
from engine.access.password_policy import password_problems
from engine.access.principal import Role
from engine.access.secrets import hash_password, mint_token
from engine.api import AlreadyExists, InvalidArgument, NotFound
from engine.audit import AuditTrail

MANAGED_IDENTITY_FILE = "identity.json"
_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,63}$")
# Roles an administrator gives people from the desk; worker accounts stay in the file.
PERSON_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)


class DirectoryAdmin:
    def __init__(
        self,
        identity: Identity,
        trail: AuditTrail,
        now_ms: Callable[[], int],
        managed_file: Path,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.identity = identity
        self.trail = trail
        self.now_ms = now_ms
        self.managed_file = managed_file
        env = os.environ if environ is None else environ
        self._environment_user = env.get(ADMIN_USER_ENV, "").strip()

    @property
    def directory(self) -> Directory:
        return self.identity.directory

    # -- reading ---------------------------------------------------------------------------------
    def users(self) -> list[dict[str, Any]]:
        tokens: dict[str, list[str]] = {}
        for token in self.directory.tokens.values():
            tokens.setdefault(token.username, []).append(token.name)
        return [
            {
                "username": user.username,
                "name": user.display_name or user.username,
                "groups": sorted(user.groups),
                "roles": sorted(role.value for role in user.roles) or [Role.OFFICER.value],
                "active": user.active,
                "hasPassword": user.password_hash is not None,
                "tokens": sorted(tokens.get(user.username, [])),
            }
            for user in sorted(self.directory.users.values(), key=lambda u: u.username)
        ]

    def groups(self) -> list[dict[str, Any]]:
        members: dict[str, list[str]] = {}
        for user in self.directory.users.values():
            for group in user.groups:
                members.setdefault(group, []).append(user.username)
        return [
            {
                "groupId": group.id,
                "name": group.name or group.id,
                "members": sorted(members.get(group.id, [])),
            }
            for group in sorted(self.directory.groups.values(), key=lambda g: g.id)
        ]

    # -- changing --------------------------------------------------------------------------------
    def create_user(
        self,
        actor: str,
        username: str,
        name: str,
        password: str,
        groups: list[str],
        roles: list[str],
    ) -> None:
        if not _USERNAME.fullmatch(username):
            raise InvalidArgument(
                "用户名须以字母开头，由 2 至 64 个字母、数字、点、下划线或连字符组成"
            )
        if username in self.directory.users or username == self._environment_user:
            raise AlreadyExists(f"用户名 {username} 已被使用")
        if not name.strip():
            raise InvalidArgument("请填写姓名")
        self._check_password(password, username)
        for group in groups:
            self._group(group)
        user = User(
            username=username,
            display_name=name.strip(),
            password_hash=hash_password(password),
            groups=frozenset(groups),
            roles=_person_roles(roles),
        )
        self._change(
            actor,
            "USER_CREATED",
            {"username": username},
            {"name": user.display_name, "groups": sorted(groups), "roles": sorted(roles)},
            users={**self.directory.users, username: user},
        )

    def rename_user(self, actor: str, username: str, name: str) -> None:
        user = self._user(username)
        if not name.strip():
            raise InvalidArgument("请填写姓名")
        self._replace_user(
            actor, "USER_UPDATED", user, {"name": name.strip()}, display_name=name.strip()
        )

    def reset_password(self, actor: str, username: str, password: str) -> None:
        user = self._user(username)
        self._check_password(password, username)
        # The entry says that the password changed, never anything of it.
        self._replace_user(
            actor,
            "USER_PASSWORD_RESET",
            user,
            {"passwordReset": True},
            password_hash=hash_password(password),
        )

    def set_active(self, actor: str, username: str, active: bool) -> None:
        user = self._user(username)
        if not active and username == actor:
            raise InvalidArgument("不能停用自己的账号")
        if user.active == active:
            return
        action = "USER_ACTIVATED" if active else "USER_DEACTIVATED"
        self._replace_user(actor, action, user, {}, active=active)

    def create_group(self, actor: str, group_id: str, name: str) -> None:
        if not _ID.fullmatch(group_id):
            raise InvalidArgument("单位（组）标识须由小写字母、数字和连字符组成，以字母开头")
        if group_id in self.directory.groups:
            raise AlreadyExists(f"单位（组）标识 {group_id} 已被使用")
        if not name.strip():
            raise InvalidArgument("请填写单位（组）名称")
        group = Group(id=group_id, name=name.strip())
        self._change(
            actor,
            "GROUP_CREATED",
            {"groupId": group_id},
            {"name": group.name},
            groups={**self.directory.groups, group_id: group},
        )

    def set_membership(self, actor: str, group_id: str, username: str, member: bool) -> None:
        self._group(group_id)
        user = self._user(username)
        if (group_id in user.groups) == member:
            return
        groups = user.groups | {group_id} if member else user.groups - {group_id}
        action = "GROUP_MEMBER_ADDED" if member else "GROUP_MEMBER_REMOVED"
        self._replace_user(actor, action, user, {"groupId": group_id}, groups=groups)

    def create_token(self, actor: str, username: str, name: str) -> str:
        """The token itself, shown once: only its digest is kept."""
        user = self._user(username)
        label = name.strip() or f"{username}-token"
        if any(t.name == label and t.username == username for t in self.directory.tokens.values()):
            raise AlreadyExists(f"用户 {username} 已有名为 {label} 的令牌")
        token, digest = mint_token()
        entry = ApiToken(name=label, username=user.username, sha256=digest)
        self._change(
            actor,
            "TOKEN_CREATED",
            {"username": username},
            {"token": label},
            tokens={**self.directory.tokens, digest: entry},
        )
        return token

    def revoke_token(self, actor: str, username: str, name: str) -> None:
        self._user(username)
        kept = {
            digest: token
            for digest, token in self.directory.tokens.items()
            if not (token.username == username and token.name == name)
        }
        if len(kept) == len(self.directory.tokens):
            raise NotFound(f"用户 {username} 没有名为 {name} 的令牌")
        self._change(actor, "TOKEN_REVOKED", {"username": username}, {"token": name}, tokens=kept)

    # -- internals -------------------------------------------------------------------------------
    def _user(self, username: str) -> User:
        user = self.directory.users.get(username)
        if user is None or username == self._environment_user:
            raise NotFound(f"没有用户名为 {username} 的用户")
        return user

    def _group(self, group_id: str) -> Group:
        group = self.directory.groups.get(group_id)
        if group is None:
            raise NotFound(f"没有标识为 {group_id} 的单位（组）")
        return group

    def _check_password(self, password: str, username: str) -> None:
        if not self.directory.demo:
            if is_demo_password(password):
                raise InvalidArgument(DEMO_PASSWORD_REFUSAL)
            problems = password_problems(password, username)
            if problems:
                raise InvalidArgument("密码不符合最低要求：" + "；".join(problems))
        elif not password:
            raise InvalidArgument("请填写密码")

    def _replace_user(
        self, actor: str, action: str, user: User, details: dict[str, Any], **changes: Any
    ) -> None:
        changed = dataclasses.replace(user, **changes)
        self._change(
            actor,
            action,
            {"username": user.username},
            details,
            users={**self.directory.users, user.username: changed},
        )

    def _change(
        self,
        actor: str,
        action: str,
        subject: dict[str, str],
        details: dict[str, Any],
        **parts: Any,
    ) -> None:
        changed = dataclasses.replace(self.directory, **parts)
        data = directory_data(changed, leave_out=self._environment_user)
        try:
            parse_directory(data, source="identity change")
        except IdentityConfigError as error:
            raise InvalidArgument(f"该变更会使用户目录无效：{error}") from None
        _write_atomically(self.managed_file, data)
        self.trail.append(
            timestamp=int(self.now_ms()),
            actor=actor,
            action=action,
            details={**subject, **details},
        )
        self.identity.replace_directory(changed)


def directory_data(directory: Directory, leave_out: str = "") -> dict[str, Any]:
    """The directory in the identity file's own fields (engine.access.directory)."""
    users = []
    for user in sorted(directory.users.values(), key=lambda u: u.username):
        if leave_out and user.username == leave_out:
            continue
        entry: dict[str, Any] = {"username": user.username, "name": user.display_name}
        if user.password_hash is not None:
            entry["password"] = user.password_hash
        entry["groups"] = sorted(user.groups)
        entry["roles"] = sorted(role.value for role in user.roles)
        if user.job_types:
            entry["jobTypes"] = sorted(user.job_types)
        if user.message_names:
            entry["messageNames"] = sorted(user.message_names)
        if not user.active:
            entry["active"] = False
        users.append(entry)
    return {
        "demo": directory.demo,
        "groups": [
            {"id": g.id, "name": g.name, "roles": sorted(r.value for r in g.roles)}
            for g in sorted(directory.groups.values(), key=lambda g: g.id)
        ],
        "users": users,
        "tokens": [
            {"name": t.name, "username": t.username, "sha256": t.sha256}
            for t in sorted(directory.tokens.values(), key=lambda t: (t.username, t.name))
            if not (leave_out and t.username == leave_out)
        ],
    }


def _person_roles(names: list[str]) -> frozenset[Role]:
    roles = set()
    for name in names or [Role.OFFICER.value]:
        try:
            role = Role(name)
        except ValueError:
            role = None
        if role not in PERSON_ROLES:
            raise InvalidArgument(f"角色 {name} 无效：只能是 officer、manager 或 admin")
        assert role is not None
        roles.add(role)
    return frozenset(roles)


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.chmod(partial, 0o600)
    os.replace(partial, path)
