"""The written documents of the procedure: what each says, composed from the case's variables.

One composer per document type of docs/procedure-contract.md. A composer checks that the case
holds what its document needs and names the missing variables otherwise, because a notice with a
blank where the reasons belong must never reach an applicant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum

from workers.determination import ADMINISTRATIVE_TREATMENT_TEXT, DISCIPLINARY_TREATMENT_TEXT
from workers.official_layout import OfficialDocument
from workers.organisation import (
    ISSUING_ORGAN,
    LEADING_GROUP,
    department_name,
    publicity_channel_name,
)
from workers.regulation_terms import ART7_TEXT, ART9_TEXT, DISTINCTION_TEXT, item_label
from workers.variables import ProcessVariables

MEASURES = "《游仙区容错纠错实施办法（试行）》"


class DocumentType(StrEnum):
    INVALID_APPLICATION_REPLY = "invalid-application-reply"
    ACCEPTANCE_NOTICE = "acceptance-notice"
    REJECTION_NOTICE = "rejection-notice"
    DETERMINATION_OPINION = "determination-opinion"
    DETERMINATION_OPINION_DRAFT = "determination-opinion-draft"
    PUBLICITY_ANNOUNCEMENT = "publicity-announcement"
    FEEDBACK_NOTICE = "feedback-notice"
    OBJECTION_REPLY = "objection-reply"


DOCUMENT_TITLES: dict[DocumentType, str] = {
    DocumentType.INVALID_APPLICATION_REPLY: "关于容错免责申请的答复",
    DocumentType.ACCEPTANCE_NOTICE: "容错免责申请受理通知书",
    DocumentType.REJECTION_NOTICE: "容错免责申请不予受理通知书",
    DocumentType.DETERMINATION_OPINION: "容错免责书面审定意见书",
    DocumentType.DETERMINATION_OPINION_DRAFT: "容错免责书面审定意见书（送审稿）",
    DocumentType.PUBLICITY_ANNOUNCEMENT: "容错免责审定意见公示公告",
    DocumentType.FEEDBACK_NOTICE: "容错免责认定结果反馈通知书",
    DocumentType.OBJECTION_REPLY: "关于容错免责审定意见公示异议的答复",
}


class MissingCaseDataError(ValueError):
    """The case lacks variables a document needs; the message names them."""

    def __init__(self, document_type: DocumentType, variables: list[str]) -> None:
        self.document_type = document_type
        self.variables = variables
        super().__init__(
            f"无法生成{DOCUMENT_TITLES[document_type]}：缺少流程变量 {', '.join(variables)}"
        )


class DepartmentFindingDetail(ProcessVariables):
    investigation_conclusion: str | None = None


class SubjectConfirmation(ProcessVariables):
    concurs: bool | None = None
    comments: str | None = None


class DepartmentFinding(ProcessVariables):
    """One element of `departmentFindings`, the multi-instance output collection."""

    department: str | None = None
    finding: DepartmentFindingDetail | None = None
    subject_confirmation: SubjectConfirmation | None = None


class AcceptanceDecision(ProcessVariables):
    """`acceptanceDecision`: who decided on acceptance (8(2)), when, how and why."""

    accepted: bool | None = None
    decided_by: str | None = None
    method: str | None = None
    decided_on: date | None = None
    minutes_number: str | None = None
    reason: str | None = None


class CaseFacts(ProcessVariables):
    """Everything a document may cite; each composer says which fields it requires."""

    applicant_type: str | None = None
    applicant_name: str | None = None
    applicant_unit: str | None = None
    applicant_position: str | None = None
    application_date: date | None = None
    accountability_matter: str | None = None
    accountability_start_date: date | None = None
    accountability_subject: str | None = None
    conduct: str | None = None
    claimed_circumstances: list[str] | None = None
    invalid_reasons: list[str] | None = None
    case_number: str | None = None
    office_accepts_application: bool | None = None
    office_acceptance_reason: str | None = None
    office_reviewed_on: date | None = None
    subject_accepts_application: bool | None = None
    subject_acceptance_reason: str | None = None
    subject_reviewed_on: date | None = None
    acceptance_decision: AcceptanceDecision | None = None
    investigating_departments: list[str] | None = None
    department_findings: list[DepartmentFinding] | None = None
    determination_recognised: bool | None = None
    determination_circumstances: list[str] | None = None
    determination_distinction_experience: str | None = None
    determination_distinction_prohibition: str | None = None
    determination_distinction_intent: str | None = None
    determination_outcomes: list[str] | None = None
    determination_reasoning: str | None = None
    determination_public_interest: bool | None = None
    determination_unforeseeable: bool | None = None
    determination_reform_context: bool | None = None
    determination_background: str | None = None
    determination_administrative_treatment: str | None = None
    determination_disciplinary_treatment: str | None = None
    approval_method: str | None = None
    approval_meeting_date: date | None = None
    approval_minutes_number: str | None = None
    approval_circulated_on: date | None = None
    publicity_required: bool | None = None
    publicity_scope: str | None = None
    publicity_channel: str | None = None
    publicity_start_date: date | None = None
    publicity_last_working_day: date | None = None
    # An objection never carries its author's identity (Art. 15): the desk's register keeps it.
    objection_id: str | None = None
    objection_content: str | None = None
    # a date, or a moment (older messages sent 2026-10-09T15:00:00+08:00): its day is used
    objection_received_at: str | None = None
    objection_answer: str | None = None


def _require(facts: CaseFacts, document_type: DocumentType, *fields: str) -> None:
    missing = []
    for name in fields:
        value = getattr(facts, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(CaseFacts.model_fields[name].alias or name)
    if missing:
        raise MissingCaseDataError(document_type, missing)


def _clause(text: str | None, missing: str = "未载明") -> str:
    """Free text an officer typed, set inside a sentence: its own closing mark removed, so the
    sentence does not end 。； or 。。."""
    text = (text or "").strip().rstrip("。；，、;,. ")
    return text or missing


def _sentence(text: str) -> str:
    """Free text an officer typed, ended with a full stop unless it ends with a mark already."""
    text = text.strip()
    return text if text[-1:] in "。！？；：）”" else f"{text}。"


def _day(value: date) -> str:
    """Dates are written in Arabic numerals, 2026年9月28日 (GB/T 9704-2012)."""
    return f"{value.year}年{value.month}月{value.day}日"


def _addressee(facts: CaseFacts) -> str:
    name = facts.applicant_name or ""
    return name if facts.applicant_type == "unit" else f"{name}同志"


def _you(facts: CaseFacts) -> str:
    return "你单位" if facts.applicant_type == "unit" else "你"


def _matter(facts: CaseFacts) -> str:
    matter = _clause(facts.accountability_matter, "")
    return f"关于“{matter}”" if matter else ""


def _items(codes: list[str], texts: dict[str, str]) -> str:
    return "；".join(f"{item_label(code)}“{texts[code]}”" for code in codes if code in texts)


def invalid_application_reply(facts: CaseFacts, issued: date) -> OfficialDocument:
    kind = DocumentType.INVALID_APPLICATION_REPLY
    _require(facts, kind, "applicant_name", "application_date", "invalid_reasons")
    reasons = facts.invalid_reasons or []
    numbered = [f"{index}. {reason}。" for index, reason in enumerate(reasons, start=1)]
    return OfficialDocument(
        issuing_organ=ISSUING_ORGAN,
        title=DOCUMENT_TITLES[kind],
        addressee=_addressee(facts),
        paragraphs=[
            f"{_you(facts)}于{_day(facts.application_date or issued)}提交的{_matter(facts)}"
            "容错免责申请收悉。经审查，该申请不符合" + MEASURES + "第八条第（一）项的规定，"
            "不能作为有效申请办理，理由如下：",
            *numbered,
            "如符合条件，可在补正上述事项后重新提出书面申请。",
            "特此答复。",
        ],
        issue_date=issued,
    )


def _decided_by(facts: CaseFacts) -> str:
    """Who decided on acceptance, as the applicant may know it; their opinions stay internal."""
    joint = f"经本办会同问责主体{facts.accountability_subject}审核"
    decision = facts.acceptance_decision
    if decision is not None and decision.decided_by == "leading-group":
        return f"{joint}，报{LEADING_GROUP}研究"
    return joint


def acceptance_notice(facts: CaseFacts, issued: date) -> OfficialDocument:
    kind = DocumentType.ACCEPTANCE_NOTICE
    _require(facts, kind, "case_number", "applicant_name", "accountability_subject")
    return OfficialDocument(
        issuing_organ=ISSUING_ORGAN,
        title=DOCUMENT_TITLES[kind],
        addressee=_addressee(facts),
        paragraphs=[
            f"{_you(facts)}于{_day(facts.application_date or issued)}提交的{_matter(facts)}"
            f"容错免责申请，{_decided_by(facts)}，"
            f"依照{MEASURES}第八条第（二）项，决定予以受理，受理编号为{facts.case_number}。",
            f"本办将报请{LEADING_GROUP}责成相关部门会同问责主体开展调查核实，"
            "形成书面审定意见后及时反馈。请保持联系方式畅通，配合调查核实工作。",
            "特此通知。",
        ],
        issue_date=issued,
        copy_to=[facts.accountability_subject or ""],
    )


def rejection_notice(facts: CaseFacts, issued: date) -> OfficialDocument:
    """The decision and its reason only: the opinions of the office, the accountability subject
    or the leading group's deliberation are internal and never reach the applicant."""
    kind = DocumentType.REJECTION_NOTICE
    _require(facts, kind, "case_number", "applicant_name", "accountability_subject")
    decision = facts.acceptance_decision
    if decision is None or decision.accepted is not False:
        raise MissingCaseDataError(kind, ["acceptanceDecision.accepted=false"])
    if decision.reason is None or not decision.reason.strip():
        raise MissingCaseDataError(kind, ["acceptanceDecision.reason"])
    by = _decided_by(facts)
    reason = decision.reason.strip().rstrip("。；;.")
    return OfficialDocument(
        issuing_organ=ISSUING_ORGAN,
        title=DOCUMENT_TITLES[kind],
        addressee=_addressee(facts),
        paragraphs=[
            f"{_you(facts)}于{_day(facts.application_date or issued)}提交的{_matter(facts)}"
            f"容错免责申请（受理编号：{facts.case_number}），{by}，"
            f"依照{MEASURES}第八条第（二）项，决定不予受理。",
            f"理由：{reason}。",
            "特此通知。",
        ],
        issue_date=issued,
        copy_to=[facts.accountability_subject or ""],
    )


