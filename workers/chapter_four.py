"""Chapter 4 of the measures (澄清保护, Arts. 13–15): who acts, how its cases are numbered and what
each of its root instances records in the one register (docs/procedure-contract.md, "Register
variables").

The discipline inspection and supervision organ (纪检监察机关) does this work, not the leading
group of Chapter 2, so its cases have their own numbering, one sequence per procedure and year
(local policy, docs/local-policy.md): 游纪澄〔2026〕N号 for a clarification, 游纪诬〔2026〕N号 for
a false accusation handled on its own, 游纪护〔2026〕N号 for a complaint of retaliation. Its
documents carry a 发文字号 of their own, 游纪发〔2026〕N号.

The person who reported is never named here (Art. 15): a case knows only `reporterRef`, the
number of the desk's confidential reporter register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workers.case_numbering import SequenceRegistry
from workers.organisation import unit_by_id

DISCIPLINE_ORGAN = "中共绵阳市游仙区纪律检查委员会"
SUPERVISION_ORGAN = "绵阳市游仙区监察委员会"
# How the organ names itself in a document's text (纪委监委 act jointly).
ORGAN_SHORT = "区纪委监委"


@dataclass(frozen=True)
class Procedure:
    process_id: str
    name: str
    prefix: str


PROCEDURES: dict[str, Procedure] = {
    "clarification": Procedure("clarification", "澄清了结", "游纪澄"),
    "false-accusation": Procedure("false-accusation", "诬告陷害查处", "游纪诬"),
    "retaliation-complaint": Procedure("retaliation-complaint", "打击报复举报人投诉", "游纪护"),
}
DOCUMENT_PREFIX = "游纪发"
REPORTER_REF = re.compile(r"^[0-9]{4}-举-[0-9]{3}$")


class ChapterFourDataError(ValueError):
    """A Chapter 4 job cannot use the case's variables; the message names them."""


def _registry(data_dir: Path, register: str) -> SequenceRegistry:
    return SequenceRegistry(data_dir / "registers.sqlite3", f"chapter-four-{register}")


def assign_case_number(data_dir: Path, register: str, process_instance_key: int, year: int) -> str:
    """The case number of this instance in its procedure's register; a retried job gets the
    number already given."""
    procedure = PROCEDURES.get(register)
    if procedure is None:
        raise ChapterFourDataError(
            f"任务头 register 取值 {register!r} 无效，应为 {'、'.join(PROCEDURES)} 之一"
        )
    assigned_year, sequence, _ = _registry(data_dir, register).assign(process_instance_key, year)
    return f"{procedure.prefix}〔{assigned_year}〕{sequence}号"


def assign_document_number(data_dir: Path, element_instance_key: int, year: int) -> str:
    """The 发文字号 of a document: one per generating element instance, so a retry keeps it."""
    assigned_year, sequence, _ = _registry(data_dir, "document").assign(element_instance_key, year)
    return f"{DOCUMENT_PREFIX}〔{assigned_year}〕{sequence}号"


def unit_name(unit_id: str | None) -> str:
    unit = unit_by_id(unit_id) if unit_id else None
    if unit is None:
        raise ChapterFourDataError(f"所在单位 unitId 取值 {unit_id!r} 不在单位名录中")
    return unit.name


def unit_full_name(unit_id: str | None) -> str:
    unit = unit_by_id(unit_id) if unit_id else None
    return unit.full_name if unit is not None else unit_name(unit_id)


def party_organisation(unit_id: str | None) -> str:
    """The party organisation of a unit, as a letter is addressed to it: a township's party
    committee, a subdistrict's working committee, else the unit's party organisation."""
    unit = unit_by_id(unit_id) if unit_id else None
    if unit is None:
        raise ChapterFourDataError(f"所在单位 unitId 取值 {unit_id!r} 不在单位名录中")
    if unit.kind == "township":
        return f"中共绵阳市游仙区{unit.name}委员会"
    if unit.kind == "subdistrict":
        return f"中共绵阳市游仙区{unit.name}工作委员会"
    return f"{unit.name}党组织"


def register_subjects(person_name: str | None, unit_id: str | None) -> list[dict[str, str]]:
    """The person the case is about, as the register knows a person: name and unit id."""
    if not person_name or not person_name.strip():
        raise ChapterFourDataError("缺少被反映人姓名 personName")
    unit_name(unit_id)
    return [{"kind": "person", "name": person_name.strip(), "unitId": str(unit_id)}]
