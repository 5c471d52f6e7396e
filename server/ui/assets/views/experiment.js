// views/experiment.js: /ui/experiments/{name} — a study's results as the API computed
// them: per condition the mean accuracy with its 95% CIs, the paired comparisons
// (W/T/L, Wilcoxon, sign test), per-pattern accuracy, curves aggregated over seeds with
// a CI band (GET .../curves), and per seed every run's accuracy and output vectors, each
// linked to its session.
import { get, post, del, getText, enc, ApiError } from '../api.js';
import { h, clear, pct, num, pval, ci, stateBadge, constantBadge, swatch, errorBox, time,
  say, pctText } from '../dom.js';
import { bandChart, PALETTE } from '../charts.js';
import { navigate } from '../nav.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

// Mean and 95% CI (t) per condition as dots and whiskers; the numbers are in the table.
function ciPlot(conds) {
  const lows = conds.map((c) => c.ci95.low).filter(Number.isFinite);
  const highs = conds.map((c) => c.ci95.high).filter(Number.isFinite);
  let lo = Math.max(0, Math.floor((Math.min(...lows, ...conds.map((c) => c.mean_accuracy)) - 0.05) * 20) / 20);
  let hi = Math.min(1, Math.ceil((Math.max(...highs, ...conds.map((c) => c.mean_accuracy)) + 0.05) * 20) / 20);
  if (!(hi > lo)) {
    lo = 0;
    hi = 1;
  }
  const W = 600;
  const rowH = 28;
  const left = 110;
  const H = rowH * conds.length + 30;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (W - left - 20);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'ciplot', role: 'img',
    'aria-label': 'Mean accuracy with 95% CI (t) per condition: ' + conds.map((c) =>
      `${c.label} ${pctText(c.mean_accuracy)} [${pctText(c.ci95.low)}, ${pctText(c.ci95.high)}]`)
      .join('; ') });
  for (let t = Math.ceil(lo * 20) / 20; t <= hi + 1e-9; t += 0.05) {
    svg.append(s('line', { x1: x(t), x2: x(t), y1: 0, y2: H - 22, class: 'grid' }),
      s('text', { x: x(t), y: H - 6, 'text-anchor': 'middle', class: 'tick' }, pctText(t, 0)));
  }
  conds.forEach((c, i) => {
    const y = i * rowH + rowH / 2 + 2;
    const colour = PALETTE[i % PALETTE.length];
    svg.append(s('text', { x: 4, y: y + 4, class: 'label' }, c.label));
    if (Number.isFinite(c.ci95.low) && Number.isFinite(c.ci95.high)) {
      svg.append(s('line', { x1: x(c.ci95.low), x2: x(c.ci95.high), y1: y, y2: y,
        stroke: colour, 'stroke-width': 3 }));
    }
    svg.append(s('circle', { cx: x(c.mean_accuracy), cy: y, r: 5, fill: colour }));
  });
  return h('figure.chart#ci-plot', svg, h('figcaption', 'Mean accuracy and 95% CI (t) per condition'));
}

function conditionsTable(conds) {
  return h('div.scroll', h('table#conditions.list',
    h('caption', 'Accuracy per condition over seeds'),
    h('thead', h('tr', ['condition', 'preset', 'seeds', 'mean accuracy', '95% CI (t)',
      '95% CI (bootstrap)', 'SD', 'min', 'max', 'accept rate', 'mean distinct outputs',
      'seeds with constant output'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', conds.map((c) => h('tr', { dataset: { condition: c.label } },
      h('th', { scope: 'row' }, c.label), h('td', c.preset || '–'), h('td.r', num(c.n)),
      h('td.r.mean', pct(c.mean_accuracy)), h('td.ci-t', ci(c.ci95)),
      h('td.ci-boot', ci(c.ci95_bootstrap)), h('td.r', pct(c.sd)), h('td.r', pct(c.min)),
      h('td.r', pct(c.max)), h('td.r.accept', c.accept_rate === null ? '–' : pct(c.accept_rate)),
      h('td.r', num(c.mean_distinct_outputs, 1)),
      h('td.r.constant', num(c.constant_output_seeds), ' / ', num(c.n)))))));
}

