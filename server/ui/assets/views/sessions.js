// views/sessions.js: /ui/ — every session, filtered by state and experiment, with
// their controls, and a form that creates (and optionally runs) a session.
import { get, post, enc, ApiError } from '../api.js';
import { h, clear, pct, num, val, stateBadge, constantBadge, errorBox, say } from '../dom.js';
import { sessionControls } from '../actions.js';
import { navigate } from '../nav.js';

const STATES = ['idle', 'running', 'paused', 'completed', 'cancelled', 'failed'];
const PAGE = 100;

function createForm(presets) {
  const name = h('input#new-name', { name: 'name', required: true, pattern: '[a-z0-9][a-z0-9._\\-]{0,63}',
    title: 'a-z, 0-9, . _ - (up to 64 characters)', placeholder: 'm314' });
  const preset = h('select#new-preset', { name: 'preset' },
    h('option', { value: '' }, '(defaults, no preset)'),
    presets.map((p) => h('option', { value: p.name },
      p.alias ? `${p.name} (${p.alias})` : p.name)));
  const seed = h('input#new-seed', { name: 'seed', type: 'number', min: 0, max: 4294967295,
    placeholder: '42' });
  const overrides = h('textarea#new-config', { name: 'config', rows: 3, spellcheck: 'false',
    placeholder: '{"training": {"trajectory_interval": 100}}' });
  const episodes = h('input#new-episodes', { name: 'episodes', type: 'number', min: 1 });
  const err = h('div#create-error');
  const describe = h('p.muted#preset-description');
  const byName = Object.fromEntries(presets.map((p) => [p.name, p]));
  const syncPreset = () => {
    const p = byName[preset.value];
    describe.textContent = p ? p.description : 'The defaults for new work (xoshiro256**).';
    episodes.placeholder = p ? String(p.episodes) : '1000';
  };
  preset.addEventListener('change', syncPreset);
  syncPreset();

  const createBtn = h('button#create', { type: 'submit', value: 'create' }, 'Create');
  const runBtn = h('button#create-run', { type: 'submit', value: 'run' }, 'Create and run');
  const form = h('form.create', { 'aria-label': 'New session' },
    h('div.grid2',
      h('div', h('label', { for: 'new-name' }, 'Name'), name),
      h('div', h('label', { for: 'new-preset' }, 'Preset'), preset),
      h('div', h('label', { for: 'new-seed' }, 'Seed'), seed),
      h('div', h('label', { for: 'new-episodes' }, 'Episodes (for Create and run)'), episodes)),
    describe,
    h('label', { for: 'new-config' }, 'Config overrides (JSON, optional)'), overrides,
    h('div.buttons', createBtn, runBtn), err);
  const box = h('details.card#new-session', h('summary', h('h2', 'New session')), form);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const andRun = ev.submitter && ev.submitter.value === 'run';
    err.replaceChildren();
    const body = { name: name.value.trim() };
    if (preset.value) body.preset = preset.value;
    if (seed.value !== '') body.seed = Number(seed.value);
    if (overrides.value.trim()) {
      try {
        body.config = JSON.parse(overrides.value);
      } catch (e) {
        err.append(h('div.error', { role: 'alert' }, `Config overrides: not JSON: ${e.message}`));
        overrides.focus();
        return;
      }
    }
    createBtn.disabled = runBtn.disabled = true;
    try {
      await post('/v1/sessions', body);
      if (andRun) {
        const n = Number(episodes.value || episodes.placeholder);
        await post(`/v1/sessions/${enc(body.name)}/run`, { episodes: n });
      }
      say(`Created ${body.name}${andRun ? ' and started it' : ''}`);
      navigate(`/ui/sessions/${enc(body.name)}`);
    } catch (e) {
      err.append(errorBox(e));
    } finally {
      createBtn.disabled = runBtn.disabled = false;
    }
  });
  return box;
}

// One row of the table, updated in place (focus stays on its buttons).
function sessionRow(s, selected, onChange) {
  const check = h('input', { type: 'checkbox', 'aria-label': `Select ${s.name} to compare`,
    dataset: { name: s.name } });
  check.checked = selected.has(s.name);
  check.addEventListener('change', () => {
    if (check.checked) selected.add(s.name);
    else selected.delete(s.name);
    onChange('select');
  });
  const controls = sessionControls(s, { onDone: () => onChange('action') });
  const cells = {
    state: h('td'), learner: h('td'), seed: h('td'), experiment: h('td'), progress: h('td.nowrap'),
    accuracy: h('td.r'), distinct: h('td.r'), constant: h('td'),
  };
  const tr = h('tr', { dataset: { session: s.name } }, h('td', check),
    h('th', { scope: 'row' }, h('a', { href: `/ui/sessions/${enc(s.name)}` }, s.name)),
    cells.state, cells.learner, cells.seed, cells.experiment, cells.progress, cells.accuracy,
    cells.distinct, cells.constant, h('td', controls.el));
  function update(x) {
    const lp = x.latest_point || {};
    cells.state.replaceChildren(stateBadge(x.state));
    cells.learner.replaceChildren(x.preset || '', x.learner ? h('span.muted', ` ${x.learner}`) : '');
    cells.seed.replaceChildren(val(x.seed, String(x.seed)));
    cells.experiment.replaceChildren(x.experiment
      ? h('a', { href: `/ui/experiments/${enc(x.experiment)}` }, x.experiment) : '');
    const pr = x.progress;
    cells.progress.replaceChildren(
      h('progress', { max: 1, value: pr.fraction, 'aria-label': `progress of ${x.name}` }),
      ' ', num(pr.episode), pr.episodes ? ` / ${pr.episodes.toLocaleString('en-US')}` : '');
    cells.accuracy.replaceChildren(lp.accuracy === undefined ? '–' : pct(lp.accuracy));
    cells.distinct.replaceChildren(lp.distinct_outputs === undefined ? '–'
      : num(lp.distinct_outputs));
    cells.constant.replaceChildren(constantBadge(lp.constant_output) || '');
    controls.update(x);
  }
  update(s);
  return { tr, update };
}

