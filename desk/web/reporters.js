// 举报人保密登记 (Art. 15): the office registers who reported and gets the register number
// (2026-举-001), the only trace of the reporter a case carries (reporterRef). The identity is
// shown only to officers handling the report: the desk server decides (desk/reporters.py).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { chineseDay } from './publicity-panel.js';

const DATE_FIELD = { inputMode: 'numeric', placeholder: '如 2026-08-20', pattern: '\\d{4}-\\d{2}-\\d{2}', maxLength: 10 };
const EMPTY = { name: '', contact: '', receivedOn: '' };

export function registersReporters(user) {
  return (user.groups || []).includes('discipline-office');
}

// The office registers a reporter before starting the case, then enters the number on the
// start form.
export function ReporterRegisterPage() {
  const [draft, setDraft] = useState(EMPTY);
  const [notice, setNotice] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const field = (name) => ({ value: draft[name], onInput: (e) => setDraft({ ...draft, [name]: e.target.value }) });
  async function register(event) {
    event.preventDefault();
    setBusy(true);
    setProblem('');
    setNotice('');
    try {
      const answer = await call('POST', '/reporters', draft);
      setDraft(EMPTY);
      setNotice(`举报人已登记，登记编号${answer.reporterRef}。启动澄清了结等程序时请在“举报人登记编号”一栏填写该编号。`);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<section aria-labelledby="reporter-register-title">
    <h1 id="reporter-register-title">举报人保密登记</h1>
    <p class="muted">第十五条：保障举报人的合法权益。举报人姓名和联系方式只保存在本登记中，案件流程、文书和看板只使用登记编号；只有在该案中有办理任务的纪检监察人员可以查看。</p>
    ${notice && html`<p class="notice ok" role="status">${notice}</p>`}
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    <form class="objection-form" onSubmit=${register} aria-label="登记举报人">
      <div class="objection-fields">
        <label>举报人姓名<input required maxLength="100" autocomplete="off" ...${field('name')} /></label>
        <label>举报人联系方式<input required maxLength="200" autocomplete="off" ...${field('contact')} /></label>
        <label>收到举报日期<input required ...${DATE_FIELD} ...${field('receivedOn')} /></label>
      </div>
      <button type="submit" class="primary" disabled=${busy}>${busy ? '正在登记…' : '登记举报人'}</button>
    </form>
  </section>`;
}

// On a case carrying a reporterRef: the identity for those handling the report, a sentence for
// everyone else.
export function CaseReporters({ caseKey, variables }) {
  const [found, setFound] = useState(null);
  const [refusal, setRefusal] = useState('');
  useEffect(() => {
    if (!variables.reporterRef) return;
    call('GET', `/reporters/case/${caseKey}`).then(setFound, (error) => setRefusal(error.message));
  }, [caseKey, variables.reporterRef]);
  if (!variables.reporterRef) return null;
  return html`<section class="reporters" aria-labelledby=${`reporters-${caseKey}`}>
    <h2 id=${`reporters-${caseKey}`}>举报人（保密）</h2>
    ${refusal && html`<p class="muted">${refusal}</p>`}
    ${found && (found.items.length === 0 ? html`<p class="muted">登记编号${variables.reporterRef}在举报人登记中没有记录</p>` : html`<table class="grid">
      <caption class="sr-only">本案举报人</caption>
      <thead><tr><th scope="col">登记编号</th><th scope="col">姓名</th><th scope="col">联系方式</th><th scope="col">收到举报日期</th></tr></thead>
      <tbody>${found.items.map((item) => html`<tr key=${item.reporterRef}><td>${item.reporterRef}</td><td>${item.name}</td><td>${item.contact}</td><td>${chineseDay(item.receivedOn)}</td></tr>`)}</tbody>
    </table>`)}
  </section>`;
}
