"""What the people of Article 8 submit at each user task, as their forms would submit it.

Each step waits for its task, submits the form's variables and returns them, so a scenario can
assert that what was decided is what the documents say. A step needs only something that completes
a case's user task (`TaskCompleter`): the in-process `ProcedureRun`, or a client of a running
product over its REST API (tests/containers).
"""

from __future__ import annotations

from typing import Any, Protocol

from tests.procedure.scenario import Case

SUBJECT_GROUP = "subject-discipline-commission"


class TaskCompleter(Protocol):
    async def complete_task(
        self, case: Case, element_id: str, variables: dict[str, Any], *, candidate_group: str = ""
    ) -> dict[str, Any]:
        """Waits for the case's open user task `element_id` (offered to `candidate_group` when
        given) and submits `variables` as its form would; returns the task."""
        ...


def application(**changes: Any) -> dict[str, Any]:
    """A valid application by an individual (start form `application-form`)."""
    return {
        "applicantType": "individual",
        "applicantName": "李明",
        "applicantUnit": "游仙区发展和改革局",
        "applicantPosition": "副局长",
        "applicantContact": "0816-1234567",
        "applicantEmail": "liming@example.org",
        "districtManagedCadre": False,
        "accountabilityStarted": True,
        "accountabilityMatter": "产业园区项目前期审批容缺受理",
        "accountabilityStartDate": "2026-08-20",
        "accountabilitySubject": "区纪委监委",
        "accountabilitySubjectGroup": SUBJECT_GROUP,
        "accountabilityKinds": ["administrative"],
        "conduct": "为加快项目落地，在部分材料未齐备时先行受理审批",
        "claimedCircumstances": ["art7-2", "art7-8"],
        "lossRecoveryMeasures": "已督促企业补齐材料，项目未造成经济损失",
        "supportingDocuments": "会议纪要\n项目审批台账",
        "applicationDate": "2026-09-01",
        **changes,
    }


async def joint_acceptance_review(
    run: TaskCompleter,
    case: Case,
    *,
    office_accepts: bool = True,
    subject_accepts: bool = True,
    office_reason: str = "申请要件齐全，属于受理范围",
    subject_reason: str = "同意受理",
) -> None:
    """8(2): the office and the accountability subject each give their opinion."""
    await run.complete_task(
        case,
        "officeAcceptanceReview",
        {
            "officeAcceptsApplication": office_accepts,
            "officeAcceptanceReason": office_reason,
            "officeReviewedOn": "2026-09-04",
        },
        candidate_group="leading-group-office",
    )
    await run.complete_task(
        case,
        "subjectAcceptanceOpinion",
        {
            "subjectAcceptsApplication": subject_accepts,
            "subjectAcceptanceReason": subject_reason,
            "subjectReviewedOn": "2026-09-07",
        },
        candidate_group=SUBJECT_GROUP,
    )


def finding(
    department: str,
    conclusion: str,
    *,
    circumstances: list[str] | None = None,
    knowing_violation: bool = False,
) -> dict[str, Any]:
    """A department's findings (form `investigation-department-findings`)."""
    return {
        "factsVerified": f"{department}已调阅审批台账并约谈相关人员",
        "circumstancesFound": ["art7-2"] if circumstances is None else circumstances,
        "distinctionExperience": "knowing-violation"
        if knowing_violation
        else "reform-inexperience",
        "distinctionProhibition": "no-explicit-restriction",
        "distinctionIntent": "unintentional-for-development",
        "privateGain": False,
        "investigationConclusion": conclusion,
        "investigationCompletedOn": "2026-09-18",
    }