export async function sessionsPage(ctx) {
  const { main, query } = ctx;
  document.title = 'Sessions · glia';
  const state = query.get('state') || '';
  const experiment = query.get('experiment') || '';
  let cursor = query.get('cursor') || '';
  const selected = new Set();

  const [presets, experiments] = await Promise.all([
    get('/v1/presets', { signal: ctx.signal }),
    get('/v1/experiments', { signal: ctx.signal }).catch(() => ({ items: [] })),
  ]);

  const stateSel = h('select#filter-state', { name: 'state' },
    h('option', { value: '' }, 'any state'), STATES.map((s) => h('option', { value: s }, s)));
  stateSel.value = state;
  const expSel = h('select#filter-experiment', { name: 'experiment' },
    h('option', { value: '' }, 'any experiment'),
    experiments.items.map((x) => h('option', { value: x.name }, x.name)));
  expSel.value = experiment;
  const applyFilters = () => {
    const q = new URLSearchParams();
    if (stateSel.value) q.set('state', stateSel.value);
    if (expSel.value) q.set('experiment', expSel.value);
    navigate(`/ui/${q.toString() ? `?${q}` : ''}`, { replace: true });
  };
  stateSel.addEventListener('change', applyFilters);
  expSel.addEventListener('change', applyFilters);

  const compareBtn = h('button#compare-selected', { type: 'button', disabled: true },
    'Compare selected');
  compareBtn.addEventListener('click', () => {
    const q = new URLSearchParams();
    for (const n of selected) q.append('s', n);
    navigate(`/ui/compare?${q}`);
  });
  const tbody = h('tbody');
  const empty = h('p.muted#no-sessions', { hidden: true }, 'No sessions match.');
  const pager = h('div.pager');
  const loadError = h('div');
  const table = h('table#sessions.list',
    h('caption', 'Sessions: state, progress and the latest trajectory point'),
    h('thead', h('tr', ['', 'name', 'state', 'preset / learner', 'seed', 'experiment',
      'progress (episodes)', 'accuracy', 'distinct outputs', 'attractor', 'controls']
      .map((x) => h(x === 'accuracy' || x === 'distinct outputs' ? 'th.r' : 'th', { scope: 'col' },
        x)))),
    tbody);

  const create = createForm(presets.items);
  main.append(h('h1', 'Sessions'), create,
    h('div.toolbar',
      h('label', { for: 'filter-state' }, 'State '), stateSel,
      h('label', { for: 'filter-experiment' }, 'Experiment '), expSel, compareBtn),
    loadError, h('div.scroll', table), empty, pager);

  const rows = new Map();
  let order = '';
  const onChange = (why) => {
    compareBtn.disabled = selected.size < 2;
    if (why === 'action') refresh();
  };

  async function refresh() {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (state) q.set('state', state);
    if (experiment) q.set('experiment', experiment);
    if (cursor) q.set('cursor', cursor);
    let page;
    try {
      page = await get(`/v1/sessions?${q}`, { signal: ctx.signal });
      loadError.replaceChildren();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      loadError.replaceChildren(errorBox(e));
      return;
    }
    const seen = new Set();
    for (const s of page.items) {
      seen.add(s.name);
      const r = rows.get(s.name);
      if (r) r.update(s);
      else rows.set(s.name, sessionRow(s, selected, onChange));
    }
    for (const name of [...rows.keys()]) {
      if (!seen.has(name)) {
        rows.delete(name);
        selected.delete(name);
      }
    }
    const newOrder = page.items.map((s) => s.name).join('\n');
    if (newOrder !== order) { // re-order only when it changed: moving rows drops focus
      order = newOrder;
      clear(tbody);
      for (const s of page.items) tbody.append(rows.get(s.name).tr);
    }
    empty.hidden = page.items.length > 0;
    if (!page.items.length && !cursor && !state && !experiment) create.open = true;
    table.dataset.count = String(page.items.length);
    clear(pager);
    if (cursor) {
      pager.append(h('a', { href: `/ui/?${new URLSearchParams(Object.entries({ state, experiment })
        .filter(([, v]) => v))}` }, 'First page'), ' ');
    }
    if (page.next_cursor) {
      const q2 = new URLSearchParams();
      if (state) q2.set('state', state);
      if (experiment) q2.set('experiment', experiment);
      q2.set('cursor', page.next_cursor);
      pager.append(h('a', { href: `/ui/?${q2}` }, 'Next page'));
    }
    onChange('refresh');
  }
  ctx.every(2000, refresh);
}
