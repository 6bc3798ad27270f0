// 案件详情 (managers): path on the diagram, history (who did what, when), variables,
// documents, incidents with retry and cancel (admins; the API refuses others anyway).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { v2, variablesByName } from './api.js';
import { CaseSummary, DocumentList } from './case-parts.js';
import { BusinessHistory, businessHistory, loadRecordDetails } from './case-record.js';
import { Diagram } from './diagram.js';
import { Objections } from './objections.js';
import { CaseReporters } from './reporters.js';
import { CaseSubjects } from './register-history.js';
import { PublicityPeriod } from './publicity-panel.js';
import { INSTANCE_STATES, displayValue, formatDate, stageName } from './labels.js';
import { personWithUnit } from './people.js';

// The case's call-activity tree, root first: the stages are called instances, possibly nested.
async function caseInstances(root) {
  const instances = [root];
  let level = [root.processInstanceKey];
  while (level.length > 0) {
    const children = await v2.searchAll('/process-instances/search', { filter: { parentProcessInstanceKey: { $in: level } } });
    instances.push(...children);
    level = children.map((child) => child.processInstanceKey);
  }
  return instances;
}

async function caseSteps(instances) {
  const byKey = { $in: instances.map((item) => item.processInstanceKey) };
  const [elements, tasks] = await Promise.all([
    v2.searchAll('/element-instances/search', { filter: { processInstanceKey: byKey } }),
    v2.searchAll('/user-tasks/search', { filter: { processInstanceKey: byKey } }),
  ]);
  const stageOf = Object.fromEntries(instances.map((item) => [item.processInstanceKey, item.processDefinitionId]));
  return { elements, tasks, stageOf };
}

export async function loadCase(key) {
  const instance = await v2.get(`/process-instances/${key}`);
  const instances = await caseInstances(instance);
  const byKey = { $in: instances.map((item) => item.processInstanceKey) };
  const [steps, variables, incidents] = await Promise.all([
    caseSteps(instances),
    v2.searchAll('/variables/search', { filter: { processInstanceKey: key } }),
    // Incidents are for managers; an officer following the link from 登记申请 sees the rest.
    v2.searchAll('/incidents/search', { filter: { processInstanceKey: byKey, state: 'ACTIVE' } }).catch((error) => {
      if (error.status === 403) return [];
      throw error;
    }),
  ]);
  const found = { instance, ...steps, variables: variablesByName(variables), incidents };
  const [row] = cancellationRow(found);
  return loadRecordDetails({ ...found, cancellation: row && { ...row, decision: '案件流程已终止', kind: 'done' } }, instances);
}

// A case is cancelled only with a reason: the engine records it in the audit trail and, as the
// case variable `cancellation`, in the case itself, where the history shows it.
function cancelCase(caseKey, act, setProblem) {
  const answer = window.prompt('撤销案件流程须说明理由。请填写撤销理由：');
  if (answer === null) return;
  const reason = answer.trim();
  if (!reason) {
    setProblem('未填写撤销理由，案件流程未撤销。');
    return;
  }
  act(() => v2.post(`/process-instances/${caseKey}/cancellation`, { reason }), '案件流程已撤销。');
}

function cancellationRow(found) {
  const cancellation = found.variables?.cancellation;
  if (!cancellation || found.instance?.state !== 'TERMINATED') return [];
  return [{
    key: found.instance.processInstanceKey,
    when: found.instance.endDate,
    started: found.instance.endDate,
    stage: stageName(found.instance.processDefinitionId),
    what: `撤销案件流程（理由：${displayValue(cancellation.reason)}）`,
    who: personWithUnit(String(cancellation.cancelledBy || ''), displayValue(cancellation.cancelledBy)),
    state: 'TERMINATED',
  }];
}

