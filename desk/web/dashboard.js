// 管理看板: open cases per stage on the diagram, deadlines, publicity ending soon,
// Art. 9 outcomes / Art. 7 circumstances over a period, time per stage; the Chapter 3 and 4 work
// (纠错、澄清保护) from the desk's register statistics (GET /register/statistics).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, v2, variableValue } from './api.js';
import { BarChart, StackedBarChart } from './charts.js';
import { todayInBeijing } from './dates.js';
import { DayInput } from './day-input.js';
import { Diagram, latestDefinition } from './diagram.js';
import { ART7, ART9, STAGE_CALLS, formatDate, formatDays, stageName } from './labels.js';
import { loadPublicities, periodText } from './publicity-panel.js';

const PROCEDURE = 'exemption-procedure';
const SOON_MS = 3 * 86400000;
const REMINDERS = { acceptanceReminderNotice: '受理审核超过提醒期限', investigationReminderNotice: '调查核实超过提醒期限' };

function countBy(values, labels) {
  const counts = new Map(Object.keys(labels).map((id) => [id, 0]));
  for (const value of values) if (counts.has(value)) counts.set(value, counts.get(value) + 1);
  return [...counts].map(([id, value]) => ({ label: labels[id], value }));
}

async function loadDashboard(from, to) {
  const definition = await latestDefinition(PROCEDURE);
  if (!definition) throw new Error('尚未部署容错免责办理流程（exemption-procedure）。');
  const now = Date.now();
  const [stats, open, allOverdueTasks, activeStages, procedures] = await Promise.all([
    v2.post(`/process-definitions/${definition.processDefinitionKey}/statistics/element-instances`, { filter: { state: 'ACTIVE' } }),
    v2.searchAll('/process-instances/search', { filter: { processDefinitionId: PROCEDURE, state: 'ACTIVE' } }),
    v2.searchAll('/user-tasks/search', { filter: { state: 'CREATED', dueDate: { $lt: new Date(now).toISOString() } } }),
    v2.searchAll('/element-instances/search', { filter: { processDefinitionId: PROCEDURE, type: 'CALL_ACTIVITY', state: 'ACTIVE' } }),
    call('GET', '/register/procedures'),
  ]);
  // The Chapter 3 and 4 procedures' overdue tasks are counted in their own charts below.
  const otherWork = new Set((procedures.items || []).filter((item) => item.chapter !== 2).map((item) => item.id));
  const overdueTasks = allOverdueTasks.filter((task) => !otherWork.has(task.processDefinitionId));
  const casesByStage = {};
  for (const run of activeStages) (casesByStage[run.elementId] ||= []).push(run.processInstanceKey);
  const openKeys = open.map((item) => item.processInstanceKey);
  const openSet = new Set(openKeys);
  const caseVariables = openKeys.length
    ? await v2.searchAll('/variables/search', {
        filter: { processInstanceKey: { $in: openKeys }, name: { $in: ['caseNumber', 'applicantName', 'publicityEndsAt', ...Object.keys(REMINDERS)] } },
      })
    : [];
  const caseNumbers = {};
  const applicants = {};
  for (const item of caseVariables) if (item.name === 'caseNumber') caseNumbers[item.processInstanceKey] = variableValue(item);
  for (const item of caseVariables) if (item.name === 'applicantName') applicants[item.processInstanceKey] = variableValue(item);
  const late = caseVariables
    .filter((item) => REMINDERS[item.name] && openSet.has(item.processInstanceKey))
    .map((item) => ({ key: item.processInstanceKey, reason: REMINDERS[item.name] }));
  for (const task of overdueTasks) late.push({ key: task.processInstanceKey, reason: `任务“${task.name || task.elementId}”已过到期时间 ${formatDate(task.dueDate)}` });
  const inPublicity = (await loadPublicities({ state: 'ACTIVE' })).filter((item) => item.publicityEndsAt);
  const publicity = inPublicity
    .map((item) => ({ key: item.caseKey, endsAt: item.publicityEndsAt }))
    .filter((item) => {
      const ends = new Date(item.endsAt).getTime();
      return ends > now && ends - now < SOON_MS;
    });

  // The period's days are Beijing days.
  const period = { $gte: `${from}T00:00:00.000+08:00`, $lt: `${to}T23:59:59.999+08:00` };
  const inPeriod = await v2.searchAll('/process-instances/search', { filter: { processDefinitionId: PROCEDURE, startDate: period } });
  const periodKeys = inPeriod.map((item) => item.processInstanceKey);
  const decisions = periodKeys.length
    ? await v2.searchAll('/variables/search', {
        filter: { processInstanceKey: { $in: periodKeys }, name: { $in: ['determinationRecognised', 'determinationOutcomes', 'determinationCircumstances', 'claimedCircumstances'] } },
      })
    : [];
  const perCase = {};
  for (const item of decisions) (perCase[item.processInstanceKey] ||= {})[item.name] = variableValue(item);
  const outcomes = [];
  const circumstances = [];
  for (const values of Object.values(perCase)) {
    // Old rounds' outcomes may linger when the case is now not recognised (procedure contract).
    if (values.determinationRecognised === true) {
      outcomes.push(...(values.determinationOutcomes || []));
      circumstances.push(...(values.determinationCircumstances || []));
    } else if (values.determinationRecognised === undefined) {
      circumstances.push(...(values.claimedCircumstances || []));
    }
  }
  const stageRuns = await v2.searchAll('/element-instances/search', {
    filter: { processDefinitionId: PROCEDURE, type: 'CALL_ACTIVITY', state: 'COMPLETED', startDate: period },
  });
  const durations = {};
  for (const run of stageRuns) {
    const took = new Date(run.endDate).getTime() - new Date(run.startDate).getTime();
    if (Number.isFinite(took)) (durations[run.elementId] ||= []).push(took);
  }
  const badges = {};
  for (const item of stats.items || []) if (item.active) badges[item.elementId] = item.active;
  return { definition, badges, casesByStage, applicants, openKeys, openCount: open.length, late, publicity, inPublicity, caseNumbers, outcomes, circumstances, durations, periodCount: inPeriod.length };
}

