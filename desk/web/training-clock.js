// 系统时钟（培训）: in demo and training an administrator moves the engine clock, so timers
// (the 7-working-day publicity, reminders, due dates) can be tried at once. The page and its
// endpoint exist only when the desk runs in training mode (desk/training_clock.py).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { formatDateTime, todayInBeijing } from './dates.js';
import { DayInput } from './day-input.js';

const DAY_MS = 86400000;

// A Beijing wall-clock day and time as an instant.
function beijingInstant(day, time) {
  return new Date(`${day}T${time}:00+08:00`).getTime();
}

export function TrainingClock() {
  const [pinnedAt, setPinnedAt] = useState(undefined);
  const [day, setDay] = useState(todayInBeijing());
  const [time, setTime] = useState('09:00');
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call('GET', '/training/clock').then((answer) => setPinnedAt(answer.pinnedAt), (error) => setMessage({ error: true, text: error.message }));
  }, []);

  async function send(method, path, body, done) {
    setBusy(true);
    try {
      const answer = await call(method, path, body);
      setPinnedAt(answer.pinnedAt);
      setMessage({ error: false, text: done(answer.pinnedAt) });
    } catch (error) {
      setMessage({ error: true, text: error.message });
    } finally {
      setBusy(false);
    }
  }
  const moveTo = (timestamp) => send('PUT', '/training/clock', { timestamp }, (at) => `系统时钟已调至 ${formatDateTime(at)}（北京时间）。到期的定时事项将随即处理。`);
  const forward = (days) => moveTo((pinnedAt || Date.now()) + days * DAY_MS);
  function pickTime(event) {
    event.preventDefault();
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) {
      setMessage({ error: true, text: '时间请按“时:分”填写，如 09:30。' });
      return;
    }
    moveTo(beijingInstant(day, time));
  }

  return html`<section aria-labelledby="clock-title">
    <h1 id="clock-title">系统时钟（培训环境）</h1>
    <p>培训和演示时，可将流程引擎的时钟向前调整，以便立即看到公示期届满、提醒、期限到期等按时间发生的事项。正式环境不提供此功能。</p>
    <p class="clock-now" data-testid="clock-state">${pinnedAt === undefined ? '正在读取…' : pinnedAt === null ? '当前：系统时钟跟随真实时间。' : `当前：系统时钟已调至 ${formatDateTime(pinnedAt)}（北京时间）。`}</p>
    <div class="toolbar">
      <button type="button" disabled=${busy} onClick=${() => forward(1)}>向前调 1 天</button>
      <button type="button" disabled=${busy} onClick=${() => forward(7)}>向前调 7 天</button>
      <button type="button" disabled=${busy} onClick=${() => forward(30)}>向前调 30 天</button>
    </div>
    <form class="toolbar" onSubmit=${pickTime}>
      <${DayInput} label="调至日期" value=${day} onChange=${setDay} />
      <label>时间<input type="text" inputmode="numeric" value=${time} placeholder="时:分" onInput=${(e) => setTime(e.target.value)} /></label>
      <button type="submit" class="primary" disabled=${busy}>调整系统时钟</button>
    </form>
    <div class="toolbar">
      <button type="button" class="danger" disabled=${busy} onClick=${() => send('POST', '/training/clock/reset', undefined, () => '系统时钟已恢复为真实时间。')}>恢复真实时间</button>
    </div>
    ${message && html`<p class=${`notice ${message.error ? 'error' : 'ok'}`} role=${message.error ? 'alert' : 'status'}>${message.text}</p>`}
  </section>`;
}
