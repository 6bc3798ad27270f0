// The page's only road to the server: the desk's own routes and its /api/v2 proxy.
// Credentials never live here; the CSRF token is echoed from its cookie on state changes.

function csrfToken() {
  const entry = document.cookie.split('; ').find((part) => part.startsWith('desk_csrf='));
  return entry ? decodeURIComponent(entry.slice('desk_csrf='.length)) : '';
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const STATUS_SENTENCES = {
  400: '提交的内容不符合要求，未被接受。',
  401: '登录已过期，请重新登录。',
  403: '您无权执行此操作。',
  404: '要找的记录不存在或已被处理。',
  409: '当前状态不允许此操作（任务可能尚未由您认领、已被他人认领或已办结），请刷新后重试。',
  502: '暂时无法连接流程引擎，请稍后再试。',
};

async function refusalSentence(response) {
  let detail = '';
  try {
    const body = await response.json();
    detail = typeof body.detail === 'string' ? body.detail : '';
  } catch {
    detail = '';
  }
  const plain = STATUS_SENTENCES[response.status] || `请求未成功（${response.status}）。`;
  // Officers get one Chinese sentence; the API's English detail is for the operator's console.
  if (detail && !/[\u4e00-\u9fff]/.test(detail)) {
    console.warn(`${response.status} ${response.url}: ${detail}`);
    return plain;
  }
  return detail ? `${plain}原因：${detail}` : plain;
}

export async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    const error = new ApiError(response.status, await refusalSentence(response));
    if (response.status === 401 && onSignedOut) onSignedOut();
    throw error;
  }
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

let onSignedOut = null;
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export const v2 = {
  get: (path) => call('GET', `/api/v2${path}`),
  post: (path, body = {}) => call('POST', `/api/v2${path}`, body),
  patch: (path, body = {}) => call('PATCH', `/api/v2${path}`, body),
  del: (path) => call('DELETE', `/api/v2${path}`),
  search: async (path, body) => {
    const answer = await call('POST', `/api/v2${path}`, body);
    return Array.isArray(answer.items) ? answer.items : [];
  },
  // One page and the cursor after it (null at the end): for "load more".
  page: async (path, body, after) => {
    const page = { ...(body.page || {}) };
    if (after) page.after = after;
    const answer = await call('POST', `/api/v2${path}`, { ...body, page });
    const items = Array.isArray(answer.items) ? answer.items : [];
    const limit = page.limit || 100;
    const next = items.length >= limit && answer.page && answer.page.endCursor ? answer.page.endCursor : null;
    return { items, next };
  },
  // Every match, following the /v2 cursor (page.after = the previous endCursor), so no count is
  // silently cut at a page size. `ceiling` only stops a runaway loop.
  searchAll: async (path, body = {}, { pageSize = 1000, ceiling = 200_000 } = {}) => {
    const all = [];
    let after = null;
    do {
      const { items, next } = await v2.page(path, { ...body, page: { limit: pageSize } }, after);
      all.push(...items);
      after = next;
    } while (after && all.length < ceiling);
    return all;
  },
};

// /v2 variable values are JSON texts; a broken one is shown as it is rather than dropped.
export function variableValue(variable) {
  try {
    return JSON.parse(variable.value);
  } catch {
    return variable.value;
  }
}

export function variablesByName(items) {
  const variables = {};
  for (const item of items) variables[item.name] = variableValue(item);
  return variables;
}