// Open items, overdue tasks by procedure and by the unit that must act, outcomes per period.
function CorrectionWork({ from, to }) {
  const [by, setBy] = useState('quarter');
  const [data, setData] = useState(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    setProblem('');
    const query = new URLSearchParams({ from, to, by }).toString();
    call('GET', `/register/statistics?${query}`).then(setData, (error) => setProblem(error.message));
  }, [from, to, by]);
  return html`<section class="correction-work" aria-labelledby="correction-title">
    <h2 id="correction-title">纠错、澄清保护和舆论回应工作（《办法》第三章至第五章）</h2>
    <label>成果统计周期<select name="by" value=${by} onChange=${(e) => setBy(e.target.value)}>
      <option value="quarter">按季度</option><option value="month">按月</option>
    </select></label>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${data && html`<div class="charts" data-testid="correction-charts">
      <${BarChart} title="各项工作在办案件数" rows=${data.open} unit=" 件" />
      <${BarChart} title="逾期未办任务（按工作）" rows=${data.overdueByProcedure} unit=" 项" />
      <${BarChart} title="逾期未办任务（按责任单位）" rows=${data.overdueByUnit} unit=" 项" />
      ${data.outcomes.map((item) => html`<${StackedBarChart} key=${item.procedureName}
        title=${`${item.procedureName}：各${by === 'month' ? '月' : '季度'}办结情况`} rows=${item.rows} series=${item.series} unit=" 件" />`)}
    </div>`}
  </section>`;
}

