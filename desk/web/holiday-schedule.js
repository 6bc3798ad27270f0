// 节假日安排 (administrators): the next year's official holidays and adjusted working days, from
// the State Council General Office's notice, so that the 7 working days of Art. 8(3) can be
// counted in that year. Until a year is entered the workers refuse to count it. The server checks
// every field (desk/holiday_schedule.py) and keeps who entered what, and when.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { chineseDay } from './publicity-panel.js';
import { formatDate } from './labels.js';

// Plain text fields written as the notice writes dates (2027-02-05): a browser's date picker
// follows the computer's language and may show mm/dd/yyyy; the server checks every date.
const DATE_FIELD = { inputMode: 'numeric', placeholder: '如 2027-02-05', pattern: '\\d{4}-\\d{2}-\\d{2}', maxLength: 10 };
const FESTIVALS = ['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节'];

function blankPeriod(name) {
  return { name, start: '', end: '' };
}

export function HolidaySchedulePage() {
  const [found, setFound] = useState(null);
  const [problem, setProblem] = useState('');
  const [notice, setNotice] = useState('');
  const [year, setYear] = useState(String(new Date().getFullYear() + 1));
  const [noticeNumber, setNoticeNumber] = useState('');
  const [periods, setPeriods] = useState(FESTIVALS.map(blankPeriod));
  const [workdays, setWorkdays] = useState('');
  const [busy, setBusy] = useState(false);
  async function load() {
    try {
      setFound(await call('GET', '/holiday-schedules'));
    } catch (error) {
      setProblem(error.message);
    }
  }
  useEffect(() => {
    load();
  }, []);
  function setPeriod(index, name, value) {
    setPeriods(periods.map((period, at) => (at === index ? { ...period, [name]: value } : period)));
  }
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setProblem('');
    setNotice('');
    try {
      const entered = await call('POST', '/holiday-schedules', {
        year: Number(year),
        noticeNumber,
        holidays: periods.filter((period) => period.start || period.end),
        workdays: workdays.split(/[\s,，、]+/).filter(Boolean),
      });
      setNotice(`${entered.year}年节假日安排已录入（${entered.noticeNumber}），此后公示期按此计算。`);
      await load();
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<section aria-labelledby="holiday-title">
    <h1 id="holiday-title">节假日安排</h1>
    <p class="muted">公示期按国务院办公厅公布的法定节假日和调休安排计算工作日。系统内置日历收录至${found ? `${found.builtInUntil}年` : '…'}；此后年份须在通知公布后由管理员在此录入，未录入的年份系统不予推算。</p>
    ${notice && html`<p class="notice ok" role="status">${notice}</p>`}
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    <form class="holiday-form" onSubmit=${submit} aria-label="录入节假日安排">
      <div class="objection-fields">
        <label>年度<input type="number" min="2000" max="2100" required value=${year} onInput=${(e) => setYear(e.target.value)} /></label>
        <label>通知文号<input required placeholder="国办发明电〔2026〕7号" value=${noticeNumber} onInput=${(e) => setNoticeNumber(e.target.value)} /></label>
      </div>
      <table class="grid">
        <caption>放假安排（每个节日填写放假起止日期，含周末；不放假的可留空）</caption>
        <thead><tr><th scope="col">节日</th><th scope="col">放假开始日期</th><th scope="col">放假结束日期</th></tr></thead>
        <tbody>${periods.map((period, index) => html`<tr key=${period.name}>
          <th scope="row">${period.name}</th>
          <td><input ...${DATE_FIELD} aria-label=${`${period.name}放假开始日期`} value=${period.start} onInput=${(e) => setPeriod(index, 'start', e.target.value)} /></td>
          <td><input ...${DATE_FIELD} aria-label=${`${period.name}放假结束日期`} value=${period.end} onInput=${(e) => setPeriod(index, 'end', e.target.value)} /></td>
        </tr>`)}</tbody>
      </table>
      <label for="holiday-workdays">调休上班日期（周六或周日，多个日期用逗号或空格分隔）</label>
      <input id="holiday-workdays" placeholder="2027-01-30，2027-02-20" value=${workdays} onInput=${(e) => setWorkdays(e.target.value)} />
      <p><button type="submit" class="primary" disabled=${busy}>${busy ? '正在录入…' : '核验并录入'}</button></p>
    </form>
    <h2>已录入的年度</h2>
    ${!found || found.years.length === 0 ? html`<p class="muted">暂无</p>` : html`<table class="grid">
      <thead><tr><th scope="col">年度</th><th scope="col">通知文号</th><th scope="col">放假安排</th><th scope="col">调休上班</th><th scope="col">录入人</th><th scope="col">录入时间</th></tr></thead>
      <tbody>${found.years.map((item) => html`<tr key=${item.year}>
        <td>${item.year}年</td><td>${item.noticeNumber}</td>
        <td>${item.periods.map((p) => html`<div key=${p.name}>${p.name}：${chineseDay(p.start)}至${chineseDay(p.end)}</div>`)}</td>
        <td>${item.workdays.length === 0 ? '无' : item.workdays.map((day) => html`<div key=${day}>${chineseDay(day)}</div>`)}</td>
        <td>${item.enteredBy}</td><td>${formatDate(item.enteredAt)}</td>
      </tr>`)}</tbody></table>`}
    <h2>录入记录</h2>
    ${!found || found.history.length === 0 ? html`<p class="muted">暂无</p>` : html`<ul>${found.history.map((entry, index) => html`<li key=${index}>${formatDate(entry.at)}，${entry.username} 录入${entry.details.year}年安排（${entry.details.noticeNumber}）</li>`)}</ul>`}
  </section>`;
}
