"""Every case the signed-in officer may see, open or closed, of every procedure of the measures
(desk/procedures.py), as one row each: for the search and archive pages, the register's history,
the case file, the dashboard and the yearly spreadsheet.

Everything is asked of the /v2 API with the officer's own credentials, so the API's access rules
hold unchanged: managers see every case, an officer the cases in which they have a task. A case is
an instance of a procedure of the table: a root instance, or one called from another procedure
(`rectification` from `reminder-warning` keeps its own number), as the register reads it
(workers/register.py). The exemption procedure's stages run as called instances, whose variables
the procedure propagates to the root (docs/procedure-contract.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from desk.api_client import ApiClient, ApiUnavailable
from desk.procedures import EXEMPTION, PROCEDURE_BY_ID, procedure_name
from desk.register_data import UnitList
from desk.register_subjects import Subject, case_subjects, exemption_outcome
from desk.sessions import Session

PROCEDURE = EXEMPTION
BEIJING = timezone(timedelta(hours=8))
_PAGE = 1000
# Stops a malformed cursor from looping; far above any district's caseload.
_MAX_PAGES = 500

# The call activities of exemption-procedure and the stage each runs.
STAGE_OF_CALL = {
    "callApplication": "提出申请",
    "callAcceptance": "审核受理",
    "callInvestigation": "调查核实",
    "callPublicity": "公示",
    "callFeedbackFiling": "认定反馈与存档",
    "callCommitteeRecording": "报区委备案",
}
STAGES = (*STAGE_OF_CALL.values(), "已办结")

OUTCOME_OPEN = "办理中"
OUTCOME_INVALID = "申请不符合要求，已书面答复"
OUTCOME_NOT_ACCEPTED = "不予受理"
OUTCOME_RECOGNISED = "认定容错免责"
OUTCOME_NOT_RECOGNISED = "不予认定容错免责"
OUTCOME_TERMINATED = "已终止"
OUTCOME_CLOSED = "已办结"
OUTCOMES = (
    OUTCOME_OPEN,
    OUTCOME_INVALID,
    OUTCOME_NOT_ACCEPTED,
    OUTCOME_RECOGNISED,
    OUTCOME_NOT_RECOGNISED,
    OUTCOME_TERMINATED,
    OUTCOME_CLOSED,
)

_NUMERALS = "一二三四五六七八九十"
ART7 = {f"art7-{i + 1}": f"第七条第（{n}）项" for i, n in enumerate(_NUMERALS)}
ART9 = {f"art9-{i + 1}": f"第九条第（{n}）项" for i, n in enumerate(_NUMERALS[:5])}

CASE_VARIABLES = (
    "caseNumber",
    "caseYear",
    "applicantName",
    "applicantType",
    "applicantUnit",
    "applicantPosition",
    "applicationDate",
    "accountabilitySubject",
    "accountabilityMatter",
    "applicationValid",
    "applicationAccepted",
    "determinationRecognised",
    "determinationOutcomes",
    "determinationCircumstances",
    "claimedCircumstances",
    # the register's (every procedure)
    "procedureName",
    "registerSubjects",
    "errorCategory",
    "registerOutcome",
    "withdrawal",
)
STATE_OPEN = "办理中"


@dataclass
class CaseRow:
    key: str
    state: str  # ACTIVE | COMPLETED | TERMINATED (the root instance's)
    started: datetime | None
    ended: datetime | None
    variables: dict[str, Any] = field(default_factory=dict)
    stage: str = ""
    process_id: str = PROCEDURE
    subjects: tuple[Subject, ...] = ()
    # the register subjects' units by name (区审计局、新桥镇), for the search and the rows
    subject_units: str = ""

    @property
    def procedure_name(self) -> str:
        return procedure_name(self.process_id)

    @property
    def is_exemption(self) -> bool:
        return self.process_id == PROCEDURE

    @property
    def concerns(self) -> str:
        """Whom the case concerns, by name: the applicant of an exemption case, else the
        register's persons and units."""
        if self.is_exemption and self.applicant:
            return self.applicant
        return "、".join(s.name for s in self.subjects if s.name)

    @property
    def register_outcome(self) -> str:
        """The outcome as the register records it, else the case's state."""
        if self.is_exemption:
            recorded = exemption_outcome(self.variables)
        else:
            value = self.variables.get("registerOutcome")
            recorded = value if isinstance(value, str) and value else None
        if self.state == "TERMINATED":
            return OUTCOME_TERMINATED
        return recorded if recorded and self.closed else self.outcome

    @property
    def case_number(self) -> str:
        return _text(self.variables.get("caseNumber"))

    @property
    def applicant(self) -> str:
        return _text(self.variables.get("applicantName"))

    @property
    def unit(self) -> str:
        return _text(self.variables.get("applicantUnit"))

    @property
    def closed(self) -> bool:
        return self.state != "ACTIVE"

    @property
    def outcome(self) -> str:
        values = self.variables
        if self.state == "TERMINATED":
            return OUTCOME_TERMINATED
        if not self.is_exemption:
            if not self.closed:
                return OUTCOME_OPEN
            recorded = values.get("registerOutcome")
            return recorded if isinstance(recorded, str) and recorded else OUTCOME_CLOSED
        if values.get("applicationValid") is False:
            return OUTCOME_INVALID if self.closed else OUTCOME_OPEN
        if values.get("applicationAccepted") is False:
            return OUTCOME_NOT_ACCEPTED if self.closed else OUTCOME_OPEN
        if self.state == "ACTIVE":
            return OUTCOME_OPEN
        recognised = values.get("determinationRecognised")
        if recognised is True:
            return OUTCOME_RECOGNISED
        if recognised is False:
            return OUTCOME_NOT_RECOGNISED
        return OUTCOME_CLOSED

    @property
    def exemptions(self) -> list[str]:
        """Art. 9 outcomes, only when the case was recognised: an earlier round's outcomes may
        linger after an objection overturned it (procedure contract)."""
        if self.variables.get("determinationRecognised") is not True:
            return []
        return _labels(self.variables.get("determinationOutcomes"), ART9)

    @property
    def circumstances(self) -> list[str]:
        """The circumstances determined, else (not yet determined) those claimed."""
        if self.variables.get("determinationRecognised") is True:
            return _labels(self.variables.get("determinationCircumstances"), ART7)
        if self.variables.get("determinationRecognised") is None:
            return _labels(self.variables.get("claimedCircumstances"), ART7)
        return []

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "procedure": self.process_id,
            "procedureName": self.procedure_name,
            "concerns": self.concerns,
            "caseNumber": self.case_number,
            "applicant": self.applicant,
            "unit": self.unit or self.subject_units,
            "applicationDate": chinese_day(_text(self.variables.get("applicationDate"))),
            "started": beijing_text(self.started),
            "ended": beijing_text(self.ended),
            "closed": self.closed,
            "stage": self.stage,
            "outcome": self.outcome,
            "exemptions": self.exemptions,
            "circumstances": self.circumstances,
            "matter": _text(self.variables.get("accountabilityMatter")),
        }


