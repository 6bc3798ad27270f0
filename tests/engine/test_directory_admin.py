"""Issue 13, item 9: administrators manage users, groups and tokens while the engine runs; every
change is an audit entry and survives a restart; demo secrets never open a non-demo engine."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.access import Identity, IdentityConfigError, parse_directory
from engine.access.demo_guard import DEMO_IDENTITY_FILE
from engine.access.directory import load_directory
from engine.access.directory_admin import MANAGED_IDENTITY_FILE, DirectoryAdmin
from engine.access.secrets import hash_password
from engine.api import AlreadyExists, InvalidArgument, Unauthenticated
from engine.audit import AuditTrail
from engine.cli import ServeOptions, resolve_identity

STRONG = "Caiwu-2026-strong"


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def trail(tmp_path: Path) -> Iterator[AuditTrail]:
    opened = AuditTrail.open(tmp_path / "audit.sqlite3")
    yield opened
    opened.close()


def admin_over(identity: Identity, trail: AuditTrail, data_dir: Path) -> DirectoryAdmin:
    return DirectoryAdmin(
        identity, trail, lambda: 1_700_000_000_000, data_dir / MANAGED_IDENTITY_FILE, environ={}
    )


def production_identity() -> Identity:
    """A non-demo directory with one administrator and one unit."""
    return Identity(
        parse_directory(
            {
                "groups": [{"id": "dept-audit", "name": "区审计局"}],
                "users": [
                    {
                        "username": "root",
                        "name": "吴涛",
                        "password": hash_password("Admin-2026-strong"),
                        "roles": ["admin"],
                    }
                ],
            }
        )
    )


async def test_changes_take_effect_at_once_and_each_is_audited(
    tmp_path: Path, trail: AuditTrail
) -> None:
    identity = production_identity()
    admin = admin_over(identity, trail, tmp_path)

    admin.create_user("root", "qianfang", "钱芳", STRONG, ["dept-audit"], ["officer"])
    signed = await identity.authenticate(basic("qianfang", STRONG))
    assert signed.display_name == "钱芳"
    assert signed.groups == frozenset({"dept-audit"})

    admin.create_group("root", "dept-finance", "区财政局")
    admin.set_membership("root", "dept-finance", "qianfang", True)
    admin.set_membership("root", "dept-audit", "qianfang", False)
    assert (await identity.authenticate(basic("qianfang", STRONG))).groups == {"dept-finance"}

    admin.reset_password("root", "qianfang", "Xinmima-2026-ok")
    with pytest.raises(Unauthenticated):
        await identity.authenticate(basic("qianfang", STRONG))
    await identity.authenticate(basic("qianfang", "Xinmima-2026-ok"))

    token = admin.create_token("root", "qianfang", "report-tool")
    assert (await identity.authenticate(f"Bearer {token}")).username == "qianfang"

    admin.set_active("root", "qianfang", False)
    with pytest.raises(Unauthenticated):
        await identity.authenticate(basic("qianfang", "Xinmima-2026-ok"))
    with pytest.raises(Unauthenticated):
        await identity.authenticate(f"Bearer {token}")
    admin.set_active("root", "qianfang", True)
    await identity.authenticate(f"Bearer {token}")
    admin.revoke_token("root", "qianfang", "report-tool")
    with pytest.raises(Unauthenticated):
        await identity.authenticate(f"Bearer {token}")

    entries = trail.entries()
    assert [e.action for e in entries] == [
        "USER_CREATED",
        "GROUP_CREATED",
        "GROUP_MEMBER_ADDED",
        "GROUP_MEMBER_REMOVED",
        "USER_PASSWORD_RESET",
        "TOKEN_CREATED",
        "USER_DEACTIVATED",
        "USER_ACTIVATED",
        "TOKEN_REVOKED",
    ]
    assert {e.actor for e in entries} == {"root"}
    assert entries[0].details["username"] == "qianfang"
    assert entries[2].details == {"username": "qianfang", "groupId": "dept-finance"}
    # Nothing of a password or token goes into the trail.
    assert trail.verify().ok
    text = repr([e.to_json() for e in entries])
    assert STRONG not in text and "Xinmima" not in text and token not in text


def test_a_restart_keeps_every_change(tmp_path: Path, trail: AuditTrail) -> None:
    identity = Identity(load_directory(DEMO_IDENTITY_FILE))
    admin = admin_over(identity, trail, tmp_path)
    admin.create_user("admin", "qianfang", "钱芳", "short", ["dept-audit"], ["manager"])
    admin.set_active("admin", "subject", False)

    restarted = resolve_identity(ServeOptions(data_dir=tmp_path, identity_file=DEMO_IDENTITY_FILE))
    users = restarted.directory.users
    assert users["qianfang"].display_name == "钱芳"
    assert users["subject"].active is False
    assert restarted.directory.demo is True


def test_refused_changes_change_nothing(tmp_path: Path, trail: AuditTrail) -> None:
    identity = production_identity()
    admin = admin_over(identity, trail, tmp_path)
    with pytest.raises(InvalidArgument, match="密码不符合最低要求"):
        admin.create_user("root", "qianfang", "钱芳", "short", [], ["officer"])
    with pytest.raises(InvalidArgument, match="演示环境的公开密码"):
        admin.create_user("root", "qianfang", "钱芳", "demo-personnel", [], ["officer"])
    with pytest.raises(AlreadyExists):
        admin.create_user("root", "root", "重名", STRONG, [], ["officer"])
    with pytest.raises(InvalidArgument, match="不能停用自己的账号"):
        admin.set_active("root", "root", False)
    with pytest.raises(InvalidArgument):
        admin.create_user("root", "x1", "某人", STRONG, [], ["worker"])
    assert set(identity.directory.users) == {"root"}
    assert trail.entries() == []
    assert not (tmp_path / MANAGED_IDENTITY_FILE).exists()


def test_a_demo_password_hash_outside_demo_mode_stops_the_start(tmp_path: Path) -> None:
    demo = DEMO_IDENTITY_FILE.read_text(encoding="utf-8")
    copied = tmp_path / "identity.toml"
    copied.write_text(demo.replace("demo = true", "demo = false"), encoding="utf-8")
    with pytest.raises(IdentityConfigError, match="演示环境的公开密码或令牌"):
        resolve_identity(ServeOptions(data_dir=tmp_path / "data", identity_file=copied))


async def test_a_demo_password_is_refused_at_sign_in_outside_demo_mode() -> None:
    # Freshly hashed (new salt): no comparison of hashes could catch it; the sign-in does.
    identity = Identity(
        parse_directory(
            {
                "users": [
                    {
                        "username": "personnel",
                        "name": "赵磊",
                        "password": hash_password("demo-personnel"),
                    }
                ]
            }
        )
    )
    with pytest.raises(Unauthenticated, match="演示环境的公开密码，正式环境不得使用"):
        await identity.authenticate(basic("personnel", "demo-personnel"))
    # In demo mode the same password works.
    demo = Identity(load_directory(DEMO_IDENTITY_FILE))
    assert (await demo.authenticate(basic("personnel", "demo-personnel"))).username == "personnel"
