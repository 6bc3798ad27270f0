"""Art. 8(1): what an examination of the written application finds, for the people who decide.

An application is filed after accountability has been started against the applicant and states
what the measures ask for. Whether it is accepted is for the leading group office together with
the accountability subject (8(2)), never for the machine: a missing item or an unticked box is a
finding (`applicationFindings`, plain Chinese sentences shown read-only in their review forms),
which may lead them to ask for supplementary materials (补正). Only data of the wrong type is an
error.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from workers.regulation_terms import ART7_CODES
from workers.variables import ProcessVariables

APPLICANT_TYPES = ("unit", "individual")


class Application(ProcessVariables):
    """The written application (书面申请) as the start form submits it (docs/procedure-contract.md).

    Every field is optional in the model so that a missing one becomes a finding the office can
    act on (the contract: deficient content is a business answer); a value of the wrong JSON type
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


class ApplicationFindings(ProcessVariables):
    """What the examination found missing or inconsistent, one plain Chinese sentence each.

    Findings are shown to the office and the accountability subject in their review forms; they
    decide (8(2)), the machine never refuses an application on its own.
    """

    application_findings: list[str]


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def examine_application(application: Application) -> ApplicationFindings:
    findings: list[str] = []
    if application.applicant_type not in APPLICANT_TYPES:
        findings.append("申请未载明申请人是单位还是个人")
    if _blank(application.applicant_name):
        findings.append("申请未载明申请单位名称或申请人姓名")
    if application.application_date is None:
        findings.append("申请未载明申请日期")
    if application.accountability_started is not True:
        findings.append(
            "申请人未勾选已启动问责，第八条第（一）项规定在启动问责后提出申请，请核实问责是否已启动"
        )
    start = application.accountability_start_date
    if start is None:
        findings.append("申请未载明启动问责的日期，请核实问责是否已启动")
    elif application.application_date is not None and start > application.application_date:
        findings.append(
            f"申请所载启动问责日期（{_day(start)}）晚于申请日期"
            f"（{_day(application.application_date)}），请核实问责是否已启动"
        )
    if _blank(application.accountability_matter):
        findings.append("申请未载明问责事项")
    if _blank(application.accountability_subject):
        findings.append("申请未载明问责主体")
    if _blank(application.accountability_subject_group):
        findings.append("申请未选择问责主体所属机关，需由办公室确定会同审核的问责主体")
    if _blank(application.conduct):
        findings.append("申请未载明失误错误行为")
    if not application.claimed_circumstances:
        findings.append("申请未列明适用第七条的哪一项容错免责情形")
    unknown = sorted({c for c in application.claimed_circumstances if c not in ART7_CODES})
    if unknown:
        findings.append(f"申请所列容错免责情形中有{len(unknown)}项不属于第七条第（一）至第（十）项")
    if _blank(application.loss_recovery_measures):
        findings.append("申请未载明挽回损失、消除不良影响的措施")
    if not application.supporting_document_list():
        findings.append("申请未附佐证材料")
    return ApplicationFindings(application_findings=findings)


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"
