"""A case file (案卷): everything of one case on one printable page — the application, every
decision with who took it and when, the documents issued and the notices delivered.

Read from the /v2 API with the officer's credentials (the API decides who may read the case);
people and units appear by name, from the API's user and group directory where the officer may
read it, else as the API names them.
"""

from __future__ import annotations

from typing import Any

from desk.api_client import ApiClient
from desk.case_documents import case_instances
from desk.case_index import (
    ART7,
    ART9,
    CaseRow,
    _instant,
    _search,
    _value,
    beijing_text,
    chinese_day,
)
from desk.sessions import Session

APPLICATION_FIELDS = (
    ("applicantName", "申请人"),
    ("applicantUnit", "申请人单位"),
    ("applicantPosition", "职务"),
    ("applicantContact", "联系电话"),
    ("districtManagedCadre", "是否区管干部"),
    ("accountabilityMatter", "被问责事项"),
    ("accountabilityStartDate", "启动问责日期"),
    ("accountabilitySubject", "问责主体"),
    ("conduct", "失误错误情形"),
    ("claimedCircumstances", "申请适用的容错情形"),
    ("lossRecoveryMeasures", "挽回损失、消除影响的措施"),
    ("supportingDocuments", "证明材料"),
    ("applicationDate", "申请日期"),
)

