// Chinese names for the procedure's ids (docs/procedure-contract.md).
import { formatDateTime } from './dates.js';

export const STAGES = {
  'exemption-procedure': '容错免责办理',
  application: '提出申请',
  acceptance: '审核受理',
  investigation: '调查核实',
  publicity: '公示',
  'feedback-filing': '认定反馈与存档',
  'committee-recording': '报区委备案',
  'reminder-warning': '提醒告诫',
  'problem-screening': '定期排查梳理',
  rectification: '问题整改',
};

export const STAGE_CALLS = {
  callApplication: 'application',
  callAcceptance: 'acceptance',
  callInvestigation: 'investigation',
  callPublicity: 'publicity',
  callFeedbackFiling: 'feedback-filing',
  callCommitteeRecording: 'committee-recording',
};

// Chapter 4 (Arts. 13–15)
Object.assign(STAGES, { clarification: '澄清了结', 'false-accusation': '诬告陷害查处', 'retaliation-complaint': '打击报复举报人投诉' });
Object.assign(STAGE_CALLS, { callFalseAccusation: 'false-accusation' });
// Art. 19
Object.assign(STAGES, { 'public-opinion-response': '舆论解释回应' });

const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
export const ART7 = Object.fromEntries(
  NUMERALS.map((numeral, index) => [`art7-${index + 1}`, `第七条（${numeral}）`]),
);
export const ART9 = Object.fromEntries(
  NUMERALS.slice(0, 5).map((numeral, index) => [`art9-${index + 1}`, `第九条（${numeral}）`]),
);

export const TASK_STATES = {
  CREATED: '待办',
  COMPLETED: '已完成',
  CANCELED: '已取消',
  FAILED: '失败',
};

export const INSTANCE_STATES = { ACTIVE: '办理中', COMPLETED: '已办结', TERMINATED: '已终止' };

export function stageName(processDefinitionId) {
  // A process the desk has no Chinese name for is still never shown by its id to an officer.
  if (!processDefinitionId) return '—';
  return STAGES[processDefinitionId] || '其他流程';
}

// Dates and times are written by dates.js alone (2026年12月16日 10:56, Beijing time).
export { formatDateTime as formatDate } from './dates.js';

export function formatDays(milliseconds) {
  if (milliseconds >= 86400000) return `${(milliseconds / 86400000).toFixed(1)} 天`;
  if (milliseconds >= 3600000) return `${(milliseconds / 3600000).toFixed(1)} 小时`;
  if (milliseconds >= 60000) return `${Math.round(milliseconds / 60000)} 分钟`;
  return `${Math.round(milliseconds / 1000)} 秒`;
}

export function displayValue(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (Array.isArray(value)) return value.map((item) => ART7[item] || ART9[item] || displayValue(item)).join('、');
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) return formatDateTime(value);
  return String(value);
}

// A date to the day, as official documents write it (2026年9月11日), in Beijing time.
export function formatDay(text) {
  if (!text) return '—';
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return String(text);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric' })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}年${parts.month}月${parts.day}日`;
}

// The Beijing calendar day of an instant, as a number that orders days (20260911).
export function shanghaiDay(instant) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  return Number(`${parts.year}${parts.month}${parts.day}`);
}

// Task priority (0–100, the engine's default 50) in the words an office uses.
export function urgencyWords(priority) {
  const value = Number.isFinite(priority) ? priority : 50;
  if (value >= 80) return '特急';
  if (value > 50) return '加急';
  return '一般';
}

export const NOTICE_TYPES = {
  'acceptance-notice': '受理通知',
  'rejection-notice': '不予受理通知',
  'acceptance-reminder': '受理审核催办提醒',
  'investigation-reminder': '调查核实催办提醒',
  'invalid-application-reply': '申请材料不符合要求的答复',
  reinvestigation: '重新调查核实通知',
  'determination-feedback': '认定结果反馈',
  'committee-report': '报区委备案函',
  'rectification-report-overdue': '整改进展报告逾期提醒',
};

export const NOTICE_RECIPIENTS = {
  applicant: '申请人',
  'leading-group-office': '领导小组办公室',
  'leading-group': '领导小组',
  'org-personnel': '组织人事部门',
  'district-committee': '区委',
  'discipline-office': '区纪委监委案件监督管理室',
};

// Chapter 4 (Arts. 13–15)
Object.assign(NOTICE_TYPES, {
  'clarification-letter': '情况说明函',
  'pursuit-approval-request': '追查诬告陷害者请示',
  'pursuit-transfer': '诬告陷害问题移送函',
  'approval-overdue': '批复逾期提醒',
});
Object.assign(NOTICE_RECIPIENTS, {
  'unit-party-organisation': '被反映人所在单位党组织',
  'city-approval-body': '市级审批机关',
  'receiving-body': '接收机关',
  'discipline-leaders': '区纪委监委领导',
});

// Art. 19
Object.assign(NOTICE_TYPES, { 'opinion-response-done': '舆情回应情况告知' });
Object.assign(NOTICE_RECIPIENTS, { requester: '申请人' });

export const NOTICE_CHANNELS = { smtp: '电子邮件', file: '电子邮件（存档文件）' };
