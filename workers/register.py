"""The one register (一个登记簿): every case of a person or unit across all procedures, read from
the engine's history over Camunda's /v2 REST API, never from a store of our own.

A case is the instance of a procedure: a root process instance, or a procedure of the contract
called from another (`rectification` from `reminder-warning` keeps its own number). Its register
variables (docs/procedure-contract.md, "Register variables") say whom it concerns
(`registerSubjects`), its number, the procedure's Chinese name, the error category and the
outcome. Exemption cases opened before these variables existed are read from the application's
own variables (applicant, 受理编号, the determination).

Configuration, as for the gRPC channel (workers/channel.py):
- `CAMUNDA_REST_ADDRESS`: the /v2 base URL (default the embedded engine's http://127.0.0.1:8080);
- `CAMUNDA_REST_TOKEN`, else `ZEEBE_BEARER_TOKEN`: the bearer token; it must be allowed to search
  all process instances and variables (the embedded engine: the manager role).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx

from workers.channel import env
from workers.organisation import unit_by_id, unit_named

DEFAULT_REST_ADDRESS = "http://127.0.0.1:8080"
PAGE_SIZE = 500
# The procedures of the measures: called from another, each still opens a case of its own.
PROCEDURE_IDS = frozenset(
    {
        "exemption-procedure",
        "problem-screening",
        "reminder-warning",
        "rectification",
        "clarification",
        "false-accusation",
        "retaliation-complaint",
        "public-opinion-response",
    }
)
PROCEDURE_NAMES = {
    "exemption-procedure": "容错免责办理",
    "problem-screening": "定期排查梳理",
    "reminder-warning": "提醒告诫",
    "rectification": "问题整改",
    "clarification": "澄清了结",
    "false-accusation": "诬告陷害查处",
    "retaliation-complaint": "打击报复举报人投诉",
    "public-opinion-response": "舆论解释回应",
}
REGISTER_VARIABLES = (
    "caseNumber",
    "procedureName",
    "registerSubjects",
    "errorCategory",
    "registerOutcome",
    # the exemption procedure's own, for cases opened before the register variables
    "applicantType",
    "applicantName",
    "applicantUnit",
    "applicationAccepted",
    "withdrawal",
    "determinationRecognised",
)

SubjectKind = Literal["person", "unit"]


class RegisterUnavailable(RuntimeError):
    """The engine's REST API cannot be read (down, refused the token): the message says which."""


@dataclass(frozen=True)
class Subject:
    """Whom a case concerns: a person by name and unit id, a unit by its id."""

    kind: SubjectKind
    name: str
    unit_id: str

    def same_as(self, other: Subject) -> bool:
        if self.kind != other.kind or not self.unit_id or self.unit_id != other.unit_id:
            return False
        return self.kind == "unit" or _squeezed(self.name) == _squeezed(other.name)

    def to_variable(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "unitId": self.unit_id}

    @classmethod
    def from_variable(cls, value: object) -> Subject | None:
        if not isinstance(value, Mapping):
            return None
        kind, name, unit_id = value.get("kind"), value.get("name"), value.get("unitId")
        if kind not in ("person", "unit") or not isinstance(unit_id, str) or not unit_id:
            return None
        if not isinstance(name, str):
            unit = unit_by_id(unit_id)
            name = unit.name if unit else ""
        return cls(kind, name.strip(), unit_id)


