"""报区委备案 (Art. 8(4)): the district committee records an opinion on a district-managed cadre.

The committee's acknowledgement carries its own record number when it gives one; otherwise the
office numbers the record itself (游容免备〔YYYY〕N号), once per case, so a retried job keeps it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from workers.archive import CaseArchive
from workers.case_numbering import CaseNumber, SequenceRegistry
from workers.variables import ProcessVariables

RECORD_PREFIX = "游容免备"


class CommitteeAcknowledgement(ProcessVariables):
    case_number: str
    committee_acknowledged_on: date
    committee_record_number: str | None = None
    committee_remarks: str | None = None


class CommitteeRecord(ProcessVariables):
    case_number: str
    recorded_at: datetime
    record_number: str
    acknowledged_on: date
    remarks: str | None = None


def record_acknowledgement(
    root: Path,
    process_instance_key: int,
    acknowledgement: CommitteeAcknowledgement,
    recorded_at: datetime,
) -> CommitteeRecord:
    case_number = CaseNumber.parse(acknowledgement.case_number)
    given = (acknowledgement.committee_record_number or "").strip()
    if given:
        record_number = given
    else:
        registry = SequenceRegistry(root / "registers.sqlite3", "committee-record")
        year, sequence, _ = registry.assign(
            process_instance_key, acknowledgement.committee_acknowledged_on.year
        )
        record_number = f"{RECORD_PREFIX}〔{year}〕{sequence}号"
    record = CommitteeRecord(
        case_number=str(case_number),
        recorded_at=recorded_at,
        record_number=record_number,
        acknowledged_on=acknowledgement.committee_acknowledged_on,
        remarks=acknowledgement.committee_remarks,
    )
    archive = CaseArchive(root, case_number)
    archive.add_decision(
        "committeeRecord", record.model_dump(mode="json", by_alias=True, exclude={"recorded_at"})
    )
    # The committee's filing is the last step of the case: the archive is sealed after it.
    archive.seal()
    return record
