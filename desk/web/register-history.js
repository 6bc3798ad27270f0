// 登记簿: a person's or unit's history across every procedure (GET /register/history), found by
// name (GET /register/subjects) or reached from a case page. The desk server reads with the
// officer's own credentials, so an officer sees only the cases in which they hold a task; the page
// says so rather than pretending the history is complete.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { subjectHistoryHref } from './case-search.js';

function subjectTitle(subject) {
  if (subject.kind === 'unit') return subject.name;
  return subject.unitName ? `${subject.name}（${subject.unitName}）` : subject.name;
}

function NameSearch({ initial = '' }) {
  const [name, setName] = useState(initial);
  const [found, setFound] = useState(null);
  const [notice, setNotice] = useState('');
  const [problem, setProblem] = useState('');
  async function search(event) {
    event.preventDefault();
    setProblem('');
    try {
      const answer = await call('GET', `/register/subjects?${new URLSearchParams({ name }).toString()}`);
      setFound(answer.items || []);
      setNotice(answer.notice || '');
    } catch (error) {
      setFound(null);
      setProblem(error.message);
    }
  }
  return html`<section class="register-search" aria-labelledby="register-search-title">
    <h2 id="register-search-title">按姓名或单位名称查找</h2>
    <form class="search-form" role="search" aria-label="查找登记对象" onSubmit=${search}>
      <label>姓名或单位名称<input name="name" value=${name} onInput=${(e) => setName(e.target.value)} placeholder="如 李明、新桥镇" /></label>
      <div class="search-actions"><button type="submit" class="primary">查找</button></div>
    </form>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${found && found.length === 0 && html`<p class="muted">在您可以查看的案件中，没有找到涉及“${name}”的人员或单位。</p>`}
    ${found && found.length > 0 && html`<ul class="subject-list">${found.map((subject) => html`<li key=${`${subject.kind}-${subject.unitId}-${subject.name}`}>
      <a href=${subjectHistoryHref(subject)}>${subjectTitle(subject)}</a>
      <span class="muted">（${subject.kindName}，${subject.cases} 件）</span>
    </li>`)}</ul>`}
    ${found && notice && html`<p class="notice" role="note">${notice}</p>`}
  </section>`;
}

function History({ query }) {
  const [data, setData] = useState(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    setData(null);
    setProblem('');
    call('GET', `/register/history?${query}`).then(setData, (error) => setProblem(error.message));
  }, [query]);
  if (problem) return html`<p class="notice error" role="alert">${problem}</p>`;
  if (!data) return html`<p class="muted">正在读取登记簿…</p>`;
  const { subject, cases } = data;
  return html`<section class="register-history" aria-labelledby="history-title">
    <h2 id="history-title">${subjectTitle(subject)}的历史记录</h2>
    <p class="muted">${subject.kindName}${subject.kind === 'person' && subject.unitName ? `，所在单位：${subject.unitName}` : ''}。按登记时间从早到晚排列，共 <span data-testid="history-count">${cases.length}</span> 件。</p>
    ${data.notice && html`<p class="notice" role="note" data-testid="history-partial">${data.notice}</p>`}
    ${cases.length === 0
      ? html`<p class="muted" data-testid="history-empty">${data.complete ? '登记簿中没有该对象的案件。' : '在您可以查看的案件中，没有该对象的案件。'}</p>`
      : html`<table class="cases history">
          <thead><tr><th>序号</th><th>办理程序</th><th>受理编号</th><th>登记时间</th><th>办结时间</th><th>问题类别</th><th>办理结果</th><th>操作</th></tr></thead>
          <tbody>${cases.map((item, index) => html`<tr key=${item.key} data-case=${item.key}>
            <td>${index + 1}</td>
            <td>${item.procedureName}</td>
            <td>${item.caseNumber || '（未编号）'}</td>
            <td>${item.started || '—'}</td>
            <td>${item.ended || '—'}</td>
            <td>${item.errorCategory || '—'}</td>
            <td>${item.outcome}${!item.closed && item.stage ? html`<br /><small class="muted">当前：${item.stage}</small>` : ''}</td>
            <td><a href=${`#/case/${item.key}`}>查看案件</a></td>
          </tr>`)}</tbody>
        </table>`}
  </section>`;
}

// `encoded`: the history's query (kind, unit, name), as subjectHistoryHref puts it in the hash.
export function RegisterPage({ encoded = '' }) {
  let query = '';
  try {
    query = decodeURIComponent(encoded);
  } catch {
    query = '';
  }
  return html`<section aria-labelledby="register-title" class="register-page">
    <h1 id="register-title">登记簿</h1>
    <p class="muted">同一人员或单位在容错免责、纠错和澄清保护各项工作中的全部案件记录。</p>
    <${NameSearch} />
    ${query && html`<${History} key=${query} query=${query} />`}
  </section>`;
}

// On a case page: the persons and units the case concerns, each a link to their history.
export function CaseSubjects({ caseKey }) {
  const [subjects, setSubjects] = useState(null);
  useEffect(() => {
    call('GET', `/register/cases/${caseKey}/subjects`).then((answer) => setSubjects(answer.items || []), () => setSubjects([]));
  }, [caseKey]);
  if (!subjects || subjects.length === 0) return null;
  return html`<section class="case-subjects" aria-labelledby="case-subjects-title">
    <h2 id="case-subjects-title">涉及人员和单位（登记簿）</h2>
    <ul>${subjects.map((subject) => html`<li key=${`${subject.kind}-${subject.unitId}-${subject.name}`}>
      <a href=${subjectHistoryHref(subject)}>${subjectTitle(subject)}的历史记录</a>
    </li>`)}</ul>
  </section>`;
}