def _findings(facts: CaseFacts) -> list[str]:
    lines = []
    for item in facts.department_findings or []:
        conclusion = item.finding.investigation_conclusion if item.finding else None
        confirmation = item.subject_confirmation
        concurs = {
            True: "问责主体会同核实无异议",
            False: "问责主体会同核实有不同意见",
            None: "问责主体未签署会同核实意见",
        }[confirmation.concurs if confirmation else None]
        comments = (
            f"（{_clause(confirmation.comments)}）"
            if confirmation and confirmation.comments
            else ""
        )
        name = department_name(item.department or "相关部门")
        lines.append(f"{name}核实结论：{_clause(conclusion)}；{concurs}{comments}。")
    return lines


def _determination_paragraphs(facts: CaseFacts) -> list[str]:
    recognised = bool(facts.determination_recognised)
    departments = "、".join(department_name(d) for d in facts.investigating_departments or [])
    unit = facts.applicant_unit if facts.applicant_type != "unit" else None
    applicant = (
        f"申请人：{facts.applicant_name}"
        + (f"（{unit}）" if unit else "")
        + (f"，职务：{facts.applicant_position}" if facts.applicant_position else "")
    )
    started = _day(facts.accountability_start_date) if facts.accountability_start_date else "未载明"
    paragraphs = [
        f"受理编号：{facts.case_number}。",
        "一、基本情况",
        f"{applicant}。",
        f"问责事项：{_clause(facts.accountability_matter)}；"
        f"问责主体：{facts.accountability_subject}；启动问责日期：{started}。",
        f"失误错误行为：{_clause(facts.conduct)}。",
        "二、调查核实情况",
        f"依照{MEASURES}第八条第（三）项，{LEADING_GROUP}责成"
        f"{departments or '相关部门'}会同问责主体{facts.accountability_subject}开展了调查核实。",
        *_findings(facts),
        "三、审定意见",
        f"经审定，{'认定' if recognised else '不认定'}申请人的行为符合容错免责情形。",
    ]
    circumstances = _items(facts.determination_circumstances or [], ART7_TEXT)
    if recognised:
        paragraphs.append(f"符合第七条规定的情形：{circumstances or '无'}。")
    distinctions = [
        DISTINCTION_TEXT.get(value, value)
        for value in (
            facts.determination_distinction_experience,
            facts.determination_distinction_prohibition,
            facts.determination_distinction_intent,
        )
        if value
    ]
    if distinctions:
        paragraphs.append("依照第三条“三个区分开来”的要求：" + "；".join(distinctions) + "。")
    art6 = (
        (facts.determination_public_interest, "主观上出于公心、担当尽责"),
        (facts.determination_unforeseeable, "客观上由于不可抗力、难以预见等因素未达到预期效果"),
        (facts.determination_reform_context, "发生在改革创新、破解难题、先行先试中"),
    )
    if any(holds is not None for holds, _ in art6):
        held = [text for holds, text in art6 if holds]
        missing = [text for holds, text in art6 if not holds]
        paragraphs.append(
            "对照第六条："
            + ("；".join(held) if held else "不具备第六条所列要件")
            + (f"；不具备：{'、'.join(missing)}" if held and missing else "")
            + "。"
        )
    if facts.determination_background:
        paragraphs.append(
            "依照第四条，综合考虑问题产生的背景、动机和后果："
            + _sentence(facts.determination_background)
        )
    if recognised:
        outcomes = _items(facts.determination_outcomes or [], ART9_TEXT)
        paragraphs.append(
            f"适用以下免责或从轻、减轻情形：{outcomes}。" if outcomes else "不适用第九条所列情形。"
        )
        treatments = _treatments(facts)
        if treatments:
            paragraphs.append(
                f"问责主体{facts.accountability_subject}在问责处理中应依照{treatments}。"
            )
    if facts.determination_reasoning:
        paragraphs.append(_sentence(f"审定理由：{facts.determination_reasoning}"))
    return paragraphs


