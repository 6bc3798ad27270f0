"""End to end: a document that cannot be generated raises an incident naming the cause; once the
configuration is fixed and the incident resolved, the case goes on with nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.procedure import case_steps as steps
from tests.procedure.scenario import ProcedureRun, assert_passed_in_order, squeeze


async def test_f_document_failure_is_an_incident_and_the_case_resumes_after_resolution(
    procedure: ProcedureRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run = procedure
    case = await run.start_case(steps.application(applicantName="陈静"))
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(
        run, case, {"dept-audit": steps.finding("dept-audit", "容缺受理有会议纪要支持")}
    )
    await run.complete_task(
        case,
        "draftDeterminationOpinion",
        steps.recognising_opinion(publicity=False),
        candidate_group="leading-group-office",
    )
    # the draft the leading group approves is rendered before the font goes missing
    await run.wait_until_passed(case, "investigation#generateOpinionDraft")
    missing_font = tmp_path / "fonts" / "missing-song.ttf"
    monkeypatch.setenv("EXEMPTION_PDF_FONT", str(missing_font))
    await run.complete_task(
        case, "approveDeterminationOpinion", steps.approval(), candidate_group="leading-group"
    )

    incident = await run.wait_for_incident(case)
    assert incident["elementId"] == "generateDeterminationOpinion"
    assert "EXEMPTION_PDF_FONT" in incident["errorMessage"]
    assert str(missing_font) in incident["errorMessage"]
    [job] = [j for j in run.harness.engine.query.jobs() if j["jobKey"] == incident["jobKey"]]
    assert job["retries"] == 0
    waiting = run.stage_variables(case, "investigation")
    assert "determinationOpinionDocument" not in waiting
    assert run.notice_kinds() == [("acceptance-notice", "applicant")]

    # the operator fixes the configuration, gives the job a retry and resolves the incident
    monkeypatch.delenv("EXEMPTION_PDF_FONT")
    await run.update_job_retries(int(incident["jobKey"]), 1)
    await run.resolve_incident(int(incident["incidentKey"]))

    await run.wait_until_passed(case, "investigation#generateDeterminationOpinion")
    await steps.org_personnel_receipt(run, case)
    await run.wait_until_completed(case)

    assert run.incidents(case) == []
    path = run.path(case)
    assert path.count("investigation#generateDeterminationOpinion") == 1
    assert path.count("investigation#draftDeterminationOpinion") == 1
    assert_passed_in_order(
        path,
        "investigation#approveDeterminationOpinion",
        "investigation#generateDeterminationOpinion",
        "feedback-filing#archiveCase",
        "exemption-procedure#caseClosedEnd",
    )

    # nothing lost: what was decided before the incident is still there and in the documents
    variables = run.variables(case)
    case_number = variables["caseNumber"]
    for name in ("departmentFindings", "investigatingDepartments", "eligibilitySuggestion"):
        assert variables[name] == waiting[name], name
    assert variables["outcomeSuggestion"] == ["art9-1", "art9-2", "art9-3", "art9-4"]
    assert variables["determinationOutcomes"] == ["art9-1", "art9-4"]
    assert variables["acceptanceNoticeDocument"]["fileName"] == "2026-0001-acceptance-notice.pdf"
    opinion = squeeze(run.document_text(variables["determinationOpinionDocument"]))
    for expected in (case_number, "申请人：陈静", "区审计局", "认定申请人的行为符合容错免责情形"):
        assert expected in opinion, expected
    assert run.notice_kinds() == [
        ("acceptance-notice", "applicant"),
        ("determination-feedback", "accountability-subject"),
        ("determination-feedback", "applicant"),
        ("determination-feedback", "org-personnel"),
    ]
    manifest = await run.assert_verified_archive(case_number)
    kinds = sorted(f["kind"] for f in manifest["files"])
    # The documents, with the application as filed and the record of the whole case.
    assert kinds == [
        "acceptance-notice",
        "application",
        "case-record",
        "determination-opinion",
        "determination-opinion-draft",
        "feedback-notice",
    ]