# What each user task decides (docs/procedure-contract.md), in the words of its form.
DECISION_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "officeAcceptanceReview": (
        ("officeAcceptsApplication", "是否同意受理"),
        ("officeAcceptanceReason", "理由"),
    ),
    "subjectAcceptanceOpinion": (
        ("subjectAcceptsApplication", "是否同意受理"),
        ("subjectAcceptanceReason", "理由"),
    ),
    "assignDepartments": (
        ("investigatingDepartments", "调查核实部门"),
        ("investigationInstructions", "工作要求"),
    ),
    "subjectJointConfirmation": (
        ("subjectConcurs", "是否同意核实结论"),
        ("subjectComments", "意见"),
    ),
    "draftDeterminationOpinion": (
        ("determinationRecognised", "是否认定容错免责"),
        ("determinationCircumstances", "认定的容错情形"),
        ("determinationOutcomes", "免责结果"),
        ("determinationReasoning", "认定理由"),
        ("publicityRequired", "是否公示"),
    ),
    "approveDeterminationOpinion": (
        ("opinionApproved", "是否同意审定意见"),
        ("approvalMethod", "审定方式"),
        ("approvalMeetingDate", "会议日期"),
        ("approvalMinutesNumber", "会议纪要编号"),
        ("approvalCirculatedOn", "传阅完毕日期"),
        ("approvalDecidedBy", "主持或签批的领导"),
        ("approvalComments", "审批意见"),
        ("sendBackRemarks", "退回修改意见"),
    ),
    "arrangePublicity": (
        ("publicityStartDate", "公示开始日期"),
        ("publicityScope", "公示范围"),
    ),
    "orgPersonnelReceipt": (
        ("orgPersonnelReceivedBy", "签收人"),
        ("orgPersonnelReceivedOn", "收悉日期"),
        ("orgPersonnelServiceMethod", "送达方式"),
        ("orgPersonnelNotes", "备注"),
    ),
    # Art. 18: how 区委组织部 applied a recognised exemption
    "recordCadreUse": (
        ("cadreUseInAssessment", "在考核评价中的运用"),
        ("cadreUseInAppointment", "在选拔任用中的运用"),
        ("cadreUseRemarks", "备注"),
        ("cadreUseRecordedBy", "记录人"),
        ("cadreUseRecordedOn", "记录日期"),
    ),
    "awaitSupplement": (
        ("supplementReceived", "是否收到补正材料"),
        ("supplementReceivedOn", "收到日期"),
        ("supplementMaterials", "补正材料"),
    ),
    "leadingGroupAcceptanceDecision": (
        ("leadingGroupAcceptsApplication", "是否受理"),
        ("leadingGroupDecisionReason", "理由"),
        ("leadingGroupDecisionMethod", "决定方式"),
        ("leadingGroupMinutesNumber", "会议纪要编号"),
        ("leadingGroupDecidedOn", "决定日期"),
    ),
    "departmentInvestigation": (("investigationConclusion", "核实结论"),),
    "decideFindingsDisagreement": (
        ("findingsDisagreementDecision", "决定"),
        ("findingsDisagreementReason", "理由"),
        ("findingsDisagreementDecidedBy", "决定的会议或领导"),
        ("findingsDisagreementDecidedOn", "决定日期"),
        ("findingsDisagreementMinutes", "会议纪要编号"),
    ),
    "handleObjection": (
        ("objectionSubstantiated", "异议是否成立"),
        ("objectionAnswer", "书面答复"),
    ),
    "handleLateObjection": (
        ("objectionSubstantiated", "异议是否属实"),
        ("objectionAnswer", "书面答复"),
    ),
    "reviewLateObjection": (("leadingGroupObjectionDecision", "领导小组决定"),),
    "recordApplicantService": (
        ("applicantReceivedBy", "签收人"),
        ("applicantServedOn", "送达日期"),
        ("applicantServiceMethod", "送达方式"),
    ),
    "subjectAppliesOutcome": (
        ("subjectReceivedBy", "签收人"),
        ("subjectServedOn", "送达日期"),
        ("subjectAccountabilityDecision", "运用审定意见情况"),
        ("subjectAppliedOn", "运用日期"),
    ),
    "acknowledgeCommitteeRecord": (
        ("committeeAcknowledgedOn", "签收日期"),
        ("committeeRecordNumber", "备案编号"),
        ("committeeRemarks", "备注"),
    ),
    # reminder-warning (Art. 11)
    "proposeDisposal": (
        ("disposalMethod", "处置方式"),
        ("minorMatter", "是否属轻微违规违纪"),
        ("disposalReason", "提出理由"),
        ("enquiryWorkingDays", "书面说明期限（工作日）"),
    ),
    "approveDisposal": (
        ("disposalApproved", "是否同意处置方式"),
        ("disposalApprovalMethod", "审批方式"),
        ("disposalApprovalMeetingDate", "会议日期"),
        ("disposalApprovalMinutesNumber", "会议纪要编号"),
        ("disposalApprovalCirculatedOn", "传批日期"),
        ("disposalApprovedBy", "审批领导"),
        ("disposalApprovalComments", "审批意见"),
        ("disposalSendBackRemarks", "退回意见"),
    ),
    "recordEnquiryDelivery": (
        ("enquiryDeliveredOn", "送达日期"),
        ("enquiryDeliveryMethod", "送达方式"),
        ("enquiryDeliveryReceiver", "签收人"),
    ),
    "recordEnquiryReply": (
        ("enquiryReplyReceivedOn", "收到书面说明日期"),
        ("enquiryReplySummary", "书面说明主要内容"),
        ("enquiryReplyEndorsed", "所在单位党组织主要负责人是否签署意见"),
    ),
    "recordTalk": (
        ("talkConductedBy", "约谈人"),
        ("talkDate", "约谈日期"),
        ("talkRecord", "约谈情况"),
    ),
    "recordLifeMeetingExplanation": (
        ("lifeMeetingName", "会议名称"),
        ("lifeMeetingDate", "会议日期"),
        ("lifeMeetingExplanation", "本人说明情况"),
        ("lifeMeetingCriticism", "批评和自我批评情况"),
    ),
    "recordOutcome": (
        ("outcomeKind", "处置结果"),
        ("closureReason", "了结理由"),
        ("outcomeReasoning", "理由"),
        ("outcomeDecidedOn", "日期"),
    ),
    # Art. 10 periodic screening (bpmn/problem-screening.bpmn)
    "fileScreeningAnalysis": (
        ("petitionFindings", "信访反映方面发现的问题"),
        ("inspectionFindings", "巡视巡察方面发现的问题"),
        ("disciplineReviewFindings", "纪律审查方面发现的问题"),
        ("personalMattersFindings", "个人有关事项报告方面发现的问题"),
        ("screeningTendencies", "苗头性、倾向性问题"),
        ("screeningMeasures", "拟采取的措施"),
    ),
    "reviewScreeningAnalyses": (
        ("screeningAssessment", "分析研判意见"),
        ("problemsReferred", "是否移交提醒告诫处置"),
    ),
    # rectification (Art. 12)
    "draftRectificationNotice": (
        ("rectificationRequirements", "整改要求"),
        ("rectificationDeadline", "整改期限"),
        ("progressReportInterval", "报告整改进展的间隔"),
    ),
    "recordProblemAnalysis": (
        ("problemAnalysis", "问题分析"),
        ("problemCauses", "原因查找"),
        ("rectificationPlan", "整改方案"),
        ("analysisRecordedBy", "记录人"),
    ),
    "reportRectificationProgress": (
        ("progressReportedOn", "报告日期"),
        ("progressSummary", "整改进展情况"),
        ("rectificationCompleted", "整改是否完成"),
    ),
    "supervisionCheck": (
        ("checkedOn", "检查日期"),
        ("checkFindings", "检查情况"),
        ("rectificationAssessment", "整改效果"),
        ("proposedHandling", "处理意见"),
        ("handlingReason", "理由"),
    ),
    "approveHandling": (
        ("handlingApproved", "是否同意处理意见"),
        ("handlingApprovedBy", "审批人"),
        ("handlingApprovedOn", "审批日期"),
        ("handlingApprovalRemarks", "审批意见说明"),
    ),
    # Chapter 4 (Arts. 13–15)
    "recordVerification": (
        ("verificationConclusion", "核查结论"),
        ("verificationReasons", "认定理由"),
        ("explainToUnit", "是否向所在单位党组织说明"),
        ("explanationReason", "说明或不说明的理由"),
        ("publicClarificationProposed", "是否拟公开澄清"),
        ("suspectFalseAccusation", "是否发现诬告陷害线索"),
    ),
    "approveClosure": (
        ("closureApproved", "是否批准了结"),
        ("closureApprovedBy", "审批领导"),
        ("closureApprovedOn", "审批日期"),
        ("closureSendBackRemarks", "退回意见"),
    ),
    "recordLetterService": (
        ("letterReceivedBy", "签收人"),
        ("letterServedOn", "签收日期"),
        ("letterServiceMethod", "送达方式"),
    ),
    "approvePublicClarification": (
        ("publicClarificationApproved", "是否批准公开澄清"),
        ("publicClarificationScope", "澄清范围"),
        ("publicClarificationApprovedBy", "审批领导"),
    ),
    "recordPublication": (
        ("publicationDate", "发布日期"),
        ("publicationNotes", "发布情况"),
    ),
    "distinguishAccusation": (
        ("accusationFinding", "认定"),
        ("findingReasons", "认定理由"),
        ("findingDecidedOn", "认定日期"),
    ),
    "decidePursuitOutcome": (
        ("pursuitOutcome", "处理方式"),
        ("receivingBody", "接收机关或党组织"),
        ("outcomeReasons", "处理理由"),
    ),
    "verifyRetaliation": (
        ("retaliationFound", "打击报复是否属实"),
        ("retaliationFindings", "核查情况"),
        ("protectiveMeasures", "保护措施"),
    ),
    "approveRetaliationHandling": (
        ("retaliationHandlingApproved", "是否批准处理意见"),
        ("retaliationApprovedBy", "审批领导"),
        ("retaliationSendBackRemarks", "退回意见"),
    ),
    # Art. 19 (舆论解释回应)
    "planOpinionResponse": (
        ("responseMethod", "回应方式"),
        ("responseLine", "回应口径"),
        ("responseChannel", "发布平台或范围"),
        ("plannedBy", "拟定人"),
    ),
    "approveResponsePlan": (
        ("responsePlanApproved", "是否同意回应方案"),
        ("planApprovedBy", "审核领导"),
        ("planApprovedOn", "审核日期"),
        ("responsePlanSendBackRemarks", "退回修改意见"),
    ),
    "recordOpinionResponse": (
        ("respondedOn", "回应日期"),
        ("responseMade", "回应情况"),
        ("respondedBy", "经办人"),
    ),
    "closeOpinionResponse": (
        ("closedBy", "确认人"),
        ("closedOn", "确认日期"),
        ("closingRemarks", "确认意见"),
    ),
}
# Coded choices of the forms, in the forms' own words.
CHOICES = {
    "meeting": "会议研究",
    "circulation": "传阅审定",
    "adopt-findings": "采纳核实结论",
    "reinvestigate": "重新调查核实",
    "in-person": "直接送达",
    "post": "邮寄送达",
    "electronic": "电子送达",
    "entrusted": "委托送达",
    # reminder-warning (Art. 11)
    "talk": "约谈",
    "enquiry": "函询",
    "life-meeting": "在民主生活会上说明问题",
    "closed": "了结",
    "rectification": "转问题整改",
    "clarification": "转澄清了结",
    "explained": "已说明清楚",
    "reminded": "予以提醒",
    "rectified": "整改到位",
    "not-rectified": "没有改正",
    "ineffective": "整改效果不明显",
    "close": "整改销号",
    "serious-handling": "严肃处理",
    "P15D": "每15日",
    "P30D": "每30日",
    "P60D": "每60日",
    # Chapter 4 (Arts. 13–15)
    "untrue": "问题反映失实",
    "unsupported": "问题反映查无实据",
    "false-accusation": "诬告陷害",
    "mistaken-report": "错告误告",
    "cadre-authority": "移交有管理权限的党组织或单位处理",
    "judicial": "移送司法机关",
    "per-law": "移交有关机关依法处理",
    # Art. 19: how the opinion is answered
    "situation-report": "发布情况通报",
    "press-conference": "召开新闻发布会",
    "media-interview": "接受媒体采访",
    "online-reply": "在网络平台回应",
    "face-to-face": "当面解释说明",
}

