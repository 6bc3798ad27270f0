// The case's business history: who decided what, when; which documents went out and which
// notices were delivered. A few rows per step, in the order they happened. The engine's full
// element trail (gateways, joins, service tasks by the system) is for administrators only.
import { html } from 'htm/preact';
import { v2, variableValue } from './api.js';
import { NOTICE_CHANNELS, NOTICE_RECIPIENTS, NOTICE_TYPES, STAGE_CALLS, displayValue, formatDate, stageName } from './labels.js';
import { personWithUnit, taskUnit, unitName } from './people.js';
import { formatDay, formatDay as writtenDay } from './dates.js';

const yesNo = (value, yes, no) => (value === true ? yes : value === false ? no : '');
const clip = (text, length = 60) => {
  const chars = [...String(text ?? '')];
  return chars.length > length ? `${chars.slice(0, length).join('')}…` : chars.join('');
};
const joined = (...parts) => parts.filter(Boolean).join('；');
const METHODS = { meeting: '会议研究', circulation: '传阅审定' };
const FINDINGS_RULINGS = { 'adopt-findings': '采纳核实结论', reinvestigate: '责成重新调查核实' };
const DISPOSAL_METHODS = { talk: '约谈', enquiry: '函询', 'life-meeting': '在民主生活会上说明问题' };
const OUTCOMES = { closed: '了结', rectification: '转问题整改', clarification: '转澄清了结' };
const CLOSURE_REASONS = { untrue: '反映不实', explained: '已说明清楚', reminded: '予以提醒' };
const RECTIFICATION_ASSESSMENTS = { rectified: '整改到位', 'not-rectified': '没有改正', ineffective: '整改效果不明显' };
const RECTIFICATION_HANDLING = { close: '提出整改销号', 'serious-handling': '提出严肃处理' };
const SERVICE_METHODS = { 'in-person': '直接送达', post: '邮寄送达', electronic: '电子送达', entrusted: '委托送达' };

// What each task decided, from the variables its form submitted (docs/procedure-contract.md).
// A task not listed here shows its name only, so a new step of the procedure is never hidden.
// Chapter 4 (Arts. 13–15): coded choices in words.
const CLARIFICATION_CONCLUSIONS = { untrue: '问题反映失实', unsupported: '问题反映查无实据' };
const ACCUSATION_FINDINGS = { 'false-accusation': '认定为诬告陷害', 'mistaken-report': '认定为错告误告，不予追究' };
const PURSUIT_OUTCOMES = { 'cadre-authority': '移交有管理权限的党组织或单位处理', judicial: '移送司法机关', 'per-law': '移交有关机关依法处理' };

const RESPONSE_METHODS = { 'situation-report': '发布情况通报', 'press-conference': '召开新闻发布会', 'media-interview': '接受媒体采访', 'online-reply': '在网络平台回应', 'face-to-face': '当面解释说明' };