async def joint_investigation(
    run: TaskCompleter, case: Case, findings: dict[str, dict[str, Any]]
) -> None:
    """8(3): the leading group assigns departments; each investigates with the subject."""
    await run.complete_task(
        case,
        "assignDepartments",
        {
            "investigatingDepartments": list(findings),
            "investigationInstructions": "会同问责主体核实容缺受理的决策过程",
        },
        candidate_group="leading-group",
    )
    for department, submitted in findings.items():
        await run.complete_task(
            case, "departmentInvestigation", submitted, candidate_group=department
        )
    for _ in findings:
        # one confirmation per department instance, all offered to the same subject group
        await run.complete_task(
            case,
            "subjectJointConfirmation",
            {"subjectConcurs": True, "subjectComments": "对核实结论无异议"},
            candidate_group=SUBJECT_GROUP,
        )


def recognising_opinion(*, publicity: bool) -> dict[str, Any]:
    """The office's written determination opinion, recognising (form
    `investigation-determination-opinion`); it deviates from the DMN's outcome suggestion."""
    opinion: dict[str, Any] = {
        "determinationRecognised": True,
        "determinationCircumstances": ["art7-2", "art7-8"],
        "determinationDistinctionExperience": "reform-inexperience",
        "determinationDistinctionProhibition": "no-explicit-restriction",
        "determinationDistinctionIntent": "unintentional-for-development",
        "determinationOutcomes": ["art9-1", "art9-4"],
        "determinationReasoning": "失误系为推动项目落地，未谋取私利",
        "deviationReason": "情节轻微，不予组织处理",
        "publicityRequired": publicity,
    }
    if publicity:
        opinion["publicityScope"] = "区发展和改革局"
    return opinion


def rejecting_opinion() -> dict[str, Any]:
    return {
        "determinationRecognised": False,
        "determinationDistinctionExperience": "knowing-violation",
        "determinationDistinctionProhibition": "no-explicit-restriction",
        "determinationDistinctionIntent": "unintentional-for-development",
        "determinationReasoning": "异议查实：明知审批材料虚假仍予受理",
        "deviationReason": "公示异议查实的新事实",
        "publicityRequired": False,
    }


async def determination(run: TaskCompleter, case: Case, opinion: dict[str, Any]) -> None:
    """The office drafts the written opinion and the leading group approves it."""
    await run.complete_task(
        case, "draftDeterminationOpinion", opinion, candidate_group="leading-group-office"
    )
    await run.complete_task(
        case,
        "approveDeterminationOpinion",
        {"opinionApproved": True, "approvalComments": "同意"},
        candidate_group="leading-group",
    )


async def arrange_publicity(run: TaskCompleter, case: Case, start: str) -> None:
    await run.complete_task(
        case,
        "arrangePublicity",
        {
            "publicityStartDate": start,
            "publicityScope": "区发展和改革局",
            "publicityChannel": "district-website",
        },
        candidate_group="leading-group-office",
    )


async def org_personnel_receipt(run: TaskCompleter, case: Case) -> None:
    await run.complete_task(
        case,
        "orgPersonnelReceipt",
        {"orgPersonnelReceivedOn": "2026-10-16", "orgPersonnelNotes": "已收悉，归入干部档案"},
        candidate_group="org-personnel",
    )


def objection(content: str, received_on: str, objector: str = "赵强") -> dict[str, Any]:
    """An objection as the office records it in the desk (desk/objections.py)."""
    return {
        "content": content,
        "receivedOn": received_on,
        "objectorName": objector,
        "objectorContact": "0816-7654321",
    }


async def answer_objection(
    run: TaskCompleter,
    case: Case,
    *,
    upheld: bool,
    answer: str = "经核实，所反映问题与本案无关，审定意见不作变更",
    element_id: str = "handleObjection",
) -> None:
    """The office checks an objection and answers it in writing (form
    `publicity-objection-handling`, or `publicity-late-objection-handling` for a late one)."""
    await run.complete_task(
        case,
        element_id,
        {
            "objectionSubstantiated": upheld,
            "objectionHandlingNotes": "已调阅审批台账并约谈相关人员",
            "objectionAnswer": answer,
        },
        candidate_group="leading-group-office",
    )
