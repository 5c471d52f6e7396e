// views/compare.js: /ui/compare?s=a&s=b... — sessions side by side: their summaries,
// their final output vectors, one metric's curves overlaid, and the config fields
// that differ (by JSON pointer; the equal ones are hidden).
import { get, enc, ApiError } from '../api.js';
import { h, pct, num, stateBadge, constantBadge, swatch, bitsEl, errorBox } from '../dom.js';
import { overlayChart } from '../charts.js';
import { navigate } from '../nav.js';

const MAX_POINTS = 600;

// {"/a/b": leaf} for every leaf of a JSON value (RFC 6901 pointers).
export function flatten(v, prefix = '', out = new Map()) {
  if (v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length : Object.keys(v).length)) {
    for (const [k, x] of Object.entries(v)) {
      flatten(x, `${prefix}/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  } else {
    out.set(prefix || '/', v);
  }
  return out;
}

function configDiff(runs) {
  const flat = runs.map((r) => flatten(r.summary.config));
  const pointers = [];
  for (const f of flat) for (const k of f.keys()) if (!pointers.includes(k)) pointers.push(k);
  const differ = pointers.filter((k) => {
    const vals = flat.map((f) => (f.has(k) ? JSON.stringify(f.get(k)) : undefined));
    return vals.some((x) => x !== vals[0]);
  });
  const table = h('table#config-diff.list',
    h('caption', `Config fields that differ (${differ.length} of ${pointers.length}; the ` +
      `${pointers.length - differ.length} equal ones are hidden)`),
    h('thead', h('tr', h('th', { scope: 'col' }, 'JSON pointer'),
      runs.map((r) => h('th', { scope: 'col' }, r.name)))),
    h('tbody', differ.map((k) => h('tr', { dataset: { pointer: k } }, h('th', { scope: 'row' },
      h('code', k)), flat.map((f) => h('td', f.has(k) ? h('code', JSON.stringify(f.get(k)))
      : h('span.muted', 'absent')))))));
  if (!differ.length) return h('p#config-same', 'The configs are identical.');
  return h('div.scroll', table);
}

function summaryTable(runs) {
  const row = (label, f) => h('tr', h('th', { scope: 'row' }, label), runs.map((r) => h('td', f(r))));
  const lp = (r) => r.summary.latest_point || {};
  return h('div.scroll', h('table#compare-summary.list',
    h('caption', 'Sessions side by side'),
    h('thead', h('tr', h('td'), runs.map((r) => h('th', { scope: 'col' },
      h('a', { href: `/ui/sessions/${enc(r.name)}` }, r.name))))),
    h('tbody',
      row('state', (r) => stateBadge(r.summary.state)),
      row('preset', (r) => r.summary.preset || '(none)'),
      row('learner', (r) => r.summary.config.learner.kind),
      row('seed', (r) => String(r.summary.seed)),
      row('episode', (r) => num(r.summary.progress.episode)),
      row('accuracy (inference)', (r) => (r.inference ? pct(r.inference.mean_accuracy) : '–')),
      row('distinct outputs', (r) => (r.inference ? num(r.inference.distinct_outputs) : '–')),
      row('constant output', (r) => (r.inference ? (constantBadge(r.inference.constant_output) || 'no')
        : '–')),
      row('average reward (latest point)', (r) => (lp(r).avg_reward === undefined ? '–'
        : num(lp(r).avg_reward))),
      row('accept rate (all steps)', (r) => pct(r.summary.accept_rate)),
      row('kept / reverted', (r) => [num(r.summary.accepted), ' / ', num(r.summary.rejected)]))));
}

function outputsTable(runs) {
  const withInf = runs.filter((r) => r.inference);
  if (!withInf.length) return h('p.muted', 'No inference yet.');
  const pats = withInf[0].inference.patterns;
  return h('div.scroll', h('table#compare-outputs.list',
    h('caption', 'Output vectors per pattern (frozen-weight inference)'),
    h('thead', h('tr', h('th', { scope: 'col' }, 'pattern'), h('th', { scope: 'col' }, 'target'),
      withInf.map((r) => h('th', { scope: 'col' }, r.name)))),
    h('tbody', pats.map((p, j) => h('tr', h('th', { scope: 'row' }, `${p.label || `P${j + 1}`} `,
      h('code', p.input)), h('td', h('code', p.target)),
    withInf.map((r) => {
      const q = r.inference.patterns[j];
      return h('td', q ? [swatch(q.output), ' ', bitsEl(q.output, q.target)] : '–');
    }))))));
}

export async function comparePage(ctx) {
  const { main, query } = ctx;
  document.title = 'Compare · glia';
  const names = [...new Set(query.getAll('s').filter(Boolean))];
  const go = (list) => {
    const q = new URLSearchParams();
    for (const n of list) q.append('s', n);
    navigate(`/ui/compare${list.length ? `?${q}` : ''}`, { replace: true });
  };

  const all = await get('/v1/sessions?limit=1000', { signal: ctx.signal });
  const input = h('input#compare-add', { list: 'compare-names', placeholder: 'session name',
    autocomplete: 'off' });
  const datalist = h('datalist#compare-names', all.items.map((s) => h('option', { value: s.name })));
  const addForm = h('form.toolbar', h('label', { for: 'compare-add' }, 'Add a session '), input,
    datalist, h('button', { type: 'submit' }, 'Add'));
  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = input.value.trim();
    if (n && !names.includes(n)) go(names.concat([n]));
  });
  const chosen = h('ul.chips', names.map((n) => h('li', h('a', { href: `/ui/sessions/${enc(n)}` }, n),
    ' ', h('button', { type: 'button', 'aria-label': `Remove ${n}`, onclick: () =>
      go(names.filter((x) => x !== n)) }, '×'))));
  main.append(h('h1', 'Compare sessions'), addForm, chosen);
  if (names.length < 2) {
    main.append(h('p.muted', 'Choose two or more sessions (or tick them in the ',
      h('a', { href: '/ui/' }, 'sessions list'), ').'));
    if (!names.length) return;
  }

  const runs = await Promise.all(names.map(async (name) => {
    const p = `/v1/sessions/${enc(name)}`;
    try {
      const [summary, metrics, inference] = await Promise.all([
        get(p, { signal: ctx.signal }),
        get(`${p}/metrics?max_points=${MAX_POINTS}&downsample=minmax`, { signal: ctx.signal }),
        get(`${p}/inference`, { signal: ctx.signal }).catch(() => null),
      ]);
      return { name, summary, points: metrics.points, inference };
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      return { name, error: e };
    }
  }));
  const ok = runs.filter((r) => !r.error);
  for (const r of runs.filter((x) => x.error)) {
    main.append(h('div', h('strong', r.name), ': ', errorBox(r.error)));
  }
  if (!ok.length) return;

  const metrics = [['accuracy', 'Accuracy', [0, 1]], ['avg_reward', 'Average reward', [0, 1]],
    ['accept_rate', 'Accept rate', [0, 1]], ['distinct_outputs', 'Distinct outputs', null]];
  const sel = h('select#compare-metric', metrics.map(([k, l]) => h('option', { value: k }, l)));
  const holder = h('div');
  let chart = null;
  const draw = () => {
    if (chart) chart.destroy();
    const [key, label, y] = metrics.find((m) => m[0] === sel.value);
    chart = overlayChart({ id: 'chart-compare', title: `${label} over episodes`, key, y,
      file: `compare-${key}`, runs: ok.map((r) => ({ label: r.name, points: r.points })) });
    holder.replaceChildren(chart.el);
  };
  sel.addEventListener('change', draw);
  ctx.onLeave(() => chart && chart.destroy());

  main.append(
    h('section.card', { 'aria-labelledby': 'h-side' }, h('h2#h-side', 'Side by side'),
      summaryTable(ok)),
    h('section.card', { 'aria-labelledby': 'h-overlay' }, h('h2#h-overlay', 'Curves'),
      h('label', { for: 'compare-metric' }, 'Metric '), sel, holder),
    h('section.card', { 'aria-labelledby': 'h-outputs' }, h('h2#h-outputs', 'Output vectors'),
      outputsTable(ok)),
    h('section.card', { 'aria-labelledby': 'h-diff' }, h('h2#h-diff', 'Config differences'),
      configDiff(ok)));
  draw();
}
