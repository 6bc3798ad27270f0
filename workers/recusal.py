"""Art. 8(3): which units of the district may investigate a case, and which are recused (回避).

The leading group directs "相关部门" to investigate jointly with the accountability subject
(问责主体). A body that is itself the subject, or a party to the case (the applying unit, the
applicant's unit), cannot also be one of the investigators: the assignment form does not offer it,
and an assignment naming it anyway is refused naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.organisation import (
    SUBJECT_GROUP_UNITS,
    DistrictUnit,
    district_units,
    unit_by_id,
    unit_named,
)
from workers.variables import ProcessVariables

# The label of field `investigatingDepartments` on form `investigation-assign-departments`.
ASSIGNMENT_FIELD = "负责调查核实的部门"

_SUBJECT_OFFICE_OF = {
    "subject-district-committee": "区委",
    "subject-district-government": "区政府",
}


class CaseParties(ProcessVariables):
    """Who is on either side of the case, as the application names them (8(1))."""

    applicant_type: str | None = None
    applicant_name: str | None = None
    applicant_unit: str | None = None
    accountability_subject: str | None = None
    accountability_subject_group: str | None = None


class DepartmentAssignmentCheck(CaseParties):
    investigating_departments: list[str] | None = None


@dataclass(frozen=True)
class Recusal:
    unit: DistrictUnit
    reason: str


def recusals(parties: CaseParties) -> list[Recusal]:
    """Every unit recused from investigating the case, with why, in the unit list's order."""
    reasons: dict[str, list[str]] = {}

    def recuse(unit: DistrictUnit | None, reason: str) -> None:
        if unit is not None and reason not in reasons.setdefault(unit.id, []):
            reasons[unit.id].append(reason)

    group = parties.accountability_subject_group or ""
    if group in SUBJECT_GROUP_UNITS:
        office_of = _SUBJECT_OFFICE_OF.get(group)
        recuse(
            unit_by_id(SUBJECT_GROUP_UNITS[group]),
            f"系本案问责主体{office_of}的办事机构" if office_of else "系本案问责主体",
        )
    recuse(unit_named(parties.accountability_subject), "系本案问责主体")
    if parties.applicant_type == "unit":
        recuse(unit_named(parties.applicant_name), "系本案申请单位")
        recuse(unit_named(parties.applicant_unit), "系本案申请单位")
    else:
        recuse(unit_named(parties.applicant_unit), "系申请人所在单位")
    units = [unit for unit in district_units() if unit.id in reasons]
    return [Recusal(unit, "，".join(reasons[unit.id])) for unit in units]


def assignable_units(parties: CaseParties) -> list[DistrictUnit]:
    recused = {r.unit.id for r in recusals(parties)}
    return [unit for unit in district_units() if unit.id not in recused]


def recusal_notice(found: list[Recusal]) -> str:
    """One sentence for the assignment form: which units are recused and why."""
    if not found:
        return "本案无须回避的单位。"
    listed = "；".join(f"{r.unit.name}（{r.reason}）" for r in found)
    return f"依回避要求，{listed}不参加本案调查核实，不列入可选单位。"


def assignment_refusals(check: DepartmentAssignmentCheck) -> list[str]:
    """Why the leading group's assignment cannot stand, each naming the field; empty if it can."""
    chosen = check.investigating_departments or []
    if not chosen:
        return [f"「{ASSIGNMENT_FIELD}」至少应选择一个单位。"]
    recused = {r.unit.id: r for r in recusals(check)}
    problems: list[str] = []
    for unit_id in dict.fromkeys(chosen):
        if unit_id in recused:
            recusal = recused[unit_id]
            problems.append(
                f"「{ASSIGNMENT_FIELD}」不得选择{recusal.unit.name}：{recusal.reason}，应当回避。"
            )
        elif unit_by_id(unit_id) is None:
            problems.append(f"「{ASSIGNMENT_FIELD}」所选单位（{unit_id}）不在本区单位名录中。")
    return problems
