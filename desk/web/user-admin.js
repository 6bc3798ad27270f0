// 用户管理 (administrators): users, units (groups) and API tokens, through the API's /v2/users and
// /v2/groups; the API checks the rules and writes every change to the audit trail.
import './case-pages.css';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call as request, v2 } from './api.js';

const ROLES = { officer: '办理人员', manager: '管理人员', admin: '系统管理员', worker: '作业程序' };
const NEW_USER = { username: '', name: '', password: '', group: '', role: 'officer' };

export function UserAdmin({ user }) {
  const [users, setUsers] = useState([]);
  const [groups, setGroups] = useState([]);
  const [notice, setNotice] = useState(null);
  const [draft, setDraft] = useState(NEW_USER);
  const [groupDraft, setGroupDraft] = useState({ groupId: '', name: '' });
  const [shownToken, setShownToken] = useState(null);

  async function load() {
    const [userItems, groupItems] = await Promise.all([v2.search('/users/search', {}), v2.search('/groups/search', {})]);
    setUsers(userItems);
    setGroups(groupItems);
  }
  useEffect(() => {
    load().catch((error) => setNotice({ error: true, text: error.message }));
  }, []);
  const groupName = (id) => (groups.find((group) => group.groupId === id) || {}).name || id;

  async function act(work, done) {
    setNotice(null);
    setShownToken(null);
    try {
      await work();
      await load();
      if (done) setNotice({ error: false, text: done });
      return true;
    } catch (error) {
      // The API's own reason says what was wrong; the generic sentence before it is about tasks.
      setNotice({ error: true, text: error.message.split('原因：')[1] || error.message });
      return false;
    }
  }

  async function createUser(event) {
    event.preventDefault();
    const body = { username: draft.username.trim(), name: draft.name.trim(), password: draft.password, groups: draft.group ? [draft.group] : [], roles: [draft.role] };
    if (await act(() => v2.post('/users', body), `已新建用户 ${body.name}（${body.username}）。`)) setDraft(NEW_USER);
  }
  async function createGroup(event) {
    event.preventDefault();
    const body = { groupId: groupDraft.groupId.trim(), name: groupDraft.name.trim() };
    if (await act(() => v2.post('/groups', body), `已新建单位 ${body.name}。`)) setGroupDraft({ groupId: '', name: '' });
  }
  function resetPassword(item) {
    const password = window.prompt(`为 ${item.name}（${item.username}）设置新密码：至少 12 个字符，含字母、数字、其他字符中的两类`);
    if (password) act(() => call('PUT', `/users/${encodeURIComponent(item.username)}`, { password }), `已重置 ${item.name} 的密码。`);
  }
  function setActive(item, active) {
    const path = `/users/${encodeURIComponent(item.username)}/deactivation`;
    act(() => (active ? v2.del(path) : v2.post(path)), `已${active ? '启用' : '停用'} ${item.name} 的账号。`);
  }
  function join(item, groupId) {
    if (groupId) act(() => call('PUT', `/groups/${encodeURIComponent(groupId)}/users/${encodeURIComponent(item.username)}`), `已将 ${item.name} 加入 ${groupName(groupId)}。`);
  }
  function leave(item, groupId) {
    act(() => v2.del(`/groups/${encodeURIComponent(groupId)}/users/${encodeURIComponent(item.username)}`), `已将 ${item.name} 移出 ${groupName(groupId)}。`);
  }
  async function mintToken(item) {
    setShownToken(null);
    await act(async () => {
      const answer = await v2.post(`/users/${encodeURIComponent(item.username)}/tokens`, { name: `${item.username}-${Date.now().toString(36)}` });
      setShownToken({ name: item.name, token: answer.token });
    });
  }
  function revokeToken(item, name) {
    if (window.confirm(`确定吊销 ${item.name} 的令牌 ${name}？使用该令牌的程序将无法再访问。`)) {
      act(() => v2.del(`/users/${encodeURIComponent(item.username)}/tokens/${encodeURIComponent(name)}`), `已吊销令牌 ${name}。`);
    }
  }

  return html`<section aria-labelledby="user-admin-title" class="user-admin">
    <h1 id="user-admin-title">用户管理</h1>
    <p class="muted">新建、停用用户，重置密码，调整所属单位，签发和吊销接口令牌。每项变更均记入审计日志。</p>
    ${notice && html`<p class=${`notice ${notice.error ? 'error' : 'ok'}`} role=${notice.error ? 'alert' : 'status'}>${notice.text}</p>`}
    ${shownToken && html`<p class="notice ok" role="status">已为 ${shownToken.name} 签发令牌（仅显示这一次，请立即妥善保存）：<span class="token-shown">${shownToken.token}</span></p>`}
    <h2>新建用户</h2>
    <form class="admin-form" aria-label="新建用户" onSubmit=${createUser}>
      <label>用户名<input name="new-username" required value=${draft.username} onInput=${(e) => setDraft({ ...draft, username: e.target.value })} /></label>
      <label>姓名<input name="new-name" required value=${draft.name} onInput=${(e) => setDraft({ ...draft, name: e.target.value })} /></label>
      <label>初始密码<input name="new-password" type="password" autocomplete="new-password" required value=${draft.password} onInput=${(e) => setDraft({ ...draft, password: e.target.value })} /></label>
      <label>所属单位<select name="new-group" value=${draft.group} onChange=${(e) => setDraft({ ...draft, group: e.target.value })}>
        <option value="">（暂不加入）</option>
        ${groups.map((group) => html`<option value=${group.groupId}>${group.name}</option>`)}
      </select></label>
      <label>角色<select name="new-role" value=${draft.role} onChange=${(e) => setDraft({ ...draft, role: e.target.value })}>
        ${['officer', 'manager', 'admin'].map((role) => html`<option value=${role}>${ROLES[role]}</option>`)}
      </select></label>
      <button type="submit" class="primary">新建用户</button>
    </form>
    <h2>用户</h2>
    <table class="users">
      <thead><tr><th>姓名</th><th>用户名</th><th>所属单位</th><th>角色</th><th>状态</th><th>接口令牌</th><th>操作</th></tr></thead>
      <tbody>${users.map((item) => html`<tr key=${item.username} data-user=${item.username} class=${item.active ? '' : 'inactive'}>
        <td>${item.name}</td>
        <td>${item.username}</td>
        <td>${(item.groups || []).map((id) => html`<span class="chip" key=${id}>${groupName(id)}<button type="button" aria-label=${`将 ${item.name} 移出 ${groupName(id)}`} onClick=${() => leave(item, id)}>×</button></span>`)}
          <select aria-label=${`将 ${item.name} 加入单位`} value="" onChange=${(e) => join(item, e.target.value)}>
            <option value="">加入单位…</option>
            ${groups.filter((group) => !(item.groups || []).includes(group.groupId)).map((group) => html`<option value=${group.groupId}>${group.name}</option>`)}
          </select></td>
        <td>${(item.roles || []).map((role) => ROLES[role] || role).join('、')}</td>
        <td>${item.active ? '正常' : '已停用'}</td>
        <td>${(item.tokens || []).map((name) => html`<span class="chip" key=${name}>${name}<button type="button" aria-label=${`吊销令牌 ${name}`} onClick=${() => revokeToken(item, name)}>×</button></span>`)}</td>
        <td><div class="user-actions">
          ${item.hasPassword && html`<button type="button" onClick=${() => resetPassword(item)}>重置密码</button>`}
          ${item.username !== user.username && (item.active
            ? html`<button type="button" onClick=${() => setActive(item, false)}>停用</button>`
            : html`<button type="button" onClick=${() => setActive(item, true)}>启用</button>`)}
          <button type="button" onClick=${() => mintToken(item)}>签发令牌</button>
        </div></td>
      </tr>`)}</tbody>
    </table>
    <h2>单位（用户组）</h2>
    <form class="admin-form" aria-label="新建单位" onSubmit=${createGroup}>
      <label>单位标识<input name="new-group-id" required placeholder="小写字母、数字和连字符，如财政局可用其拼音缩写" value=${groupDraft.groupId} onInput=${(e) => setGroupDraft({ ...groupDraft, groupId: e.target.value })} /></label>
      <label>单位名称<input name="new-group-name" required placeholder="如 区财政局" value=${groupDraft.name} onInput=${(e) => setGroupDraft({ ...groupDraft, name: e.target.value })} /></label>
      <button type="submit" class="primary">新建单位</button>
    </form>
    <table class="groups">
      <thead><tr><th>单位名称</th><th>单位标识</th><th>成员</th></tr></thead>
      <tbody>${groups.map((group) => html`<tr key=${group.groupId} data-group=${group.groupId}>
        <td>${group.name}</td><td>${group.groupId}</td>
        <td>${(group.members || []).map((name) => (users.find((item) => item.username === name) || { name }).name).join('、') || '—'}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

// PUT through the desk's proxy (api.js's v2 helper has no PUT).
function call(method, path, body) {
  return request(method, `/api/v2${path}`, body);
}