const DECISIONS = {
  officeAcceptanceReview: (v) => joined(yesNo(v.officeAcceptsApplication, '同意受理', '不同意受理'), clip(v.officeAcceptanceReason)),
  subjectAcceptanceOpinion: (v) => joined(yesNo(v.subjectAcceptsApplication, '同意受理', '不同意受理'), clip(v.subjectAcceptanceReason)),
  assignDepartments: (v) => (Array.isArray(v.investigatingDepartments) ? `指定核实部门：${v.investigatingDepartments.map(unitName).join('、')}` : ''),
  departmentInvestigation: (v) => clip(v.investigationConclusion),
  subjectJointConfirmation: (v) => joined(yesNo(v.subjectConcurs, '对核实结论无异议', '对核实结论有异议'), clip(v.subjectComments)),
  draftDeterminationOpinion: (v) => joined(yesNo(v.determinationRecognised, '拟认定容错免责', '拟不予认定容错免责'), yesNo(v.publicityRequired, '需公示', '')),
  approveDeterminationOpinion: (v) => joined(yesNo(v.opinionApproved, '批准认定意见', '不批准，退回修改'), METHODS[v.approvalMethod], v.approvalMinutesNumber, clip(v.opinionApproved === false ? v.sendBackRemarks : v.approvalComments)),
  arrangePublicity: (v) => (v.publicityStartDate ? `公示自${v.publicityStartDate}起，范围：${displayValue(v.publicityScope)}` : ''),
  orgPersonnelReceipt: (v) => (v.orgPersonnelReceivedOn ? joined(`已于${v.orgPersonnelReceivedOn}收悉`, v.orgPersonnelReceivedBy && `签收人：${v.orgPersonnelReceivedBy}`) : ''),
  recordCadreUse: (v) => joined(v.cadreUseInAssessment && `考核评价：${clip(v.cadreUseInAssessment, 40)}`, v.cadreUseInAppointment && `选拔任用：${clip(v.cadreUseInAppointment, 40)}`, v.cadreUseRecordedBy && `记录人：${v.cadreUseRecordedBy}`),
  awaitSupplement: (v) => yesNo(v.supplementReceived, `已收到补正材料${v.supplementReceivedOn ? `（${v.supplementReceivedOn}）` : ''}`, '期限内未收到补正材料'),
  leadingGroupAcceptanceDecision: (v) => joined(yesNo(v.leadingGroupAcceptsApplication, '决定受理', '决定不予受理'), METHODS[v.leadingGroupDecisionMethod], v.leadingGroupMinutesNumber, clip(v.leadingGroupDecisionReason)),
  decideFindingsDisagreement: (v) => joined(FINDINGS_RULINGS[v.findingsDisagreementDecision], clip(v.findingsDisagreementReason)),
  handleObjection: (v) => joined(yesNo(v.objectionSubstantiated, '异议成立', '异议不成立'), clip(v.objectionAnswer)),
  handleLateObjection: (v) => joined(yesNo(v.objectionSubstantiated, '异议属实', '异议不属实'), clip(v.objectionAnswer)),
  reviewLateObjection: (v) => clip(v.leadingGroupObjectionDecision),
  recordApplicantService: (v) => (v.applicantServedOn ? joined(`已于${v.applicantServedOn}送达`, SERVICE_METHODS[v.applicantServiceMethod], v.applicantReceivedBy && `签收人：${v.applicantReceivedBy}`) : ''),
  subjectAppliesOutcome: (v) => joined(v.subjectServedOn && `已于${v.subjectServedOn}签收`, clip(v.subjectAccountabilityDecision)),
  proposeDisposal: (v) => joined(DISPOSAL_METHODS[v.disposalMethod] && `拟${DISPOSAL_METHODS[v.disposalMethod]}`, clip(v.disposalReason)),
  approveDisposal: (v) => joined(yesNo(v.disposalApproved, '同意处置方式', '不同意，退回重新提出'), METHODS[v.disposalApprovalMethod], v.disposalApprovalMinutesNumber, v.disposalApprovedBy && `审批领导：${v.disposalApprovedBy}`, clip(v.disposalApproved === false ? v.disposalSendBackRemarks : v.disposalApprovalComments)),
  recordEnquiryDelivery: (v) => (v.enquiryDeliveredOn ? joined(`函询函已于${writtenDay(v.enquiryDeliveredOn)}送达`, SERVICE_METHODS[v.enquiryDeliveryMethod], v.enquiryDeliveryReceiver && `签收人：${v.enquiryDeliveryReceiver}`) : ''),
  recordEnquiryReply: (v) => joined(v.enquiryReplyReceivedOn && `已于${writtenDay(v.enquiryReplyReceivedOn)}收到书面说明`, clip(v.enquiryReplySummary)),
  recordTalk: (v) => joined(v.talkDate && `已于${writtenDay(v.talkDate)}约谈`, v.talkConductedBy && `约谈人：${v.talkConductedBy}`, clip(v.talkRecord)),
  recordLifeMeetingExplanation: (v) => joined(v.lifeMeetingName && `已在${v.lifeMeetingName}上说明问题`, clip(v.lifeMeetingCriticism)),
  recordOutcome: (v) => joined(OUTCOMES[v.outcomeKind], CLOSURE_REASONS[v.closureReason], clip(v.outcomeReasoning)),
  fileScreeningAnalysis: (v) => joined('已报送排查梳理分析', clip(v.screeningTendencies)),
  reviewScreeningAnalyses: (v) => joined(clip(v.screeningAssessment), Array.isArray(v.referredProblems) && v.referredProblems.length ? `移交提醒告诫处置问题${v.referredProblems.length}件` : '未移交问题'),
  acknowledgeCommitteeRecord: (v) => joined(v.committeeAcknowledgedOn && `已于${v.committeeAcknowledgedOn}签收`, v.committeeRecordNumber && `备案编号：${v.committeeRecordNumber}`),
  draftRectificationNotice: (v) => joined(v.rectificationDeadline && `整改期限：${formatDay(v.rectificationDeadline)}`, clip(v.rectificationRequirements)),
  recordProblemAnalysis: (v) => joined(clip(v.problemCauses), v.analysisRecordedBy && `记录人：${v.analysisRecordedBy}`),
  reportRectificationProgress: (v) => joined(v.progressReportedOn && `${formatDay(v.progressReportedOn)}报告`, yesNo(v.rectificationCompleted, '整改已完成', '整改尚未完成'), clip(v.progressSummary)),
  supervisionCheck: (v) => joined(RECTIFICATION_ASSESSMENTS[v.rectificationAssessment], RECTIFICATION_HANDLING[v.proposedHandling], clip(v.handlingReason)),
  approveHandling: (v) => joined(yesNo(v.handlingApproved, '同意处理意见', '不同意，退回重新检查'), v.handlingApprovedBy && `审批人：${v.handlingApprovedBy}`, clip(v.handlingApprovalRemarks)),
  // Chapter 4 (Arts. 13–15)
  recordVerification: (v) => joined(CLARIFICATION_CONCLUSIONS[v.verificationConclusion], yesNo(v.explainToUnit, '向所在单位党组织说明', '不向所在单位党组织说明'), yesNo(v.publicClarificationProposed, '拟公开澄清', ''), yesNo(v.suspectFalseAccusation, '发现诬告陷害线索', ''), clip(v.verificationReasons)),
  approveClosure: (v) => joined(yesNo(v.closureApproved, '批准了结', '不批准，退回办公室'), v.closureApprovedBy && `审批领导：${v.closureApprovedBy}`, clip(v.closureApproved === false ? v.closureSendBackRemarks : v.closureApprovalComments)),
  recordLetterService: (v) => (v.letterServedOn ? joined(`情况说明函已于${v.letterServedOn}送达`, SERVICE_METHODS[v.letterServiceMethod], v.letterReceivedBy && `签收人：${v.letterReceivedBy}`) : ''),
  approvePublicClarification: (v) => joined(yesNo(v.publicClarificationApproved, '批准公开澄清', '不予公开澄清'), v.publicClarificationApproved && v.publicClarificationScope && `范围：${clip(v.publicClarificationScope)}`, v.publicClarificationApprovedBy && `审批领导：${v.publicClarificationApprovedBy}`),
  recordPublication: (v) => (v.publicationDate ? joined(`已于${v.publicationDate}公开澄清`, clip(v.publicationNotes)) : ''),
  distinguishAccusation: (v) => joined(ACCUSATION_FINDINGS[v.accusationFinding], clip(v.findingReasons)),
  decidePursuitOutcome: (v) => joined(PURSUIT_OUTCOMES[v.pursuitOutcome], v.receivingBody && `接收机关：${v.receivingBody}`, clip(v.outcomeReasons)),
  verifyRetaliation: (v) => joined(yesNo(v.retaliationFound, '打击报复属实', '打击报复反映不实'), clip(v.protectiveMeasures)),
  approveRetaliationHandling: (v) => joined(yesNo(v.retaliationHandlingApproved, '批准处理意见', '不批准，退回办公室'), v.retaliationApprovedBy && `审批领导：${v.retaliationApprovedBy}`, clip(v.retaliationHandlingApproved === false ? v.retaliationSendBackRemarks : '')),
  // Art. 19 (舆论解释回应)
  planOpinionResponse: (v) => joined(RESPONSE_METHODS[v.responseMethod] && `拟${RESPONSE_METHODS[v.responseMethod]}`, v.responseLine && `口径：${clip(v.responseLine, 40)}`),
  approveResponsePlan: (v) => joined(yesNo(v.responsePlanApproved, '同意回应方案', '不同意，退回修改'), v.planApprovedBy && `审核领导：${v.planApprovedBy}`, clip(v.responsePlanApproved === false ? v.responsePlanSendBackRemarks : v.planApprovalComments)),
  recordOpinionResponse: (v) => joined(v.respondedOn && `已于${formatDay(v.respondedOn)}回应`, clip(v.responseMade), v.respondedBy && `经办人：${v.respondedBy}`),
  closeOpinionResponse: (v) => joined(v.closedBy && `${v.closedBy}确认办结`, clip(v.closingRemarks)),
};