def _treatments(facts: CaseFacts) -> str:
    """The Art. 9 (四)/(五) degree the opinion chose, e.g. `第九条第（四）项减轻处理`."""
    chosen = facts.determination_outcomes or []
    parts = [
        f"{item_label(code)}{texts[value]}"
        for code, value, texts in (
            ("art9-4", facts.determination_administrative_treatment, ADMINISTRATIVE_TREATMENT_TEXT),
            ("art9-5", facts.determination_disciplinary_treatment, DISCIPLINARY_TREATMENT_TEXT),
        )
        if code in chosen and value in texts
    ]
    return "、".join(parts)


def _approval(facts: CaseFacts) -> str:
    """How the leading group took its decision, as the issued opinion records it."""
    if facts.approval_method == "meeting" and facts.approval_meeting_date:
        minutes = f"（{facts.approval_minutes_number}）" if facts.approval_minutes_number else ""
        return f"本审定意见经{LEADING_GROUP}{_day(facts.approval_meeting_date)}会议审定{minutes}。"
    if facts.approval_method == "circulation" and facts.approval_circulated_on:
        return (
            f"本审定意见经{LEADING_GROUP}传阅审定，{_day(facts.approval_circulated_on)}传阅完毕。"
        )
    return ""


def determination_opinion_draft(facts: CaseFacts, issued: date) -> OfficialDocument:
    """The draft the leading group approves: the opinion as it would be issued, marked 送审稿."""
    return determination_opinion(facts, issued, DocumentType.DETERMINATION_OPINION_DRAFT)