function pairsTable(pairs) {
  return h('div.scroll', h('table#pairwise.list',
    h('caption', 'Paired comparisons on the same seeds (by correct output bits)'),
    h('thead', h('tr', ['comparison', 'pairs', 'wins / ties / losses', 'mean difference',
      'Wilcoxon W+ / W−', 'pairs used', 'Wilcoxon p', 'sign test p'].map((x) =>
      h('th', { scope: 'col' }, x)))),
    h('tbody', pairs.map((p) => h('tr', { dataset: { a: p.a, b: p.b } },
      h('th', { scope: 'row' }, `${p.a} vs ${p.b}`), h('td.r', num(p.n)),
      h('td.r.wtl', num(p.wins), ' / ', num(p.ties), ' / ', num(p.losses)),
      h('td.r', pct(p.mean_difference)),
      h('td.r', num(p.wilcoxon.w_plus, 1), ' / ', num(p.wilcoxon.w_minus, 1)),
      h('td.r', num(p.wilcoxon.n_used)),
      h('td.r.wilcoxon', pval(p.wilcoxon.p_value), p.wilcoxon.exact ? ' (exact)' : ' (normal approx.)'),
      h('td.r.sign', pval(p.sign_test.p_value)))))));
}

function patternTable(doc, conds) {
  const pats = doc.conditions[0].config.task.patterns;
  return h('div.scroll', h('table#pattern-accuracy.list',
    h('caption', 'Mean bit accuracy per pattern'),
    h('thead', h('tr', h('th', { scope: 'col' }, 'pattern'), h('th', { scope: 'col' }, 'input → target'),
      conds.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', pats.map((p, j) => h('tr', h('th', { scope: 'row' }, `P${j + 1}`),
      h('td', h('code', p.input), ' → ', h('code', p.target)),
      conds.map((c) => h('td.r', pct(c.pattern_accuracy[j]))))))));
}

// Per seed: every condition's run (from the records, so it fills in while running).
function perSeedTable(doc) {
  const labels = doc.conditions.map((c) => c.label);
  return h('div.scroll', h('table#per-seed.list',
    h('caption', 'Per seed: accuracy, distinct outputs and output vectors of each run'),
    h('thead', h('tr', h('th', { scope: 'col' }, 'seed'), labels.map((l) =>
      h('th', { scope: 'col' }, l)))),
    h('tbody', doc.seeds.map((seed) => h('tr', { dataset: { seed: String(seed) } },
      h('th', { scope: 'row' }, String(seed)),
      labels.map((l) => {
        const r = doc.records && doc.records[l] && doc.records[l][String(seed)];
        const session = `${doc.name}.${l}.${seed}`;
        const link = h('a', { href: `/ui/sessions/${enc(session)}` }, r ? pctText(r.accuracy) : 'session');
        if (!r) return h('td', { dataset: { label: l } }, h('span.muted', 'not finished · '), link);
        return h('td', { dataset: { label: l, accuracy: String(r.accuracy) } },
          link, ' · ', num(r.distinct_outputs), ' distinct ', constantBadge(r.constant_output) || '',
          h('div.vectors', r.outputs.map((o) => h('span.vec', swatch(o), h('code', o)))));
      }))))));
}

// The curves section: fetched again on refresh() (while the study runs, every poll);
// the chosen metric stays chosen.
function curvesSection(box, name, ctx) {
  const metrics = [['accuracy', 'Accuracy'], ['avg_reward', 'Average reward'],
    ['accept_rate', 'Accept rate']];
  const sel = h('select#curve-metric', metrics.map(([k, l]) => h('option', { value: k }, l)));
  const holder = h('div');
  let data = null;
  let chart = null;
  const draw = () => {
    if (chart) chart.destroy();
    chart = null;
    const key = sel.value;
    const label = metrics.find((m) => m[0] === key)[1];
    if (!data.conditions.some((c) => c.points.length)) {
      holder.replaceChildren(h('p.muted', 'No trajectory points yet.'));
      return;
    }
    chart = bandChart({
      id: 'chart-curves',
      title: `${label}: mean over seeds with its 95% CI (t), per trajectory episode`,
      groups: data.conditions.map((c) => ({ label: c.label, points: c.points
        .filter((p) => p[key]).map((p) => ({ episode: p.episode, n: p[key].n, mean: p[key].mean,
          low: p[key].ci95 ? p[key].ci95.low : null, high: p[key].ci95 ? p[key].ci95.high : null })) })),
    });
    holder.replaceChildren(chart.el);
  };
  sel.addEventListener('change', draw);
  ctx.onLeave(() => chart && chart.destroy());
  let shown = false;
  return {
    async refresh() {
      try {
        data = await get(`/v1/experiments/${enc(name)}/curves`, { signal: ctx.signal });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && /no such path/.test(e.message)) {
          box.replaceChildren(h('p.muted', 'This daemon does not serve seed-aggregated curves.'));
        } else if (!(e instanceof DOMException)) {
          box.replaceChildren(errorBox(e));
        }
        shown = false;
        return;
      }
      if (!shown) {
        box.replaceChildren(h('label', { for: 'curve-metric' }, 'Metric '), sel, holder);
        shown = true;
      }
      draw();
    },
  };
}

