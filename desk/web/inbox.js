// 待办任务: tasks the officer may act on (own + groups'), with filters and sorting.
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { v2, variablesByName } from './api.js';
import { STAGES, formatDay, shanghaiDay, stageName, urgencyWords } from './labels.js';
import { personWithUnit, taskUnit } from './people.js';

const SOON_DAYS = 3;
// `department` names a department's own instance of a multi-instance step, so two tasks of one
// case with the same name are told apart by the unit they belong to.
const SUMMARY = ['caseNumber', 'applicantName', 'department', 'accountabilitySubject'];
// Rows shown at first and added by "显示更多": every task is loaded (cursor paging), the table
// grows in steps so a long inbox stays readable and quick to render.
export const INBOX_ROWS = 50;

// Due dates are shown to the day (Beijing calendar); a task is overdue once its due moment has
// passed, due soon when its due day is today or within the next three days.
export function dueMark(task, now = Date.now()) {
  if (!task.dueDate || task.state !== 'CREATED') return null;
  const due = new Date(task.dueDate).getTime();
  if (due < now) return { kind: 'overdue', text: '已逾期' };
  const days = Math.round((Date.UTC(...dayParts(shanghaiDay(due))) - Date.UTC(...dayParts(shanghaiDay(now)))) / 86400000);
  if (days === 0) return { kind: 'soon', text: '今日到期' };
  if (days <= SOON_DAYS) return { kind: 'soon', text: `${days}日内到期` };
  return null;
}

function dayParts(day) {
  return [Math.floor(day / 10000), Math.floor(day / 100) % 100 - 1, day % 100];
}

export async function taskSummary(task) {
  const items = await v2.search(`/user-tasks/${task.userTaskKey}/variables/search`, {
    filter: { name: { $in: SUMMARY } },
  });
  return variablesByName(items);
}

export async function myOpenTasks(user) {
  const searches = [
    v2.searchAll('/user-tasks/search', { filter: { state: 'CREATED', assignee: user.username } }),
  ];
  if (user.groups.length > 0) {
    searches.push(
      v2.searchAll('/user-tasks/search', { filter: { state: 'CREATED', candidateGroup: { $in: user.groups } } }),
    );
  }
  const seen = new Map();
  for (const items of await Promise.all(searches)) {
    for (const task of items) {
      // Tasks claimed by a colleague are theirs, even when the group matches.
      if (task.assignee && task.assignee !== user.username) continue;
      seen.set(task.userTaskKey, task);
    }
  }
  const tasks = [...seen.values()];
  const summaries = await Promise.all(tasks.map(taskSummary));
  return tasks.map((task, index) => ({ ...task, summary: summaries[index] }));
}

const SORTS = {
  due: (a, b) => (a.dueDate || '9999').localeCompare(b.dueDate || '9999'),
  priority: (a, b) => (b.priority || 0) - (a.priority || 0),
  created: (a, b) => (b.creationDate || '').localeCompare(a.creationDate || ''),
};