export function Dashboard() {
  const today = todayInBeijing();
  const [from, setFrom] = useState(`${today.slice(0, 4)}-01-01`);
  const [to, setTo] = useState(today);
  const [stage, setStage] = useState('');
  const [data, setData] = useState(null);
  const [period, setPeriod] = useState({ from, to });
  const [problem, setProblem] = useState('');
  async function load() {
    setPeriod({ from, to });
    try {
      setProblem('');
      setData(await loadDashboard(from, to));
    } catch (error) {
      setProblem(error.message);
    }
  }
  useEffect(() => {
    load();
  }, []);
  const stageRows = data
    ? Object.entries(STAGE_CALLS).map(([elementId, stage]) => ({ label: stageName(stage), value: data.badges[elementId] || 0 }))
    : [];
  const durationRows = (pick) =>
    data ? Object.entries(STAGE_CALLS).filter(([id]) => data.durations[id]).map(([id, stage]) => ({ label: stageName(stage), value: pick(data.durations[id]) })) : [];
  // A task of a stage sits in a called instance whose number is the case's: no number, no id shown.
  const caseLink = (key) => html`<a href=${`#/case/${key}`}>${(data && data.caseNumbers[key]) || '查看案件'}</a>`;
  return html`<section aria-labelledby="dash-title">
    <h1 id="dash-title">管理看板</h1>
    <form class="toolbar" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <${DayInput} label="统计起始日期" value=${from} onChange=${setFrom} />
      <${DayInput} label="统计截止日期" value=${to} onChange=${setTo} />
      <button type="submit">统计</button>
    </form>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${data && html`
      <div class="kpis">
        <p class="kpi"><span class="kpi-value" data-testid="open-cases">${data.openCount}</span><span>办理中案件</span></p>
        <p class="kpi"><span class="kpi-value" data-testid="late-cases">${data.late.length}</span><span>超过期限</span></p>
        <p class="kpi"><span class="kpi-value">${data.publicity.length}</span><span>公示期即将届满</span></p>
        <p class="kpi"><span class="kpi-value">${data.periodCount}</span><span>期间内受理</span></p>
      </div>
      <h2>各阶段在办案件（点击阶段查看案件）</h2>
      <${StageStrip} data=${data} selected=${stage} onSelect=${setStage} />
      ${stage && html`<${StageCases} data=${data} stage=${stage} caseLink=${caseLink} />`}
      <${Diagram} processDefinitionKey=${data.definition.processDefinitionKey} badges=${data.badges} label="各阶段在办案件数（流程图，可拖动查看）" readable onSelect=${(id) => STAGE_CALLS[id] && setStage(id)} />
      <div class="charts">
        <${BarChart} title="各阶段在办案件数" rows=${stageRows} unit=" 件" />
        <${BarChart} title="认定结果（第九条各项）" rows=${countBy(data.outcomes, ART9)} unit=" 件" />
        <${BarChart} title="容错情形（第七条各项）" rows=${countBy(data.circumstances, ART7)} unit=" 件" />
        <${BarChart} title="各阶段平均用时" rows=${durationRows((list) => list.reduce((a, b) => a + b, 0) / list.length)} format=${formatDays} />
        <${BarChart} title="各阶段最长用时" rows=${durationRows((list) => Math.max(...list))} format=${formatDays} />
      </div>
      <div class="two-columns">
        <div><h2>超过期限的案件</h2>
          ${data.late.length === 0 ? html`<p class="muted">暂无</p>` : html`<ul>${data.late.map((item, index) => html`<li key=${index}>${caseLink(item.key)}：${item.reason}</li>`)}</ul>`}</div>
        <div><h2>公示期即将届满</h2>
          ${data.publicity.length === 0 ? html`<p class="muted">暂无</p>` : html`<ul>${data.publicity.map((item) => html`<li key=${item.key}>${caseLink(item.key)}：${formatDate(item.endsAt)} 届满</li>`)}</ul>`}</div>
      </div>
      <h2>公示中的案件</h2>
      ${data.inPublicity.length === 0 ? html`<p class="muted">暂无</p>` : html`<ul data-testid="in-publicity">${data.inPublicity.map((item) => html`<li key=${item.caseKey}>${caseLink(item.caseKey)}：公示期${periodText(item)}</li>`)}</ul>`}
      <h2>办理中案件</h2>
      ${data.openKeys.length === 0 ? html`<p class="muted">暂无</p>` : html`<ul class="case-list">${data.openKeys.map((key) => html`<li key=${key}>${caseLink(key)}</li>`)}</ul>`}
    `}
    <${CorrectionWork} from=${period.from} to=${period.to} />
  </section>`;
}

// The stages in their order with their counts, large enough to read at 1366 px; a click
// lists the stage's cases.
function StageStrip({ data, selected, onSelect }) {
  return html`<ol class="stage-strip" aria-label="各阶段在办案件数">
    ${Object.entries(STAGE_CALLS).map(([elementId, stage]) => html`<li key=${elementId}>
      <button type="button" class="stage" data-stage=${elementId} aria-pressed=${selected === elementId ? 'true' : 'false'} onClick=${() => onSelect(selected === elementId ? '' : elementId)}>
        <span class="stage-name">${stageName(stage)}</span>
        <span class="stage-count"><strong>${data.badges[elementId] || 0}</strong> 件</span>
      </button>
    </li>`)}
  </ol>`;
}

function StageCases({ data, stage, caseLink }) {
  const keys = data.casesByStage[stage] || [];
  return html`<section class="stage-cases" aria-label=${`${stageName(STAGE_CALLS[stage])}阶段在办案件`}>
    <h3>${stageName(STAGE_CALLS[stage])}阶段在办案件（${keys.length} 件）</h3>
    ${keys.length === 0
      ? html`<p class="muted">暂无</p>`
      : html`<ul class="case-list">${keys.map((key) => html`<li key=${key}>${caseLink(key)}${data.applicants[key] ? `（申请人：${data.applicants[key]}）` : ''}</li>`)}</ul>`}
  </section>`;
}
