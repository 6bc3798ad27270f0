// Pieces shown on both the task page and the case page.
import { html } from 'htm/preact';
import { displayValue } from './labels.js';

const SUMMARY_FIELDS = [
  ['caseNumber', '受理编号'],
  ['applicantName', '申请人'],
  ['applicantUnit', '所在单位'],
  ['accountabilityMatter', '问责事项'],
  ['accountabilitySubject', '问责主体'],
  ['claimedCircumstances', '申请适用情形'],
  ['applicationDate', '申请日期'],
];

// A case about a reported problem (reminders and warnings, Art. 11: `reportedProblem`) has no
// applicant: it shows the person reported on instead.
const PROBLEM_SOURCES = { petition: '信访反映', inspection: '巡视巡察', 'discipline-review': '纪律审查', 'personal-matters': '领导干部个人有关事项报告', 'daily-supervision': '日常监督', other: '其他渠道' };
const PROBLEM_FIELDS = [
  ['caseNumber', '受理编号', (v) => v.caseNumber],
  ['procedureName', '办理程序', (v) => v.procedureName],
  ['personName', '被反映人', (v) => v.reportedProblem?.personName],
  ['personPosition', '职务', (v) => v.reportedProblem?.personPosition],
  ['reportedUnitName', '所在单位', (v) => v.reportedUnitName],
  ['source', '问题来源', (v) => PROBLEM_SOURCES[v.reportedProblem?.source]],
];

// Chapter 4 (Arts. 13–15): the person reported on, not an applicant.
const CHAPTER_FOUR_SUMMARY_FIELDS = [
  ['caseNumber', '受理编号'],
  ['procedureName', '办理程序'],
  ['personName', '被反映人'],
  ['personPosition', '职务'],
  ['unitName', '所在单位'],
  ['reportSummary', '反映的主要问题'],
  ['complaintSummary', '投诉的打击报复行为'],
  ['linkedCaseNumber', '原案件受理编号'],
  ['registerOutcome', '办理结果'],
];

// Art. 19 (舆论解释回应): the case the opinion arose from and who asked for the response.
const OPINION_SUMMARY_FIELDS = [
  ['caseNumber', '受理编号'],
  ['procedureName', '办理程序'],
  ['originCaseNumber', '原案件受理编号'],
  ['unitName', '舆论涉及的单位'],
  ['personName', '舆论涉及的干部'],
  ['opinionSummary', '舆情主要内容'],
  ['requestedByName', '申请人'],
  ['registerOutcome', '办理结果'],
];

export function CaseSummary({ variables }) {
  if (variables.opinionSummary !== undefined && variables.originCaseNumber !== undefined) {
    return html`<dl class="summary">
      ${OPINION_SUMMARY_FIELDS.filter(([name]) => variables[name] !== undefined).map(([name, label]) => html`<div key=${name}><dt>${label}</dt><dd>${displayValue(variables[name])}</dd></div>`)}
    </dl>`;
  }
  if (variables.reportedProblem && typeof variables.reportedProblem === 'object' && !variables.applicantName) {
    return html`<dl class="summary">
      ${PROBLEM_FIELDS.map(([name, label, value]) => html`<div key=${name}><dt>${label}</dt><dd>${displayValue(value(variables))}</dd></div>`)}
    </dl>`;
  }
  const chapterFour = variables.personName !== undefined && variables.applicantName === undefined;
  const fields = chapterFour ? CHAPTER_FOUR_SUMMARY_FIELDS.filter(([name]) => variables[name] !== undefined) : SUMMARY_FIELDS;
  return html`<dl class="summary">
    ${fields.map(([name, label]) => html`<div key=${name}><dt>${label}</dt><dd>${displayValue(variables[name])}</dd></div>`)}
  </dl>`;
}

export function documentsOf(variables) {
  return Object.entries(variables)
    .filter(([name, value]) => name.endsWith('Document') && value && typeof value === 'object' && value.uri)
    .map(([name, value]) => ({ name, title: value.title || value.fileName || name, createdAt: value.createdAt }));
}

export function DocumentList({ instanceKey, variables }) {
  const documents = documentsOf(variables);
  if (documents.length === 0) return html`<p class="muted">本案暂无文书</p>`;
  return html`<ul class="documents">
    ${documents.map((doc) => html`<li key=${doc.name}>
      <a href=${`/documents/${instanceKey}/${doc.name}`} target="_blank" rel="noopener">${doc.title}</a>
      <span class="muted">（新窗口打开）</span>
    </li>`)}
  </ul>`;
}