def determination_opinion(
    facts: CaseFacts, issued: date, kind: DocumentType = DocumentType.DETERMINATION_OPINION
) -> OfficialDocument:
    _require(
        facts,
        kind,
        "case_number",
        "applicant_name",
        "accountability_subject",
        "determination_recognised",
    )
    paragraphs = _determination_paragraphs(facts)
    if kind == DocumentType.DETERMINATION_OPINION_DRAFT:
        paragraphs.append(
            "四、公示" if facts.publicity_required else "四、本审定意见报领导小组审定，拟不公示。"
        )
    else:
        paragraphs.append(
            "四、公示" if facts.publicity_required else "四、本审定意见经领导小组审定，不需公示。"
        )
    if facts.publicity_required:
        scope = facts.publicity_scope or "一定范围内"
        paragraphs.append(f"本审定意见将在{scope}公示，公示期为7个工作日。")
    approval = _approval(facts) if kind == DocumentType.DETERMINATION_OPINION else ""
    if approval:
        paragraphs.append(approval)
    # Issued in the name of the body that approved it (8(3)); the office prints and sends it.
    return OfficialDocument(
        issuing_organ=LEADING_GROUP,
        title=DOCUMENT_TITLES[kind],
        paragraphs=paragraphs,
        issue_date=issued,
        copy_to=[facts.accountability_subject or ""],
        printing_organ=ISSUING_ORGAN,
    )


