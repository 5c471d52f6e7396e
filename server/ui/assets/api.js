// api.js: every request the UI makes goes through here: the /v1 JSON API with the
// bearer token, RFC 9457 problems as ApiError, and session event streams.
//
// The token lives in sessionStorage (this tab), or in localStorage when the user asks
// to remember it. It is sent as "Authorization: Bearer" on every request, and as
// ?access_token= only on event streams, because EventSource cannot send headers.

const KEY = 'glia.token';

export function getToken() {
  return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || '';
}

export function setToken(token, remember) {
  sessionStorage.setItem(KEY, token);
  if (remember) localStorage.setItem(KEY, token);
  else localStorage.removeItem(KEY);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

// Called on every 401 (set by app.js: shows the token prompt).
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, problem, path) {
    const detail = problem && (problem.detail || problem.title);
    super(detail ? `${detail} (HTTP ${status})` : `HTTP ${status} for ${path}`);
    this.status = status;
    this.problem = problem || null;
    this.path = path;
  }
  // [{pointer|parameter|header, detail}] of a validation or query problem
  get errors() {
    return (this.problem && Array.isArray(this.problem.errors)) ? this.problem.errors : [];
  }
}

export async function api(method, path, body, { signal } = {}) {
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = text;
    }
  }
  if (resp.status === 401) onUnauthorized();
  if (!resp.ok) throw new ApiError(resp.status, typeof data === 'object' ? data : null, path);
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

// A text answer (reports in Markdown or CSV).
export async function getText(path) {
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const resp = await fetch(path, { headers, cache: 'no-store' });
  if (resp.status === 401) onUnauthorized();
  if (!resp.ok) throw new ApiError(resp.status, null, path);
  return resp.text();
}

export const enc = encodeURIComponent;

// A session's event stream. The browser's EventSource reconnects by itself when the
// server ends the stream or the connection drops, sending Last-Event-ID, so no event
// is lost or repeated. When the stream fails for good (an HTTP error: EventSource
// gives up), we reopen it with ?after=<last id> after a pause.
// handlers: {state, progress, metrics, outputs, open, error}: each gets (data, id).
export function openEvents(name, handlers) {
  let es = null;
  let lastId = null;
  let closed = false;
  let timer = null;
  const types = ['state', 'progress', 'metrics', 'outputs'];

  function url() {
    const q = new URLSearchParams();
    if (lastId !== null) q.set('after', lastId);
    const token = getToken();
    if (token) q.set('access_token', token);
    const qs = q.toString();
    return `/v1/sessions/${enc(name)}/events${qs ? `?${qs}` : ''}`;
  }

  function connect() {
    if (closed) return;
    es = new EventSource(url());
    es.onopen = () => handlers.open && handlers.open();
    es.onerror = () => {
      if (handlers.error) handlers.error(es.readyState);
      if (es.readyState === EventSource.CLOSED && !closed) {
        timer = setTimeout(connect, 3000);
      }
    };
    for (const type of types) {
      es.addEventListener(type, (ev) => {
        if (ev.lastEventId) lastId = ev.lastEventId;
        if (!handlers[type]) return;
        let data;
        try {
          data = JSON.parse(ev.data);
        } catch (e) {
          return;
        }
        handlers[type](data, ev.lastEventId);
      });
    }
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (es) es.close();
    },
    get lastId() {
      return lastId;
    },
  };
}