function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function experimentPage(ctx) {
  const { main } = ctx;
  const name = ctx.params[0];
  const path = `/v1/experiments/${enc(name)}`;
  document.title = `${name} · glia`;
  let doc;
  try {
    doc = await get(path, { signal: ctx.signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      main.append(h('h1', name), h('p', 'No experiment of that name. ',
        h('a', { href: '/ui/experiments' }, 'All experiments')));
      return;
    }
    throw e;
  }
  const cancelBtn = h('button#experiment-cancel', { type: 'button' }, 'Cancel');
  const deleteBtn = h('button#experiment-delete', { type: 'button' }, 'Delete');
  const reports = ['md', 'csv', 'json'].map((f) => {
    const b = h('button', { type: 'button', dataset: { report: f } }, `Report (${f})`);
    b.addEventListener('click', async () => {
      try {
        const text = await getText(`${path}/report?format=${f}`);
        download(text, `${name}.${f}`, f === 'json' ? 'application/json'
          : f === 'md' ? 'text/markdown' : 'text/csv');
      } catch (e) {
        say(`Report: ${e.message}`, true);
      }
    });
    return b;
  });
  cancelBtn.addEventListener('click', async () => {
    try {
      await post(`${path}/cancel`);
      say(`Cancelling ${name}`);
    } catch (e) {
      say(e.message, true);
    }
  });
  deleteBtn.addEventListener('click', async () => {
    if (!window.confirm(`Delete experiment ${name} and all its sessions?`)) return;
    try {
      await del(path);
      navigate('/ui/experiments');
    } catch (e) {
      say(e.message, true);
    }
  });
  const head = h('div');
  const body = h('div#experiment-body-view');
  const curvesBox = h('div#curves', h('p.muted', 'Loading…'));
  const curves = curvesSection(curvesBox, name, ctx);
  main.append(h('p.crumbs', h('a', { href: '/ui/experiments' }, 'Experiments'), ' / ', name),
    h('h1', name, ' ', h('span#experiment-state')),
    h('div.actions', cancelBtn, deleteBtn, reports), head, body,
    h('section.card', { 'aria-labelledby': 'h-curves' },
      h('h2#h-curves', 'Curves aggregated over seeds'), curvesBox));

  let shown = ''; // what is drawn: re-render only when the document changed
  async function show(d) {
    document.getElementById('experiment-state').replaceChildren(stateBadge(d.state));
    cancelBtn.disabled = d.state !== 'running';
    for (const b of reports) b.disabled = !d.results;
    const p = d.progress;
    head.replaceChildren(h('dl.facts',
      d.description ? [h('dt', 'Description'), h('dd', d.description)] : null,
      h('dt', 'Conditions'), h('dd', d.conditions.map((c) => `${c.label}${c.preset
        ? ` (${c.preset})` : ''}`).join(', ')),
      h('dt', 'Seeds'), h('dd', d.seeds.join(', ')),
      h('dt', 'Episodes per run'), h('dd', num(d.episodes)),
      h('dt', 'Runs'), h('dd#experiment-progress', h('progress', { max: 1, value: p.fraction,
        'aria-label': 'runs finished' }), ' ', num(p.completed), ' of ', num(p.sessions),
      ' finished, ', num(p.running), ' running'),
      h('dt', 'Created'), h('dd', time(d.created_at)),
      h('dt', 'Sessions'), h('dd', h('a', { href: `/ui/?experiment=${enc(d.name)}` },
        'list them'))));
    const key = JSON.stringify([d.state, d.records, d.results]);
    if (key === shown) return;
    shown = key;
    clear(body);
    if (d.results) {
      const conds = d.results.conditions;
      body.append(
        h('section.card', { 'aria-labelledby': 'h-conds' }, h('h2#h-conds', 'Accuracy by condition'),
          conditionsTable(conds), ciPlot(conds)),
        h('section.card', { 'aria-labelledby': 'h-pairs' }, h('h2#h-pairs', 'Paired comparisons'),
          pairsTable(d.results.pairwise)),
        h('section.card', { 'aria-labelledby': 'h-patterns' }, h('h2#h-patterns', 'Per pattern'),
          patternTable(d, conds)));
    } else {
      body.append(h('p.muted#no-results', 'The statistics appear when every run has finished.'));
    }
    body.append(h('section.card', { 'aria-labelledby': 'h-seeds' }, h('h2#h-seeds', 'Per seed'),
      perSeedTable(d)));
  }
  await show(doc);
  await curves.refresh();
  let done = doc.state !== 'running';
  if (!done) {
    ctx.every(2000, async () => {
      if (done) return;
      const d = await get(path, { signal: ctx.signal });
      done = d.state !== 'running';
      await show(d);
      await curves.refresh();
      if (done) { // the last runs' final points are stored just after the study settles
        const t = setTimeout(() => ctx.alive && curves.refresh(), 1500);
        ctx.onLeave(() => clearTimeout(t));
      }
    });
  }
}
