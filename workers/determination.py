"""Whether a written determination opinion (8(3)) holds together before the leading group sees it.

An opinion that recognises a case must say which Art. 7 circumstance applies and must not find,
under Art. 3, the conduct on the side the measures exclude; Art. 6 defines the conduct that may be
exempted; Art. 9 outcomes exist only for a recognised case, (四)/(五) each need their degree
(从轻, 减轻 or 免于) and (五), discipline, is imposed on persons, never on a unit. The same rules
serve the form's submission model (a client is told before sending) and the
`determination.check-opinion` job (the procedure refuses a draft however it was submitted), and
every refusal names the field as the officer sees it on the form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

# The labels of form `investigation-determination-opinion`, so a refusal points at what the
# officer can see and correct.
FIELD_LABELS: dict[str, str] = {
    "determinationRecognised": "认定符合容错免责情形",
    "determinationCircumstances": "认定符合的第七条情形",
    "determinationDistinctionExperience": "第三条区分一",
    "determinationDistinctionProhibition": "第三条区分二",
    "determinationDistinctionIntent": "第三条区分三",
    "determinationPublicInterest": "第六条：主观上出于公心、担当尽责",
    "determinationUnforeseeable": "第六条：客观上由于不可抗力、难以预见等因素",
    "determinationReformContext": "第六条：发生在改革创新、破解难题、先行先试中",
    "determinationOutcomes": "适用的第九条事项",
    "determinationAdministrativeTreatment": "第九条（四）处理幅度",
    "determinationDisciplinaryTreatment": "第九条（五）处分幅度",
}

Treatment = Literal["lighter", "reduced", "exempted"]
# 从轻 / 减轻 / 免于, as Art. 9 (四) words it for 处理 and (五) for 处分.
ADMINISTRATIVE_TREATMENT_TEXT: dict[str, str] = {
    "lighter": "从轻处理",
    "reduced": "减轻处理",
    "exempted": "免于处理",
}
DISCIPLINARY_TREATMENT_TEXT: dict[str, str] = {
    "lighter": "从轻处分",
    "reduced": "减轻处分",
    "exempted": "免于处分",
}
# Party and government discipline (处分) is imposed on persons; a unit is held to account by
# other means, so Art. 9 (五) is not offered to a unit applicant.
INDIVIDUAL_ONLY_OUTCOMES = frozenset({"art9-5"})


@dataclass(frozen=True)
class OpinionDraft:
    """The decided fields of the opinion; None where the form left a field out."""

    applicant_type: str | None
    recognised: bool | None
    circumstances: list[str] | None
    distinction_experience: str | None
    distinction_prohibition: str | None
    distinction_intent: str | None
    public_interest: bool | None
    unforeseeable: bool | None
    reform_context: bool | None
    outcomes: list[str] | None
    administrative_treatment: str | None
    disciplinary_treatment: str | None


@dataclass(frozen=True)
class Refusal:
    field: str
    reason: str

    @property
    def message(self) -> str:
        return f"“{FIELD_LABELS[self.field]}”：{self.reason}"


def opinion_refusals(draft: OpinionDraft) -> list[Refusal]:
    """Every inconsistency of the draft, in the order of the form; empty when it holds."""
    refusals: list[Refusal] = []
    outcomes = draft.outcomes or []
    if draft.recognised:
        if not draft.circumstances:
            refusals.append(
                Refusal(
                    "determinationCircumstances",
                    "认定符合容错免责情形的，应至少选定一项第七条情形",
                )
            )
        excluded = (
            ("determinationDistinctionExperience", draft.distinction_experience,
             "knowing-violation", "明知故犯的违纪违法行为"),
            ("determinationDistinctionProhibition", draft.distinction_prohibition,
             "persisted-after-ban", "上级明令禁止后依然我行我素的违纪违法行为"),
            ("determinationDistinctionIntent", draft.distinction_intent,
             "private-gain-violation", "为谋取私利的违纪违法行为"),
        )  # fmt: skip
        for field, value, wrong_side, wording in excluded:
            if value == wrong_side:
                refusals.append(
                    Refusal(field, f"已认定为{wording}，依照第三条不能认定符合容错免责情形")
                )
        art6 = (
            ("determinationPublicInterest", draft.public_interest),
            ("determinationUnforeseeable", draft.unforeseeable),
            ("determinationReformContext", draft.reform_context),
        )
        for field, holds in art6:
            if holds is not True:
                refusals.append(
                    Refusal(field, "认定符合容错免责情形的，应具备第六条规定的这一要件")
                )
        if not outcomes:
            refusals.append(
                Refusal("determinationOutcomes", "认定符合容错免责情形的，应至少选定一项第九条事项")
            )
    elif outcomes:
        refusals.append(
            Refusal(
                "determinationOutcomes",
                "不认定符合容错免责情形的，不能适用第九条免于问责、处分或从轻、减轻的事项",
            )
        )
    if draft.applicant_type == "unit" and INDIVIDUAL_ONLY_OUTCOMES & set(outcomes):
        refusals.append(
            Refusal("determinationOutcomes", "第九条（五）党纪政纪处分仅适用于个人，申请单位不适用")
        )
    treatments = (
        ("determinationAdministrativeTreatment", draft.administrative_treatment, "art9-4",
         "第九条（四）", ADMINISTRATIVE_TREATMENT_TEXT),
        ("determinationDisciplinaryTreatment", draft.disciplinary_treatment, "art9-5",
         "第九条（五）", DISCIPLINARY_TREATMENT_TEXT),
    )  # fmt: skip
    for field, chosen, code, item, texts in treatments:
        applies = draft.recognised is True and code in outcomes
        if applies and chosen not in texts:
            refusals.append(Refusal(field, f"适用{item}的，应选定从轻、减轻或免于"))
        elif not applies and chosen is not None:
            refusals.append(
                Refusal(field, f"未适用{item}，不能选定{texts.get(chosen, '处理幅度')}")
            )
    return refusals


def drop_stale_choices(
    draft: OpinionDraft, previous: OpinionDraft | None
) -> tuple[OpinionDraft, list[str]]:
    """The draft without choices its form hides and that the officer therefore did not submit.

    A form does not submit a field it hides, so a value chosen in an earlier round (Art. 9 items
    while the case was recognised) stays in the case when the office now concludes otherwise, and
    the officer cannot clear it. A value unchanged since the last check (`previous`) and now
    inapplicable is such a leftover: it is dropped, not refused. One that changed was submitted
    this round and is refused like any contradiction. Returns the draft and the fields dropped.
    """
    dropped: list[str] = []
    outcomes = draft.outcomes
    if not draft.recognised and outcomes and previous and outcomes == previous.outcomes:
        outcomes = None
        dropped.append("determinationOutcomes")
    administrative = draft.administrative_treatment
    disciplinary = draft.disciplinary_treatment
    remaining = outcomes or []
    if (
        administrative is not None
        and not (draft.recognised and "art9-4" in remaining)
        and previous
        and administrative == previous.administrative_treatment
    ):
        administrative = None
        dropped.append("determinationAdministrativeTreatment")
    if (
        disciplinary is not None
        and not (draft.recognised and "art9-5" in remaining)
        and previous
        and disciplinary == previous.disciplinary_treatment
    ):
        disciplinary = None
        dropped.append("determinationDisciplinaryTreatment")
    settled = replace(
        draft,
        outcomes=outcomes,
        administrative_treatment=administrative,
        disciplinary_treatment=disciplinary,
    )
    return settled, dropped


def refusal_text(refusals: list[Refusal]) -> str | None:
    """One message for the officer, naming every field to correct; None when nothing is wrong."""
    if not refusals:
        return None
    return "审定意见未通过审查，请修改：" + "；".join(r.message for r in refusals) + "。"


APPROVAL_LABELS: dict[str, str] = {
    "approvalMethod": "审定方式",
    "approvalMeetingDate": "会议日期",
    "approvalMinutesNumber": "会议纪要编号",
    "approvalCirculatedOn": "传阅完成日期",
    "approvalDecidedBy": "主持会议或签批的领导",
    "sendBackRemarks": "退回修改意见",
}


@dataclass(frozen=True)
class ApprovalRecord:
    approved: bool | None
    method: str | None
    meeting_date: object | None
    minutes_number: str | None
    circulated_on: object | None
    decided_by: str | None
    send_back_remarks: str | None


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def approval_refusals(record: ApprovalRecord) -> list[Refusal]:
    """What the leading group's decision must record: how it decided (a meeting, with its date
    and minutes number, or circulation, with the day it ended), who signed for it, and the
    remarks when it sends the draft back."""
    missing: list[tuple[str, str]] = []
    if record.method not in ("meeting", "circulation"):
        missing.append(("approvalMethod", "请选择会议审定或传阅审定"))
    if record.method == "meeting" and record.meeting_date is None:
        missing.append(("approvalMeetingDate", "会议审定的，应填写会议日期"))
    if record.method == "meeting" and _blank(record.minutes_number):
        missing.append(("approvalMinutesNumber", "会议审定的，应填写会议纪要编号"))
    if record.method == "circulation" and record.circulated_on is None:
        missing.append(("approvalCirculatedOn", "传阅审定的，应填写传阅完成日期"))
    if _blank(record.decided_by):
        missing.append(("approvalDecidedBy", "应填写"))
    if record.approved is not True and _blank(record.send_back_remarks):
        missing.append(("sendBackRemarks", "退回修改的，应写明修改意见"))
    return [Refusal(field, reason) for field, reason in missing]


def approval_refusal_text(refusals: list[Refusal]) -> str | None:
    if not refusals:
        return None
    return (
        "审定记录不完整，请补充："
        + "；".join(f"“{APPROVAL_LABELS[r.field]}”：{r.reason}" for r in refusals)
        + "。"
    )
