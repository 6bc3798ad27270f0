"""Identity and authorization: the identity file, password and token checks, the dev mode, the gRPC
hook, the CLI, and every rule of issue 4's "Who may do what", allowed and refused."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import structlog
import structlog.testing

from engine.access import (
    DEV_PRINCIPAL,
    Identity,
    IdentityConfigError,
    Permission,
    Principal,
    Role,
    can_view_user_task,
    has_permission,
    load_directory,
    parse_directory,
    require,
    require_assign_user_task,
    require_complete_user_task,
    require_unassign_user_task,
    require_update_user_task,
    require_view_user_task,
    rpc_limit,
    user_task_visibility_filter,
)
from engine.access.cli import main as access_cli
from engine.access.directory import directory_from_sources
from engine.access.gateway import grpc_authorizer
from engine.access.secrets import (
    MalformedHash,
    check_hash_format,
    hash_password,
    mint_token,
    token_digest,
    verify_password,
)
from engine.api import PermissionDenied, Unauthenticated
from engine.gateway.auth import current_rpc

DEMO_FILE = Path(__file__).resolve().parents[2] / "engine" / "access" / "demo-identity.toml"
DEMO_ADMIN_TOKEN = "yxt_demo-admin-token-for-local-demo-only"
# Meets the password policy (engine.access.password_policy).
STRONG = "审计-2026-zh4ng-Pw"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def demo() -> Identity:
    return Identity(load_directory(DEMO_FILE))


# --- secrets -------------------------------------------------------------------------------------


def test_password_hash_is_salted_and_verifies() -> None:
    first, second = hash_password("秘密 pass"), hash_password("秘密 pass")
    assert first != second  # per-user salt
    assert first.startswith("scrypt$")
    assert "秘密" not in first
    assert verify_password("秘密 pass", first)
    assert not verify_password("秘密 Pass", first)


def test_malformed_hash_is_named() -> None:
    with pytest.raises(MalformedHash, match="scrypt"):
        check_hash_format("plaintext-password")
    with pytest.raises(MalformedHash):
        check_hash_format("scrypt$1000$8$1$c2FsdA$a2V5")  # N not a power of two


def test_minted_token_is_stored_as_its_digest_only() -> None:
    token, digest = mint_token()
    assert token.startswith("yxt_") and len(token) > 40
    assert digest == token_digest(token) and len(digest) == 64
    assert token not in digest


# --- the identity file ---------------------------------------------------------------------------


def test_demo_identity_file_has_every_participant_of_article_8(demo: Identity) -> None:
    directory = demo.directory
    groups = set(directory.groups)
    assert {
        "leading-group-office",
        "leading-group",
        "org-personnel",
        "district-committee",
    } <= groups
    assert any(g.startswith("dept-") for g in groups)
    assert any(g.startswith("subject-") for g in groups)
    assert directory.principal_for("manager").roles == {Role.MANAGER}
    assert directory.principal_for("admin").is_admin
    assert directory.principal_for("office").roles == {Role.OFFICER}
    assert all(user.display_name for user in directory.users.values())
    text = DEMO_FILE.read_text(encoding="utf-8")
    assert "demo-office" in text  # the demo passwords are documented in the file itself


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"users": [{"username": "a", "groups": ["nope"]}]}, "'nope'"),
        ({"users": [{"username": "a", "roles": ["boss"]}]}, "'boss'"),
        ({"users": [{"username": "a", "password": "hunter2"}]}, "user 'a': field 'password'"),
        ({"users": [{"username": "a"}, {"username": "a"}]}, "duplicate username"),
        ({"users": [{"name": "no username"}]}, "users[0]: field 'username'"),
        ({"users": [{"username": "a", "pasword": "x"}]}, "'pasword'"),
        ({"groups": [{"id": "g"}, {"id": "g"}]}, "duplicate group id"),
        ({"tokens": [{"username": "ghost", "sha256": "0" * 64}]}, "tokens[0]"),
        (
            {"users": [{"username": "a"}], "tokens": [{"username": "a", "sha256": "xyz"}]},
            "'sha256'",
        ),
        ({"people": []}, "'people'"),
        ([], "top level"),
    ],
)
def test_bad_identity_configuration_is_named(data: Any, named: str) -> None:
    with pytest.raises(IdentityConfigError) as refused:
        parse_directory(data, source="test.toml")
    assert named in str(refused.value)


def test_group_roles_are_given_to_members() -> None:
    directory = parse_directory(
        {
            "groups": [{"id": "supervision", "roles": ["manager"]}],
            "users": [{"username": "zhou", "groups": ["supervision"]}],
        }
    )
    assert directory.principal_for("zhou").is_manager


async def test_json_identity_file_and_environment_admin(tmp_path: Path) -> None:
    path = tmp_path / "identity.json"
    path.write_text(
        json.dumps({"groups": [{"id": "g"}], "users": [{"username": "u", "groups": ["g"]}]}),
        encoding="utf-8",
    )
    env = {
        "ENGINE_IDENTITY_FILE": str(path),
        "ENGINE_ADMIN_USER": "root",
        "ENGINE_ADMIN_TOKEN_SHA256": token_digest("yxt_env-token"),
    }
    identity = Identity(directory_from_sources(environ=env))
    assert set(identity.directory.users) == {"u", "root"}
    assert (await identity.authenticate("Bearer yxt_env-token")).is_admin
    with pytest.raises(IdentityConfigError, match="ENGINE_ADMIN_PASSWORD_HASH"):
        directory_from_sources(environ={"ENGINE_ADMIN_USER": "root"})
    with pytest.raises(IdentityConfigError, match="cannot read"):
        load_directory(tmp_path / "missing.toml")


# --- authentication ------------------------------------------------------------------------------


async def test_basic_credentials(demo: Identity) -> None:
    principal = await demo.authenticate(_basic("office", "demo-office"))
    assert principal.username == "office"
    assert principal.display_name == "王敏"
    assert principal.groups == {"leading-group-office"}
    # A second request with the same header is served from the cache; still the same answer.
    assert await demo.authenticate(_basic("office", "demo-office")) == principal


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing Authorization"),
        ("", "missing Authorization"),
        (_basic("office", "wrong"), "invalid username or password"),
        (_basic("nobody", "demo-office"), "invalid username or password"),
        ("Basic !!!", "malformed Basic"),
        ("Basic " + base64.b64encode(b"no-colon").decode(), "malformed Basic"),
        ("Bearer yxt_not-a-real-token", "invalid or revoked"),
        ("Bearer ", "empty bearer"),
        ("Digest abc", "unsupported authorization scheme"),
    ],
)
async def test_refused_credentials(demo: Identity, header: str | None, message: str) -> None:
    with pytest.raises(Unauthenticated, match=message) as refused:
        await demo.authenticate(header)
    assert refused.value.http_status == 401


async def test_bearer_token(demo: Identity) -> None:
    principal = await demo.authenticate(f"Bearer {DEMO_ADMIN_TOKEN}")
    assert principal.username == "admin" and principal.is_admin


async def test_no_auth_mode_is_all_powerful_and_says_so() -> None:
    with structlog.testing.capture_logs() as logs:
        identity = Identity.disabled()
    assert any(
        entry["log_level"] == "warning" and "AUTHENTICATION IS DISABLED" in entry["event"]
        for entry in logs
    )
    assert await identity.authenticate(None) is DEV_PRINCIPAL
    assert await identity.authenticate("Basic garbage") is DEV_PRINCIPAL
    require(DEV_PRINCIPAL, Permission.DEPLOY)
    require_complete_user_task(DEV_PRINCIPAL, {"userTaskKey": "1", "assignee": "someone"})


async def test_grpc_authorizer_reads_the_authorization_metadata(demo: Identity) -> None:
    authorize = grpc_authorizer(demo)
    current_rpc.set("DeployResource")
    principal = await authorize({"authorization": f"Bearer {DEMO_ADMIN_TOKEN}"})
    assert isinstance(principal, Principal) and principal.username == "admin"
    with pytest.raises(Unauthenticated):
        await authorize({})


def test_operator_rpcs_need_admin_and_people_do_not_work_jobs() -> None:
    # Every cell of the table is tried over the wire in tests/engine/test_grpc_access.py.
    officer = Principal("office", "王敏")
    for method in ("ActivateJobs", "CompleteJob", "FailJob", "DeployResource"):
        with pytest.raises(PermissionDenied):
            rpc_limit(officer, method)
    for method in ("DeployResource", "/gateway_protocol.Gateway/ResolveIncident"):
        rpc_limit(ADMIN, method)
    rpc_limit(officer, "CreateProcessInstance")


def test_identity_from_sources_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGINE_IDENTITY_FILE", str(DEMO_FILE))
    monkeypatch.delenv("ENGINE_ADMIN_USER", raising=False)
    identity = Identity.from_sources()
    assert identity.enabled and "office" in identity.directory.users


def test_access_module_runs_as_a_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "engine.access", "hash-password", "--password-stdin"],
        input=STRONG + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert verify_password(STRONG, done.stdout.strip())


# --- authorization: roles ------------------------------------------------------------------------

OFFICER = Principal("office", "王敏", frozenset({"leading-group-office"}))
DEPARTMENT = Principal("audit", "张伟", frozenset({"dept-audit"}))
MANAGER = Principal("manager", "周建国", roles=frozenset({Role.MANAGER}))
ADMIN = Principal("admin", "吴涛", roles=frozenset({Role.ADMIN}))

ADMIN_ONLY = [
    Permission.DEPLOY,
    Permission.CANCEL_PROCESS_INSTANCE,
    Permission.RESOLVE_INCIDENT,
    Permission.UPDATE_JOB,
    Permission.MOVE_CLOCK,
    Permission.READ_AUDIT,
]
MANAGER_OR_ADMIN = [
    Permission.SEARCH_PROCESS_INSTANCES,
    Permission.SEARCH_INCIDENTS,
    Permission.READ_STATISTICS,
]


@pytest.mark.parametrize("permission", ADMIN_ONLY)
def test_only_admins_deploy_cancel_resolve_retry_move_clock_read_audit(
    permission: Permission,
) -> None:
    require(ADMIN, permission)
    for principal in (OFFICER, MANAGER):
        with pytest.raises(PermissionDenied, match="admin role") as refused:
            require(principal, permission)
        assert refused.value.http_status == 403


@pytest.mark.parametrize("permission", MANAGER_OR_ADMIN)
def test_managers_search_instances_incidents_statistics(permission: Permission) -> None:
    require(MANAGER, permission)
    require(ADMIN, permission)
    with pytest.raises(PermissionDenied, match="manager role"):
        require(OFFICER, permission)


def test_everyone_may_start_cases_and_read_definitions() -> None:
    for principal in (OFFICER, DEPARTMENT, MANAGER, ADMIN):
        require(principal, Permission.CREATE_PROCESS_INSTANCE)
        require(principal, Permission.READ_PROCESS_DEFINITIONS)


# --- authorization: user tasks -------------------------------------------------------------------


def _task(**fields: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "userTaskKey": "2251799813685260",
        "assignee": None,
        "candidateGroups": ["leading-group-office"],
        "candidateUsers": [],
    }
    task.update(fields)
    return task


def test_view_only_as_assignee_or_candidate() -> None:
    assert can_view_user_task(OFFICER, _task())  # candidate group
    assert can_view_user_task(DEPARTMENT, _task(candidateUsers=["audit"]))  # candidate user
    assert can_view_user_task(DEPARTMENT, _task(assignee="audit"))  # assignee
    assert not can_view_user_task(DEPARTMENT, _task())
    with pytest.raises(PermissionDenied, match="2251799813685260"):
        require_view_user_task(DEPARTMENT, _task())
    # Supervision: managers and admins read every task.
    assert can_view_user_task(MANAGER, _task())
    assert can_view_user_task(ADMIN, _task())


def test_complete_only_own_or_unassigned_candidate_tasks() -> None:
    require_complete_user_task(OFFICER, _task(assignee="office"))
    require_complete_user_task(OFFICER, _task())  # unassigned, candidate
    with pytest.raises(PermissionDenied, match="assigned to 'someone'") as refused:
        require_complete_user_task(OFFICER, _task(assignee="someone"))
    assert refused.value.http_status == 403
    with pytest.raises(PermissionDenied, match="not a candidate"):
        require_complete_user_task(DEPARTMENT, _task())
    # Not even a manager completes someone else's task: the assignee signs for it.
    with pytest.raises(PermissionDenied):
        require_complete_user_task(MANAGER, _task(assignee="office"))


def test_claiming() -> None:
    require_assign_user_task(OFFICER, _task(), "office")  # claim as candidate
    require_assign_user_task(OFFICER, _task(assignee="office"), "office")  # idempotent
    with pytest.raises(PermissionDenied, match="already assigned to 'colleague'"):
        require_assign_user_task(OFFICER, _task(assignee="colleague"), "office")
    with pytest.raises(PermissionDenied, match="only to themselves"):
        require_assign_user_task(OFFICER, _task(), "colleague")
    with pytest.raises(PermissionDenied, match="not a candidate"):
        require_assign_user_task(DEPARTMENT, _task(), "audit")
    # Managers delegate and take over.
    require_assign_user_task(MANAGER, _task(assignee="colleague"), "office")
    require_assign_user_task(ADMIN, _task(), "office")


def test_unassign_and_update() -> None:
    require_unassign_user_task(OFFICER, _task(assignee="office"))
    require_unassign_user_task(MANAGER, _task(assignee="office"))
    with pytest.raises(PermissionDenied):
        require_unassign_user_task(DEPARTMENT, _task(assignee="office"))
    require_update_user_task(OFFICER, _task(assignee="office"))
    require_update_user_task(MANAGER, _task())
    with pytest.raises(PermissionDenied):
        require_update_user_task(OFFICER, _task())


def test_visibility_filter() -> None:
    assert user_task_visibility_filter(MANAGER) is None
    assert user_task_visibility_filter(OFFICER) == {
        "$or": [
            {"assignee": "office"},
            {"candidateUser": "office"},
            {"candidateGroup": {"$in": ["leading-group-office"]}},
        ]
    }
    lone = Principal("lone")
    assert user_task_visibility_filter(lone) == {
        "$or": [{"assignee": "lone"}, {"candidateUser": "lone"}]
    }


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_hash_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert access_cli(["hash-password", "--password-stdin"], stdin=io.StringIO(STRONG + "\n")) == 0
    stored = capsys.readouterr().out.strip()
    assert verify_password(STRONG, stored)


async def test_cli_add_user_and_mint_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "identity.toml"
    path.write_text('# comment kept\n[[groups]]\nid = "dept-audit"\n', encoding="utf-8")
    code = access_cli(
        [
            "add-user",
            "--identity-file",
            str(path),
            "--username",
            "zhang",
            "--name",
            "张伟",
            "--groups",
            "dept-audit",
            "--password-stdin",
        ],
        stdin=io.StringIO(STRONG + "\n"),
    )
    assert code == 0
    assert access_cli(["mint-token", "--user", "zhang", "--identity-file", str(path)]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# comment kept")
    assert STRONG not in text and token not in text
    assert tomllib.loads(text)["users"][0]["name"] == "张伟"
    identity = Identity(load_directory(path))
    assert (await identity.authenticate(_basic("zhang", STRONG))).groups == {"dept-audit"}
    assert (await identity.authenticate(f"Bearer {token}")).username == "zhang"


@pytest.mark.parametrize(
    ("password", "lacks"),
    [("short-1", "长度至少 12"), ("onlylettersxyzw", "两类"), ("zhang-2026-审计", "用户名")],
)
def test_cli_refuses_weak_passwords(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], password: str, lacks: str
) -> None:
    path = tmp_path / "identity.toml"
    path.write_text("", encoding="utf-8")
    add = ["add-user", "--identity-file", str(path), "--username", "zhang", "--password-stdin"]
    assert access_cli(add, stdin=io.StringIO(password + "\n")) == 2
    assert lacks in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == ""
    hashing = ["hash-password", "--password-stdin"]
    assert access_cli(hashing, stdin=io.StringIO("short-1\n")) == 2


def test_cli_refuses_to_write_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "identity.toml"
    path.write_text("", encoding="utf-8")
    code = access_cli(
        [
            "add-user",
            "--identity-file",
            str(path),
            "--username",
            "x",
            "--groups",
            "nope",
            "--password-stdin",
        ],
        stdin=io.StringIO(STRONG + "\n"),
    )
    assert code == 2
    assert "'nope'" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == ""
    assert access_cli(["mint-token", "--user", "ghost", "--identity-file", str(path)]) == 2


def test_a_worker_account_is_refused_every_rest_permission() -> None:
    worker = Principal("workers", "job workers", roles=frozenset({Role.WORKER}))
    for permission in Permission:
        assert not has_permission(worker, permission)
        with pytest.raises(PermissionDenied, match="job worker"):
            require(worker, permission)
    assert user_task_visibility_filter(worker) is not None
