// 公示异议 (Art. 8(3)): the office records each objection received during (or after) publicity
// and sees how it was answered. Who objected is shown only to the leading group office (the desk
// server decides: desk/objections.py); the form asks for it because the office must be able to
// deliver the written answer, never because anyone else may read it (cf. Art. 15).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { chineseDay } from './publicity-panel.js';

// Written as dates are written in the register (2026-09-30); the server checks it.
const DATE_FIELD = { inputMode: 'numeric', placeholder: '如 2026-09-30', pattern: '\\d{4}-\\d{2}-\\d{2}', maxLength: 10 };
const EMPTY = { content: '', receivedOn: '', objectorName: '', objectorContact: '' };

function today() {
  const now = new Date();
  const beijing = new Date(now.getTime() + (now.getTimezoneOffset() + 480) * 60000);
  return beijing.toISOString().slice(0, 10);
}

function routeText(item) {
  if (!item.route) return '尚未转入办理';
  return item.route === 'in-period' ? '并入公示流程办理' : '单独办理（期外异议）';
}

function answerCell(item, caseKey) {
  if (!item.answer) return html`<span class="muted">待答复</span>`;
  const verdict = item.substantiated ? '成立' : '不成立';
  const reply = item.replyDocumentId
    ? html`<br /><a href=${`/documents/${item.replyInstanceKey || caseKey}/objectionReplyDocument?document=${encodeURIComponent(item.replyDocumentId)}`} target="_blank" rel="noopener">异议答复书（新窗口打开）</a>`
    : null;
  return html`<span>${item.answer}</span><br /><span class="muted">核实结论：${verdict}</span>${reply}`;
}

export function Objections({ caseKey }) {
  const [found, setFound] = useState(null);
  const [problem, setProblem] = useState('');
  const [notice, setNotice] = useState('');
  const [draft, setDraft] = useState({ ...EMPTY, receivedOn: today() });
  const [busy, setBusy] = useState(false);
  async function load() {
    try {
      setFound(await call('GET', `/objections/${caseKey}`));
    } catch (error) {
      setFound(null);
      setProblem(error.status === 403 ? '' : error.message);
    }
  }
  useEffect(() => {
    load();
  }, [caseKey]);
  async function act(work) {
    setBusy(true);
    setProblem('');
    setNotice('');
    try {
      setNotice(await work());
      await load();
    } catch (error) {
      setProblem(error.message);
      await load();
    } finally {
      setBusy(false);
    }
  }
  function record(event) {
    event.preventDefault();
    act(async () => {
      const answer = await call('POST', `/objections/${caseKey}`, draft);
      setDraft({ ...EMPTY, receivedOn: today() });
      const where = answer.route === 'in-period' ? '已并入公示流程，办公室处理任务已生成' : '公示期内已无可并入的公示，已单独启动期外异议办理';
      return `异议已登记，编号${answer.objectionId}；${where}。`;
    });
  }
  if (!found) return problem ? html`<p class="notice error" role="alert">${problem}</p>` : null;
  const field = (name) => ({ value: draft[name], onInput: (e) => setDraft({ ...draft, [name]: e.target.value }) });
  return html`<section class="objections" aria-labelledby=${`objections-${caseKey}`}>
    <h2 id=${`objections-${caseKey}`}>公示异议</h2>
    ${notice && html`<p class="notice ok" role="status">${notice}</p>`}
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${found.items.length === 0 ? html`<p class="muted">本案尚未收到异议</p>` : html`<table class="grid">
      <caption class="sr-only">本案收到的公示异议及答复</caption>
      <thead><tr><th scope="col">异议编号</th><th scope="col">收到日期</th><th scope="col">异议内容</th>
        ${found.mayReadIdentity && html`<th scope="col">异议人（保密）</th>`}
        <th scope="col">办理方式</th><th scope="col">书面答复</th></tr></thead>
      <tbody>${found.items.map((item) => html`<tr key=${item.objectionId}>
        <td>${item.objectionId}</td>
        <td>${chineseDay(item.receivedOn)}${item.afterPeriod ? html`<br /><span class="muted">公示期满后收到</span>` : null}</td>
        <td>${item.content}</td>
        ${found.mayReadIdentity && html`<td>${item.objectorName}<br /><span class="muted">${item.objectorContact}</span></td>`}
        <td>${routeText(item)}${!item.route && found.mayRecord ? html`<br /><button type="button" disabled=${busy}
            onClick=${() => act(async () => { await call('POST', `/objections/${caseKey}/${encodeURIComponent(item.objectionId)}/hand-over`); return '异议已转入办理。'; })}>转入办理</button>` : null}</td>
        <td>${answerCell(item, caseKey)}</td>
      </tr>`)}</tbody></table>`}
    ${found.mayRecord && html`<form class="objection-form" onSubmit=${record} aria-label="登记公示异议">
      <h3>登记新收到的异议</h3>
      <p class="muted">异议人身份仅领导小组办公室可见，不写入流程、文书和看板。</p>
      <label for=${`objection-content-${caseKey}`}>异议内容</label>
      <textarea id=${`objection-content-${caseKey}`} required maxLength="3000" rows="4" ...${field('content')}></textarea>
      <div class="objection-fields">
        <label>收到日期<input required ...${DATE_FIELD} ...${field('receivedOn')} /></label>
        <label>异议人姓名或单位<input required maxLength="100" autocomplete="off" ...${field('objectorName')} /></label>
        <label>异议人联系方式<input required maxLength="200" autocomplete="off" ...${field('objectorContact')} /></label>
      </div>
      <button type="submit" class="primary" disabled=${busy}>${busy ? '正在登记…' : '登记异议'}</button>
    </form>`}
  </section>`;
}
