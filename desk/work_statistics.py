"""The dashboard's Chapter 3 and 4 figures (纠错、澄清保护): open cases per procedure, overdue
tasks by procedure and by the unit that must act, outcomes per period and procedure. Pure
functions over the case index and the overdue tasks the manager's /v2 search returned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from desk.case_index import BEIJING, CaseRow
from desk.procedures import procedure_name, work_beyond_exemption

Granularity = Literal["quarter", "month"]
_QUARTERS = "一二三四"


def period_of(day: date, by: Granularity) -> str:
    if by == "month":
        return f"{day.year}年{day.month}月"
    return f"{day.year}年第{_QUARTERS[(day.month - 1) // 3]}季度"


def periods_between(since: date, until: date, by: Granularity) -> list[str]:
    """Every period from `since` to `until`, in order, so a quiet quarter shows as empty."""
    found: list[str] = []
    year, month = since.year, since.month
    while (year, month) <= (until.year, until.month):
        label = period_of(date(year, month, 1), by)
        if label not in found:
            found.append(label)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return found


def short_outcome(text: str) -> str:
    """The outcome's first clause: a clarification's `已了结；错告误告，不予追究` counts under
    已了结, so the legend stays short; the case page keeps the whole sentence."""
    return text.split("；")[0].strip()


def work_statistics(
    rows: Iterable[CaseRow],
    overdue_tasks: Iterable[Mapping[str, Any]],
    unit_names: Mapping[str, str],
    since: date,
    until: date,
    by: Granularity,
) -> dict[str, Any]:
    procedures = work_beyond_exemption()
    ids = {p.id for p in procedures}
    cases = [row for row in rows if row.process_id in ids]
    open_counts = Counter(row.process_id for row in cases if not row.closed)
    periods = periods_between(since, until, by)
    outcomes: dict[str, dict[str, Counter[str]]] = {p.id: {} for p in procedures}
    for row in cases:
        if not row.closed or row.ended is None:
            continue
        day = row.ended.astimezone(BEIJING).date()
        if not since <= day <= until:
            continue
        per_period = outcomes[row.process_id].setdefault(period_of(day, by), Counter())
        per_period[short_outcome(row.register_outcome)] += 1
    late_by_procedure: Counter[str] = Counter()
    late_by_unit: Counter[str] = Counter()
    late: list[dict[str, str]] = []
    for task in overdue_tasks:
        process_id = str(task.get("processDefinitionId") or "")
        if process_id not in ids:
            continue
        late_by_procedure[process_id] += 1
        groups = [g for g in task.get("candidateGroups") or [] if isinstance(g, str)]
        unit = next((unit_names[g] for g in groups if unit_names.get(g)), "未指定单位")
        late_by_unit[unit] += 1
        late.append(
            {
                "caseKey": str(task.get("processInstanceKey") or ""),
                "task": str(task.get("name") or "办理任务"),
                "procedureName": procedure_name(process_id),
                "unit": unit,
                "dueDate": str(task.get("dueDate") or ""),
            }
        )
    return {
        "procedures": [p.name for p in procedures],
        "open": [{"label": p.name, "value": open_counts[p.id]} for p in procedures],
        "overdueByProcedure": [
            {"label": p.name, "value": late_by_procedure[p.id]} for p in procedures
        ],
        "overdueByUnit": [
            {"label": unit, "value": count} for unit, count in late_by_unit.most_common()
        ],
        "overdue": late,
        "periods": periods,
        "outcomes": [
            {
                "procedureName": p.name,
                "series": sorted({o for counts in outcomes[p.id].values() for o in counts}),
                "rows": [
                    {"label": period, "values": dict(outcomes[p.id].get(period, Counter()))}
                    for period in periods
                ],
            }
            for p in procedures
        ],
    }
