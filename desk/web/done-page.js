// 已办任务: what this officer completed.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { v2 } from './api.js';
import { taskSummary } from './inbox.js';
import { formatDate, stageName } from './labels.js';
import { taskUnit } from './people.js';

const PAGE = 50;
const QUERY = (user) => ({
  filter: { state: 'COMPLETED', assignee: user.username },
  sort: [{ field: 'completionDate', order: 'DESC' }],
  page: { limit: PAGE },
});

export function DonePage({ user }) {
  const [tasks, setTasks] = useState(null);
  const [next, setNext] = useState(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');
  // One page at a time from the /v2 cursor; "加载更多" asks for the page after the last one.
  async function more(after, shown) {
    setBusy(true);
    try {
      const page = await v2.page('/user-tasks/search', QUERY(user), after);
      const summaries = await Promise.all(page.items.map(taskSummary));
      setTasks([...shown, ...page.items.map((task, index) => ({ ...task, summary: summaries[index] }))]);
      setNext(page.next);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    more(null, []);
  }, []);
  return html`<section aria-labelledby="done-title">
    <h1 id="done-title">已办任务</h1>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${tasks && html`<table class="grid">
      <caption class="sr-only">已办任务列表</caption>
      <thead><tr><th scope="col">受理编号</th><th scope="col">任务</th><th scope="col">承办单位</th><th scope="col">阶段</th><th scope="col">申请人</th><th scope="col">完成时间</th></tr></thead>
      <tbody>
        ${tasks.length === 0 && html`<tr><td colspan="6" class="muted">尚无已办任务</td></tr>`}
        ${tasks.map((task) => html`<tr key=${task.userTaskKey}>
          <td>${task.summary.caseNumber || '—'}</td>
          <td><a href=${`#/task/${task.userTaskKey}`}>${task.name || task.elementId}</a></td>
          <td>${taskUnit(task, task.summary) || '—'}</td>
          <td>${stageName(task.processDefinitionId)}</td>
          <td>${task.summary.applicantName || '—'}</td>
          <td>${formatDate(task.completionDate)}</td>
        </tr>`)}
      </tbody>
    </table>`}
    ${tasks && next && html`<p class="more"><button type="button" disabled=${busy} onClick=${() => more(next, tasks)}>加载更多</button></p>`}
  </section>`;
}
