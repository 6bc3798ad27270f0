"""The job handlers, run through pyzeebe's own pipeline without an engine.

`run_job` hands a job to the registered task exactly as a worker does after activation and
records what the worker then reports to the gateway: completion, failure or BPMN error.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import structlog

from observability.logging import configure_logging
from tests.workers.support import (
    RecordingGateway,
    determined_case,
    make_job,
    pdf_text,
    read_json,
    run_job,
    valid_application,
)
from workers.archive import ArchiveSealedError, CaseArchive
from workers.archive import main as archive_main
from workers.jobs import TRANSIENT_RETRY_BACKOFF_MS, router, validate_application_job
from workers.working_days import BEIJING

CASE = "游容免〔2026〕3号"


def completed(gateway: RecordingGateway) -> dict[str, Any]:
    assert not gateway.failed, gateway.failed
    assert not gateway.errors, gateway.errors
    [completion] = gateway.completed
    variables: dict[str, Any] = completion["variables"]
    return variables


def incident(gateway: RecordingGateway) -> str:
    """The failure message, asserting the job failed with no retries left (an incident)."""
    assert not gateway.completed, gateway.completed
    [failure] = gateway.failed
    assert failure["retries"] == 0
    message: str = failure["message"]
    return message


def test_every_contract_job_type_has_a_handler() -> None:
    assert {task.type for task in router.tasks} == {
        "application.validate",
        "application.supplement-deadline",
        "case.assign-number",
        "calendar.publicity-period",
        "document.generate",
        "notice.send",
        "archive.file-case",
        "committee.record",
        "organisation.recusal",
        "organisation.check-assignment",
        "determination.check-opinion",
        "determination.check-approval",
        # reminder-warning (Art. 11)
        "reminder.assign-number",
        "reminder.reply-deadline",
        "reminder.letter",
        # Art. 10 periodic screening (workers/screening.py)
        "screening.prepare",
        "screening.mark-overdue",
        "screening.report",
        "screening.refer-problem",
        # rectification (Art. 12) and the register
        "rectification.open-case",
        "rectification.document",
        "rectification.remind-late-report",
        "register.repeat-check",
        # Chapter 4 (Arts. 13–15)
        "chapter-four.assign-number",
        "chapter-four.generate-document",
        "chapter-four.send",
        # Art. 19
        "opinion-response.assign-number",
        "opinion-response.notify-requester",
        "opinion-response.record",
    }
    # The contract sets no fetchVariables: every job reads the whole case.
    assert all(task.config.variables_to_fetch == [] for task in router.tasks)


# application.validate -----------------------------------------------------------------------------


def test_handlers_are_plain_functions_of_the_job(data_dir: Path) -> None:
    verdict = validate_application_job(make_job("application.validate", valid_application()))
    assert verdict == {"applicationFindings": []}


async def test_validate_accepts_a_valid_application(data_dir: Path) -> None:
    variables = completed(await run_job(make_job("application.validate", valid_application())))
    assert variables == {"applicationFindings": []}


async def test_validate_lists_an_unticked_accountability_box_as_a_finding(
    data_dir: Path,
) -> None:
    application = {**valid_application(), "accountabilityStarted": False}
    variables = completed(await run_job(make_job("application.validate", application)))
    assert set(variables) == {"applicationFindings"}
    assert any("申请人未勾选已启动问责" in f for f in variables["applicationFindings"])


async def test_supplement_deadline_counts_working_days_and_keeps_every_request(
    data_dir: Path,
) -> None:
    # 2026-09-30 (requested) + 5 working days skips the National Day holiday (10-1 … 10-8)
    variables = {
        "supplementItems": "补交问责决定书",
        "supplementWorkingDays": 5,
        "supplementRequests": [{"requestedOn": "2026-09-01"}],
    }
    job = make_job(
        "application.supplement-deadline",
        variables,
        engine_time=datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING),
    )
    result = completed(await run_job(job))
    assert result["supplementLastDay"] == "2026-10-13"
    assert result["supplementDueAt"] == "2026-10-14T00:00:00+08:00"
    assert [r["requestedOn"] for r in result["supplementRequests"]] == [
        "2026-09-01",
        "2026-09-30",
    ]
    assert result["supplementRequests"][1]["items"] == "补交问责决定书"


async def test_validate_turns_wrong_types_into_an_incident_naming_the_field(
    data_dir: Path,
) -> None:
    application = {**valid_application(), "applicantName": 42}
    message = incident(await run_job(make_job("application.validate", application)))
    assert "applicantName" in message


# case.assign-number -------------------------------------------------------------------------------


async def test_case_numbers_are_sequential_and_stable_across_retries(data_dir: Path) -> None:
    first = completed(
        await run_job(make_job("case.assign-number", valid_application(), process_instance_key=1))
    )
    retried = completed(
        await run_job(make_job("case.assign-number", valid_application(), process_instance_key=1))
    )
    second = completed(
        await run_job(make_job("case.assign-number", valid_application(), process_instance_key=2))
    )
    assert (
        first
        == retried
        == {
            "caseNumber": "游容免〔2026〕1号",
            "caseYear": 2026,
            "caseSequence": 1,
            # the register variables: the applicant as the person the case concerns
            "procedureName": "容错免责办理",
            "registerSubjects": [
                {"kind": "person", "name": "李明", "unitId": "dept-development-reform"}
            ],
        }
    )
    assert second["caseNumber"] == "游容免〔2026〕2号"
    # The application as filed is the first record of the case's archive.
    manifest = read_json(data_dir / "archive" / "2026-0001" / "manifest.json")
    [filed] = manifest["files"]
    assert (filed["fileName"], filed["kind"]) == ("application-as-filed.json", "application")
    as_filed = read_json(data_dir / "archive" / "2026-0001" / "application-as-filed.json")
    assert as_filed == valid_application()


async def test_each_document_gets_its_own_document_number(data_dir: Path) -> None:
    """发文字号 游纪容〔YYYY〕N号: one per document, none equal to the case number, no gaps, and
    a retried job keeps the number it was given."""
    case = determined_case()
    notice = await generate("acceptance-notice", case, 21)
    retried = await generate("acceptance-notice", case, 21)
    opinion = await generate("determination-opinion", case, 22)
    feedback = await generate("feedback-notice", case, 23)
    numbers = [d["documentNumber"] for d in (notice, opinion, feedback)]
    assert numbers == ["游纪容〔2026〕1号", "游纪容〔2026〕2号", "游纪容〔2026〕3号"]
    assert retried["documentNumber"] == notice["documentNumber"]
    assert CASE not in numbers
    text = pdf_text(Path(opinion["uri"].removeprefix("file://")))
    assert "游纪容〔2026〕2号" in text and f"受理编号：{CASE}" in text
    # A document the case cannot be written for takes no number: the register has no gap.
    with pytest.raises(AssertionError):
        completed(
            await run_job(
                make_job(
                    "document.generate",
                    {"caseNumber": CASE},
                    {"documentType": "determination-opinion"},
                    element_instance_key=24,
                )
            )
        )
    assert (await generate("feedback-notice", case, 25))["documentNumber"] == "游纪容〔2026〕4号"


async def test_case_year_falls_back_to_the_engine_date_in_beijing(data_dir: Path) -> None:
    # 2026-12-31T17:00Z is already 2027-01-01 in Beijing.
    job = make_job(
        "case.assign-number", {}, engine_time=datetime.fromisoformat("2026-12-31T17:00Z")
    )
    assert completed(await run_job(job))["caseNumber"] == "游容免〔2027〕1号"


# calendar.publicity-period ------------------------------------------------------------------------


async def test_publicity_period_across_national_day(data_dir: Path) -> None:
    job = make_job(
        "calendar.publicity-period",
        {"publicityStartDate": "2026-09-28"},
        {"workingDays": "7"},
        engine_time=datetime(2026, 9, 28, 9, 0, tzinfo=BEIJING),
    )
    assert completed(await run_job(job)) == {
        "publicityEndsAt": "2026-10-14T00:00:00+08:00",
        "publicityLastWorkingDay": "2026-10-13",
        "publicityStartProblem": None,
    }


async def test_publicity_starting_before_today_goes_back_to_the_office(data_dir: Path) -> None:
    job = make_job(
        "calendar.publicity-period",
        {"publicityStartDate": "2026-09-28"},
        {"workingDays": "7"},
        engine_time=datetime(2026, 9, 29, 0, 30, tzinfo=BEIJING),
    )
    answer = completed(await run_job(job))
    assert set(answer) == {"publicityStartProblem"}
    assert answer["publicityStartProblem"].startswith(
        "公示起始日（2026-09-28）早于今天（2026-09-29）"
    )


def _enter_2027(data_dir: Path) -> None:
    """What desk/holiday_schedule.py writes once an administrator entered 2027."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "holiday-schedules.json").write_text(
        json.dumps(
            {
                "years": {
                    "2027": {
                        "noticeNumber": "国办发明电〔2026〕9号",
                        "holidays": [f"2027-02-{d:02d}" for d in range(5, 14)],
                        "workdays": ["2027-01-30", "2027-02-20"],
                    }
                }
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


async def test_entered_holiday_schedule_lets_the_next_year_be_counted(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An administrator entered 2027 in the desk (desk/holiday_schedule.py writes the file)."""
    job = make_job(
        "calendar.publicity-period", {"publicityStartDate": "2027-01-29"}, {"workingDays": "7"}
    )
    assert "2027年" in incident(await run_job(job))
    _enter_2027(data_dir)
    # 30 Jan (Saturday, worked), 1–4 Feb, then the holiday 5–13 Feb, 15 and 16 Feb
    answer = completed(await run_job(job))
    assert answer["publicityLastWorkingDay"] == "2027-02-16"


async def test_unknown_year_is_an_incident_until_the_override_file_has_it(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = make_job(
        "calendar.publicity-period", {"publicityStartDate": "2027-03-01"}, {"workingDays": "7"}
    )
    message = incident(await run_job(job))
    assert "2027年" in message and "holiday-overrides.json" in message

    # The operator adds 2027 to the override file and resolves the incident: the job succeeds.
    overrides = tmp_path / "overrides.json"
    overrides.write_text('{"2027": {"holidays": [], "workdays": []}}', encoding="utf-8")
    monkeypatch.setenv("EXEMPTION_HOLIDAY_OVERRIDES", str(overrides))
    assert completed(await run_job(job))["publicityEndsAt"] == "2027-03-11T00:00:00+08:00"


@pytest.mark.parametrize(
    ("variables", "headers", "named"),
    [
        ({"publicityStartDate": "2026-09-28"}, {"workingDays": "seven"}, "workingDays"),
        ({}, {"workingDays": "7"}, "publicityStartDate"),
        ({"publicityStartDate": "28/09/2026"}, {"workingDays": "7"}, "publicityStartDate"),
    ],
)
async def test_publicity_period_bad_input_names_the_culprit(
    data_dir: Path, variables: dict[str, Any], headers: dict[str, str], named: str
) -> None:
    job = make_job("calendar.publicity-period", variables, headers)
    assert named in incident(await run_job(job))


# document.generate --------------------------------------------------------------------------------


async def test_generated_document_is_archived_and_described(data_dir: Path) -> None:
    job = make_job("document.generate", determined_case(), {"documentType": "acceptance-notice"})
    document = completed(await run_job(job))["document"]
    assert document["documentType"] == "acceptance-notice"
    assert document["title"] == "容错免责申请受理通知书"
    assert document["mediaType"] == "application/pdf"
    assert document["fileName"] == "2026-0003-acceptance-notice.pdf"
    assert document["uri"].startswith("file://")
    path = data_dir / "archive" / "2026-0003" / document["fileName"]
    assert document["uri"] == path.resolve().as_uri()
    text = pdf_text(path)
    assert CASE in text and "李明同志" in text
    # Dated by the decision: the later of the two acceptance reviews.
    assert "2026年9月7日（印章）" in text
    assert archive_main(["verify", CASE]) == 0


async def test_a_retried_document_job_replaces_its_own_file(data_dir: Path) -> None:
    job = make_job("document.generate", determined_case(), {"documentType": "feedback-notice"})
    first = completed(await run_job(job))["document"]
    again = completed(await run_job(job))["document"]
    assert (first["fileName"], first["sha256"]) == (again["fileName"], again["sha256"])
    assert len(list((data_dir / "archive" / "2026-0003").glob("*.pdf"))) == 1


async def test_a_second_opinion_after_an_objection_is_kept_beside_the_first(
    data_dir: Path,
) -> None:
    headers = {"documentType": "determination-opinion"}
    first = completed(
        await run_job(
            make_job("document.generate", determined_case(), headers, element_instance_key=10)
        )
    )["document"]
    not_recognised = {**determined_case(), "determinationRecognised": False}
    second = completed(
        await run_job(
            make_job("document.generate", not_recognised, headers, element_instance_key=20)
        )
    )["document"]
    assert first["fileName"] != second["fileName"]
    directory = data_dir / "archive" / "2026-0003"
    assert "不认定" in pdf_text(directory / second["fileName"])
    assert "经审定，认定" in pdf_text(directory / first["fileName"])


async def test_opinion_is_dated_by_the_engine_clock(data_dir: Path) -> None:
    job = make_job(
        "document.generate",
        determined_case(),
        {"documentType": "determination-opinion"},
        engine_time=datetime(2026, 9, 20, 9, 30, tzinfo=BEIJING),
    )
    document = completed(await run_job(job))["document"]
    assert document["createdAt"] == "2026-09-20T01:30:00Z"
    text = pdf_text(data_dir / "archive" / "2026-0003" / document["fileName"])
    assert "2026年9月20日（印章）" in text


async def test_invalid_application_reply_is_kept_without_a_case_number(data_dir: Path) -> None:
    variables = {
        **valid_application(),
        "accountabilityStarted": False,
        "applicationValid": False,
        "invalidReasons": ["尚未启动问责（accountabilityStarted），不符合第八条第（一）项"],
    }
    job = make_job(
        "document.generate",
        variables,
        {"documentType": "invalid-application-reply"},
        process_instance_key=77,
    )
    document = completed(await run_job(job))["document"]
    path = data_dir / "documents" / "unnumbered" / "77" / document["fileName"]
    assert "尚未启动问责" in pdf_text(path)
    assert not (data_dir / "archive").exists()


@pytest.mark.parametrize(
    ("variables", "headers", "named"),
    [
        (determined_case(), {"documentType": "memo"}, "documentType"),
        (determined_case(), {}, "documentType"),
        ({"applicantName": "李明"}, {"documentType": "acceptance-notice"}, "caseNumber"),
        (
            {**determined_case(), "caseNumber": "2026-3"},
            {"documentType": "acceptance-notice"},
            "受理编号",
        ),
        (
            {**determined_case(), "determinationOutcomes": "art9-1"},
            {"documentType": "feedback-notice"},
            "determinationOutcomes",
        ),
    ],
)
async def test_document_bad_input_is_an_incident_naming_the_culprit(
    data_dir: Path, variables: dict[str, Any], headers: dict[str, str], named: str
) -> None:
    assert named in incident(await run_job(make_job("document.generate", variables, headers)))


async def test_document_failure_is_an_incident_and_the_retry_after_the_fix_completes(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = make_job("document.generate", determined_case(), {"documentType": "acceptance-notice"})
    monkeypatch.setenv("EXEMPTION_PDF_FONT", "/nonexistent/font.ttf")
    message = incident(await run_job(job))
    assert "EXEMPTION_PDF_FONT" in message and "/nonexistent/font.ttf" in message
    assert not (data_dir / "archive").exists()

    # The operator corrects the setting and resolves the incident: the same job completes.
    monkeypatch.delenv("EXEMPTION_PDF_FONT")
    document = completed(await run_job(job))["document"]
    assert CASE in pdf_text(data_dir / "archive" / "2026-0003" / document["fileName"])


async def test_unexpected_failure_is_retried_with_back_off(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_disk(*args: object, **kwargs: object) -> bytes:
        raise OSError("No space left on device")

    monkeypatch.setattr("workers.jobs.render_pdf", broken_disk)
    job = make_job(
        "document.generate", determined_case(), {"documentType": "acceptance-notice"}, retries=3
    )
    gateway = await run_job(job)
    [failure] = gateway.failed
    assert failure["retries"] == 2
    assert failure["retry_back_off_ms"] == TRANSIENT_RETRY_BACKOFF_MS
    assert "No space left on device" in failure["message"]


# notice.send --------------------------------------------------------------------------------------


async def generate(kind: str, variables: dict[str, Any], element: int) -> dict[str, Any]:
    job = make_job(
        "document.generate", variables, {"documentType": kind}, element_instance_key=element
    )
    document: dict[str, Any] = completed(await run_job(job))["document"]
    return document


async def test_acceptance_notice_goes_to_the_applicant_with_the_pdf(data_dir: Path) -> None:
    document = await generate("acceptance-notice", determined_case(), 10)
    job = make_job(
        "notice.send",
        {**determined_case(), "document": document},
        {"recipient": "applicant", "noticeType": "acceptance-notice"},
        element_instance_key=11,
    )
    notice = completed(await run_job(job))["notice"]
    assert notice["recipient"] == "applicant"
    assert notice["noticeType"] == "acceptance-notice"
    assert notice["channel"] == "file"
    eml = data_dir / "outbox" / f"{notice['noticeId']}.eml"
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert "liming@example.org" in str(message["To"])
    assert CASE in str(message["Subject"])
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["2026-0003-acceptance-notice.pdf"]
    # Retried job: same notice, not a second one.
    assert completed(await run_job(job))["notice"] == notice
    assert len(list((data_dir / "outbox").glob("*.eml"))) == 1


async def test_feedback_to_the_applicant_carries_the_written_opinion(data_dir: Path) -> None:
    opinion = await generate("determination-opinion", determined_case(), 20)
    feedback = await generate("feedback-notice", determined_case(), 21)
    case = {**determined_case(), "determinationOpinionDocument": opinion}
    for recipient, element in (("applicant", 22), ("org-personnel", 23)):
        job = make_job(
            "notice.send",
            {**case, "document": feedback},
            {"recipient": recipient, "noticeType": "determination-feedback"},
            element_instance_key=element,
        )
        notice = completed(await run_job(job))["notice"]
        eml = data_dir / "outbox" / f"{notice['noticeId']}.eml"
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        names = sorted(str(part.get_filename()) for part in message.iter_attachments())
        assert names == [
            "2026-0003-determination-opinion.pdf",
            "2026-0003-feedback-notice.pdf",
        ]
    org = (data_dir / "outbox" / "determination-feedback-org-personnel-23.eml").read_bytes()
    body = message_from_bytes(org, policy=policy.default).get_body(("plain",))
    assert body is not None and "组织人事部门" in body.get_content()


async def test_a_forged_document_outside_the_data_directory_is_refused(data_dir: Path) -> None:
    document = await generate("acceptance-notice", determined_case(), 10)
    forged = {**document, "uri": "file:///etc/passwd"}
    job = make_job(
        "notice.send",
        {**determined_case(), "document": forged},
        {"recipient": "applicant", "noticeType": "acceptance-notice"},
    )
    message = incident(await run_job(job))
    assert "/etc/passwd" in message and "EXEMPTION_DATA_DIR" in message
    assert not (data_dir / "outbox").exists()


async def test_reminder_needs_no_document(data_dir: Path) -> None:
    job = make_job(
        "notice.send",
        {**determined_case(), "acceptanceReminderAfter": "P10D"},
        {"recipient": "leading-group-office", "noticeType": "acceptance-reminder"},
    )
    notice = completed(await run_job(job))["notice"]
    eml = (data_dir / "outbox" / f"{notice['noticeId']}.eml").read_bytes()
    body = message_from_bytes(eml, policy=policy.default).get_body(("plain",))
    assert body is not None
    assert "受理审核已超过本地规定的办理时限（10日）" in body.get_content()


async def test_reinvestigation_goes_to_the_leading_group(data_dir: Path) -> None:
    job = make_job(
        "notice.send",
        {**determined_case(), "objectionHandlingNotes": "举报材料属实"},
        {"recipient": "leading-group", "noticeType": "reinvestigation"},
    )
    notice = completed(await run_job(job))["notice"]
    assert notice["recipient"] == "leading-group"
    eml = (data_dir / "outbox" / f"{notice['noticeId']}.eml").read_bytes()
    message = message_from_bytes(eml, policy=policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert text.startswith("游仙区容错纠错工作领导小组：")
    assert CASE in text and "退回调查核实" in text and "举报材料属实" in text
    assert list(message.iter_attachments()) == []


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"recipient": "applicant", "noticeType": "acceptance-notice"}, "document"),
        ({"recipient": "mayor", "noticeType": "acceptance-reminder"}, "recipient"),
        ({"recipient": "applicant", "noticeType": "gossip"}, "noticeType"),
        ({"noticeType": "acceptance-reminder"}, "recipient"),
    ],
)
async def test_notice_bad_request_is_an_incident_naming_the_culprit(
    data_dir: Path, headers: dict[str, str], named: str
) -> None:
    job = make_job("notice.send", determined_case(), headers)
    assert named in incident(await run_job(job))


# archive.file-case --------------------------------------------------------------------------------


async def test_filing_a_determined_case_records_documents_and_decisions(data_dir: Path) -> None:
    case: dict[str, Any] = {**determined_case(), "districtManagedCadre": False}
    case["acceptanceNoticeDocument"] = await generate("acceptance-notice", case, 1)
    case["determinationOpinionDocument"] = await generate("determination-opinion", case, 2)
    case["feedbackNoticeDocument"] = await generate("feedback-notice", case, 3)
    case["applicantFeedbackNotice"] = {"noticeId": "n-1", "recipient": "applicant"}
    job = make_job("archive.file-case", case, {"closure": "determined"})
    record = completed(await run_job(job))["archiveRecord"]
    assert record["caseNumber"] == CASE
    # Three documents and the record of the whole case.
    assert record["documentCount"] == 4
    manifest = read_json(record["manifestPath"])
    case_record = next(f for f in manifest["files"] if f["fileName"] == "case-record.json")
    assert case_record["kind"] == "case-record"
    # Not a district-managed cadre: nothing follows the filing, so the archive is sealed.
    assert manifest["sealedAt"] and manifest["sealSha256"]
    decisions = {d["name"]: d["value"] for d in manifest["decisions"]}
    assert decisions["closure"] == "determined"
    assert decisions["determinationRecognised"] is True
    # Both the rule's suggestion and the people's decision are in the file.
    assert decisions["outcomeSuggestion"] == ["art9-1", "art9-2", "art9-3", "art9-4"]
    assert decisions["determinationOutcomes"] == ["art9-1", "art9-4"]
    assert decisions["applicantFeedbackNotice"]["noticeId"] == "n-1"
    assert archive_main(["verify", CASE]) == 0
    # Filing again (a retried job) changes nothing.
    assert completed(await run_job(job))["archiveRecord"]["documentCount"] == 4


async def test_filing_refuses_a_document_altered_since_generation(data_dir: Path) -> None:
    case: dict[str, Any] = determined_case()
    document = await generate("acceptance-notice", case, 1)
    case["acceptanceNoticeDocument"] = {**document, "sha256": "0" * 64}
    job = make_job("archive.file-case", case, {"closure": "determined"})
    message = incident(await run_job(job))
    assert "acceptanceNoticeDocument" in message and "SHA-256" in message


@pytest.mark.parametrize(
    ("variables", "headers", "named"),
    [
        (determined_case(), {"closure": "finished"}, "closure"),
        ({}, {"closure": "not-accepted"}, "caseNumber"),
        (
            {**determined_case(), "rejectionNoticeDocument": "a.pdf"},
            {"closure": "not-accepted"},
            "rejectionNoticeDocument",
        ),
    ],
)
async def test_filing_bad_input_is_an_incident_naming_the_culprit(
    data_dir: Path, variables: dict[str, Any], headers: dict[str, str], named: str
) -> None:
    assert named in incident(await run_job(make_job("archive.file-case", variables, headers)))


# committee.record ---------------------------------------------------------------------------------


async def test_committee_record(data_dir: Path) -> None:
    variables = {
        **determined_case(),
        "committeeAcknowledgedOn": "2026-10-20",
        "committeeRecordNumber": "游委备〔2026〕12号",
        "committeeRemarks": "已备案",
    }
    record = completed(await run_job(make_job("committee.record", variables)))["committeeRecord"]
    assert record["caseNumber"] == CASE
    assert record["recordNumber"] == "游委备〔2026〕12号"
    assert record["recordedAt"]
    # The committee's filing is the last step: the archive is sealed after it.
    manifest = read_json(data_dir / "archive" / "2026-0003" / "manifest.json")
    assert manifest["sealedAt"] and manifest["sealSha256"]


async def test_committee_record_without_acknowledgement_date_names_it(data_dir: Path) -> None:
    message = incident(await run_job(make_job("committee.record", determined_case())))
    assert "committeeAcknowledgedOn" in message


# organisation.recusal, organisation.check-assignment -------------------------------------------


async def test_recusal_job_offers_every_unit_but_the_recused(data_dir: Path) -> None:
    variables = completed(await run_job(make_job("organisation.recusal", valid_application())))
    offered = [option["value"] for option in variables["assignableDepartments"]]
    recused = {r["department"] for r in variables["recusedDepartments"]}
    assert recused == {"dept-discipline-commission", "dept-development-reform"}
    assert not recused & set(offered)
    assert {"label": "魏城镇", "value": "town-weicheng"} in variables["assignableDepartments"]
    assert variables["departmentNames"]["street-fujiang"] == "涪江街道"
    assert "区纪委监委（系本案问责主体）" in variables["recusalNotice"]


async def test_check_assignment_job_refuses_a_recused_unit_naming_the_field(
    data_dir: Path,
) -> None:
    refused = completed(
        await run_job(
            make_job(
                "organisation.check-assignment",
                {**valid_application(), "investigatingDepartments": ["dept-discipline-commission"]},
            )
        )
    )
    assert refused["assignmentAccepted"] is False
    assert refused["assignmentRefusal"].startswith("「负责调查核实的部门」不得选择区纪委监委")
    accepted = completed(
        await run_job(
            make_job(
                "organisation.check-assignment",
                {**valid_application(), "investigatingDepartments": ["town-weicheng"]},
            )
        )
    )
    assert accepted == {"assignmentAccepted": True, "assignmentRefusal": None}


# logging ------------------------------------------------------------------------------------------


async def test_every_log_line_of_a_job_names_the_process_instance_and_job(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    monkeypatch.setenv("LOG_FORMAT", "json")
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging(stream=stream)
    try:
        await run_job(
            make_job("application.validate", valid_application(), process_instance_key=5, key=6)
        )
        await run_job(
            make_job("application.validate", {"applicantName": 1}, process_instance_key=5, key=7)
        )
    finally:
        structlog.reset_defaults()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    ours = [line for line in lines if line["event"].startswith(("application.", "job."))]
    assert {line["event"] for line in ours} == {"application.examined", "job.incident"}
    assert all(line["process_instance_key"] == 5 for line in ours)
    assert sorted(line["job_key"] for line in ours) == [6, 7]


async def test_a_cadres_archive_is_sealed_after_the_committee_filing(data_dir: Path) -> None:
    """Filing leaves a district cadre's case open for the committee's record; that record seals
    it, and nothing can be added afterwards."""
    case: dict[str, Any] = determined_case()
    case["feedbackNoticeDocument"] = await generate("feedback-notice", case, 41)
    filing = make_job("archive.file-case", case, {"closure": "determined"})
    manifest = read_json(completed(await run_job(filing))["archiveRecord"]["manifestPath"])
    assert manifest["sealedAt"] is None
    acknowledged = {**case, "committeeAcknowledgedOn": "2026-10-20"}
    completed(await run_job(make_job("committee.record", acknowledged)))
    archive = CaseArchive.open(CASE)
    assert archive.manifest().sealed_at is not None
    with pytest.raises(ArchiveSealedError):
        archive.add_decision("lateRemark", "补记")
    assert archive_main(["verify", CASE]) == 0
