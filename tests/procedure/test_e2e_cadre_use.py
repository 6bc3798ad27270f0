"""Article 18 end to end: when the determination recognises the exemption, 区委组织部 records how
it applied the result in assessing and appointing the cadre, after the organisation/personnel
department has signed for the opinion; the record enters the case file and the archive. A case
not recognised never creates that task."""

from __future__ import annotations

from datetime import timedelta

from tests.procedure import case_steps as steps
from tests.procedure.desk_session import desk_for
from tests.procedure.scenario import Case, ProcedureRun, assert_passed_in_order
from tests.procedure.test_e2e_due_dates import due_dates, iso
from workers.form_submissions import FORM_SUBMISSIONS

ORG_DEPARTMENT = "dept-org-department"
FINDINGS = {
    "dept-audit": steps.finding("dept-audit", "容缺受理程序有会议纪要支持"),
}


async def _determined(run: ProcedureRun, opinion: dict[str, object]) -> Case:
    case = await run.start_case(steps.application(districtManagedCadre=False))
    await steps.joint_acceptance_review(run, case)
    await steps.joint_investigation(run, case, FINDINGS)
    await steps.determination(run, case, opinion)
    return case


async def test_recognised_case_asks_the_organisation_department_to_record_the_use(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await _determined(run, steps.recognising_opinion(publicity=False))
    await steps.org_personnel_signs(run, case)

    task = await run.wait_for_user_task(case, "recordCadreUse")
    assert task["candidateGroups"] == [ORG_DEPARTMENT]
    assert run.form_id(task) == "feedback-cadre-use"
    # local policy: due 30 days after it is created (docs/local-policy.md); the clock stands still
    due = await due_dates(run, "recordCadreUse", ORG_DEPARTMENT)
    assert due == [iso(run.harness.now + timedelta(days=30))]

    record = steps.cadre_use()
    FORM_SUBMISSIONS["feedback-cadre-use"].model_validate(record)
    await steps.org_department_records_cadre_use(run, case, record)
    await steps.applicant_service_proof(run, case)
    await steps.subject_applies_outcome(run, case)
    await run.wait_until_completed(case)

    assert_passed_in_order(
        run.path(case),
        "feedback-filing#orgPersonnelReceipt",
        "feedback-filing#cadreUseGateway",
        "feedback-filing#recordCadreUse",
        "feedback-filing#cadreUseJoin",
        "feedback-filing#archiveCase",
    )
    variables = run.variables(case)
    assert variables["cadreUseRecord"] == {
        "inAssessment": record["cadreUseInAssessment"],
        "inAppointment": record["cadreUseInAppointment"],
        "remarks": record["cadreUseRemarks"],
        "recordedBy": "刘洋",
        "recordedOn": "2026-10-20",
    }
    manifest = await run.assert_verified_archive(variables["caseNumber"])
    filed = {d["name"]: d["value"] for d in manifest["decisions"]}
    assert filed["cadreUseRecord"]["recordedBy"] == "刘洋"

    async with desk_for(run) as sign_in:
        # the department reads its own record in the case file
        department = sign_in(ORG_DEPARTMENT)
        answer = await department.get(f"/cases/{case.key}/file")
        assert answer.status_code == 200, answer.text
    decisions = answer.json()["decisions"]
    [entry] = [d for d in decisions if d["task"] == "区委组织部记录认定结果运用情况"]
    assert entry["state"] == "已办理"
    shown = {field["label"]: field["value"] for field in entry["fields"]}
    assert shown["在考核评价中的运用"] == record["cadreUseInAssessment"]
    assert shown["在选拔任用中的运用"] == record["cadreUseInAppointment"]
    assert shown["记录人"] == "刘洋"
    assert "2026" in shown["记录日期"]


async def test_case_not_recognised_creates_no_task_for_the_organisation_department(
    procedure: ProcedureRun,
) -> None:
    run = procedure
    case = await _determined(run, steps.rejecting_opinion())
    await steps.org_personnel_receipt(run, case, recognised=False)
    await run.wait_until_completed(case)

    path = run.path(case)
    assert_passed_in_order(
        path,
        "feedback-filing#orgPersonnelReceipt",
        "feedback-filing#cadreUseGateway",
        "feedback-filing#cadreUseJoin",
        "feedback-filing#archiveCase",
    )
    assert "feedback-filing#recordCadreUse" not in path
    assert all(t["elementId"] != "recordCadreUse" for t in run.user_tasks(case))
    assert "cadreUseRecord" not in run.variables(case)