export function decisionOf(task, variables) {
  const describe = DECISIONS[task.elementId];
  try {
    return describe ? describe(variables || {}) : '';
  } catch {
    return '';
  }
}

// Documents and notices are variables (…Document with a uri, …Notice with a sentAt); output
// mappings copy them from a stage to the case, so each is listed once.
function papers(variableItems, stageOf = {}) {
  const rows = new Map();
  // The stage that produced a paper, not the case it was copied up to.
  const ordered = [...variableItems].sort((a, b) => Number(stageOf[a.processInstanceKey] === 'exemption-procedure') - Number(stageOf[b.processInstanceKey] === 'exemption-procedure'));
  for (const item of ordered) {
    const stage = stageName(stageOf[item.processInstanceKey]);
    const value = variableValue(item);
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    if (item.name.endsWith('Document') && value.uri) {
      const id = `document:${value.uri}`;
      if (rows.has(id)) continue;
      rows.set(id, {
        key: id,
        when: value.createdAt,
        stage,
        what: `制发文书《${value.title || '文书'}》`,
        who: '系统生成',
        decision: '',
        link: `/documents/${item.processInstanceKey}/${item.name}`,
      });
    } else if (value.noticeType && value.sentAt) {
      const id = `notice:${value.noticeId || `${item.name}:${value.sentAt}`}`;
      if (rows.has(id)) continue;
      rows.set(id, {
        key: id,
        when: value.sentAt,
        stage,
        what: `送达${NOTICE_TYPES[value.noticeType] || '通知'}`,
        who: '系统送达',
        decision: `送达对象：${NOTICE_RECIPIENTS[value.recipient] || unitName(value.recipient)}；方式：${NOTICE_CHANNELS[value.channel] || '其他方式'}`,
      });
    }
  }
  return [...rows.values()];
}

