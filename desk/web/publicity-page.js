// 公示与异议: the cases in publicity (and those whose publicity ended, for objections that come
// late), each with its period, its notice and its objections. For the leading group office, which
// records objections, and for managers.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { Objections } from './objections.js';
import { AnnouncementLink, loadPublicities, periodState, periodText } from './publicity-panel.js';

export function handlesPublicity(user) {
  return user.isManager || (user.groups || []).includes('leading-group-office');
}

export function PublicityPage() {
  const [rows, setRows] = useState(null);
  const [problem, setProblem] = useState('');
  const [chosen, setChosen] = useState(null);
  useEffect(() => {
    loadPublicities({})
      .then((all) => {
        // one row per case: its latest publicity
        const seen = new Set();
        setRows(all.filter((row) => !seen.has(row.caseKey) && seen.add(row.caseKey)));
      })
      .catch((error) => setProblem(error.message));
  }, []);
  return html`<section aria-labelledby="publicity-title">
    <h1 id="publicity-title">公示与异议</h1>
    <p class="muted">第八条（三）：审定意见必要时在一定范围内公示，公示期为7个工作日。公示期内外收到的异议均在此登记，并逐件书面答复。</p>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${rows === null && !problem ? html`<p class="muted">正在加载…</p>` : null}
    ${rows && rows.length === 0 ? html`<p class="muted">暂无公示的案件</p>` : null}
    ${rows && rows.length > 0 && html`<table class="grid">
      <caption class="sr-only">公示的案件</caption>
      <thead><tr><th scope="col">受理编号</th><th scope="col">状态</th><th scope="col">公示期</th><th scope="col">公示公告</th><th scope="col">异议</th></tr></thead>
      <tbody>${rows.map((row) => html`<tr key=${row.stage.processInstanceKey}>
        <td>${row.caseNumber || row.caseKey}</td>
        <td>${periodState(row)}</td>
        <td>${periodText(row)}</td>
        <td><${AnnouncementLink} found=${row} /></td>
        <td><button type="button" aria-expanded=${chosen === row.caseKey} onClick=${() => setChosen(chosen === row.caseKey ? null : row.caseKey)}>${chosen === row.caseKey ? '收起' : '登记与查看异议'}</button></td>
      </tr>`)}</tbody>
    </table>`}
    ${chosen && html`<${Objections} key=${chosen} caseKey=${chosen} />`}
  </section>`;
}