export function Inbox({ user, go }) {
  const [tasks, setTasks] = useState(null);
  const [problem, setProblem] = useState('');
  const [query, setQuery] = useState('');
  const [stage, setStage] = useState('');
  const [scope, setScope] = useState('all');
  const [sort, setSort] = useState('due');
  const [busy, setBusy] = useState('');
  const [rows, setRows] = useState(INBOX_ROWS);

  async function load() {
    try {
      setTasks(await myOpenTasks(user));
      setProblem('');
    } catch (error) {
      setProblem(error.message);
    }
  }
  useEffect(() => {
    load();
  }, []);

  async function claim(task, mine) {
    setBusy(task.userTaskKey);
    try {
      if (mine) await v2.del(`/user-tasks/${task.userTaskKey}/assignee`);
      else await v2.post(`/user-tasks/${task.userTaskKey}/assignment`, { assignee: user.username, allowOverride: false });
      await load();
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy('');
    }
  }

  const shown = useMemo(() => {
    if (!tasks) return [];
    const text = query.trim();
    return tasks
      .filter((task) => !stage || task.processDefinitionId === stage)
      .filter((task) => scope === 'all' || (scope === 'mine' ? task.assignee === user.username : !task.assignee))
      .filter((task) => !text || [task.summary.caseNumber, task.summary.applicantName, task.name, taskUnit(task, task.summary)].some((v) => String(v || '').includes(text)))
      .sort(SORTS[sort]);
  }, [tasks, query, stage, scope, sort]);

  return html`<section aria-labelledby="inbox-title">
    <h1 id="inbox-title">待办任务</h1>
    <div class="toolbar" role="search">
      <label>检索<input type="search" value=${query} onInput=${(e) => setQuery(e.target.value)} placeholder="受理编号、申请人或任务" /></label>
      <label>阶段<select value=${stage} onChange=${(e) => setStage(e.target.value)}>
        <option value="">全部阶段</option>
        ${Object.entries(STAGES).filter(([id]) => id !== 'exemption-procedure').map(([id, name]) => html`<option value=${id}>${name}</option>`)}
      </select></label>
      <label>范围<select value=${scope} onChange=${(e) => setScope(e.target.value)}>
        <option value="all">我的和本组的</option>
        <option value="mine">已由我认领</option>
        <option value="group">待认领</option>
      </select></label>
      <label>排序<select value=${sort} onChange=${(e) => setSort(e.target.value)}>
        <option value="due">按到期时间</option>
        <option value="priority">按紧急程度</option>
        <option value="created">按创建时间（新→旧）</option>
      </select></label>
      <button type="button" onClick=${load}>刷新</button>
    </div>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${tasks === null
      ? html`<p class="muted">正在加载…</p>`
      : html`<table class="grid">
          <caption class="sr-only">待办任务列表</caption>
          <thead><tr><th scope="col">受理编号</th><th scope="col">任务</th><th scope="col">承办单位</th><th scope="col">阶段</th><th scope="col">申请人</th><th scope="col">办理期限</th><th scope="col">紧急程度</th><th scope="col">办理人</th><th scope="col">操作</th></tr></thead>
          <tbody>
            ${shown.length === 0 && html`<tr><td colspan="9" class="muted">没有符合条件的待办任务</td></tr>`}
            ${shown.slice(0, rows).map((task) => {
              const mark = dueMark(task);
              const mine = task.assignee === user.username;
              return html`<tr key=${task.userTaskKey} data-task=${task.userTaskKey}>
                <td>${task.summary.caseNumber || '（尚未编号）'}</td>
                <td><a href=${`#/task/${task.userTaskKey}`}>${task.name || task.elementId}</a></td>
                <td class="unit">${taskUnit(task, task.summary) || '—'}</td>
                <td>${stageName(task.processDefinitionId)}</td>
                <td>${task.summary.applicantName || '—'}</td>
                <td class="due">${formatDay(task.dueDate)} ${mark && html`<span class=${`tag ${mark.kind}`}>${mark.text}</span>`}</td>
                <td>${urgencyWords(task.priority)}</td>
                <td>${mine ? '我' : task.assignee ? personWithUnit(task.assignee) : '待认领'}</td>
                <td><button type="button" disabled=${busy === task.userTaskKey} onClick=${() => claim(task, mine)}
                    aria-label=${`${mine ? '退回' : '认领'}任务 ${task.name || ''}`}>${mine ? '退回' : '认领'}</button>
                  <button type="button" onClick=${() => go(`#/task/${task.userTaskKey}`)}>办理</button></td>
              </tr>`;
            })}
          </tbody>
        </table>
        ${shown.length > rows && html`<p class="more">
          <span class="muted">已显示 ${rows} / ${shown.length} 条</span>
          <button type="button" onClick=${() => setRows(rows + INBOX_ROWS)}>显示更多</button>
        </p>`}`}
  </section>`;
}
