"""Who is who in the procedure: the issuing organ, the candidate-group ids of the contract and the
district's units that the leading group may direct to investigate (Art. 8(3) "相关部门").

The unit list is data (workers/data/district-units.json), kept by the office: Art. 5's member
units, the other line departments, the subdistricts, the townships and the development zone. A
unit's id is its candidate group in the identity directory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, get_args

ISSUING_ORGAN = "游仙区容错纠错工作领导小组办公室"
LEADING_GROUP = "游仙区容错纠错工作领导小组"

UnitKind = Literal["district-department", "subdistrict", "township", "development-zone"]
UNIT_KINDS: tuple[UnitKind, ...] = get_args(UnitKind)


@dataclass(frozen=True)
class DistrictUnit:
    id: str
    name: str
    full_name: str
    kind: UnitKind
    leading_group_member: bool
    aliases: tuple[str, ...]


class UnitListError(ValueError):
    """The unit list cannot be used; the message names the entry."""


def parse_units(document: object) -> tuple[DistrictUnit, ...]:
    if not isinstance(document, dict) or not isinstance(document.get("units"), list):
        raise UnitListError("单位名录应为含 units 列表的 JSON 对象")
    units: list[DistrictUnit] = []
    for index, entry in enumerate(document["units"]):
        where = f"单位名录第 {index + 1} 项"
        if not isinstance(entry, dict):
            raise UnitListError(f"{where}不是对象")
        unit_id, name, kind = entry.get("id"), entry.get("name"), entry.get("kind")
        if not isinstance(unit_id, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", unit_id):
            raise UnitListError(f"{where}的 id 应为小写英文、数字和连字符")
        if not isinstance(name, str) or not name.strip():
            raise UnitListError(f"{where}（{unit_id}）缺少名称")
        if kind not in UNIT_KINDS:
            raise UnitListError(f"{where}（{unit_id}）的类别 {kind!r} 无效")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise UnitListError(f"{where}（{unit_id}）的别名应为字符串列表")
        units.append(
            DistrictUnit(
                id=unit_id,
                name=name.strip(),
                full_name=str(entry.get("fullName") or name).strip(),
                kind=kind,
                leading_group_member=entry.get("leadingGroupMember") is True,
                aliases=tuple(aliases),
            )
        )
    ids = [u.id for u in units]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise UnitListError(f"单位名录中 id 重复：{'、'.join(duplicates)}")
    return tuple(units)


@cache
def district_units() -> tuple[DistrictUnit, ...]:
    text = resources.files("workers").joinpath("data/district-units.json").read_text("utf-8")
    return parse_units(json.loads(text))


def district_unit_ids() -> tuple[str, ...]:
    return tuple(unit.id for unit in district_units())


def unit_by_id(unit_id: str) -> DistrictUnit | None:
    return next((u for u in district_units() if u.id == unit_id), None)


# "绵阳市游仙区发展和改革局", "游仙区发展和改革局", "区发展和改革局", "发展和改革局": one unit.
_PREFIXES = ("中共绵阳市游仙区", "绵阳市游仙区", "中共游仙区", "游仙区", "绵阳市", "中共", "区")


def _normalised(name: str) -> str:
    text = re.sub(r"\s+", "", name).replace("（", "(").replace("）", ")")
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix) :]
    return text


def unit_named(name: str | None) -> DistrictUnit | None:
    """The unit a free-text name (as an applicant writes it) designates, if any."""
    if not name or not name.strip():
        return None
    wanted = _normalised(name)
    for unit in district_units():
        names = (unit.name, unit.full_name, *unit.aliases)
        if any(_normalised(n) == wanted for n in names):
            return unit
    return None


# The accountability subject's group (form `application-form`) as a district unit: the body that
# holds the case cannot investigate it. The district committee and government act through their
# offices; the applicant's own party organisation is the applicant's unit (recused as a party).
SUBJECT_GROUP_UNITS: dict[str, str] = {
    "subject-discipline-commission": "dept-discipline-commission",
    "subject-org-department": "dept-org-department",
    "subject-district-committee": "dept-party-office",
    "subject-district-government": "dept-government-office",
}


def _all_names() -> dict[str, str]:
    return {unit.id: unit.name for unit in district_units()}


DEPARTMENT_NAMES: dict[str, str] = _all_names()

RECIPIENT_NAMES: dict[str, str] = {
    "applicant": "申请人",
    "leading-group-office": ISSUING_ORGAN,
    "leading-group": LEADING_GROUP,
    "org-personnel": "组织人事部门",
    "district-committee": "中共绵阳市游仙区委员会",
    # Art. 9 acted on: the body that holds the applicant to account (named by the case).
    "accountability-subject": "问责主体",
}

# The options of form `publicity-arrangement` (field publicityChannel).
PUBLICITY_CHANNEL_NAMES: dict[str, str] = {
    "unit-bulletin": "单位公示栏",
    "district-website": "区政府网站",
    "internal-notice": "内部通报",
}


def publicity_channel_name(channel: str) -> str:
    """How the announcement names the channel; free text (older cases, other clients) as given."""
    return PUBLICITY_CHANNEL_NAMES.get(channel, channel)


def department_name(group_id: str) -> str:
    """The department's name; an id outside the list is shown as given rather than dropped."""
    return DEPARTMENT_NAMES.get(group_id, group_id)
