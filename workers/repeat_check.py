"""The repeat check of Art. 12 (同一错误再次发生): the earlier cases of the same person or unit,
across every procedure of the register, and which of them concern the same category of error.

The check proposes, it does not decide: a repeated error is shown to the office at the supervision
check with a suggestion of serious handling (严肃处理), and the office decides. An error exempted
once (容错免责) is an earlier case of its category too: exemption spares the cadre accountability
for that error, not the scrutiny when it recurs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workers.chinese_dates import chinese_date
from workers.error_categories import category_name
from workers.register import RegisteredCase, Subject
from workers.working_days import BEIJING

# Ch. 4 procedures find a report untrue or protect people: their cases are no errors of the person.
NOT_ERRORS = frozenset(
    {"clarification", "false-accusation", "retaliation-complaint", "public-opinion-response"}
)


@dataclass(frozen=True)
class RepeatCheck:
    earlier: tuple[RegisteredCase, ...]
    repeated: tuple[RegisteredCase, ...]
    findings: tuple[str, ...]

    @property
    def repeated_error(self) -> bool:
        return bool(self.repeated)

    def to_variables(self) -> dict[str, Any]:
        return {
            "earlierCases": [_summary(c, c in self.repeated) for c in self.earlier],
            "repeatedError": self.repeated_error,
            "repeatCheckFindings": list(self.findings),
            "repeatCheckText": "\n".join(self.findings),
        }


def _day(moment: datetime | None) -> str:
    return chinese_date(moment.astimezone(BEIJING).date()) if moment else "日期不详"


def _summary(case: RegisteredCase, repeated: bool) -> dict[str, object]:
    return {
        "procedureName": case.procedure_name,
        "caseNumber": case.case_number,
        "startedAt": case.started_at.isoformat() if case.started_at else None,
        "endedAt": case.ended_at.isoformat() if case.ended_at else None,
        "errorCategory": case.error_category,
        "outcome": case.outcome,
        "sameError": repeated,
    }


def _who(subjects: Iterable[Subject]) -> str:
    return "、".join(s.name for s in subjects if s.name) or "该单位或个人"


def _sentence(case: RegisteredCase) -> str:
    number = f"（{case.case_number}）" if case.case_number else ""
    category = f"，问题类别为“{category_name(case.error_category)}”" if case.error_category else ""
    outcome = f"，办理结果：{case.outcome}" if case.outcome else "，尚在办理中"
    return f"{_day(case.started_at)}{case.procedure_name}{number}{category}{outcome}"


def check_repeats(
    subjects: Iterable[Subject],
    category: str | None,
    cases: Iterable[RegisteredCase],
    *,
    this_case: int,
    related: Iterable[int] = (),
    related_numbers: Iterable[str] = (),
) -> RepeatCheck:
    """`this_case` and the `related` instances (the case it came from) are the same problem, not
    an earlier one, and are left out."""
    wanted = list(subjects)
    skip = {this_case, *related}
    skip_numbers = {n for n in related_numbers if n}
    current = next((c for c in cases if c.process_instance_key == this_case), None)
    before = current.started_at if current else None
    earlier = tuple(
        c
        for c in cases
        if c.process_instance_key not in skip
        and c.parent_process_instance_key not in skip
        and (c.case_number is None or c.case_number not in skip_numbers)
        and any(c.concerns(s) for s in wanted)
        and (before is None or c.started_at is None or c.started_at <= before)
    )
    repeated = tuple(
        c
        for c in earlier
        if category is not None and c.error_category == category and c.process_id not in NOT_ERRORS
    )
    who = _who(wanted)
    if not earlier:
        findings: tuple[str, ...] = (f"经查登记簿，{who}此前没有其他案件记录。",)
    else:
        lines = [f"经查登记簿，{who}此前共有{len(earlier)}件案件记录："]
        lines += [f"{i}. {_sentence(c)}。" for i, c in enumerate(earlier, start=1)]
        if repeated:
            exempted = [c for c in repeated if c.process_id == "exemption-procedure"]
            lines.append(
                f"其中{len(repeated)}件与本案同属“{category_name(category or '')}”类问题，"
                "属于同一错误再次发生，建议依照《游仙区容错纠错实施办法（试行）》第十二条"
                "进行严肃处理。"
            )
            if exempted:
                lines.append("该类错误此前曾经容错免责认定，现再次发生，请在监督检查时重点审核。")
        else:
            lines.append("上述案件与本案不属同一类问题，未发现同一错误再次发生。")
        findings = tuple(lines)
    return RepeatCheck(earlier, repeated, findings)
