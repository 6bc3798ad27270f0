// 办理任务: claim, the task's form (form-js), case summary, documents, diagram; complete.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { v2, variablesByName } from './api.js';
import { CamundaForm } from './camunda-form.js';
import { CaseSummary, DocumentList } from './case-parts.js';
import { ElementTrail, loadCaseHistory } from './case-page.js';
import { BusinessHistory } from './case-record.js';
import { Diagram } from './diagram.js';
import { TASK_STATES, formatDay, stageName, urgencyWords } from './labels.js';
import { PublicityPeriod } from './publicity-panel.js';
import { personWithUnit, taskUnit } from './people.js';

export function TaskPage({ user, taskKey, go }) {
  const [task, setTask] = useState(null);
  const [variables, setVariables] = useState({});
  const [form, setForm] = useState(null);
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const [steps, setSteps] = useState(null);

  async function load() {
    try {
      const loaded = await v2.get(`/user-tasks/${taskKey}`);
      const items = await v2.search(`/user-tasks/${taskKey}/variables/search`, { page: { limit: 500 } });
      setVariables(variablesByName(items));
      setTask(loaded);
      loadCaseHistory(loaded).then(setSteps, () => setSteps({ business: [], trail: [] }));
      if (!form) {
        try {
          setForm(await v2.get(`/user-tasks/${taskKey}/form`));
        } catch (error) {
          setProblem(`无法读取本任务的表单。${error.message}`);
        }
      }
    } catch (error) {
      setProblem(error.message);
    }
  }
  useEffect(() => {
    load();
  }, [taskKey]);

  async function act(work, message) {
    setBusy(true);
    setProblem('');
    try {
      await work();
      await load();
      // Said only once the page shows the new state, so what is read matches what is seen.
      if (message) setDone(message);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  }

  if (!task) {
    return html`<section><h1>办理任务</h1>${problem ? html`<p class="notice error" role="alert">${problem}</p>` : html`<p class="muted">正在加载…</p>`}</section>`;
  }
  const mine = task.assignee === user.username;
  const open = task.state === 'CREATED';
  // Claim on submit: the officer who presses the button is the one who decided, so the desk
  // assigns the task to them first and only then completes it (the desk server refuses a
  // completion by anyone but the assignee). A colleague's claim in between makes the claim fail
  // with nothing completed.
  async function complete(values) {
    if (!mine) await v2.post(`/user-tasks/${taskKey}/assignment`, { assignee: user.username, allowOverride: false });
    await v2.post(`/user-tasks/${taskKey}/completion`, { variables: values });
  }
  const unit = taskUnit(task, variables);
  const claimedByOther = Boolean(task.assignee) && !mine;
  return html`<section aria-labelledby="task-title" class="task-page">
    <h1 id="task-title">${task.name || task.elementId}</h1>
    <p class="meta">
      <span>阶段：${stageName(task.processDefinitionId)}</span>
      <span>状态：${TASK_STATES[task.state] || task.state}</span>
      ${unit && html`<span>承办单位：${unit}</span>`}
      <span>办理人：${task.assignee ? personWithUnit(task.assignee) : '待认领（提交时由您认领）'}</span>
      <span>到期：${formatDay(task.dueDate)}</span>
      <span>紧急程度：${urgencyWords(task.priority)}</span>
    </p>
    ${done && html`<p class="notice ok" role="status">${done}</p>`}
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    <div class="task-layout">
      <div class="task-main">
        ${open && html`<div class="actions">
          ${mine
            ? html`<button type="button" disabled=${busy} onClick=${() => act(() => v2.del(`/user-tasks/${taskKey}/assignee`), '已退回，任务回到本组待认领。')}>退回任务</button>`
            : html`<button type="button" class="primary" disabled=${busy || Boolean(task.assignee)}
                onClick=${() => act(() => v2.post(`/user-tasks/${taskKey}/assignment`, { assignee: user.username, allowOverride: false }), '已认领，请填写下方表单。')}>认领任务</button>`}
          ${claimedByOther && html`<span class="muted">该任务已由${personWithUnit(task.assignee)}认领。</span>`}
        </div>`}
        <h2>表单</h2>
        ${form
          ? html`<${CamundaForm} schema=${form.schema} data=${variables} submitLabel="提交并完成任务" busy=${busy}
              disabled=${!open || claimedByOther}
              onSubmit=${(values) => act(() => complete(values), '任务已完成。')} />`
          : html`<p class="muted">本任务没有表单。</p>`}
        ${!open && html`<p><a href="#/inbox">返回待办任务</a></p>`}
      </div>
      <aside class="task-side" aria-label="案件信息">
        <h2>案件摘要</h2>
        <${CaseSummary} variables=${variables} />
        <h2>文书</h2>
        <${DocumentList} instanceKey=${task.processInstanceKey} variables=${variables} />
        <${PublicityPeriod} instanceKey=${task.processInstanceKey} />
        ${user.isManager && html`<p><a href=${`#/case/${task.processInstanceKey}`}>查看案件办理经过</a></p>`}
      </aside>
    </div>
    <h2>案件办理经过</h2>
    ${steps === null ? html`<p class="muted">正在加载…</p>` : html`<${BusinessHistory} rows=${steps.business} />
      <${ElementTrail} user=${user} rows=${steps.trail} />`}
    <h2>流程图（当前步骤已标出）</h2>
    <${Diagram} processDefinitionKey=${task.processDefinitionKey} markers=${{ [task.elementId]: 'current' }} label=${`${stageName(task.processDefinitionId)}流程图`} />
  </section>`;
}
