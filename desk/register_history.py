"""A person's or unit's history (登记簿): every case of theirs across all procedures that the
signed-in officer may see, oldest to newest, and the persons and units a name search finds.
Pure functions over the case index (desk/case_index.py), which read with the officer's own
credentials: the access rules are the API's, applied once there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from desk.case_index import CaseRow, beijing_text
from desk.register_data import UnitList, squeezed
from desk.register_subjects import Subject

_FAR_PAST = datetime.min.replace(tzinfo=UTC)
# A name search lists at most this many persons and units; a longer list needs a longer name.
MAX_FOUND = 50


def subject_from_params(params: Mapping[str, str]) -> Subject:
    """Raises ValueError with a Chinese sentence naming the bad field."""
    kind = params.get("kind", "").strip()
    if kind not in ("person", "unit"):
        raise ValueError("登记对象类别只能是“个人”或“单位”")
    unit_id = params.get("unit", "").strip()
    if not unit_id:
        raise ValueError("缺少登记对象所在单位")
    name = params.get("name", "").strip()
    if kind == "person" and not name:
        raise ValueError("缺少登记对象的姓名")
    if len(name) > 100 or len(unit_id) > 100:
        raise ValueError("登记对象的姓名或单位过长")
    return Subject(kind, name, unit_id)  # type: ignore[arg-type]


def history(rows: Iterable[CaseRow], subject: Subject) -> list[CaseRow]:
    """The subject's cases, oldest first (the order a reader of a register expects)."""
    found = [row for row in rows if any(subject.same_as(s) for s in row.subjects)]
    return sorted(found, key=lambda row: (row.started or _FAR_PAST, int(row.key)))


def history_entry(row: CaseRow, units: UnitList) -> dict[str, Any]:
    category = row.variables.get("errorCategory")
    return {
        "key": row.key,
        "procedureName": row.procedure_name,
        "caseNumber": row.case_number,
        "started": beijing_text(row.started),
        "ended": beijing_text(row.ended),
        "closed": row.closed,
        "errorCategory": units.category_name(category) if isinstance(category, str) else "",
        "outcome": row.register_outcome,
        "stage": row.stage,
    }


def subjects_named(rows: Iterable[CaseRow], text: str, units: UnitList) -> list[dict[str, Any]]:
    """Persons and units whose name (or, for a unit, its unit's name) holds `text`, each once,
    with how many of the officer's visible cases concern them."""
    wanted = squeezed(text).casefold()
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        for subject in row.subjects:
            described = subject.to_json(units)
            if wanted not in squeezed(described["name"]).casefold():
                continue
            identity = (subject.kind, subject.unit_id, squeezed(subject.name))
            entry = found.setdefault(identity, {**described, "cases": 0})
            entry["cases"] += 1
    listed = sorted(found.values(), key=lambda e: (e["kind"] != "person", e["name"], e["unitName"]))
    return listed[:MAX_FOUND]