RECIPIENTS = {"applicant": "申请人", "requester": "申请人"}
NOTICE_NAMES = {
    "invalidReplyNotice": "申请答复送达",
    "acceptanceNotice": "受理通知送达",
    "rejectionNotice": "不予受理通知送达",
    "acceptanceReminderNotice": "受理审核超期提醒",
    "investigationReminderNotice": "调查核实超期提醒",
    "applicantFeedbackNotice": "认定结果反馈申请人",
    "orgPersonnelFeedbackNotice": "认定结果反馈组织人事部门",
    "reinvestigationNotice": "重新调查通知",
    "committeeReportNotice": "报区委备案",
    "clarificationLetterNotice": "情况说明函送达所在单位党组织",
    "pursuitRequestNotice": "追查请示报送市级机关",
    "pursuitTransferNotice": "诬告陷害问题移送",
    "approvalOverdueNotice": "批复逾期提醒",
    "requesterNotice": "舆情回应情况告知申请人",
}
CHANNELS = {"email": "电子邮件", "file": "书面送达", "sms": "短信", "post": "邮寄"}


async def case_file(
    api: ApiClient, session: Session, row: CaseRow, names: dict[str, str]
) -> dict[str, Any]:
    """`names`: user and group ids → names, as far as the officer may read them."""
    instances = sorted(await case_instances(api, session, row.key))
    variables: dict[str, dict[str, Any]] = {}
    for variable in await _search(
        api, session, "/v2/variables/search", {"processInstanceKey": {"$in": instances}}
    ):
        by_instance = variables.setdefault(str(variable.get("processInstanceKey")), {})
        by_instance[str(variable.get("name"))] = _value(variable)
    case_values = {
        **{k: v for key in instances if key != row.key for k, v in variables.get(key, {}).items()},
        **variables.get(row.key, {}),
    }
    tasks = await _search(
        api, session, "/v2/user-tasks/search", {"processInstanceKey": {"$in": instances}}
    )
    tasks.sort(key=lambda task: str(task.get("completionDate") or task.get("creationDate") or ""))
    decisions = []
    for task in tasks:
        done = task.get("state") == "COMPLETED"
        own = variables.get(str(task.get("processInstanceKey")), {})
        fields = [
            {"label": label, "value": _shown(own.get(name, case_values.get(name)), names)}
            for name, label in DECISION_FIELDS.get(str(task.get("elementId")), ())
            if name in own or name in case_values
        ]
        assignee = str(task.get("assignee") or "")
        groups = [names.get(group, group) for group in task.get("candidateGroups") or []]
        decisions.append(
            {
                "task": str(task.get("name") or task.get("elementId") or ""),
                "state": "已办理"
                if done
                else "待办理"
                if task.get("state") == "CREATED"
                else "已取消",
                "by": names.get(assignee, assignee) if assignee else "（未认领）",
                "unit": "、".join(groups),
                "at": beijing_text(
                    _instant(task.get("completionDate") if done else task.get("creationDate"))
                ),
                "fields": fields if done else [],
            }
        )
    documents = []
    for name, value in sorted(case_values.items()):
        if name.endswith("Document") and isinstance(value, dict) and value.get("documentId"):
            documents.append(
                {
                    "title": str(value.get("title") or name),
                    "at": beijing_text(_instant(value.get("createdAt"))),
                    "href": f"/documents/{row.key}/{name}",
                }
            )
    documents.sort(key=lambda item: item["at"])
    notices = []
    for name, value in case_values.items():
        if name in NOTICE_NAMES and isinstance(value, dict):
            recipient = str(value.get("recipient") or "")
            notices.append(
                {
                    "notice": NOTICE_NAMES[name],
                    "to": RECIPIENTS.get(recipient) or names.get(recipient, recipient),
                    "channel": CHANNELS.get(str(value.get("channel") or ""), "其他方式"),
                    "at": beijing_text(_instant(value.get("sentAt"))),
                }
            )
    notices.sort(key=lambda item: item["at"])
    return {
        "case": row.to_json(),
        "application": [
            {"label": label, "value": _shown(case_values[name], names)}
            for name, label in APPLICATION_FIELDS
            if name in case_values
        ],
        "decisions": decisions,
        "documents": documents,
        "notices": notices,
    }


def _shown(value: Any, names: dict[str, str]) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_shown(item, names) for item in value)
    if isinstance(value, str):
        return (
            ART7.get(value)
            or ART9.get(value)
            or CHOICES.get(value)
            or names.get(value)
            or chinese_day(value)
        )
    if isinstance(value, dict):
        return "；".join(f"{_shown(v, names)}" for v in value.values())
    return str(value)
