"""The procedures of the measures the desk lists: one entry each. A new procedure (say
`public-opinion-response`) is one more row here; the index, the search page, the register's
history and the dashboard all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Procedure:
    id: str  # the BPMN process id
    name: str  # its Chinese name, as the register's `procedureName`
    chapter: int  # the chapter of the measures: 2 容错免责, 3 纠错, 4 澄清保护, 5 组织保障


PROCEDURES: tuple[Procedure, ...] = (
    Procedure("exemption-procedure", "容错免责办理", 2),
    Procedure("problem-screening", "定期排查梳理", 3),
    Procedure("reminder-warning", "提醒告诫", 3),
    Procedure("rectification", "问题整改", 3),
    Procedure("clarification", "澄清了结", 4),
    Procedure("false-accusation", "诬告陷害查处", 4),
    Procedure("retaliation-complaint", "打击报复举报人投诉", 4),
    # Art. 19: the publicity department's answer to public opinion, requested from any case
    Procedure("public-opinion-response", "舆论解释回应", 5),
)
PROCEDURE_BY_ID = {procedure.id: procedure for procedure in PROCEDURES}
EXEMPTION = "exemption-procedure"


def procedure_name(process_id: str) -> str:
    found = PROCEDURE_BY_ID.get(process_id)
    return found.name if found else "其他流程"


def work_beyond_exemption() -> tuple[Procedure, ...]:
    """The work of Chapters 3-5 (correction, clarification and protection, public opinion)."""
    return tuple(p for p in PROCEDURES if p.chapter in (3, 4, 5))
