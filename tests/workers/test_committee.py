"""报区委备案: the committee's record, numbered once per case and kept in the archive."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from workers.archive import CaseArchive
from workers.committee import CommitteeAcknowledgement, record_acknowledgement

NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)


def test_the_committee_number_is_kept_when_given(data_dir: Path) -> None:
    acknowledgement = CommitteeAcknowledgement.model_validate(
        {
            "caseNumber": "游容免〔2026〕3号",
            "committeeAcknowledgedOn": "2026-10-20",
            "committeeRecordNumber": "游委备〔2026〕12号",
            "committeeRemarks": "已备案",
        }
    )
    record = record_acknowledgement(data_dir, 7, acknowledgement, NOW)
    assert record.to_variables() == {
        "caseNumber": "游容免〔2026〕3号",
        "recordedAt": "2026-10-20T02:00:00Z",
        "recordNumber": "游委备〔2026〕12号",
        "acknowledgedOn": "2026-10-20",
        "remarks": "已备案",
    }
    decisions = CaseArchive.open("游容免〔2026〕3号").manifest().decisions
    assert [d.name for d in decisions] == ["committeeRecord"]


def test_the_office_numbers_the_record_once_when_the_committee_gives_none(
    data_dir: Path,
) -> None:
    acknowledgement = CommitteeAcknowledgement(
        case_number="游容免〔2026〕3号", committee_acknowledged_on=date(2026, 10, 20)
    )
    first = record_acknowledgement(data_dir, 7, acknowledgement, NOW)
    retried = record_acknowledgement(data_dir, 7, acknowledgement, NOW)
    other = record_acknowledgement(
        data_dir,
        8,
        CommitteeAcknowledgement(
            case_number="游容免〔2026〕4号", committee_acknowledged_on=date(2026, 10, 21)
        ),
        NOW,
    )
    assert first.record_number == retried.record_number == "游容免备〔2026〕1号"
    assert other.record_number == "游容免备〔2026〕2号"
