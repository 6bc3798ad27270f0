"""What each form of the procedure submits, one pydantic model per form (`forms/*.form`).

A client completing a user task (the desk, a test) can validate the variables against the form's
model before sending them, and get an error naming the field instead of a case that stalls later
on a value no worker or gateway condition understands. The consistency tests check that every
field of every form is a field of its model and that every option the form offers is accepted.

The models check shape and allowed values only. Whether an application is admissible is the
business of `application.validate` (8(1)): a deficient application is answered, not refused, so
the start form's model leaves presence to that check.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, model_validator

from workers.determination import (
    ApprovalRecord,
    OpinionDraft,
    approval_refusal_text,
    approval_refusals,
    opinion_refusals,
    refusal_text,
)
from workers.error_categories import category_codes
from workers.organisation import district_unit_ids
from workers.reminder_warning import MAX_WORKING_DAYS
from workers.variables import CamelModel

ApplicantType = Literal["unit", "individual"]
SubjectGroup = Literal[
    "subject-discipline-commission",
    "subject-org-department",
    "subject-district-committee",
    "subject-district-government",
    "subject-unit-party-organisation",
]
AccountabilityKind = Literal["administrative", "disciplinary"]
Art7Circumstance = Literal[
    "art7-1",
    "art7-2",
    "art7-3",
    "art7-4",
    "art7-5",
    "art7-6",
    "art7-7",
    "art7-8",
    "art7-9",
    "art7-10",
]
Art9Outcome = Literal["art9-1", "art9-2", "art9-3", "art9-4", "art9-5"]


def _district_unit(value: str) -> str:
    if value not in district_unit_ids():
        raise ValueError(f"{value} 不在本区单位名录中")
    return value


# Any unit of the district (Art. 8(3) "相关部门"), not only Art. 5's member units.
Department = Annotated[str, AfterValidator(_district_unit)]
# Art. 3, the three distinctions (三个区分开来)
DistinctionExperience = Literal["reform-inexperience", "knowing-violation"]
DistinctionProhibition = Literal["no-explicit-restriction", "persisted-after-ban"]
DistinctionIntent = Literal["unintentional-for-development", "private-gain-violation"]
PublicityChannel = Literal["unit-bulletin", "district-website", "internal-notice"]
# Art. 6: the setting of the conduct, its motive and its objective cause
ReformContext = Literal["reform-innovation", "problem-solving", "pilot-first", "none"]
PublicSpirit = Literal["public-spirited", "not-public-spirited"]
ObjectiveCause = Literal[
    "force-majeure", "unforeseeable", "other-objective-factor", "subjective-fault"
]
# Art. 4: the consequences weighed
ConsequenceSeverity = Literal["limited", "remedied", "serious"]
FindingsDisagreementDecision = Literal["adopt-findings", "reinvestigate"]
# Art. 9 (四)/(五): 从轻, 减轻 or 免于 (处理/处分)
Treatment = Literal["lighter", "reduced", "exempted"]
# How the leading group took its decision on the opinion: in a meeting (with minutes) or by
# circulating the draft among its members (传阅).
ApprovalMethod = Literal["meeting", "circulation"]
# How a document was served (送达回证).
ServiceMethod = Literal["in-person", "post", "electronic", "entrusted"]


def _error_category(value: str) -> str:
    if value not in category_codes():
        raise ValueError(f"{value} 不在问题类别目录中")
    return value


# A code of workers/data/error-categories.json (the register's `errorCategory`).
ErrorCategoryCode = Annotated[str, AfterValidator(_error_category)]
# Art. 12's sources of a problem to rectify (and Art. 11's, when a reminder leads here).
RectificationSource = Literal[
    "supervision-check",
    "special-inspection",
    "integrity-evaluation",
    "written-enquiry",
    "talk",
    "other",
]
RectificationSubjectKind = Literal["person", "unit"]
ReportInterval = Literal["P15D", "P30D", "P60D"]
RectificationAssessment = Literal["rectified", "not-rectified", "ineffective"]
RectificationHandling = Literal["close", "serious-handling"]


class FormSubmission(CamelModel):
    # A key the form does not have is a client error, not something to carry into the case.
    model_config = ConfigDict(extra="forbid")


class ApplicationFormSubmission(FormSubmission):
    """`application-form`, the start form of `exemption-procedure` (8(1))."""

    applicant_type: ApplicantType | None = None
    applicant_name: str | None = None
    applicant_unit: str | None = None
    applicant_position: str | None = None
    applicant_contact: str | None = Field(default=None, pattern=r"^[0-9+\- ]{7,20}$")
    applicant_email: str | None = None
    district_managed_cadre: bool = False
    accountability_started: bool = False
    accountability_matter: str | None = None
    accountability_start_date: date | None = None
    accountability_subject: str | None = None
    accountability_subject_group: SubjectGroup | None = None
    accountability_kinds: list[AccountabilityKind] = Field(default_factory=list)
    conduct: str | None = None
    claimed_circumstances: list[Art7Circumstance] = Field(default_factory=list)
    loss_recovery_measures: str | None = None
    supporting_documents: str | None = None
    application_date: date | None = None
    error_category: ErrorCategoryCode | None = None


class OfficeAcceptanceReview(FormSubmission):
    """`acceptance-office-review` (8(2), the leading group office)."""

    office_accepts_application: bool = False
    office_acceptance_reason: str
    office_reviewed_on: date
    # Incomplete materials: ask the applicant to supplement them instead of deciding (补正).
    office_requests_supplement: bool = False
    supplement_items: str | None = None
    supplement_working_days: int | None = Field(default=None, ge=1, le=30)


class SubjectAcceptanceOpinion(FormSubmission):
    """`acceptance-subject-opinion` (8(2), together with the accountability subject)."""

    subject_accepts_application: bool = False
    subject_acceptance_reason: str
    subject_reviewed_on: date


AcceptanceDecisionMethod = Literal["meeting", "circulation"]


class SupplementReceipt(FormSubmission):
    """`acceptance-supplement-receipt` (8(2), the office records the supplement or its absence)."""

    supplement_received: bool = False
    supplement_received_on: date | None = None
    supplement_materials: str | None = None


class LeadingGroupAcceptanceDecision(FormSubmission):
    """`acceptance-leading-group-decision` (8(2), the leading group settles a disagreement)."""

    leading_group_accepts_application: bool = False
    leading_group_decision_reason: str
    leading_group_decided_on: date
    leading_group_decision_method: AcceptanceDecisionMethod
    leading_group_minutes_number: str | None = None


class DepartmentAssignment(FormSubmission):
    """`investigation-assign-departments` (8(3), the leading group)."""

    investigating_departments: list[Department] = Field(min_length=1)
    investigation_instructions: str


class DepartmentFindings(FormSubmission):
    """`investigation-department-findings` (8(3), each department)."""

    facts_verified: str
    circumstances_found: list[Art7Circumstance] = Field(default_factory=list)
    distinction_experience: DistinctionExperience
    distinction_prohibition: DistinctionProhibition
    distinction_intent: DistinctionIntent
    private_gain: bool = False
    reform_context: ReformContext
    public_spirit: PublicSpirit
    objective_cause: ObjectiveCause
    conduct_background: str
    conduct_motive: str
    conduct_consequences: str
    consequence_severity: ConsequenceSeverity
    investigation_conclusion: str
    investigation_completed_on: date


class SubjectJointConfirmation(FormSubmission):
    """`investigation-subject-confirmation` (8(3), jointly with the accountability subject)."""

    subject_concurs: bool = False
    subject_comments: str


class FindingsDisagreementRuling(FormSubmission):
    """`investigation-findings-disagreement` (8(3), the leading group decides when the
    accountability subject does not concur with the findings)."""

    findings_disagreement_decision: FindingsDisagreementDecision
    findings_disagreement_reason: str
    findings_disagreement_decided_by: str
    findings_disagreement_decided_on: date
    findings_disagreement_minutes: str | None = None


class DeterminationOpinion(FormSubmission):
    """`investigation-determination-opinion` (8(3), the office's written opinion; Arts. 3, 4, 6,
    7, 9). Whether the opinion holds together is `workers.determination`'s rule; pass the case's
    `applicantType` as validation context to have Art. 9 (五) checked for a unit applicant."""

    determination_recognised: bool = False
    determination_circumstances: list[Art7Circumstance] | None = None
    determination_distinction_experience: DistinctionExperience
    determination_distinction_prohibition: DistinctionProhibition
    determination_distinction_intent: DistinctionIntent
    determination_public_interest: bool = False
    determination_unforeseeable: bool = False
    determination_reform_context: bool = False
    determination_background: str | None = None
    determination_outcomes: list[Art9Outcome] | None = None
    determination_administrative_treatment: Treatment | None = None
    determination_disciplinary_treatment: Treatment | None = None
    determination_reasoning: str
    deviation_reason: str | None = None
    publicity_required: bool = False
    publicity_scope: str | None = None

    @model_validator(mode="after")
    def _holds_together(self, info: ValidationInfo) -> DeterminationOpinion:
        context = info.context if isinstance(info.context, dict) else {}
        applicant_type = context.get("applicantType")
        refused = refusal_text(
            opinion_refusals(
                OpinionDraft(
                    applicant_type=applicant_type if isinstance(applicant_type, str) else None,
                    recognised=self.determination_recognised,
                    circumstances=list(self.determination_circumstances or []),
                    distinction_experience=self.determination_distinction_experience,
                    distinction_prohibition=self.determination_distinction_prohibition,
                    distinction_intent=self.determination_distinction_intent,
                    public_interest=self.determination_public_interest,
                    unforeseeable=self.determination_unforeseeable,
                    reform_context=self.determination_reform_context,
                    outcomes=list(self.determination_outcomes or []),
                    administrative_treatment=self.determination_administrative_treatment,
                    disciplinary_treatment=self.determination_disciplinary_treatment,
                )
            )
        )
        if refused:
            raise ValueError(refused)
        return self


class OpinionApproval(FormSubmission):
    """`investigation-opinion-approval` (8(3), the leading group): approves the draft or sends it
    back with remarks, and records how the group decided and who signed for it."""

    opinion_approved: bool = False
    approval_method: ApprovalMethod | None = None
    approval_meeting_date: date | None = None
    approval_minutes_number: str | None = None
    approval_circulated_on: date | None = None
    approval_decided_by: str | None = None
    approval_comments: str | None = None
    send_back_remarks: str | None = None

    @model_validator(mode="after")
    def _records_the_decision(self) -> OpinionApproval:
        refused = approval_refusal_text(
            approval_refusals(
                ApprovalRecord(
                    approved=self.opinion_approved,
                    method=self.approval_method,
                    meeting_date=self.approval_meeting_date,
                    minutes_number=self.approval_minutes_number,
                    circulated_on=self.approval_circulated_on,
                    decided_by=self.approval_decided_by,
                    send_back_remarks=self.send_back_remarks,
                )
            )
        )
        if refused:
            raise ValueError(refused)
        return self


class PublicityArrangement(FormSubmission):
    """`publicity-arrangement` (8(3) publicity)."""

    publicity_start_date: date
    publicity_scope: str
    publicity_channel: PublicityChannel


class ObjectionHandling(FormSubmission):
    """`publicity-objection-handling` (8(3), objections during publicity)."""

    objection_substantiated: bool = False
    objection_handling_notes: str
    # The written answer, quoted in the reply document (答复书) sent to the objector.
    objection_answer: str


class LateObjectionHandling(FormSubmission):
    """`publicity-late-objection-handling` (8(3), an objection the publicity cannot take)."""

    objection_substantiated: bool = False
    objection_handling_notes: str
    objection_answer: str


class LateObjectionReview(FormSubmission):
    """`publicity-late-objection-review` (the leading group studies a late objection found true)."""

    leading_group_objection_decision: str


class OrgPersonnelReceipt(FormSubmission):
    """`feedback-org-personnel-receipt` (8(4), the organisation/personnel department), its
    proof of service (送达回证) included."""

    org_personnel_received_on: date
    org_personnel_received_by: str | None = None
    org_personnel_service_method: ServiceMethod | None = None
    org_personnel_notes: str | None = None


class CadreUseRecord(FormSubmission):
    """`feedback-cadre-use` (Art. 18): how 区委组织部 applied a recognised exemption in assessing
    and appointing the cadre, and who recorded it."""

    cadre_use_in_assessment: str = Field(min_length=1, max_length=2000)
    cadre_use_in_appointment: str = Field(min_length=1, max_length=2000)
    cadre_use_remarks: str | None = Field(default=None, max_length=2000)
    cadre_use_recorded_by: str = Field(min_length=1, max_length=100)
    cadre_use_recorded_on: date


class ApplicantServiceProof(FormSubmission):
    """`feedback-applicant-service` (8(4)): the office records the proof of service (送达回证)
    of the determination opinion on the applicant."""

    applicant_served_on: date
    applicant_received_by: str
    applicant_service_method: ServiceMethod
    applicant_service_notes: str | None = None


class SubjectOutcomeApplication(FormSubmission):
    """`feedback-subject-application` (Art. 9 acted on): the accountability subject signs for the
    opinion and records how it applied it to the accountability case."""

    subject_served_on: date
    subject_received_by: str
    subject_service_method: ServiceMethod
    subject_applied_on: date
    subject_accountability_decision: str
    subject_application_notes: str | None = None


class CommitteeAcknowledgementForm(FormSubmission):
    """`committee-acknowledgement` (8(4), the district committee)."""

    committee_acknowledged_on: date
    committee_record_number: str
    committee_remarks: str | None = None


# Art. 11, reminders and warnings (bpmn/reminder-warning.bpmn) ------------------------------
ProblemSource = Literal[
    "petition", "inspection", "discipline-review", "personal-matters", "daily-supervision", "other"
]
DisposalMethod = Literal["talk", "enquiry", "life-meeting"]
EnquiryDeliveryMethod = Literal["in-person", "post", "entrusted"]
OutcomeKind = Literal["closed", "rectification", "clarification"]
ClosureReason = Literal["untrue", "explained", "reminded"]
EnquiryWorkingDays = Annotated[int, Field(ge=1, le=MAX_WORKING_DAYS)]


class ProblemRegistration(FormSubmission):
    """`reminder-problem-registration`, the start form of `reminder-warning`."""

    problem_source: ProblemSource
    problem_summary: str = Field(min_length=1, max_length=2000)
    person_name: str = Field(min_length=1, max_length=50)
    person_position: str = Field(min_length=1, max_length=100)
    person_unit_id: Department


class DisposalProposal(FormSubmission):
    """`reminder-disposal-proposal` (the office proposes 约谈, 函询 or 民主生活会说明)."""

    disposal_method: DisposalMethod
    minor_matter: bool = False
    disposal_reason: str = Field(min_length=1, max_length=2000)
    enquiry_working_days: EnquiryWorkingDays | None = None
    enquiry_reminder_working_days: EnquiryWorkingDays | None = None


class DisposalApproval(FormSubmission):
    """`reminder-disposal-approval` (the commission's leaders), with how and by whom."""

    disposal_approved: bool = False
    disposal_approval_method: ApprovalMethod
    disposal_approval_meeting_date: date | None = None
    disposal_approval_minutes_number: str | None = None
    disposal_approval_circulated_on: date | None = None
    disposal_approved_by: str = Field(min_length=1, max_length=50)
    disposal_approval_comments: str | None = None
    disposal_send_back_remarks: str | None = None

    @model_validator(mode="after")
    def _records_how(self) -> DisposalApproval:
        missing = []
        if self.disposal_approval_method == "meeting":
            if self.disposal_approval_meeting_date is None:
                missing.append("会议日期")
            if not self.disposal_approval_minutes_number:
                missing.append("会议纪要编号")
        elif self.disposal_approval_circulated_on is None:
            missing.append("传批日期")
        if not self.disposal_approved and not self.disposal_send_back_remarks:
            missing.append("退回意见")
        if missing:
            raise ValueError("审批记录不完整，请填写：" + "、".join(missing))
        return self


class EnquiryDelivery(FormSubmission):
    """`reminder-enquiry-delivery` (the office records how the 函询函 was served)."""

    enquiry_delivered_on: date
    enquiry_delivery_method: EnquiryDeliveryMethod
    enquiry_delivery_receiver: str = Field(min_length=1, max_length=50)


class EnquiryReply(FormSubmission):
    """`reminder-enquiry-reply` (the office records the cadre's written reply)."""

    enquiry_reply_received_on: date
    enquiry_reply_summary: str = Field(min_length=1, max_length=4000)
    enquiry_reply_endorsed: bool = False


class TalkRecord(FormSubmission):
    """`reminder-talk-record` (约谈: who talked, when, what was said)."""

    talk_conducted_by: str = Field(min_length=1, max_length=100)
    talk_date: date
    talk_record: str = Field(min_length=1, max_length=4000)


class LifeMeetingRecord(FormSubmission):
    """`reminder-life-meeting-record` (民主生活会说明, criticism and self-criticism)."""

    life_meeting_name: str = Field(min_length=1, max_length=100)
    life_meeting_date: date
    life_meeting_explanation: str = Field(min_length=1, max_length=4000)
    life_meeting_criticism: str = Field(min_length=1, max_length=4000)


class DisposalOutcome(FormSubmission):
    """`reminder-outcome` (了结, 整改 or 澄清, with reasons)."""

    outcome_kind: OutcomeKind
    closure_reason: ClosureReason | None = None
    outcome_reasoning: str = Field(min_length=1, max_length=4000)
    outcome_decided_on: date

    @model_validator(mode="after")
    def _closure_has_a_reason(self) -> DisposalOutcome:
        if self.outcome_kind == "closed" and self.closure_reason is None:
            raise ValueError("了结的，请选择了结理由")
        return self


# Art. 10 periodic screening (bpmn/problem-screening.bpmn) ----------------------------------------

ScreenedSource = Literal["petition", "inspection", "discipline-review", "personal-matters"]


class ScreeningStart(FormSubmission):
    """`problem-screening-start`: the office deploys a screening ad hoc (Art. 10)."""

    screening_all_units: bool = True
    screening_units: list[Department] | None = None
    screening_period: str | None = Field(default=None, max_length=40)
    screening_filing_days: int = Field(default=20, ge=1, le=90)
    screening_requirements: str | None = Field(default=None, max_length=2000)


class ScreeningAnalysis(FormSubmission):
    """`problem-screening-analysis`: a unit's party organisation files its analysis."""

    petition_findings: str = Field(max_length=3000)
    inspection_findings: str = Field(max_length=3000)
    discipline_review_findings: str = Field(max_length=3000)
    personal_matters_findings: str = Field(max_length=3000)
    screening_tendencies: str = Field(max_length=3000)
    screening_measures: str = Field(max_length=3000)


class ReferredProblemEntry(FormSubmission):
    """One entry of the review form's list of problems referred for Art. 11 handling."""

    source: ScreenedSource
    person_name: str = Field(min_length=1, max_length=40)
    person_position: str | None = Field(default=None, max_length=60)
    unit_id: Department
    summary: str = Field(min_length=1, max_length=2000)


class ScreeningReview(FormSubmission):
    """`problem-screening-review`: the office's 分析研判 and the problems it refers."""

    screening_assessment: str = Field(max_length=5000)
    problems_referred: bool = False
    referred_problems: list[ReferredProblemEntry] | None = None


class RectificationRegistration(FormSubmission):
    """`rectification-registration`, the start form of `rectification` (Art. 12)."""

    subject_kind: RectificationSubjectKind
    person_name: str | None = Field(default=None, max_length=100)
    person_position: str | None = Field(default=None, max_length=100)
    unit_id: Department
    problem_source: RectificationSource
    error_category: ErrorCategoryCode
    problem_summary: str = Field(min_length=1, max_length=4000)
    problem_found_on: date

    @model_validator(mode="after")
    def _person_has_a_name(self) -> RectificationRegistration:
        if self.subject_kind == "person" and not (self.person_name or "").strip():
            raise ValueError("整改对象为个人的，应填写姓名")
        return self


class RectificationNoticeDrafting(FormSubmission):
    """`rectification-notice-drafting` (Art. 12, the discipline commission's office)."""

    rectification_requirements: str = Field(min_length=1, max_length=4000)
    rectification_deadline: date
    progress_report_interval: ReportInterval


class RectificationAnalysis(FormSubmission):
    """`rectification-analysis`: the unit's party organisation records the analysis, causes and
    plan (Art. 12 分析问题，查找原因，研究解决办法)."""

    problem_analysis: str = Field(min_length=1, max_length=4000)
    problem_causes: str = Field(min_length=1, max_length=4000)
    rectification_plan: str = Field(min_length=1, max_length=4000)
    analysis_recorded_by: str = Field(min_length=1, max_length=100)
    analysis_recorded_on: date


class RectificationProgressReport(FormSubmission):
    """`rectification-progress-report`: one report of progress, until the rectification is done."""

    progress_reported_on: date
    progress_summary: str = Field(min_length=1, max_length=4000)
    rectification_completed: bool = False


class RectificationSupervisionCheck(FormSubmission):
    """`rectification-supervision-check` (Art. 12 加强对问题整改的监督检查)."""

    checked_on: date
    check_findings: str = Field(min_length=1, max_length=4000)
    rectification_assessment: RectificationAssessment
    proposed_handling: RectificationHandling
    handling_reason: str = Field(min_length=1, max_length=4000)


class RectificationHandlingApproval(FormSubmission):
    """`rectification-handling-approval`: the commission's leaders approve, naming the approver."""

    handling_approved: bool = False
    handling_approved_by: str = Field(min_length=1, max_length=100)
    handling_approved_on: date
    handling_approval_remarks: str | None = Field(default=None, max_length=4000)


FORM_SUBMISSIONS: dict[str, type[FormSubmission]] = {
    "application-form": ApplicationFormSubmission,
    "acceptance-office-review": OfficeAcceptanceReview,
    "acceptance-subject-opinion": SubjectAcceptanceOpinion,
    "acceptance-supplement-receipt": SupplementReceipt,
    "acceptance-leading-group-decision": LeadingGroupAcceptanceDecision,
    "investigation-assign-departments": DepartmentAssignment,
    "investigation-department-findings": DepartmentFindings,
    "investigation-subject-confirmation": SubjectJointConfirmation,
    "investigation-findings-disagreement": FindingsDisagreementRuling,
    "investigation-determination-opinion": DeterminationOpinion,
    "investigation-opinion-approval": OpinionApproval,
    "publicity-arrangement": PublicityArrangement,
    "publicity-objection-handling": ObjectionHandling,
    "publicity-late-objection-handling": LateObjectionHandling,
    "publicity-late-objection-review": LateObjectionReview,
    "feedback-org-personnel-receipt": OrgPersonnelReceipt,
    "feedback-cadre-use": CadreUseRecord,
    "feedback-applicant-service": ApplicantServiceProof,
    "feedback-subject-application": SubjectOutcomeApplication,
    "committee-acknowledgement": CommitteeAcknowledgementForm,
    "reminder-problem-registration": ProblemRegistration,
    "reminder-disposal-proposal": DisposalProposal,
    "reminder-disposal-approval": DisposalApproval,
    "reminder-enquiry-delivery": EnquiryDelivery,
    "reminder-enquiry-reply": EnquiryReply,
    "reminder-talk-record": TalkRecord,
    "reminder-life-meeting-record": LifeMeetingRecord,
    "reminder-outcome": DisposalOutcome,
    "problem-screening-start": ScreeningStart,
    "problem-screening-analysis": ScreeningAnalysis,
    "problem-screening-review": ScreeningReview,
    "rectification-registration": RectificationRegistration,
    "rectification-notice-drafting": RectificationNoticeDrafting,
    "rectification-analysis": RectificationAnalysis,
    "rectification-progress-report": RectificationProgressReport,
    "rectification-supervision-check": RectificationSupervisionCheck,
    "rectification-handling-approval": RectificationHandlingApproval,
}


# Chapter 4 (Arts. 13–15): the forms of clarification, false accusation and retaliation complaints.
REPORTER_REF = r"^[0-9]{4}-举-[0-9]{3}$"
ReportSource = Literal["letters-visits", "inspection", "supervision", "case-review", "other"]
# The unit of the person concerned (workers/data/district-units.json), as the start forms offer it.
UnitId = Department


class ChapterFourForm(FormSubmission):
    """A form of Chapter 4 (Arts. 13–15)."""


class ClarificationStart(ChapterFourForm):
    """`clarification-start` (Art. 14): the report found untrue or unsupported."""

    person_name: str
    person_position: str | None = None
    unit_id: UnitId
    report_source: ReportSource
    report_summary: str
    report_received_on: date
    reporter_ref: str | None = Field(default=None, pattern=REPORTER_REF)


class ClarificationVerification(ChapterFourForm):
    """`clarification-verification` (Art. 14): the office's conclusion and reasoned choices."""

    verification_conclusion: Literal["untrue", "unsupported"]
    verification_facts: str
    verification_reasons: str
    verified_on: date
    explain_to_unit: bool = False
    explanation_reason: str
    public_clarification_proposed: bool = False
    public_clarification_reason: str | None = None
    suspect_false_accusation: bool = False
    false_accusation_clue: str | None = None


class ClarificationApproval(ChapterFourForm):
    """`clarification-approval`: the leaders approve the closure (了结) or send it back."""

    closure_approved: bool = False
    closure_approved_by: str
    closure_approved_on: date
    closure_approval_comments: str | None = None
    closure_send_back_remarks: str | None = None


class ClarificationLetterService(ChapterFourForm):
    """`clarification-letter-service`: proof of service (送达回证) of the letter."""

    letter_received_by: str
    letter_served_on: date
    letter_service_method: ServiceMethod
    letter_service_notes: str | None = None


class PublicClarificationApproval(ChapterFourForm):
    """`public-clarification-approval`: the leaders' own approval of a public clarification."""

    public_clarification_approved: bool = False
    public_clarification_scope: str | None = None
    public_clarification_channel: (
        Literal["meeting", "unit-bulletin", "district-website", "internal-notice"] | None
    ) = None
    public_clarification_approved_by: str
    public_clarification_approved_on: date
    public_clarification_comments: str | None = None


class PublicClarificationPublication(ChapterFourForm):
    """`public-clarification-publication`: when and how the clarification was published."""

    publication_date: date
    publication_notes: str


class FalseAccusationStart(ChapterFourForm):
    """`false-accusation-start` (Arts. 13, 15), a false accusation handled on its own."""

    person_name: str
    person_position: str | None = None
    unit_id: UnitId
    report_summary: str
    report_received_on: date
    reporter_ref: str | None = Field(default=None, pattern=REPORTER_REF)
    false_accusation_clue: str


class FalseAccusationDistinction(ChapterFourForm):
    """`false-accusation-distinction` (Art. 15): 诬告陷害 or 错告误告, with reasons."""

    accusation_finding: Literal["false-accusation", "mistaken-report"]
    finding_reasons: str
    finding_decided_on: date
    accuser_kind: Literal["party-cadre", "other"] | None = None
    approval_body: (
        Literal["city-discipline-commission", "city-party-committee", "city-government"] | None
    ) = None


class FalseAccusationOutcome(ChapterFourForm):
    """`false-accusation-outcome` (Art. 13): by cadre-management authority, judicial organs or
    the relevant laws."""

    pursuit_outcome: Literal["cadre-authority", "judicial", "per-law"]
    receiving_body: str
    outcome_reasons: str
    transferred_on: date


class RetaliationComplaintStart(ChapterFourForm):
    """`retaliation-complaint-start` (Art. 15), linked to the original case."""

    linked_case_number: str
    reporter_ref: str | None = Field(default=None, pattern=REPORTER_REF)
    person_name: str
    person_position: str | None = None
    unit_id: UnitId
    complaint_summary: str
    complaint_received_on: date


class RetaliationVerification(ChapterFourForm):
    """`retaliation-verification`: the office's findings, protection and proposal."""

    retaliation_found: bool = False
    retaliation_findings: str
    protective_measures: str
    retaliation_handling_proposal: str
    retaliation_verified_on: date


class RetaliationApproval(ChapterFourForm):
    """`retaliation-approval`: the leaders approve the handling or send it back."""

    retaliation_handling_approved: bool = False
    retaliation_approved_by: str
    retaliation_approved_on: date
    retaliation_send_back_remarks: str | None = None


FORM_SUBMISSIONS |= {
    "clarification-start": ClarificationStart,
    "clarification-verification": ClarificationVerification,
    "clarification-approval": ClarificationApproval,
    "clarification-letter-service": ClarificationLetterService,
    "public-clarification-approval": PublicClarificationApproval,
    "public-clarification-publication": PublicClarificationPublication,
    "false-accusation-start": FalseAccusationStart,
    "false-accusation-distinction": FalseAccusationDistinction,
    "false-accusation-outcome": FalseAccusationOutcome,
    "retaliation-complaint-start": RetaliationComplaintStart,
    "retaliation-verification": RetaliationVerification,
    "retaliation-approval": RetaliationApproval,
}


# Art. 19 (舆论解释回应): bpmn/public-opinion-response.bpmn
ResponseMethod = Literal[
    "situation-report", "press-conference", "media-interview", "online-reply", "face-to-face"
]


class OpinionResponseStart(FormSubmission):
    """`public-opinion-response-start`: the officer handling a case asks for a response (who
    asked is added by the desk: `OpinionRequester`)."""

    origin_case_number: str = Field(pattern=r"^游[\u4e00-\u9fff]{1,3}〔[0-9]{4}〕[0-9]+号$")
    unit_id: UnitId
    person_name: str | None = Field(default=None, max_length=100)
    opinion_summary: str = Field(min_length=1, max_length=3000)
    opinion_sources: str = Field(min_length=1, max_length=300)
    opinion_noticed_on: date
    error_description: str | None = Field(default=None, max_length=3000)
    request_reason: str = Field(min_length=1, max_length=2000)


class OpinionRequester(FormSubmission):
    """Who asked for a response to public opinion, as the desk adds it to the start form's
    variables from the session: they are told and close the case. Not a form of its own."""

    requested_by_user: str = Field(min_length=1)
    requested_by_name: str = Field(min_length=1)
    requester_groups: list[str]


class OpinionResponsePlan(FormSubmission):
    """`public-opinion-response-plan`: 区委宣传部's way (方式) and line (口径) of response."""

    response_method: ResponseMethod
    response_line: str = Field(min_length=1, max_length=3000)
    response_channel: str = Field(min_length=1, max_length=300)
    planned_response_date: date
    planned_by: str = Field(min_length=1, max_length=100)


class OpinionResponseApproval(FormSubmission):
    """`public-opinion-response-approval`: the commission's leader agrees the line or sends it
    back (local policy)."""

    response_plan_approved: bool = False
    plan_approved_by: str = Field(min_length=1, max_length=100)
    plan_approved_on: date
    plan_approval_comments: str | None = Field(default=None, max_length=2000)
    response_plan_send_back_remarks: str | None = Field(default=None, max_length=2000)


class OpinionResponseRecord(FormSubmission):
    """`public-opinion-response-record`: the response made."""

    responded_on: date
    response_made: str = Field(min_length=1, max_length=3000)
    response_reception: str | None = Field(default=None, max_length=2000)
    responded_by: str = Field(min_length=1, max_length=100)


class OpinionResponseClose(FormSubmission):
    """`public-opinion-response-close`: the requesting officer closes the case."""

    closing_remarks: str | None = Field(default=None, max_length=2000)
    closed_by: str = Field(min_length=1, max_length=100)
    closed_on: date


FORM_SUBMISSIONS |= {
    "public-opinion-response-start": OpinionResponseStart,
    "public-opinion-response-plan": OpinionResponsePlan,
    "public-opinion-response-approval": OpinionResponseApproval,
    "public-opinion-response-record": OpinionResponseRecord,
    "public-opinion-response-close": OpinionResponseClose,
}
