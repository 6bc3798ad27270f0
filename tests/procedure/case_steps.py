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
    reform_context: str = "problem-solving",
    public_spirit: str = "public-spirited",
    objective_cause: str = "unforeseeable",
    consequence_severity: str = "remedied",
) -> dict[str, Any]:
    """A department's findings (form `investigation-department-findings`), with Art. 6 (setting,
    motive, objective cause) and Art. 4 (background, motive, consequences) decided explicitly."""
    return {
        "factsVerified": f"{department}已调阅审批台账并约谈相关人员",
        "circumstancesFound": ["art7-2"] if circumstances is None else circumstances,
        "distinctionExperience": "knowing-violation"
        if knowing_violation
        else "reform-inexperience",
        "distinctionProhibition": "no-explicit-restriction",
        "distinctionIntent": "unintentional-for-development",
        "privateGain": False,
        "reformContext": reform_context,
        "publicSpirit": public_spirit,
        "objectiveCause": objective_cause,
        "conductBackground": "产业园区项目须在年内开工，企业部分审批材料一时难以备齐",
        "conductMotive": "为加快项目落地、服务企业，未谋取个人或小团体利益",
        "conductConsequences": "企业已补齐材料，项目未造成经济损失和不良社会影响",
        "consequenceSeverity": consequence_severity,
        "investigationConclusion": conclusion,
        "investigationCompletedOn": "2026-09-18",
    }


async def assign_departments(run: TaskCompleter, case: Case, departments: list[str]) -> None:
    """8(3): the leading group directs the units to investigate (form
    `investigation-assign-departments`)."""
    await run.complete_task(
        case,
        "assignDepartments",
        {
            "investigatingDepartments": departments,
            "investigationInstructions": "会同问责主体核实容缺受理的决策过程",
        },
        candidate_group="leading-group",
    )


async def joint_investigation(
    run: TaskCompleter,
    case: Case,
    findings: dict[str, dict[str, Any]],
    *,
    subject_concurs: bool = True,
) -> None:
    """8(3): the leading group assigns departments; each investigates with the subject."""
    await assign_departments(run, case, list(findings))
    for department, submitted in findings.items():
        await run.complete_task(
            case, "departmentInvestigation", submitted, candidate_group=department
        )
    for _ in findings:
        # one confirmation per department instance, all offered to the same subject group
        await run.complete_task(
            case,
            "subjectJointConfirmation",
            {"subjectConcurs": True, "subjectComments": "对核实结论无异议"}
            if subject_concurs
            else {
                "subjectConcurs": False,
                "subjectComments": "容缺受理未经集体研究，调查结论依据不足",
            },
            candidate_group=SUBJECT_GROUP,
        )


def findings_disagreement_ruling(decision: str = "adopt-findings") -> dict[str, Any]:
    """The leading group's decision when the subject does not concur (form
    `investigation-findings-disagreement`)."""
    return {
        "findingsDisagreementDecision": decision,
        "findingsDisagreementReason": "审计局调取的会议纪要证实事项经集体研究，问责主体意见不成立"
        if decision == "adopt-findings"
        else "双方对是否经集体研究各执一词，须另行调取原始记录",
        "findingsDisagreementDecidedBy": "领导小组会议（组长主持）",
        "findingsDisagreementDecidedOn": "2026-09-25",
        "findingsDisagreementMinutes": "游容纠领〔2026〕3号",
    }


async def rule_on_findings_disagreement(
    run: TaskCompleter, case: Case, decision: str = "adopt-findings"
) -> dict[str, Any]:
    """The leading group decides when the subject does not concur with the findings."""
    ruling = findings_disagreement_ruling(decision)
    await run.complete_task(
        case, "decideFindingsDisagreement", ruling, candidate_group="leading-group"
    )
    return ruling


def recognising_opinion(*, publicity: bool) -> dict[str, Any]:
    """The office's written determination opinion, recognising (form
    `investigation-determination-opinion`); it deviates from the DMN's outcome suggestion."""
    opinion: dict[str, Any] = {
        "determinationRecognised": True,
        "determinationCircumstances": ["art7-2", "art7-8"],
        "determinationDistinctionExperience": "reform-inexperience",
        "determinationDistinctionProhibition": "no-explicit-restriction",
        "determinationDistinctionIntent": "unintentional-for-development",
        "determinationPublicInterest": True,
        "determinationUnforeseeable": True,
        "determinationReformContext": True,
        "determinationBackground": "项目建设时限紧迫，为加快落地先行受理；未造成经济损失",
        "determinationOutcomes": ["art9-1", "art9-4"],
        "determinationAdministrativeTreatment": "exempted",
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
        "determinationBackground": "明知审批材料虚假仍予受理，造成不良影响",
        "determinationReasoning": "异议查实：明知审批材料虚假仍予受理",
        "deviationReason": "公示异议查实的新事实",
        "publicityRequired": False,
    }


def approval(**changes: Any) -> dict[str, Any]:
    """The leading group approves the draft in a meeting (form `investigation-opinion-approval`);
    `approval(opinionApproved=False, sendBackRemarks=...)` sends it back instead."""
    decision: dict[str, Any] = {
        "opinionApproved": True,
        "approvalMethod": "meeting",
        "approvalMeetingDate": "2026-09-25",
        "approvalMinutesNumber": "游容领纪〔2026〕3号",
        "approvalDecidedBy": "王建国",
        "approvalComments": "同意",
        **changes,
    }
    if not decision["opinionApproved"]:
        decision.pop("approvalComments", None)
    return decision


