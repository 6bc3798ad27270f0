"""Art. 8(1): is an exemption application admissible as filed?

An application may only be filed after accountability has been started against the applicant, and
must state what the measures ask for. A deficient application is an outcome of the procedure (the
applicant gets the reasons), not a technical error, so it is reported as `applicationValid=false`
with reasons in Chinese; only data of the wrong type is an error.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from workers.regulation_terms import ART7_CODES
from workers.variables import ProcessVariables

APPLICANT_TYPES = ("unit", "individual")


class Application(ProcessVariables):
    """The written application (书面申请) as the start form submits it (docs/procedure-contract.md).

    Every field is optional in the model so that a missing one becomes a reason the applicant can
    act on (the contract: invalid content is a business answer); a value of the wrong JSON type
    (a number where text belongs, an unparseable date) is still an error naming the field.
    """

    applicant_type: str | None = None
    applicant_name: str | None = None
    application_date: date | None = None
    accountability_started: bool | None = None
    accountability_matter: str | None = None
    accountability_start_date: date | None = None
    accountability_subject: str | None = None
    accountability_subject_group: str | None = None
    conduct: str | None = None
    claimed_circumstances: list[str] = Field(default_factory=list)
    loss_recovery_measures: str | None = None
    # The form submits a textarea (one document per line); API clients may send a list.
    supporting_documents: str | list[str] | None = None

    def supporting_document_list(self) -> list[str]:
        raw = self.supporting_documents
        lines = raw.splitlines() if isinstance(raw, str) else (raw or [])
        return [line.strip() for line in lines if line.strip()]


class ApplicationVerdict(ProcessVariables):
    application_valid: bool
    invalid_reasons: list[str]


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def validate_application(application: Application) -> ApplicationVerdict:
    reasons: list[str] = []
    if application.applicant_type not in APPLICANT_TYPES:
        reasons.append("未载明申请人类型（applicantType）：应为单位（unit）或个人（individual）")
    if _blank(application.applicant_name):
        reasons.append("未载明申请单位或申请人姓名（applicantName）")
    if application.application_date is None:
        reasons.append("未载明申请日期（applicationDate）")
    if application.accountability_started is not True:
        reasons.append(
            "尚未启动问责（accountabilityStarted），不符合第八条第（一）项："
            "须在启动问责后方可提出容错免责申请"
        )
    start = application.accountability_start_date
    if start is None:
        reasons.append(
            "未载明启动问责的日期（accountabilityStartDate），不符合第八条第（一）项："
            "须在启动问责后方可提出容错免责申请"
        )
    elif application.application_date is not None and start > application.application_date:
        reasons.append(
            f"尚未启动问责（accountabilityStartDate）：启动问责日期 {start.isoformat()} "
            f"晚于申请日期 {application.application_date.isoformat()}，不符合第八条第（一）项"
        )
    if _blank(application.accountability_matter):
        reasons.append("未载明问责事项（accountabilityMatter）")
    if _blank(application.accountability_subject):
        reasons.append("未载明问责主体（accountabilitySubject）")
    if _blank(application.accountability_subject_group):
        reasons.append("未选择问责主体所属机关（accountabilitySubjectGroup），无法会同问责主体审核")
    if _blank(application.conduct):
        reasons.append("未载明失误错误行为（conduct）")
    if not application.claimed_circumstances:
        reasons.append("未列明申请适用的第七条容错免责情形（claimedCircumstances）")
    unknown = sorted({c for c in application.claimed_circumstances if c not in ART7_CODES})
    if unknown:
        reasons.append(
            f"所列容错免责情形 {'、'.join(unknown)} 不存在（claimedCircumstances）："
            "第七条仅有第（一）至第（十）项（art7-1 至 art7-10）"
        )
    if _blank(application.loss_recovery_measures):
        reasons.append("未载明挽回损失、消除不良影响的措施（lossRecoveryMeasures）")
    if not application.supporting_document_list():
        reasons.append("未提交佐证材料（supportingDocuments）")
    return ApplicationVerdict(application_valid=not reasons, invalid_reasons=reasons)
