// 案件查询 and 归档案件: every case of every procedure the signed-in officer may see, open or
// closed, searched on the desk server (GET /cases), which asks the API with the officer's own
// credentials; the procedures come with the answer (one table, desk/procedures.py); the exemption
// work's statistics and case list as a spreadsheet (GET /cases/export.xlsx).
import './case-pages.css';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';

const STAGE_CHOICES = ['提出申请', '审核受理', '调查核实', '公示', '认定反馈与存档', '报区委备案', '已办结'];
const OUTCOME_CHOICES = ['办理中', '申请不符合要求，已书面答复', '不予受理', '认定容错免责', '不予认定容错免责', '已终止', '已办结'];
const EMPTY = { procedure: '', number: '', applicant: '', unit: '', stage: '', outcome: '', from: '', to: '', closed: '' };

function queryString(values) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
  return params.toString();
}

function Field({ label, name, values, set, placeholder }) {
  return html`<label>${label}<input name=${name} value=${values[name]} placeholder=${placeholder || ''}
    onInput=${(e) => set({ ...values, [name]: e.target.value })} /></label>`;
}

// `choices`: texts, or [value, text] pairs when the value is not what the officer reads.
function Choice({ label, name, values, set, choices, any = '全部' }) {
  return html`<label>${label}<select name=${name} value=${values[name]} onChange=${(e) => set({ ...values, [name]: e.target.value })}>
    <option value="">${any}</option>
    ${choices.map((choice) => {
      const [value, text] = Array.isArray(choice) ? choice : [choice, choice];
      return html`<option value=${value}>${text}</option>`;
    })}
  </select></label>`;
}

export function subjectHistoryHref(subject) {
  const params = new URLSearchParams({ kind: subject.kind, unit: subject.unitId, name: subject.name || '' });
  return `#/history/${encodeURIComponent(params.toString())}`;
}

export function ExportPanel() {
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(String(thisYear));
  const years = Array.from({ length: 6 }, (_, index) => String(thisYear - index));
  const href = `/cases/export.xlsx?${queryString({ from: `${year}-01-01`, to: `${year}-12-31` })}`;
  return html`<div class="export-panel">
    <label>统计年度<select name="year" value=${year} onChange=${(e) => setYear(e.target.value)}>
      ${years.map((item) => html`<option value=${item}>${item}年</option>`)}
    </select></label>
    <a class="button" href=${href} download=${`容错免责案件统计（${year}年）.xlsx`}>导出年度统计表（电子表格）</a>
  </div>`;
}

export function CaseSearch({ archive = false }) {
  const [values, setValues] = useState({ ...EMPTY, closed: archive ? 'true' : '' });
  const [cases, setCases] = useState(null);
  const [procedures, setProcedures] = useState([]);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  async function search(current = values) {
    setBusy(true);
    setProblem('');
    try {
      const answer = await call('GET', `/cases?${queryString(current)}`);
      setCases(answer.items || []);
      setProcedures((answer.procedures || []).map((item) => [item.id, item.name]));
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    const initial = { ...EMPTY, closed: archive ? 'true' : '' };
    setValues(initial);
    search(initial);
  }, [archive]);
  const title = archive ? '归档案件' : '案件查询';
  return html`<section aria-labelledby="case-search-title" class="case-search">
    <h1 id="case-search-title">${title}</h1>
    <p class="muted">${archive ? '各项工作已办结、已终止的案件，可查看案件和容错免责案卷。' : '按办理程序、受理编号、申请人或当事人、单位、阶段、结果或登记日期查找各项工作的案件（含已办结案件）。'}</p>
    <form class="search-form" role="search" aria-label=${title} onSubmit=${(e) => { e.preventDefault(); search(); }}>
      <${Choice} label="办理程序" name="procedure" values=${values} set=${setValues} choices=${procedures} />
      <${Field} label="受理编号" name="number" values=${values} set=${setValues} placeholder="如 游容免〔2026〕1号" />
      <${Field} label="申请人或当事人" name="applicant" values=${values} set=${setValues} placeholder="姓名或单位名称" />
      <${Field} label="所在单位" name="unit" values=${values} set=${setValues} />
      <${Choice} label="办理阶段" name="stage" values=${values} set=${setValues} choices=${STAGE_CHOICES} />
      <${Choice} label="办理结果" name="outcome" values=${values} set=${setValues} choices=${OUTCOME_CHOICES} />
      ${!archive && html`<label>办理状态<select name="closed" value=${values.closed} onChange=${(e) => setValues({ ...values, closed: e.target.value })}>
        <option value="">全部</option><option value="false">办理中</option><option value="true">已办结</option>
      </select></label>`}
      <${Field} label="登记日期自" name="from" values=${values} set=${setValues} placeholder="年-月-日，如 2026-01-01" />
      <${Field} label="至" name="to" values=${values} set=${setValues} placeholder="年-月-日，如 2026-12-31" />
      <div class="search-actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? '正在查询…' : '查询'}</button>
        <button type="button" onClick=${() => { const reset = { ...EMPTY, closed: archive ? 'true' : '' }; setValues(reset); search(reset); }}>清空条件</button>
      </div>
    </form>
    <${ExportPanel} />
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${cases && html`<p class="result-count" data-testid="case-count">共 ${cases.length} 件</p>`}
    ${cases && cases.length > 0 && html`<table class="cases">
      <thead><tr><th>办理程序</th><th>受理编号</th><th>申请人或当事人</th><th>所在单位</th><th>登记时间</th><th>当前阶段</th><th>办理结果</th><th>办结时间</th><th>操作</th></tr></thead>
      <tbody>${cases.map((item) => html`<tr key=${item.key} data-case=${item.key}>
        <td>${item.procedureName}</td>
        <td>${item.caseNumber || '（未编号）'}</td>
        <td>${item.concerns || '—'}</td>
        <td>${item.unit || '—'}</td>
        <td>${item.started || '—'}</td>
        <td>${item.stage || '—'}</td>
        <td>${item.outcome}${item.exemptions.length ? html`<br /><small class="muted">${item.exemptions.join('、')}</small>` : ''}</td>
        <td>${item.ended || '—'}</td>
        <td class="row-actions"><a href=${`#/case/${item.key}`}>查看案件</a>${item.procedure === 'exemption-procedure' ? html`<br /><a href=${`#/case-file/${item.key}`}>查看案卷</a>` : ''}</td>
      </tr>`)}</tbody>
    </table>`}
    ${cases && cases.length === 0 && html`<p class="muted">没有符合条件的案件。</p>`}
  </section>`;
}
