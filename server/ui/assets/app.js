// app.js: the web UI's entry point: routes /ui/... paths to pages, asks for the token
// when the daemon wants one, and gives each page a context that stops its timers and
// streams when the user leaves it.
import { get, getToken, setToken, clearToken, setUnauthorizedHandler, ApiError } from './api.js';
import { h, clear } from './dom.js';
import { navigate, setRenderer } from './nav.js';
import { sessionsPage } from './views/sessions.js';
import { sessionPage } from './views/session.js';
import { experimentsPage } from './views/experiments.js';
import { experimentPage } from './views/experiment.js';
import { comparePage } from './views/compare.js';

const routes = [
  { re: /^\/ui\/?$/, nav: 'sessions', page: sessionsPage },
  { re: /^\/ui\/sessions\/([^/]+)\/?$/, nav: 'sessions', page: sessionPage },
  { re: /^\/ui\/experiments\/?$/, nav: 'experiments', page: experimentsPage },
  { re: /^\/ui\/experiments\/([^/]+)\/?$/, nav: 'experiments', page: experimentPage },
  { re: /^\/ui\/compare\/?$/, nav: 'compare', page: comparePage },
];

const main = document.getElementById('main');
let current = null; // the page context being shown

// What a page gets: where to draw, its parameters, and cleanup hooks. Timers and
// streams registered here stop when the page is left.
function makeContext(params) {
  const cleanups = [];
  const ctl = new AbortController();
  return {
    main,
    params,
    query: new URLSearchParams(location.search),
    signal: ctl.signal,
    get alive() {
      return !ctl.signal.aborted;
    },
    onLeave(fn) {
      cleanups.push(fn);
    },
    every(ms, fn) {
      // Runs fn now and then every ms while the page is shown and visible; one at a time.
      let timer = null;
      let busy = false;
      const tick = async () => {
        if (ctl.signal.aborted) return;
        if (!document.hidden && !busy) {
          busy = true;
          try {
            await fn();
          } catch (e) {
            if (!(e instanceof DOMException && e.name === 'AbortError')) console.warn(e);
          } finally {
            busy = false;
          }
        }
        if (!ctl.signal.aborted) timer = setTimeout(tick, ms);
      };
      tick();
      cleanups.push(() => clearTimeout(timer));
    },
    leave() {
      ctl.abort();
      for (const fn of cleanups.splice(0)) {
        try {
          fn();
        } catch (e) {
          console.warn(e);
        }
      }
    },
  };
}


async function render() {
  if (current) current.leave();
  const path = location.pathname;
  let route = null;
  let params = [];
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      route = r;
      params = m.slice(1).map(decodeURIComponent);
      break;
    }
  }
  for (const a of document.querySelectorAll('nav a[data-nav]')) {
    if (route && a.dataset.nav === route.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clear(main);
  current = makeContext(params);
  if (!route) {
    document.title = 'Not found · glia';
    main.append(h('h1', 'Not found'), h('p', 'No page at ', h('code', path), '. ',
      h('a', { href: '/ui/' }, 'All sessions')));
    return;
  }
  try {
    await route.page(current);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // the prompt is showing
    if (e instanceof DOMException && e.name === 'AbortError') return;
    main.append(h('div.error', { role: 'alert' }, `Could not show this page: ${e.message}`));
    console.error(e);
  }
}

// The token prompt: shown when the daemon answers 401. It replaces the page; a good
// token re-renders the page that asked.
let prompting = false;
function showTokenPrompt(message) {
  if (current) current.leave();
  prompting = true;
  clear(main);
  document.title = 'Token · glia';
  const input = h('input#token', { type: 'password', name: 'token', required: true,
    autocomplete: 'current-password', 'aria-describedby': 'token-help' });
  const remember = h('input#remember', { type: 'checkbox' });
  const err = h('div#token-error', { role: 'alert' }, message || '');
  const form = h('form.card.token-form', { 'aria-labelledby': 'token-title' },
    h('h1#token-title', 'This daemon needs a token'),
    h('p#token-help', 'gliad was started with a token (--token, --token-file or GLIA_TOKEN). ',
      'Enter it once: the UI sends it as an Authorization: Bearer header.'),
    h('label', { for: 'token' }, 'Token'), input,
    h('label.inline', remember, ' Remember on this browser'),
    h('button', { type: 'submit' }, 'Continue'), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setToken(input.value.trim(), remember.checked);
    try {
      await get('/v1/version');
      prompting = false;
      start();
    } catch (e) {
      clearToken();
      err.textContent = e instanceof ApiError && e.status === 401
        ? 'That token was refused (HTTP 401). Try again.' : `Could not check it: ${e.message}`;
      input.focus();
    }
  });
  main.append(form);
  input.focus();
}

setUnauthorizedHandler(() => {
  if (!prompting) showTokenPrompt(getToken() ? 'The token was refused (HTTP 401).' : '');
});

async function start() {
  const logout = document.getElementById('logout');
  try {
    const v = await get('/v1/version');
    document.getElementById('daemon').textContent = `${v.name} ${v.version}`;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    document.getElementById('daemon').textContent = 'daemon not answering';
  }
  logout.hidden = !getToken();
  render();
}

document.getElementById('logout').addEventListener('click', () => {
  clearToken();
  location.reload();
});

// Same-origin links under /ui/ stay in the app (no reload).
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey ||
      ev.altKey) return;
  const a = ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/ui/')) return;
  ev.preventDefault();
  navigate(url.pathname + url.search + url.hash);
  main.focus();
});

// A request cut short by leaving a page, or refused with 401 (the prompt is showing),
// is not an error worth reporting.
window.addEventListener('unhandledrejection', (ev) => {
  const e = ev.reason;
  if ((e instanceof ApiError && e.status === 401) ||
      (e instanceof DOMException && e.name === 'AbortError')) ev.preventDefault();
});

setRenderer(render);
window.addEventListener('popstate', render);
start();