def _squeezed(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class RegisteredCase:
    """One case as the register shows it."""

    process_instance_key: int
    process_id: str
    procedure_name: str
    case_number: str | None
    started_at: datetime | None
    ended_at: datetime | None
    state: str
    subjects: tuple[Subject, ...]
    error_category: str | None
    outcome: str | None
    parent_process_instance_key: int | None = None
    variables: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def concerns(self, subject: Subject) -> bool:
        return any(subject.same_as(s) for s in self.subjects)


def exemption_subjects(variables: Mapping[str, Any]) -> tuple[Subject, ...]:
    """The applicant of an exemption case (8(1)) as a register subject: the unit names of the
    application are free text, matched to the unit list by name or alias."""
    applicant_type = variables.get("applicantType")
    name = variables.get("applicantName")
    if not isinstance(name, str) or not name.strip():
        return ()
    if applicant_type == "unit":
        unit = unit_named(name)
        return (Subject("unit", unit.name, unit.id),) if unit else ()
    unit_text = variables.get("applicantUnit")
    unit = unit_named(unit_text if isinstance(unit_text, str) else None)
    return (Subject("person", name.strip(), unit.id),) if unit else ()


def exemption_outcome(variables: Mapping[str, Any]) -> str | None:
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


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _key(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def registered_case(instance: Mapping[str, Any], variables: Mapping[str, Any]) -> RegisteredCase:
    """A search item of /v2/process-instances and the instance's own register variables."""
    process_id = str(instance.get("processDefinitionId", ""))
    subjects = tuple(
        s
        for s in (Subject.from_variable(v) for v in variables.get("registerSubjects") or [])
        if s is not None
    )
    if not subjects and process_id == "exemption-procedure":
        subjects = exemption_subjects(variables)
    outcome = variables.get("registerOutcome")
    if process_id == "exemption-procedure":
        outcome = exemption_outcome(variables)
    name = variables.get("procedureName")
    category = variables.get("errorCategory")
    number = variables.get("caseNumber")
    return RegisteredCase(
        process_instance_key=int(str(instance["processInstanceKey"])),
        process_id=process_id,
        procedure_name=name
        if isinstance(name, str) and name
        else PROCEDURE_NAMES.get(
            process_id, str(instance.get("processDefinitionName") or process_id)
        ),
        case_number=number if isinstance(number, str) and number else None,
        started_at=_instant(instance.get("startDate")),
        ended_at=_instant(instance.get("endDate")),
        state=str(instance.get("state", "")),
        subjects=subjects,
        error_category=category if isinstance(category, str) and category else None,
        outcome=outcome if isinstance(outcome, str) and outcome else None,
        parent_process_instance_key=_key(instance.get("parentProcessInstanceKey")),
        variables=dict(variables),
    )


def _started(case: RegisteredCase) -> tuple[float, int]:
    return (case.started_at.timestamp() if case.started_at else 0.0, case.process_instance_key)


class RegisterClient:
    """Reads the register over /v2 (process instance and variable searches, paged)."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = (base_url or env("CAMUNDA_REST_ADDRESS") or DEFAULT_REST_ADDRESS).rstrip("/")
        if base.endswith("/v2"):
            base = base[: -len("/v2")]
        bearer = token or env("CAMUNDA_REST_TOKEN", "ZEEBE_BEARER_TOKEN")
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        self._base = base
        self._http = httpx.Client(
            base_url=base, headers=headers, timeout=timeout_s, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegisterClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(path, json=body)
        except httpx.HTTPError as error:
            raise RegisterUnavailable(
                f"无法读取登记簿：引擎 REST 接口 {self._base} 不可达（{type(error).__name__}）"
            ) from error
        if response.status_code != 200:
            raise RegisterUnavailable(
                f"无法读取登记簿：{path} 返回 {response.status_code} {response.text[:300]}"
            )
        answer = response.json()
        if not isinstance(answer, dict):
            raise RegisterUnavailable(f"无法读取登记簿：{path} 的回答不是 JSON 对象")
        return answer

    def _get(self, path: str) -> dict[str, Any]:
        try:
            response = self._http.get(path)
        except httpx.HTTPError as error:
            raise RegisterUnavailable(
                f"无法读取登记簿：引擎 REST 接口 {self._base} 不可达（{type(error).__name__}）"
            ) from error
        if response.status_code != 200:
            raise RegisterUnavailable(
                f"无法读取登记簿：{path} 返回 {response.status_code} {response.text[:300]}"
            )
        answer = response.json()
        return answer if isinstance(answer, dict) else {}

    def _search(self, path: str, filter_: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item, following the cursor (Camunda pages at most 10,000 by offset)."""
        page: dict[str, Any] = {"limit": PAGE_SIZE}
        while True:
            answer = self._post(path, {"filter": filter_, "page": page})
            items = answer.get("items") or []
            yield from items
            cursor = (answer.get("page") or {}).get("endCursor")
            if len(items) < PAGE_SIZE or not cursor:
                return
            page = {"limit": PAGE_SIZE, "after": cursor}

    def _variables(self) -> dict[int, dict[str, Any]]:
        """The register variables at each instance's own scope, by process instance key."""
        found: dict[int, dict[str, Any]] = {}
        for item in self._search(
            "/v2/variables/search", {"name": {"$in": list(REGISTER_VARIABLES)}}
        ):
            instance = _key(item.get("processInstanceKey"))
            if instance is None or _key(item.get("scopeKey")) != instance:
                continue
            text = item.get("value")
            if item.get("isTruncated"):
                text = self._get(f"/v2/variables/{item['variableKey']}").get("value")
            try:
                value = json.loads(text) if isinstance(text, str) else None
            except json.JSONDecodeError:
                value = text
            found.setdefault(instance, {})[str(item["name"])] = value
        return found

    def cases(self) -> list[RegisteredCase]:
        """Every case of every procedure, oldest first."""
        instances = [
            item
            for item in self._search("/v2/process-instances/search", {})
            if not item.get("parentProcessInstanceKey")
            or item.get("processDefinitionId") in PROCEDURE_IDS
        ]
        variables = self._variables()
        cases = [
            registered_case(i, variables.get(int(str(i["processInstanceKey"])), {}))
            for i in instances
        ]
        return sorted(cases, key=_started)

    def cases_of(self, subjects: Iterable[Subject]) -> list[RegisteredCase]:
        """The cases of any of these persons or units, oldest first."""
        wanted = list(subjects)
        return [c for c in self.cases() if any(c.concerns(s) for s in wanted)]