async def determination(run: TaskCompleter, case: Case, opinion: dict[str, Any]) -> None:
    """The office drafts the written opinion and the leading group approves it."""
    await run.complete_task(
        case, "draftDeterminationOpinion", opinion, candidate_group="leading-group-office"
    )
    await run.complete_task(
        case, "approveDeterminationOpinion", approval(), candidate_group="leading-group"
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


async def org_personnel_receipt(run: TaskCompleter, case: Case, *, recognised: bool = True) -> None:
    """8(4) and Art. 9: every recipient of the opinion signs for it (送达回证): the organisation/
    personnel department, the applicant (recorded by the office) and the accountability subject,
    which also records how it applied the opinion to the accountability case. When the exemption
    was recognised, 区委组织部 also records how it applied the result (Art. 18)."""
    await org_personnel_signs(run, case)
    if recognised:
        await org_department_records_cadre_use(run, case)
    await applicant_service_proof(run, case)
    await subject_applies_outcome(run, case)


async def org_personnel_signs(run: TaskCompleter, case: Case) -> None:
    await run.complete_task(
        case,
        "orgPersonnelReceipt",
        {
            "orgPersonnelReceivedBy": "张华",
            "orgPersonnelReceivedOn": "2026-10-16",
            "orgPersonnelServiceMethod": "in-person",
            "orgPersonnelNotes": "已收悉，归入干部档案",
        },
        candidate_group="org-personnel",
    )


def cadre_use(**changes: Any) -> dict[str, Any]:
    """What 区委组织部 records on `feedback-cadre-use` (Art. 18)."""
    record: dict[str, Any] = {
        "cadreUseInAssessment": "2026年度考核中客观评价，不因本次容错免责事项降低考核等次",
        "cadreUseInAppointment": "纳入优秀年轻干部人选，选拔任用不受影响",
        "cadreUseRemarks": "已将审定意见归入干部档案",
        "cadreUseRecordedBy": "刘洋",
        "cadreUseRecordedOn": "2026-10-20",
    }
    record.update(changes)
    return record


async def org_department_records_cadre_use(
    run: TaskCompleter, case: Case, submitted: dict[str, Any] | None = None
) -> None:
    await run.complete_task(
        case,
        "recordCadreUse",
        cadre_use() if submitted is None else submitted,
        candidate_group="dept-org-department",
    )


async def request_supplement(
    run: TaskCompleter,
    case: Case,
    *,
    items: str = "请补充提交问责决定书复印件和项目审批台账",
    working_days: int = 10,
) -> None:
    """8(2) 补正: the office asks the applicant to supplement the materials instead of deciding."""
    await run.complete_task(
        case,
        "officeAcceptanceReview",
        {
            "officeRequestsSupplement": True,
            "supplementItems": items,
            "supplementWorkingDays": working_days,
            "officeAcceptanceReason": "申请材料不全，需补正后再行审核",
            "officeReviewedOn": "2026-09-03",
        },
        candidate_group="leading-group-office",
    )


async def record_supplement(
    run: TaskCompleter,
    case: Case,
    *,
    received: bool = True,
    materials: str = "问责决定书复印件一份、项目审批台账一册",
    received_on: str = "2026-09-10",
) -> None:
    """The office records the applicant's supplement (or that none came by the deadline)."""
    submitted: dict[str, Any] = {"supplementReceived": received, "supplementMaterials": materials}
    if received:
        submitted["supplementReceivedOn"] = received_on
    await run.complete_task(
        case, "awaitSupplement", submitted, candidate_group="leading-group-office"
    )


async def leading_group_acceptance_decision(
    run: TaskCompleter,
    case: Case,
    *,
    accepts: bool,
    reason: str,
    method: str = "meeting",
    minutes_number: str = "游容领〔2026〕2号",
    decided_on: str = "2026-09-11",
) -> None:
    """8(2): the office and the accountability subject disagreed; the leading group decides."""
    submitted: dict[str, Any] = {
        "leadingGroupAcceptsApplication": accepts,
        "leadingGroupDecisionReason": reason,
        "leadingGroupDecisionMethod": method,
        "leadingGroupDecidedOn": decided_on,
    }
    if method == "meeting":
        submitted["leadingGroupMinutesNumber"] = minutes_number
    await run.complete_task(
        case, "leadingGroupAcceptanceDecision", submitted, candidate_group="leading-group"
    )


async def applicant_service_proof(run: TaskCompleter, case: Case) -> None:
    await run.complete_task(
        case,
        "recordApplicantService",
        {
            "applicantReceivedBy": "李明",
            "applicantServedOn": "2026-10-16",
            "applicantServiceMethod": "in-person",
        },
        candidate_group="leading-group-office",
    )


def subject_application(**changes: Any) -> dict[str, Any]:
    """The accountability subject's receipt and how it applied the opinion (form
    `feedback-subject-application`)."""
    return {
        "subjectReceivedBy": "孙伟",
        "subjectServedOn": "2026-10-16",
        "subjectServiceMethod": "in-person",
        "subjectAccountabilityDecision": "依照审定意见办理问责，作出处理决定",
        "subjectAppliedOn": "2026-10-20",
        **changes,
    }


async def subject_applies_outcome(
    run: TaskCompleter, case: Case, submitted: dict[str, Any] | None = None
) -> None:
    await run.complete_task(
        case,
        "subjectAppliesOutcome",
        subject_application() if submitted is None else submitted,
        candidate_group=SUBJECT_GROUP,
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
