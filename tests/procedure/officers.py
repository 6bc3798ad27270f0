"""The people of Article 8 as the engine's REST API knows them: one officer per candidate group
of the procedure, each with an API token, so that every user task is completed by a member of the
group the diagram offers it to (and a wrong group is refused)."""

from __future__ import annotations

import hashlib
from typing import Any, get_args

from engine.access import Identity
from engine.access.directory import parse_directory
from workers.form_submissions import SubjectGroup
from workers.organisation import district_unit_ids

# docs/procedure-contract.md, "Roles"
OFFICE_GROUPS = ("leading-group-office", "leading-group", "org-personnel", "district-committee")
GROUPS: tuple[str, ...] = (*OFFICE_GROUPS, *get_args(SubjectGroup), *district_unit_ids())
# Chapter 4 (Arts. 13–15): the discipline organ's office and its leaders
CHAPTER_FOUR_GROUPS = ("discipline-office", "discipline-leaders")
GROUPS += tuple(group for group in CHAPTER_FOUR_GROUPS if group not in GROUPS)


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
        ],
        "tokens": [
            {
                "name": group,
                "username": username(group),
                "sha256": hashlib.sha256(token(group).encode("utf-8")).hexdigest(),
            }
            for group in GROUPS
        ],
    }
    return Identity(parse_directory(directory, "end-to-end officers"))


def bearer(group: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(group)}"}
