"""The people of Article 8 as the engine's REST API knows them: one officer per candidate group
of the procedure, each with an API token, so that every user task is completed by a member of the
group the diagram offers it to (and a wrong group is refused)."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any, get_args

from engine.access import Identity
from engine.access.directory import parse_directory
from workers.form_submissions import SubjectGroup
from workers.organisation import district_unit_ids

# docs/procedure-contract.md, "Roles"
OFFICE_GROUPS = ("leading-group-office", "leading-group", "org-personnel", "district-committee")
# Chs. 3-4 (ROUND3 contract): the discipline commission's office and its leaders
DISCIPLINE_GROUPS = ("discipline-office", "discipline-leaders")
GROUPS: tuple[str, ...] = (
    *OFFICE_GROUPS,
    *get_args(SubjectGroup),
    *district_unit_ids(),
    *DISCIPLINE_GROUPS,
)
# The workers' account that reads the register over /v2 (workers/register.py): no person, no group,
# the manager role (search every process instance and variable), as in the demo identity.
REGISTER_READER = "register-reader"
REGISTER_READER_TOKEN = "e2e-token-register-reader"
# The job workers' account, limited exactly as the demo's (its job types and messages), so a type
# or a message the demo forgot fails here too; and the operator who deploys the models.
WORKERS = "workers"
WORKERS_TOKEN = "e2e-token-workers"
OPERATOR = "operator"
OPERATOR_TOKEN = "e2e-token-operator"
DEMO_IDENTITY = Path(__file__).resolve().parents[2] / "engine" / "access" / "demo-identity.toml"


def demo_workers() -> dict[str, Any]:
    """The demo identity's job-worker account, as an identity entry (its limits unchanged)."""
    identity = tomllib.loads(DEMO_IDENTITY.read_text(encoding="utf-8"))
    [workers] = [user for user in identity["users"] if user["username"] == WORKERS]
    return {
        "username": WORKERS,
        "roles": ["worker"],
        "jobTypes": workers["jobTypes"],
        "messageNames": workers.get("messageNames", []),
    }


def _token(name: str, user: str, secret: str) -> dict[str, str]:
    return {
        "name": name,
        "username": user,
        "sha256": hashlib.sha256(secret.encode("utf-8")).hexdigest(),
    }


def username(group: str) -> str:
    return f"officer-of-{group}"


def token(group: str) -> str:
    return f"e2e-token-{group}"


def officers_identity() -> Identity:
    directory: dict[str, Any] = {
        "groups": [{"id": group} for group in GROUPS],
        "users": [
            {"username": username(group), "groups": [group], "roles": ["officer"]}
            for group in GROUPS
        ]
        + [
            {"username": REGISTER_READER, "groups": [], "roles": ["manager"]},
            demo_workers(),
            {"username": OPERATOR, "groups": [], "roles": ["admin"]},
        ],
        "tokens": [
            {
                "name": group,
                "username": username(group),
                "sha256": hashlib.sha256(token(group).encode("utf-8")).hexdigest(),
            }
            for group in GROUPS
        ]
        + [
            _token(REGISTER_READER, REGISTER_READER, REGISTER_READER_TOKEN),
            _token(WORKERS, WORKERS, WORKERS_TOKEN),
            _token(OPERATOR, OPERATOR, OPERATOR_TOKEN),
        ],
    }
    return Identity(parse_directory(directory, "end-to-end officers"))


def bearer(group: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(group)}"}