@dataclass(frozen=True)
class CaseQuery:
    """What the search page sends; every field optional. Dates are Beijing calendar days over the
    day the case was registered (its root instance's start)."""

    number: str = ""
    procedure: str = ""
    applicant: str = ""
    unit: str = ""
    stage: str = ""
    outcome: str = ""
    since: date | None = None
    until: date | None = None
    closed: bool | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> CaseQuery:
        """Raises ValueError with a Chinese sentence naming the bad field."""
        closed_text = params.get("closed", "").strip()
        if closed_text not in {"", "true", "false"}:
            raise ValueError("办理状态只能是“办理中”或“已办结”")
        stage = params.get("stage", "").strip()
        if stage and stage not in STAGES:
            raise ValueError(f"没有名为“{stage}”的办理阶段")
        procedure = params.get("procedure", "").strip()
        if procedure and procedure not in PROCEDURE_BY_ID:
            raise ValueError(f"没有名为“{procedure}”的办理程序")
        outcome = params.get("outcome", "").strip()
        if outcome and outcome not in OUTCOMES:
            raise ValueError(f"没有名为“{outcome}”的办理结果")
        query = cls(
            number=params.get("number", "").strip(),
            procedure=procedure,
            applicant=params.get("applicant", "").strip(),
            unit=params.get("unit", "").strip(),
            stage=stage,
            outcome=outcome,
            since=_day(params.get("from", ""), "起始日期"),
            until=_day(params.get("to", ""), "截止日期"),
            closed=None if not closed_text else closed_text == "true",
        )
        if query.since and query.until and query.since > query.until:
            raise ValueError("起始日期不能晚于截止日期")
        return query

    def matches(self, row: CaseRow) -> bool:
        day = row.started.astimezone(BEIJING).date() if row.started else None
        return (
            _contains(row.case_number, self.number)
            and (not self.procedure or row.process_id == self.procedure)
            and _contains(row.concerns, self.applicant)
            and _contains(f"{row.unit}、{row.subject_units}", self.unit)
            and (not self.stage or row.stage == self.stage)
            and (not self.outcome or row.outcome == self.outcome)
            and (self.since is None or (day is not None and day >= self.since))
            and (self.until is None or (day is not None and day <= self.until))
            and (self.closed is None or row.closed == self.closed)
        )


