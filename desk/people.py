"""Who is who, by name: officers' names and their units, so that no page shows a login name.

Read from the people file (DESK_PEOPLE_FILE): the same TOML the engine's identity file uses,
`[[users]]` with username, name and groups, `[[groups]]` with id and name. Only those fields are
read; password hashes and tokens in the file are never loaded. With no file the directory is empty
and the pages say "未登记人员" rather than a login name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from desk.sign_in import current_session, refusal


@dataclass(frozen=True)
class Person:
    name: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Directory:
    people: dict[str, Person] = field(default_factory=dict)
    # group id → the unit's name (区审计局), for tasks offered to a group
    units: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "people": {
                username: {"name": person.name, "units": list(person.units)}
                for username, person in self.people.items()
            },
            "units": dict(self.units),
        }


class PeopleFileInvalid(Exception):
    """The people file cannot be read; the message names the file and what is wrong."""


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def load_directory(path: Path | None) -> Directory:
    if path is None:
        return Directory()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PeopleFileInvalid(f"人员名录 {path} 无法读取：{error}") from error
    units: dict[str, str] = {}
    for group in raw.get("groups") or []:
        if isinstance(group, dict) and _text(group.get("id")):
            units[_text(group["id"])] = _text(group.get("name")) or _text(group["id"])
    people: dict[str, Person] = {}
    for user in raw.get("users") or []:
        if not isinstance(user, dict) or not _text(user.get("username")):
            continue
        groups = [g for g in user.get("groups") or [] if isinstance(g, str)]
        people[_text(user["username"])] = Person(
            name=_text(user.get("name")) or "未登记姓名",
            units=tuple(units.get(group, "") for group in groups if units.get(group)),
        )
    return Directory(people=people, units=units)


async def directory(request: Request) -> Response:
    if current_session(request) is None:
        return refusal(401, "尚未登录或登录已过期，请重新登录")
    found: Directory = request.app.state.directory
    return JSONResponse(found.to_json(), headers={"cache-control": "no-store"})


def people_routes() -> list[BaseRoute]:
    return [Route("/people", directory, methods=["GET"])]
