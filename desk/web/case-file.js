// 案卷: everything of one case on one printable page (print CSS in case-pages.css).
import './case-pages.css';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';

function Rows({ items }) {
  return html`<table class="file-fields"><tbody>
    ${items.map((item) => html`<tr key=${item.label}><th scope="row">${item.label}</th><td>${item.value}</td></tr>`)}
  </tbody></table>`;
}

export function CaseFile({ caseKey }) {
  const [file, setFile] = useState(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    call('GET', `/cases/${caseKey}/file`).then(setFile, (error) => setProblem(error.message));
  }, [caseKey]);
  if (problem) return html`<p class="notice error" role="alert">${problem}</p>`;
  if (!file) return html`<p class="muted">正在加载案卷…</p>`;
  const item = file.case;
  const summary = [
    { label: '受理编号', value: item.caseNumber || '（未编号）' },
    { label: '申请人', value: item.applicant || '—' },
    { label: '申请人单位', value: item.unit || '—' },
    { label: '登记时间', value: item.started || '—' },
    { label: '办理状态', value: item.closed ? '已办结' : `办理中（${item.stage || '—'}）` },
    { label: '办理结果', value: item.outcome },
    { label: '办结时间', value: item.ended || '—' },
  ];
  if (item.exemptions.length) summary.push({ label: '免责结果', value: item.exemptions.join('、') });
  return html`<article class="case-file" aria-labelledby="case-file-title">
    <div class="no-print file-actions">
      <a href="#/cases">返回案件查询</a>
      <button type="button" class="primary" onClick=${() => window.print()}>打印案卷</button>
    </div>
    <div class="file-head">
      <h1 id="case-file-title">容错免责案件案卷</h1>
      <p class="file-number">${item.caseNumber || '（未编号）'}</p>
    </div>
    <section><h2>一、基本情况</h2><${Rows} items=${summary} /></section>
    <section><h2>二、申请内容</h2>${file.application.length ? html`<${Rows} items=${file.application} />` : html`<p class="muted">无</p>`}</section>
    <section><h2>三、办理经过</h2>
      ${file.decisions.length === 0 ? html`<p class="muted">无</p>` : html`<table class="file-steps">
        <thead><tr><th>序号</th><th>办理环节</th><th>办理人</th><th>承办单位</th><th>办理时间</th><th>决定和意见</th></tr></thead>
        <tbody>${file.decisions.map((step, index) => html`<tr key=${index}>
          <td>${index + 1}</td><td>${step.task}<br /><small class="muted">${step.state}</small></td>
          <td>${step.by}</td><td>${step.unit || '—'}</td><td>${step.at || '—'}</td>
          <td>${step.fields.length ? html`<dl>${step.fields.map((field) => html`<div><dt>${field.label}</dt><dd>${field.value}</dd></div>`)}</dl>` : '—'}</td>
        </tr>`)}</tbody></table>`}
    </section>
    <section><h2>四、文书目录</h2>
      ${file.documents.length === 0 ? html`<p class="muted">无</p>` : html`<table class="file-documents">
        <thead><tr><th>序号</th><th>文书名称</th><th>形成时间</th></tr></thead>
        <tbody>${file.documents.map((doc, index) => html`<tr key=${doc.href}><td>${index + 1}</td>
          <td><a href=${doc.href} target="_blank" rel="noopener">${doc.title}</a></td><td>${doc.at || '—'}</td></tr>`)}</tbody></table>`}
    </section>
    <section><h2>五、送达记录</h2>
      ${file.notices.length === 0 ? html`<p class="muted">无</p>` : html`<table class="file-notices">
        <thead><tr><th>事项</th><th>送达对象</th><th>方式</th><th>时间</th></tr></thead>
        <tbody>${file.notices.map((notice, index) => html`<tr key=${index}><td>${notice.notice}</td><td>${notice.to}</td><td>${notice.channel}</td><td>${notice.at || '—'}</td></tr>`)}</tbody></table>`}
    </section>
  </article>`;
}