def publicity_announcement(facts: CaseFacts, issued: date) -> OfficialDocument:
    kind = DocumentType.PUBLICITY_ANNOUNCEMENT
    _require(
        facts,
        kind,
        "case_number",
        "applicant_name",
        "determination_recognised",
        "publicity_start_date",
        "publicity_last_working_day",
    )
    start = facts.publicity_start_date or issued
    last = facts.publicity_last_working_day or issued
    verdict = "认定" if facts.determination_recognised else "不认定"
    outcomes = _items(facts.determination_outcomes or [], ART9_TEXT)
    paragraphs = [
        f"根据{MEASURES}第八条第（三）项，现将{facts.applicant_name}"
        f"{_matter(facts)}容错免责申请（受理编号：{facts.case_number}）的审定意见予以公示。",
        f"审定意见：{verdict}符合容错免责情形。"
        + (f"适用{outcomes}。" if facts.determination_recognised and outcomes else ""),
        f"公示范围：{facts.publicity_scope or '一定范围内'}。"
        + (
            f"公示方式：{publicity_channel_name(facts.publicity_channel)}。"
            if facts.publicity_channel
            else ""
        ),
        f"公示期为7个工作日，自{_day(start)}次日起至{_day(last)}24时止。",
        f"公示期间，如对公示内容有异议，请以书面形式向{ISSUING_ORGAN}反映，"
        "反映情况应实事求是，并注明受理编号。",
        "特此公示。",
    ]
    return OfficialDocument(
        issuing_organ=ISSUING_ORGAN,
        title=DOCUMENT_TITLES[kind],
        paragraphs=paragraphs,
        issue_date=start,
    )


