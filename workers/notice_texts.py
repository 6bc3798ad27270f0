"""What each notice of the procedure says, and what it carries (docs/procedure-contract.md)."""

from __future__ import annotations

import re
from datetime import date

from workers.document_store import StoredDocument
from workers.notices import Attachment, Notice, recipient_address
from workers.organisation import ISSUING_ORGAN, RECIPIENT_NAMES
from workers.variables import ProcessVariables

RECIPIENTS = frozenset(RECIPIENT_NAMES)
DOCUMENT_NOTICES = frozenset(
    {
        "invalid-application-reply",
        "acceptance-notice",
        "rejection-notice",
        "determination-feedback",
        "committee-report",
    }
)
# Notices that only tell an office to act: they carry the case number, not a document.
REINVESTIGATION = "reinvestigation"
# 8(2) 补正: the request to the applicant, and the office's reminder when the time has run out.
SUPPLEMENT_REQUEST = "supplement-request"
SUPPLEMENT_OVERDUE = "supplement-overdue"
REMINDERS = {
    "acceptance-reminder": ("受理审核", "acceptance_reminder_after", "P10D"),
    "investigation-reminder": ("调查核实", "investigation_reminder_after", "P30D"),
}
NOTICE_TYPES = (
    DOCUMENT_NOTICES
    | frozenset(REMINDERS)
    | {REINVESTIGATION, SUPPLEMENT_REQUEST, SUPPLEMENT_OVERDUE}
)


_DURATION = re.compile(
    r"^P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<H>\d+)H)?(?:(?P<N>\d+)M)?(?:(?P<S>\d+)S)?)?$"
)
_DURATION_UNITS = (
    ("Y", "年"),
    ("M", "个月"),
    ("W", "周"),
    ("D", "日"),
    ("H", "小时"),
    ("N", "分钟"),
)


def duration_text(value: str) -> str:
    """An ISO-8601 duration as an officer reads it: P10D → 10日, PT48H → 48小时."""
    match = _DURATION.match(value.strip())
    if match is None or not any(match.groupdict().values()):
        return value
    return "".join(
        f"{int(match[key])}{unit}" for key, unit in _DURATION_UNITS if match[key] is not None
    )


class NoticeRequestError(ValueError):
    """The job asks for a notice the procedure does not know, or lacks what it must carry."""


class NoticeInput(ProcessVariables):
    case_number: str | None = None
    applicant_type: str | None = None
    applicant_name: str | None = None
    applicant_email: str | None = None
    accountability_subject: str | None = None
    document: StoredDocument | None = None
    determination_opinion_document: StoredDocument | None = None
    acceptance_reminder_after: str | None = None
    investigation_reminder_after: str | None = None
    objection_handling_notes: str | None = None
    supplement_items: str | None = None
    supplement_last_day: date | None = None


def _you(data: NoticeInput) -> str:
    return "你单位" if data.applicant_type == "unit" else "你"


def _attachment(document: StoredDocument) -> Attachment:
    return Attachment(file_name=document.file_name, path=document.path())


