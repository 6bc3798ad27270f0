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
from typing import Literal

from pydantic import ConfigDict, Field

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
Department = Literal[
    "dept-party-office",
    "dept-government-office",
    "dept-discipline-commission",
    "dept-org-department",
    "dept-political-legal",
    "dept-inspection-office",
    "dept-target-supervision",
    "dept-human-resources",
    "dept-audit",
    "dept-justice",
    "dept-legal-affairs",
]
# Art. 3, the three distinctions (三个区分开来)
DistinctionExperience = Literal["reform-inexperience", "knowing-violation"]
DistinctionProhibition = Literal["no-explicit-restriction", "persisted-after-ban"]
DistinctionIntent = Literal["unintentional-for-development", "private-gain-violation"]
PublicityChannel = Literal["unit-bulletin", "district-website", "internal-notice"]


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


class OfficeAcceptanceReview(FormSubmission):
    """`acceptance-office-review` (8(2), the leading group office)."""

    office_accepts_application: bool = False
    office_acceptance_reason: str
    office_reviewed_on: date


class SubjectAcceptanceOpinion(FormSubmission):
    """`acceptance-subject-opinion` (8(2), together with the accountability subject)."""

    subject_accepts_application: bool = False
    subject_acceptance_reason: str
    subject_reviewed_on: date


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
    investigation_conclusion: str
    investigation_completed_on: date


class SubjectJointConfirmation(FormSubmission):
    """`investigation-subject-confirmation` (8(3), jointly with the accountability subject)."""

    subject_concurs: bool = False
    subject_comments: str


class DeterminationOpinion(FormSubmission):
    """`investigation-determination-opinion` (8(3), the office's written opinion; Arts. 3, 7, 9)."""

    determination_recognised: bool = False
    determination_circumstances: list[Art7Circumstance] | None = None
    determination_distinction_experience: DistinctionExperience
    determination_distinction_prohibition: DistinctionProhibition
    determination_distinction_intent: DistinctionIntent
    determination_outcomes: list[Art9Outcome] | None = None
    determination_reasoning: str
    deviation_reason: str | None = None
    publicity_required: bool = False
    publicity_scope: str | None = None


class OpinionApproval(FormSubmission):
    """`investigation-opinion-approval` (8(3), the leading group)."""

    opinion_approved: bool = False
    approval_comments: str | None = None


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
    """`feedback-org-personnel-receipt` (8(4), the organisation/personnel department)."""

    org_personnel_received_on: date
    org_personnel_notes: str | None = None


class CommitteeAcknowledgementForm(FormSubmission):
    """`committee-acknowledgement` (8(4), the district committee)."""

    committee_acknowledged_on: date
    committee_record_number: str
    committee_remarks: str | None = None


FORM_SUBMISSIONS: dict[str, type[FormSubmission]] = {
    "application-form": ApplicationFormSubmission,
    "acceptance-office-review": OfficeAcceptanceReview,
    "acceptance-subject-opinion": SubjectAcceptanceOpinion,
    "investigation-assign-departments": DepartmentAssignment,
    "investigation-department-findings": DepartmentFindings,
    "investigation-subject-confirmation": SubjectJointConfirmation,
    "investigation-determination-opinion": DeterminationOpinion,
    "investigation-opinion-approval": OpinionApproval,
    "publicity-arrangement": PublicityArrangement,
    "publicity-objection-handling": ObjectionHandling,
    "publicity-late-objection-handling": LateObjectionHandling,
    "publicity-late-objection-review": LateObjectionReview,
    "feedback-org-personnel-receipt": OrgPersonnelReceipt,
    "committee-acknowledgement": CommitteeAcknowledgementForm,
}