def feedback_notice(facts: CaseFacts, issued: date) -> OfficialDocument:
    kind = DocumentType.FEEDBACK_NOTICE
    _require(facts, kind, "case_number", "applicant_name", "determination_recognised")
    verdict = "认定" if facts.determination_recognised else "不认定"
    paragraphs = [
        f"{_you(facts)}于{_day(facts.application_date or issued)}提交的{_matter(facts)}"
        f"容错免责申请（受理编号：{facts.case_number}），经调查核实并报{LEADING_GROUP}审定，"
        f"{verdict}符合容错免责情形。",
    ]
    if facts.determination_recognised:
        outcomes = _items(facts.determination_outcomes or [], ART9_TEXT)
        paragraphs.append(
            f"依照{MEASURES}，适用{outcomes}。" if outcomes else "不适用第九条所列情形。"
        )
        treatments = _treatments(facts)
        if treatments:
            paragraphs.append(f"其中，{treatments}，由问责主体在问责处理中依照办理。")
    paragraphs += [
        f"依照第八条第（四）项，现将书面审定意见反馈{_you(facts)}，"
        f"同时抄送组织人事部门和问责主体{facts.accountability_subject or ''}，并存档备查。",
        "特此通知。",
    ]
    return OfficialDocument(
        issuing_organ=ISSUING_ORGAN,
        title=DOCUMENT_TITLES[kind],
        addressee=_addressee(facts),
        paragraphs=paragraphs,
        issue_date=issued,
        copy_to=["组织人事部门", facts.accountability_subject or ""],
        attachments=[DOCUMENT_TITLES[DocumentType.DETERMINATION_OPINION]],
    )


def _received_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def objection_reply(facts: CaseFacts, issued: date) -> OfficialDocument:
    """The written answer to one objection. It names no objector: the office delivers it to the
    address kept in the desk's confidential register, so the document itself can be filed with
    the case and read by every officer of it."""
    kind = DocumentType.OBJECTION_REPLY
    _require(
        facts,
        kind,
        "case_number",
        "applicant_name",
        "objection_id",
        "objection_content",
        "objection_received_at",
        "objection_answer",
    )
    received = _received_day(facts.objection_received_at) or issued
    paragraphs = [
        f"{_day(received)}，本办收到对{facts.applicant_name}{_matter(facts)}容错免责申请"
        f"（{facts.case_number}）审定意见公示的异议（异议编号{facts.objection_id}）。",
        f"异议反映：{(facts.objection_content or '').rstrip('。')}。",
        # the answer is the office's own words, which usually open with 经核实
        f"现答复如下：{(facts.objection_answer or '').rstrip('。')}。",
        "感谢您对容错纠错工作的监督。本办对异议人身份及所反映情况依规保密。",
    ]
    return OfficialDocument(
        issuing_organ=ISSUING_ORGAN,
        title=DOCUMENT_TITLES[kind],
        document_number=facts.case_number,
        paragraphs=paragraphs,
        issue_date=issued,
    )


COMPOSERS: dict[DocumentType, Callable[[CaseFacts, date], OfficialDocument]] = {
    DocumentType.INVALID_APPLICATION_REPLY: invalid_application_reply,
    DocumentType.ACCEPTANCE_NOTICE: acceptance_notice,
    DocumentType.REJECTION_NOTICE: rejection_notice,
    DocumentType.DETERMINATION_OPINION: determination_opinion,
    DocumentType.DETERMINATION_OPINION_DRAFT: determination_opinion_draft,
    DocumentType.PUBLICITY_ANNOUNCEMENT: publicity_announcement,
    DocumentType.FEEDBACK_NOTICE: feedback_notice,
    DocumentType.OBJECTION_REPLY: objection_reply,
}


def compose(
    document_type: DocumentType,
    facts: CaseFacts,
    issued: date,
    document_number: str | None = None,
) -> OfficialDocument:
    """The document; `document_number` is its own 发文字号 (workers/case_numbering.py), which
    the case number (受理编号) is not: a case issues several documents."""
    document = COMPOSERS[document_type](facts, issued)
    return document.model_copy(update={"document_number": document_number})