async def all_cases(
    api: ApiClient, session: Session, units: UnitList | None = None
) -> list[CaseRow]:
    """Every case of every procedure the officer may see, newest first."""
    units = units or UnitList()
    instances = [
        item
        for item in await _search(
            api,
            session,
            "/v2/process-instances/search",
            {"processDefinitionId": {"$in": list(PROCEDURE_BY_ID)}},
        )
        # An exemption stage started on its own is not a case; a procedure called from another
        # (rectification from reminder-warning) is one, as the register counts it.
        if not item.get("parentProcessInstanceKey") or item.get("processDefinitionId") != PROCEDURE
    ]
    rows = {
        str(item["processInstanceKey"]): CaseRow(
            key=str(item["processInstanceKey"]),
            state=str(item.get("state") or ""),
            started=_instant(item.get("startDate")),
            ended=_instant(item.get("endDate")),
            process_id=str(item.get("processDefinitionId") or ""),
        )
        for item in instances
        if str(item.get("processInstanceKey") or "").isdigit()
    }
    keys = list(rows)
    for chunk in _chunks(keys, 500):
        for variable in await _search(
            api,
            session,
            "/v2/variables/search",
            {"processInstanceKey": {"$in": chunk}, "name": {"$in": list(CASE_VARIABLES)}},
        ):
            row = rows.get(str(variable.get("processInstanceKey")))
            # Root-scope variables only: a stage's local variable is not the case's.
            if row is not None and str(variable.get("scopeKey", row.key)) == row.key:
                row.variables[str(variable.get("name"))] = _value(variable)
        open_keys = [key for key in chunk if rows[key].state == "ACTIVE"]
        if open_keys:
            await _open_stages(api, session, rows, open_keys)
    for row in rows.values():
        row.subjects = case_subjects(row.process_id, row.variables, units)
        row.subject_units = "、".join(
            dict.fromkeys(n for s in row.subjects if (n := s.to_json(units)["unitName"]))
        )
        if row.closed:
            row.stage = "已办结"
    far_past = datetime.min.replace(tzinfo=UTC)
    return sorted(rows.values(), key=lambda row: row.started or far_past, reverse=True)


async def _open_stages(
    api: ApiClient, session: Session, rows: Mapping[str, CaseRow], open_keys: list[str]
) -> None:
    """An exemption case's stage is its running call activity; another procedure's, the user
    tasks open in it (their names, as the model gives them)."""
    found = [
        item
        for kind in ("CALL_ACTIVITY", "USER_TASK")
        for item in await _search(
            api,
            session,
            "/v2/element-instances/search",
            {"processInstanceKey": {"$in": open_keys}, "type": kind, "state": "ACTIVE"},
        )
    ]
    for stage in found:
        row = rows.get(str(stage.get("processInstanceKey")))
        if row is None:
            continue
        if row.is_exemption:
            name = STAGE_OF_CALL.get(str(stage.get("elementId")))
            if name and stage.get("type") == "CALL_ACTIVITY":
                row.stage = name
        elif stage.get("type") == "USER_TASK":
            name = _text(stage.get("elementName"))
            if name and name not in row.stage.split("、"):
                row.stage = f"{row.stage}、{name}" if row.stage else name


async def _search(
    api: ApiClient, session: Session, path: str, filter_: dict[str, Any]
) -> list[dict[str, Any]]:
    """Every page, following the /v2 cursor."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(_MAX_PAGES):
        page: dict[str, Any] = {"limit": _PAGE}
        if after:
            page["after"] = after
        answer = await api.post_json(path, session.authorization, {"filter": filter_, "page": page})
        if answer.status_code != 200:
            raise ApiUnavailable(f"流程引擎接口 {path} 返回 {answer.status_code}，无法读取案件")
        body = answer.json()
        items = [item for item in body.get("items") or [] if isinstance(item, dict)]
        found += items
        after = (body.get("page") or {}).get("endCursor")
        if len(items) < _PAGE or not after:
            break
    return found


def beijing_text(moment: datetime | None) -> str:
    """`2026年9月1日 10:05`: the one date-time form of the desk, in Beijing time."""
    if moment is None:
        return ""
    local = moment.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def chinese_day(text: str) -> str:
    """`2026-09-01` → `2026年9月1日`; other text unchanged."""
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    return f"{day.year}年{day.month}月{day.day}日" if day else text


def _instant(raw: Any) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _value(variable: Mapping[str, Any]) -> Any:
    raw = variable.get("value")
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _labels(value: Any, names: Mapping[str, str]) -> list[str]:
    return [names.get(str(item), str(item)) for item in value] if isinstance(value, list) else []


def _contains(text: str, wanted: str) -> bool:
    return not wanted or wanted.casefold() in text.casefold()


def _day(text: str, what: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}“{text}”不是有效日期") from None


def _chunks(keys: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