export function businessHistory(found) {
  const rows = [];
  for (const element of found.elements) {
    if (element.type === 'CALL_ACTIVITY' && STAGE_CALLS[element.elementId]) {
      rows.push({
        key: `stage:${element.elementInstanceKey}`,
        when: element.startDate,
        stage: stageName(STAGE_CALLS[element.elementId]),
        what: `进入${stageName(STAGE_CALLS[element.elementId])}阶段`,
        who: '',
        decision: '',
        kind: 'stage',
      });
    }
  }
  for (const task of found.tasks) {
    const variables = found.taskVariables?.[task.userTaskKey] || {};
    const unit = taskUnit(task, variables);
    const completed = task.state === 'COMPLETED';
    rows.push({
      key: `task:${task.userTaskKey}`,
      when: completed ? task.completionDate : task.creationDate,
      stage: stageName(found.stageOf[task.processInstanceKey]),
      what: variables.department ? `${task.name || '任务'}（${unitName(variables.department)}）` : task.name || '任务',
      who: task.assignee ? personWithUnit(task.assignee) : completed ? '（未记录办理人）' : `待${unit || '本组'}认领`,
      decision: completed ? decisionOf(task, variables) : task.state === 'CREATED' ? '办理中' : '已取消',
      kind: completed ? 'done' : 'open',
    });
  }
  // Tasks of other units the reader may not open (the engine shows a task only to those who may
  // act on it) still show that the step happened and, from the stage's variables, what it decided.
  const seen = new Set(found.tasks.map((task) => task.elementInstanceKey));
  const stageVariables = {};
  for (const item of found.variableItems || []) {
    if (item.scopeKey !== item.processInstanceKey) continue;
    (stageVariables[item.processInstanceKey] ||= {})[item.name] = variableValue(item);
  }
  for (const element of found.elements) {
    if (element.type !== 'USER_TASK' || seen.has(element.elementInstanceKey)) continue;
    const active = element.state === 'ACTIVE';
    rows.push({
      key: `hidden:${element.elementInstanceKey}`,
      when: element.endDate || element.startDate,
      stage: stageName(found.stageOf[element.processInstanceKey]),
      what: element.elementName || '任务',
      who: '其他单位办理',
      decision: active ? '办理中' : decisionOf(element, stageVariables[element.processInstanceKey]),
      kind: active ? 'open' : 'done',
    });
  }
  rows.push(...papers(found.variableItems || [], found.stageOf));
  if (found.cancellation) rows.push(found.cancellation);
  return rows
    .filter((row) => row.when)
    .sort((a, b) => String(a.when).localeCompare(String(b.when)));
}