def compose_notice(notice_id: str, notice_type: str, recipient: str, data: NoticeInput) -> Notice:
    if recipient not in RECIPIENTS:
        raise NoticeRequestError(
            f"任务头 recipient 取值 {recipient!r} 无效，应为 {'、'.join(sorted(RECIPIENTS))} 之一"
        )
    if notice_type not in NOTICE_TYPES:
        raise NoticeRequestError(
            f"任务头 noticeType 取值 {notice_type!r} 无效，"
            f"应为 {'、'.join(sorted(NOTICE_TYPES))} 之一"
        )
    applicant = data.applicant_name or "申请人"
    case = data.case_number or "未编号"
    if recipient == "applicant":
        name = applicant if data.applicant_type == "unit" else f"{applicant}同志"
        address = data.applicant_email or None
    elif recipient == "accountability-subject":
        name = data.accountability_subject or RECIPIENT_NAMES[recipient]
        address = recipient_address(recipient)
    else:
        name = RECIPIENT_NAMES[recipient]
        address = recipient_address(recipient)

    attachments: list[Attachment] = []
    if notice_type in DOCUMENT_NOTICES:
        if data.document is None:
            raise NoticeRequestError(
                f"通知 {notice_type} 须附送文书，但输入变量 document 不存在（检查任务的输入映射）"
            )
        attachments.append(_attachment(data.document))
        opinion = data.determination_opinion_document
        # 8(4): the written opinion itself goes to the applicant and to org/personnel.
        if (
            notice_type == "determination-feedback"
            and opinion is not None
            and opinion.document_id != data.document.document_id
        ):
            attachments.append(_attachment(opinion))
        title = data.document.title
        subject = f"{title}（受理编号：{case}）"
        if notice_type == "determination-feedback" and recipient == "org-personnel":
            lead = (
                f"依照《游仙区容错纠错实施办法（试行）》第八条第（四）项，现将{applicant}"
                f"容错免责案件（受理编号：{case}）的书面审定意见反馈你部门，请在干部考核评价、"
                "评先评优和选拔任用中依规运用。"
            )
        elif notice_type == "determination-feedback" and recipient == "accountability-subject":
            lead = (
                f"依照《游仙区容错纠错实施办法（试行）》第八条第（四）项、第九条，现将{applicant}"
                f"容错免责案件（{case}）的书面审定意见送达你单位，请在问责处理中依照审定意见办理，"
                "并将签收和运用情况反馈本办。"
            )
        elif notice_type == "committee-report":
            lead = (
                f"依照《游仙区容错纠错实施办法（试行）》第八条第（四）项，{applicant}系区管干部，"
                f"现将其容错免责案件（受理编号：{case}）的书面审定意见报区委备案，请予签收。"
            )
        else:
            lead = f"现将{title}（受理编号：{case}）送达，请查收附件。"
    elif notice_type == REINVESTIGATION:
        subject = f"公示异议成立，退回调查核实（受理编号：{case}）"
        notes = (
            f"异议处理意见：{data.objection_handling_notes}。"
            if data.objection_handling_notes
            else ""
        )
        lead = (
            f"容错免责案件（受理编号：{case}，申请人：{applicant}）公示期间收到的异议经核实成立，"
            f"依照《游仙区容错纠错实施办法（试行）》第八条第（三）项退回调查核实，"
            f"请重新责成相关部门会同问责主体开展调查核实。{notes}"
        )
    elif notice_type == SUPPLEMENT_REQUEST:
        if not data.supplement_items or data.supplement_last_day is None:
            raise NoticeRequestError(
                "补正通知须载明补正事项和期限，但流程变量 supplementItems 或 "
                "supplementLastDay 不存在"
            )
        last = data.supplement_last_day
        subject = f"容错免责申请补正通知（{case}）"
        lead = (
            f"{_you(data)}提交的容错免责申请（受理编号：{case}）材料不全。依照"
            "《游仙区容错纠错实施办法（试行）》第八条第（二）项，请补正以下材料和事项："
            f"{data.supplement_items.strip()}\n\n"
            f"请于{last.year}年{last.month}月{last.day}日前向领导小组办公室提交补正材料。"
            "补正前本办暂不作出受理决定；如不再申请，可书面撤回申请。"
        )
    elif notice_type == SUPPLEMENT_OVERDUE:
        subject = f"补正期限届满提醒：{case}"
        lead = (
            f"容错免责申请（{case}，申请人：{applicant}）的补正期限已届满，"
            "请登记补正情况：已补正的登记补正材料；未补正的登记未补正，"
            "由本办会同问责主体作出受理或不予受理决定。"
        )
    else:
        stage, field, default = REMINDERS[notice_type]
        # Local policy (docs/local-policy.md): the deadline the case was given, else the default.
        limit = duration_text(getattr(data, field) or default)
        subject = f"办理时限提醒：{stage}（受理编号：{case}）"
        lead = (
            f"容错免责案件（受理编号：{case}，申请人：{applicant}）的{stage}已超过本地规定的"
            f"办理时限（{limit}），请尽快办理。"
        )
    body = f"{name}：\n\n{lead}\n\n{ISSUING_ORGAN}\n"
    return Notice(
        notice_id=notice_id,
        notice_type=notice_type,
        recipient=recipient,
        recipient_name=name,
        address=address,
        subject=subject,
        body=body,
        attachments=attachments,
    )