export function history(found) {
  const taskByElement = Object.fromEntries(found.tasks.map((task) => [task.elementInstanceKey, task]));
  return [...found.elements
    .filter((element) => !['SEQUENCE_FLOW', 'PROCESS'].includes(element.type))
    .map((element) => {
      const task = taskByElement[element.elementInstanceKey];
      return {
        key: element.elementInstanceKey,
        when: element.endDate || element.startDate,
        started: element.startDate,
        stage: stageName(found.stageOf[element.processInstanceKey]),
        what: element.elementName || element.elementId,
        // A user task the reader may not see belongs to another office, not to the system.
        who: task ? assigneeOf(task) : element.type === 'USER_TASK' ? '（其他部门办理）' : '系统',
        state: element.state,
      };
    }), ...cancellationRow(found)]
    // Keys grow with time in Zeebe, so they order steps that started in the same millisecond.
    .sort((a, b) => String(a.started).localeCompare(String(b.started)) || compareKeys(a.key, b.key));
}

function assigneeOf(task) {
  if (task.assignee) return personWithUnit(task.assignee);
  return task.state === 'CREATED' ? '待认领' : '（未记录办理人）';
}

function compareKeys(a, b) {
  const [x, y] = [BigInt(a || 0), BigInt(b || 0)];
  return x < y ? -1 : x > y ? 1 : 0;
}

export function HistoryTable({ rows }) {
  return html`<table class="grid history">
    <caption class="sr-only">办理经过（谁在何时办理了哪一环节）</caption>
    <thead><tr><th scope="col">开始</th><th scope="col">完成</th><th scope="col">阶段</th><th scope="col">环节</th><th scope="col">办理人</th><th scope="col">状态</th></tr></thead>
    <tbody>${rows.map((row) => html`<tr key=${row.key}><td>${formatDate(row.started)}</td><td>${row.state === 'ACTIVE' ? '办理中' : formatDate(row.when)}</td><td>${row.stage}</td><td>${row.what}</td><td>${row.who}</td><td>${INSTANCE_STATES[row.state] || row.state}</td></tr>`)}</tbody>
  </table>`;
}

// The whole case an officer works on, every stage (the engine lets them read the call-activity
// tree of any case where they have or had a task): climb from the task's stage to the root.
// Returns the business history and, for administrators, the engine's element trail.
export async function loadCaseHistory(task) {
  let root = await v2.get(`/process-instances/${task.processInstanceKey}`);
  const seen = new Set([root.processInstanceKey]);
  while (root.parentProcessInstanceKey && !seen.has(root.parentProcessInstanceKey)) {
    seen.add(root.parentProcessInstanceKey);
    root = await v2.get(`/process-instances/${root.parentProcessInstanceKey}`);
  }
  const instances = await caseInstances(root);
  const found = await loadRecordDetails(await caseSteps(instances), instances);
  return { root, business: businessHistory(found), trail: history(found) };
}

// The engine's every element (gateways, joins, the workers' jobs): kept for administrators who
// trace a fault, folded away so it never stands between an officer and the case.
export function ElementTrail({ user, rows }) {
  if (!user.isAdmin) return null;
  return html`<details class="element-trail"><summary>流程引擎环节记录（管理员，共 ${rows.length} 条）</summary>
    <${HistoryTable} rows=${rows} />
  </details>`;
}

function stepName(found, incident) {
  const element = found.elements.find((item) => item.elementInstanceKey === incident.elementInstanceKey);
  const stage = stageName(found.stageOf[incident.processInstanceKey]);
  return `${stage}：${element?.elementName || incident.elementId}`;
}

// Operate's retry: a job that failed with no retries left gets one back first, or resolving would
// only raise the same incident again.
async function retry(incident) {
  if (incident.jobKey) await v2.patch(`/jobs/${incident.jobKey}`, { changeset: { retries: 1 } });
  await v2.post(`/incidents/${incident.incidentKey}/resolution`);
}