export function BusinessHistory({ rows }) {
  if (rows.length === 0) return html`<p class="muted">暂无可查看的办理记录</p>`;
  return html`<table class="grid history business-history">
    <caption class="sr-only">案件办理经过：谁在何时办理了什么、作出何种决定，制发了哪些文书，送达了哪些通知</caption>
    <thead><tr><th scope="col">时间</th><th scope="col">阶段</th><th scope="col">事项</th><th scope="col">办理人</th><th scope="col">结果</th></tr></thead>
    <tbody>${rows.map((row) => html`<tr key=${row.key} class=${row.kind || ''}>
      <td>${formatDate(row.when)}</td>
      <td>${row.stage}</td>
      <td>${row.link ? html`<a href=${row.link} target="_blank" rel="noopener">${row.what}</a>` : row.what}</td>
      <td>${row.who}</td>
      <td>${row.decision}</td>
    </tr>`)}</tbody>
  </table>`;
}

// What the officer's history needs beyond the engine steps: each task's submitted values and the
// case's documents and notices. A refused search (another unit's stage) only leaves rows out.
export async function loadRecordDetails(found, instances) {
  const done = found.tasks.filter((task) => task.state === 'COMPLETED' || task.state === 'CREATED');
  const [values, variableItems] = await Promise.all([
    Promise.all(done.map((task) => v2.search(`/user-tasks/${task.userTaskKey}/variables/search`, { page: { limit: 500 } }).catch(() => []))),
    v2.searchAll('/variables/search', { filter: { processInstanceKey: { $in: instances.map((item) => item.processInstanceKey) } } }).catch(() => []),
  ]);
  const taskVariables = {};
  done.forEach((task, index) => {
    taskVariables[task.userTaskKey] = Object.fromEntries(values[index].map((item) => [item.name, variableValue(item)]));
  });
  return { ...found, taskVariables, variableItems };
}
