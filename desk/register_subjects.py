"""Whom a case concerns, as the one register reads it (docs/procedure-contract.md, "Register
variables"): `registerSubjects`, else, for an exemption case opened before those variables, the
applicant matched to the unit list.

These are the rules of workers/register.py (the repeat check), kept here rather than imported:
the desk may not import workers/ (tests/test_architecture.py), and the rules are a few lines over
plain data, so a shared package would cost more than it saves. tests/desk/test_register_history.py
runs both readings over the same cases and requires the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from desk.register_data import UnitList, squeezed

SubjectKind = Literal["person", "unit"]
KIND_NAMES = {"person": "个人", "unit": "单位"}


@dataclass(frozen=True)
class Subject:
    """A person by name within a unit, or a unit; the unit by its id in the unit list."""

    kind: SubjectKind
    name: str
    unit_id: str

    def same_as(self, other: Subject) -> bool:
        if self.kind != other.kind or not self.unit_id or self.unit_id != other.unit_id:
            return False
        return self.kind == "unit" or squeezed(self.name) == squeezed(other.name)

    def to_json(self, units: UnitList) -> dict[str, str]:
        unit_name = units.name_of(self.unit_id)
        return {
            "kind": self.kind,
            "kindName": KIND_NAMES[self.kind],
            "name": self.name or unit_name,
            "unitId": self.unit_id,
            "unitName": unit_name or (self.name if self.kind == "unit" else ""),
        }

    @classmethod
    def from_variable(cls, value: object, units: UnitList) -> Subject | None:
        if not isinstance(value, Mapping):
            return None
        kind, name, unit_id = value.get("kind"), value.get("name"), value.get("unitId")
        if kind not in ("person", "unit") or not isinstance(unit_id, str) or not unit_id:
            return None
        if not isinstance(name, str):
            name = units.name_of(unit_id)
        return cls(kind, name.strip(), unit_id)


def case_subjects(
    process_id: str, variables: Mapping[str, Any], units: UnitList
) -> tuple[Subject, ...]:
    listed = variables.get("registerSubjects")
    subjects = tuple(
        s
        for s in (
            Subject.from_variable(v, units) for v in (listed if isinstance(listed, list) else [])
        )
        if s is not None
    )
    if subjects or process_id != "exemption-procedure":
        return subjects
    return _applicant(variables, units)


def _applicant(variables: Mapping[str, Any], units: UnitList) -> tuple[Subject, ...]:
    name = variables.get("applicantName")
    if not isinstance(name, str) or not name.strip():
        return ()
    if variables.get("applicantType") == "unit":
        unit_id = units.named(name)
        return (Subject("unit", units.name_of(unit_id), unit_id),) if unit_id else ()
    unit_text = variables.get("applicantUnit")
    unit_id = units.named(unit_text if isinstance(unit_text, str) else None)
    return (Subject("person", name.strip(), unit_id),) if unit_id else ()


def exemption_outcome(variables: Mapping[str, Any]) -> str | None:
    """The register's outcome of an exemption case (workers/register.py, the same order)."""
    recorded = variables.get("registerOutcome")
    if isinstance(recorded, str) and recorded:
        return recorded
    withdrawal = variables.get("withdrawal")
    if isinstance(withdrawal, Mapping) and withdrawal.get("withdrawn") is True:
        return "申请已撤回"
    if variables.get("applicationAccepted") is False:
        return "不予受理"
    recognised = variables.get("determinationRecognised")
    if recognised is True:
        return "认定容错免责"
    if recognised is False:
        return "不予认定容错免责"
    return None