export function CasePage({ user, caseKey }) {
  const [found, setFound] = useState(null);
  const [problem, setProblem] = useState('');
  const [notice, setNotice] = useState('');
  async function load() {
    try {
      setFound(await loadCase(caseKey));
    } catch (error) {
      setProblem(error.message);
    }
  }
  useEffect(() => {
    load();
  }, [caseKey]);
  async function act(work, message) {
    setProblem('');
    try {
      await work();
      await load();
      setNotice(message);
    } catch (error) {
      setProblem(error.message);
    }
  }
  if (!found) return html`<section><h1>案件详情</h1>${problem ? html`<p class="notice error" role="alert">${problem}</p>` : html`<p class="muted">正在加载…</p>`}</section>`;
  const { instance, variables } = found;
  const markers = {};
  for (const element of found.elements) {
    if (element.processInstanceKey !== instance.processInstanceKey) continue;
    markers[element.elementId] = element.state === 'ACTIVE' ? 'current' : markers[element.elementId] || 'done';
  }
  return html`<section aria-labelledby="case-title">
    <h1 id="case-title">案件 ${variables.caseNumber || instance.processInstanceKey}</h1>
    <p class="meta"><span>状态：${INSTANCE_STATES[instance.state] || instance.state}</span><span>开始：${formatDate(instance.startDate)}</span><span>结束：${formatDate(instance.endDate)}</span></p>
    ${notice && html`<p class="notice ok" role="status">${notice}</p>`}
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${variables.caseNumber && instance.processDefinitionId !== 'public-opinion-response' && html`<p><a href=${`#/start/public-opinion-response/${encodeURIComponent(variables.caseNumber)}`}>本案引发舆论的，申请舆论解释回应</a></p>`}
    ${user.isAdmin && instance.state === 'ACTIVE' && html`<p><button type="button" class="danger"
        onClick=${() => cancelCase(caseKey, act, setProblem)}>撤销案件流程</button></p>`}
    <h2>办理路径</h2>
    <${Diagram} processDefinitionKey=${instance.processDefinitionKey} markers=${markers} label="案件办理路径" />
    <div class="two-columns">
      <div><h2>案件摘要</h2><${CaseSummary} variables=${variables} /></div>
      <div><h2>文书</h2><${DocumentList} instanceKey=${instance.processInstanceKey} variables=${variables} /></div>
    </div>
    <${CaseSubjects} caseKey=${instance.processInstanceKey} />
    <${PublicityPeriod} instanceKey=${instance.processInstanceKey} />
    <${Objections} caseKey=${instance.processInstanceKey} />
    <${CaseReporters} caseKey=${instance.processInstanceKey} variables=${variables} />
    ${/* incidents are managers' work; an officer's search for them is refused */ ''}
    ${user.isManager && html`<h2>异常（事故）</h2>
    ${found.incidents.length === 0 ? html`<p class="muted">无未处理的异常</p>` : html`<table class="grid">
      <thead><tr><th scope="col">环节</th><th scope="col">类型</th><th scope="col">说明</th><th scope="col">时间</th><th scope="col">操作</th></tr></thead>
      <tbody>${found.incidents.map((incident) => html`<tr key=${incident.incidentKey}>
        <td>${stepName(found, incident)}</td><td>${incident.errorType}</td><td>${incident.errorMessage}</td><td>${formatDate(incident.creationTime)}</td>
        <td>${user.isAdmin ? html`<button type="button" onClick=${() => act(() => retry(incident), '已重试。')}>重试</button>` : html`<span class="muted">需管理员处理</span>`}</td>
      </tr>`)}</tbody></table>`}
`}
    <h2>办理经过</h2>
    <${BusinessHistory} rows=${businessHistory(found)} />
    <${ElementTrail} user=${user} rows=${history(found)} />
    ${user.isManager && html`<details><summary>全部变量</summary>
      <table class="grid"><tbody>${Object.entries(variables).sort().map(([name, value]) => html`<tr key=${name}><th scope="row">${name}</th><td class="value">${displayValue(value)}</td></tr>`)}</tbody></table>
    </details>`}
  </section>`;
}
