// The desk's single page: sign-in, then hash routes for officers and managers.
import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import './desk.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, whenSignedOut } from './api.js';
import { CasePage } from './case-page.js';
import { CaseFile } from './case-file.js';
import { CaseSearch } from './case-search.js';
import { UserAdmin } from './user-admin.js';
import { Dashboard } from './dashboard.js';
import { DonePage } from './done-page.js';
import { HolidaySchedulePage } from './holiday-schedule.js';
import { Inbox } from './inbox.js';
import { PublicityPage, handlesPublicity } from './publicity-page.js';
import { loadPeople, personWithUnit } from './people.js';
import { RegisterPage } from './register-history.js';
import { ReporterRegisterPage, registersReporters } from './reporters.js';
import { StartPage } from './start-page.js';
import { TaskPage } from './task-page.js';
import { TrainingClock } from './training-clock.js';

function SignIn({ onSignedIn }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await call('POST', '/auth/sign-in', { username, password });
      onSignedIn(answer.user);
    } catch (error) {
      // A refusal with a reason of its own (a demo password outside demo mode) keeps it.
      const reason = error.status === 401 ? error.message.split('原因：')[1] || '' : error.message;
      setProblem(!reason || reason === '用户名或密码不正确' ? '用户名或密码不正确，请重新输入。' : reason);
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="sign-in" id="main">
    <form onSubmit=${submit} aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">容错免责办理工作台</h1>
      <p class="muted">游仙区容错纠错工作领导小组办公室</p>
      <label for="username">用户名</label>
      <input id="username" name="username" autocomplete="username" required value=${username} onInput=${(e) => setUsername(e.target.value)} />
      <label for="password">密码</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} />
      ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
      <button type="submit" class="primary" disabled=${busy}>${busy ? '正在登录…' : '登录'}</button>
    </form>
  </main>`;
}

function useHash() {
  const [hash, setHash] = useState(window.location.hash || '#/inbox');
  useEffect(() => {
    const follow = () => setHash(window.location.hash || '#/inbox');
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return hash;
}

function go(hash) {
  window.location.hash = hash;
}

function Page({ user, hash, training }) {
  const [, route, key] = hash.split('/');
  if (route === 'task' && /^\d+$/.test(key || '')) return html`<${TaskPage} key=${key} user=${user} taskKey=${key} go=${go} />`;
  if (route === 'case' && /^\d+$/.test(key || '')) return html`<${CasePage} key=${key} user=${user} caseKey=${key} />`;
  if (route === 'cases') return html`<${CaseSearch} user=${user} />`;
  if (route === 'register') return html`<${RegisterPage} />`;
  if (route === 'history') return html`<${RegisterPage} key=${key || ''} encoded=${key || ''} />`;
  if (route === 'archive') return html`<${CaseSearch} user=${user} archive=${true} />`;
  if (route === 'case-file' && /^\d+$/.test(key || '')) return html`<${CaseFile} key=${key} caseKey=${key} />`;
  if (route === 'users' && user.isAdmin) return html`<${UserAdmin} user=${user} />`;
  if (route === 'start') return html`<${StartPage} key=${hash} user=${user} procedure=${key} origin=${decodeURIComponent(hash.split('/')[3] || '')} />`;
  if (route === 'done') return html`<${DonePage} user=${user} />`;
  if (route === 'dashboard' && user.isManager) return html`<${Dashboard} user=${user} />`;
  if (route === 'publicity' && handlesPublicity(user)) return html`<${PublicityPage} user=${user} />`;
  if (route === 'reporters' && registersReporters(user)) return html`<${ReporterRegisterPage} />`;
  if (route === 'holidays' && user.isAdmin) return html`<${HolidaySchedulePage} />`;
  if (route === 'clock' && user.isAdmin && training) return html`<${TrainingClock} />`;
  return html`<${Inbox} user=${user} go=${go} />`;
}

// Demo and training desks say so on every page, sign-in included (desk/training_clock.py).
function TrainingBanner({ training }) {
  return training ? html`<p class="training-banner" role="note">培训环境 · 所办案件和时间均为演练，不产生正式效力</p>` : null;
}

function Desk() {
  const [user, setUser] = useState(undefined);
  const [training, setTraining] = useState(false);
  const hash = useHash();
  // Names and units are known before any page shows a person.
  const signedIn = async (found) => {
    if (found) await loadPeople();
    setUser(found || null);
  };
  useEffect(() => {
    call('GET', '/training').then((answer) => setTraining(Boolean(answer.training)), () => setTraining(false));
    whenSignedOut(() => setUser(null));
    call('GET', '/auth/session').then((answer) => signedIn(answer.user), () => setUser(null));
  }, []);
  if (user === undefined) return html`<p class="muted">正在加载…</p>`;
  if (user === null) return html`<${TrainingBanner} training=${training} /><${SignIn} onSignedIn=${signedIn} />`;
  async function signOut() {
    await call('POST', '/auth/sign-out').catch(() => null);
    setUser(null);
  }
  const links = [['#/inbox', '待办任务'], ['#/done', '已办任务'], ['#/start', '登记申请']];
  if (user.isManager) links.push(['#/dashboard', '管理看板']);
  if (handlesPublicity(user)) links.push(['#/publicity', '公示与异议']);
  if (registersReporters(user)) links.push(['#/reporters', '举报人登记']);
  if (user.isAdmin) links.push(['#/holidays', '节假日安排']);
  if (user.isAdmin && training) links.push(['#/clock', '系统时钟（培训）']);
  links.push(['#/cases', '案件查询'], ['#/archive', '归档案件'], ['#/register', '登记簿']);
  if (user.isAdmin) links.push(['#/users', '用户管理']);
  return html`<div class="shell">
    <${TrainingBanner} training=${training} />
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>跳到正文</a>
    <header>
      <strong class="brand">容错免责办理工作台</strong>
      <nav aria-label="主导航">
        ${links.map(([href, text]) => html`<a href=${href} aria-current=${hash.startsWith(href) || (href === '#/register' && hash.startsWith('#/history')) ? 'page' : undefined}>${text}</a>`)}
      </nav>
      <span class="who">${personWithUnit(user.username, user.displayName)}</span>
      <button type="button" onClick=${signOut}>退出</button>
    </header>
    <main id="main" tabindex="-1"><${Page} user=${user} hash=${hash} training=${training} /></main>
  </div>`;
}

render(html`<${Desk} />`, document.getElementById('desk'));
