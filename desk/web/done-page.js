// 已办任务: what this officer completed.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { v2 } from './api.js';
import { taskSummary } from './inbox.js';
import { formatDate, stageName } from './labels.js';

export function DonePage({ user }) {
  const [tasks, setTasks] = useState(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    (async () => {
      try {
        const items = await v2.search('/user-tasks/search', {
          filter: { state: 'COMPLETED', assignee: user.username },
          sort: [{ field: 'completionDate', order: 'DESC' }],
          page: { limit: 100 },
        });
        const summaries = await Promise.all(items.map(taskSummary));
        setTasks(items.map((task, index) => ({ ...task, summary: summaries[index] })));
      } catch (error) {
        setProblem(error.message);
      }
    })();
  }, []);
  return html`<section aria-labelledby="done-title">
    <h1 id="done-title">已办任务</h1>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${tasks && html`<table class="grid">
      <caption class="sr-only">已办任务列表</caption>
      <thead><tr><th scope="col">案号</th><th scope="col">任务</th><th scope="col">阶段</th><th scope="col">申请人</th><th scope="col">完成时间</th></tr></thead>
      <tbody>
        ${tasks.length === 0 && html`<tr><td colspan="5" class="muted">尚无已办任务</td></tr>`}
        ${tasks.map((task) => html`<tr key=${task.userTaskKey}>
          <td>${task.summary.caseNumber || '—'}</td>
          <td><a href=${`#/task/${task.userTaskKey}`}>${task.name || task.elementId}</a></td>
          <td>${stageName(task.processDefinitionId)}</td>
          <td>${task.summary.applicantName || '—'}</td>
          <td>${formatDate(task.completionDate)}</td>
        </tr>`)}
      </tbody>
    </table>`}
  </section>`;
}
