// views/experiment.js: /ui/experiments/{name} — a study's results as the API computed
// them: per condition the mean accuracy with its 95% CIs, the paired comparisons
// (W/T/L, Wilcoxon, sign test), per-pattern accuracy, curves aggregated over seeds with
// a CI band (GET .../curves), and per seed every run's accuracy and output vectors, each
// linked to its session.
import { get, post, del, getText, enc, ApiError } from '../api.js';
import { h, clear, num, val, stateBadge, constantBadge, swatch, errorBox, time, say, pctText,
  numText, pText, ciText, served, stat } from '../dom.js';
import { bandChart, PALETTE } from '../charts.js';
import { saveButtons, svgPicture, picture, svgEl, textWidth, downloadBlob, FONT } from '../export.js';
import { navigate } from '../nav.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

// ---- what a sweep varied ---------------------------------------------------------------

// The swept fields of a study ([] for a listed one), each with its column title: the
// field's last segment, or its whole pointer when two fields share that segment (as in
// the Markdown report).
function sweptFields(doc) {
  const fields = (doc.sweep && Array.isArray(doc.sweep.fields)) ? doc.sweep.fields : [];
  const leaf = (f) => f.slice(f.lastIndexOf('/') + 1);
  return fields.map((f) => ({ pointer: f,
    title: fields.filter((g) => leaf(g) === leaf(f)).length > 1 ? f : leaf(f) }));
}

function valueText(v) {
  if (v === null || v === undefined) return '–';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// The swept values of one condition (doc.conditions[i].values), by field.
function valueCells(fields, values) {
  return fields.map((f) => h('td.r.swept', { dataset: { field: f.pointer } },
    h('code', valueText(values ? values[f.pointer] : undefined))));
}

const numHead = (x) => h('th.r', { scope: 'col' }, x);
const head = (x) => h('th', { scope: 'col' }, x);

function ciServed(obj, key) {
  const c = obj ? obj[key] : null;
  return h('span.ci', { dataset: { low: String(c && c.low), high: String(c && c.high) } },
    served(obj, key, () => ciText(c)));
}

// Mean and 95% CI (t) per condition as dots and whiskers; the numbers are in the table.
// Saved as file.png / .svg.
function ciPlot(conds, file) {
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
  // an interval beyond the axis (few seeds) is cut at its edge
  const x = (v) => left + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (W - left - 20);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'ciplot', role: 'img',
    'aria-label': 'Mean accuracy with 95% CI (t) per condition: ' + conds.map((c) =>
      `${c.label} ${served(c, 'mean_accuracy', () => pctText(c.mean_accuracy))} ` +
      `${served(c, 'ci95', () => ciText(c.ci95))}`).join('; ') });
  const step = hi - lo > 0.5 ? 0.1 : 0.05; // ticks thinned so their labels never collide
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9; t += step) {
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
  const title = 'Mean accuracy and 95% CI (t) per condition';
  const fig = h('figure.chart#ci-plot', svg, h('figcaption', title));
  saveButtons(fig, { title, file, make: () => svgPicture(svg, { title,
    notes: ['Dot: the mean accuracy over seeds; line: its 95% CI (t).'] }) });
  return fig;
}

// One swept field: mean accuracy (dot) and its 95% CI (t) (whisker) over the field's
// values, in the order the sweep gave them; numeric values on a numeric axis.
function sweepLine(field, doc, conds, file) {
  const byLabel = new Map(conds.map((c) => [c.label, c]));
  const pts = doc.conditions.map((dc) => ({ v: dc.values ? dc.values[field.pointer] : undefined,
    c: byLabel.get(dc.label) })).filter((p) => p.c && p.c.n > 0);
  if (!pts.length) return null;
  const numeric = pts.every((p) => typeof p.v === 'number');
  const xs = numeric ? [...new Set(pts.map((p) => p.v))].sort((a, b) => a - b)
    : [...new Set(pts.map((p) => valueText(p.v)))];
  const W = 640;
  const H = 260;
  const left = 50;
  const right = 20;
  const top = 10;
  const bottom = 40;
  const xmin = numeric ? xs[0] : 0;
  const xmax = numeric ? xs[xs.length - 1] : xs.length - 1;
  const xpos = (v) => {
    const t = numeric ? v : xs.indexOf(valueText(v));
    return left + (xmax > xmin ? (t - xmin) / (xmax - xmin) : 0.5) * (W - left - right);
  };
  const ypos = (a) => top + (1 - Math.min(1, Math.max(0, a))) * (H - top - bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'sweepplot', role: 'img',
    'aria-label': `Mean accuracy with 95% CI (t) over ${field.title}: ` + pts.map((p) =>
      `${valueText(p.v)}: ${served(p.c, 'mean_accuracy', () => pctText(p.c.mean_accuracy))} ` +
      `${served(p.c, 'ci95', () => ciText(p.c.ci95))}`).join('; ') });
  for (let a = 0; a <= 1.0001; a += 0.25) {
    svg.append(s('line', { x1: left, x2: W - right, y1: ypos(a), y2: ypos(a), class: 'grid' }),
      s('text', { x: left - 6, y: ypos(a) + 4, 'text-anchor': 'end', class: 'tick' }, pctText(a, 0)));
  }
  const every = Math.max(1, Math.ceil(xs.length / 10)); // thinned so labels never collide
  xs.forEach((v, i) => {
    if (i % every) return;
    svg.append(s('text', { x: xpos(v), y: H - bottom + 16, 'text-anchor': 'middle', class: 'tick' },
      valueText(v)));
  });
  svg.append(s('text', { x: (left + W - right) / 2, y: H - 6, 'text-anchor': 'middle',
    class: 'label' }, field.title));
  const order = [...pts].sort((a, b) => xpos(a.v) - xpos(b.v));
  if (!numeric || order.length > 1) {
    svg.append(s('polyline', { fill: 'none', stroke: PALETTE[0], 'stroke-width': 1.5,
      points: order.map((p) => `${xpos(p.v)},${ypos(p.c.mean_accuracy)}`).join(' ') }));
  }
  for (const p of pts) {
    const x = xpos(p.v);
    if (p.c.n >= 2 && Number.isFinite(p.c.ci95.low) && Number.isFinite(p.c.ci95.high)) {
      svg.append(s('line', { x1: x, x2: x, y1: ypos(p.c.ci95.low), y2: ypos(p.c.ci95.high),
        stroke: PALETTE[0], 'stroke-width': 2, opacity: 0.6 }));
    }
    svg.append(s('circle', { cx: x, cy: ypos(p.c.mean_accuracy), r: 4, fill: PALETTE[1] },
      s('title', {}, `${p.c.label}: ${valueText(p.v)} -> ` +
        `${served(p.c, 'mean_accuracy', () => pctText(p.c.mean_accuracy))}`)));
  }
  const title = `Mean accuracy and its 95% CI (t) over ${field.title}`;
  const fig = h('figure.chart#sweep-chart', { dataset: { kind: 'line', points: String(pts.length) } },
    h('figcaption', title), svg);
  saveButtons(fig, { title, file, make: () => svgPicture(svg, { title,
    notes: ['Dot: the mean accuracy over seeds; bar: its 95% CI (t).'] }) });
  return fig;
}

// Two swept fields of a grid: a heatmap, rows the first field's values, columns the
// second's; each cell the condition's mean accuracy (the daemon's text), its CI in the
// title, shaded in 8 steps between the lowest and the highest mean shown.
function sweepHeat(fields, doc, conds, file) {
  const byLabel = new Map(conds.map((c) => [c.label, c]));
  const rowsV = [];
  const colsV = [];
  const cell = new Map();
  for (const dc of doc.conditions) {
    const a = valueText(dc.values && dc.values[fields[0].pointer]);
    const b = valueText(dc.values && dc.values[fields[1].pointer]);
    if (!rowsV.includes(a)) rowsV.push(a);
    if (!colsV.includes(b)) colsV.push(b);
    cell.set(`${a}\u0000${b}`, byLabel.get(dc.label));
  }
  const means = conds.filter((c) => c.n > 0).map((c) => c.mean_accuracy);
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  const shade = (m) => (hi > lo ? Math.min(7, Math.floor(((m - lo) / (hi - lo)) * 8)) : 4);
  const title = `Mean accuracy over ${fields[0].title} (rows) and ${fields[1].title} ` +
    '(columns); darker is higher';
  const fig = h('figure.chart#sweep-chart', { dataset: { kind: 'heatmap',
    points: String(means.length) } },
  h('figcaption', title),
  h('div.scroll', h('table.list.heat#sweep-heat',
    h('thead', h('tr', h('th', { scope: 'col' }, `${fields[0].title} \\ ${fields[1].title}`),
      colsV.map((b) => h('th', { scope: 'col' }, h('code', b))))),
    h('tbody', rowsV.map((a) => h('tr', h('th', { scope: 'row' }, h('code', a)),
      colsV.map((b) => {
        const c = cell.get(`${a}\u0000${b}`);
        if (!c || !(c.n > 0)) return h('td', '–');
        return h(`td.h${shade(c.mean_accuracy)}`, { dataset: { condition: c.label },
          title: `${c.label}: 95% CI (t) ${served(c, 'ci95', () => ciText(c.ci95))}, n = ${c.n}` },
        stat(c, 'mean_accuracy', () => pctText(c.mean_accuracy)));
      })))))));
  saveButtons(fig, { title, file, make: () => picture({ title,
    body: tableBody(fig.querySelector('table')) }) });
  return fig;
}

// A table drawn as an SVG body: each cell a rect with the cell's shade (app.css) and its
// text, columns as wide as their widest text.
function tableBody(table) {
  const rows = [...table.rows].map((r) => [...r.cells].map((c) => {
    const cs = getComputedStyle(c);
    const bg = cs.backgroundColor;
    return { text: c.textContent, fill: cs.color, head: c.tagName === 'TH',
      bg: !bg || bg === 'transparent' || /rgba\(.*,\s*0\)$/.test(bg) ? '#ffffff' : bg };
  }));
  const ncol = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: ncol }, (_, k) => Math.ceil(Math.max(40, ...rows.map((r) =>
    (r[k] ? textWidth(r[k].text, 12, r[k].head ? 'bold' : null) : 0))) + 16));
  const rowH = 26;
  const width = widths.reduce((a, b) => a + b, 0);
  return { width, height: rowH * rows.length, svg: () => {
    const g = svgEl('g', { class: 'table', 'font-family': FONT, 'font-size': 12 });
    rows.forEach((r, j) => {
      let x = 0;
      r.forEach((c, k) => {
        g.append(svgEl('rect', { x, y: j * rowH, width: widths[k], height: rowH, fill: c.bg,
          stroke: '#d5dbe0' }),
        svgEl('text', { x: x + widths[k] / 2, y: j * rowH + rowH / 2 + 4, 'text-anchor': 'middle',
          fill: c.fill, 'font-weight': c.head ? 'bold' : null }, c.text));
        x += widths[k];
      });
    });
    return g;
  } };
}

function sweepChart(doc, conds) {
  const fields = sweptFields(doc);
  const file = `${doc.name}-sweep`;
  if (fields.length === 1) return sweepLine(fields[0], doc, conds, file);
  if (fields.length === 2 && doc.sweep.kind === 'grid') return sweepHeat(fields, doc, conds, file);
  return null;
}

// A condition's label, and for a sweep what it set ("g3: perturbation_std=0.1,radius=3").
function condTitle(doc, label) {
  const dc = doc.conditions.find((c) => c.label === label);
  return dc && dc.title ? `${label}: ${dc.title}` : label;
}

function conditionsTable(doc, conds) {
  const fields = sweptFields(doc);
  const values = new Map(doc.conditions.map((c) => [c.label, c.values]));
  return h('div.scroll', h('table#conditions.list',
    h('caption', 'Accuracy per condition over seeds'),
    h('thead', h('tr', head('condition'), fields.length ? fields.map((f) => numHead(f.title))
      : head('preset'), ['seeds', 'mean accuracy', '95% CI (t)', '95% CI (bootstrap)', 'SD', 'min',
      'max', 'accept rate', 'mean distinct outputs', 'seeds with constant output'].map(numHead))),
    h('tbody', conds.map((c) => h('tr', { dataset: { condition: c.label } },
      h('th', { scope: 'row' }, c.label),
      fields.length ? valueCells(fields, values.get(c.label)) : h('td', c.preset || '–'),
      h('td.r', num(c.n)),
      h('td.r.mean', stat(c, 'mean_accuracy', () => pctText(c.mean_accuracy))),
      h('td.r.ci-t', ciServed(c, 'ci95')), h('td.r.ci-boot', ciServed(c, 'ci95_bootstrap')),
      h('td.r', stat(c, 'sd', () => pctText(c.sd))), h('td.r', stat(c, 'min', () => pctText(c.min))),
      h('td.r', stat(c, 'max', () => pctText(c.max))),
      h('td.r.accept', c.accept_rate === null ? '–'
        : stat(c, 'accept_rate', () => pctText(c.accept_rate))),
      h('td.r', stat(c, 'mean_distinct_outputs', () => numText(c.mean_distinct_outputs, 1))),
      h('td.r.constant', num(c.constant_output_seeds), ' / ', num(c.n)))))));
}

// The ranking as the daemon computed it: best first, each finished condition compared
// with the best on the same seeds (Wilcoxon, Holm-corrected); "worse" where the
// corrected p is at most the family-wise alpha.
function rankingTable(doc, ranking) {
  const fields = sweptFields(doc);
  const rows = ranking.map((e) => {
    const vs = e.vs_best;
    let verdict;
    if (vs && typeof vs === 'object') {
      verdict = h('td.r.holm', { dataset: { worse: String(!!vs.worse) } },
        vs.worse ? h('span.worse', 'worse, ') : '',
        val(vs.p_holm, served(vs, 'p_holm', () => pText(vs.p_holm))));
    } else if (e.pruned_at) {
      verdict = h('td.r.holm', `pruned at episode ${e.pruned_at.toLocaleString('en-US')}`);
    } else if (!e.n) {
      verdict = h('td.r.holm', 'no runs');
    } else {
      verdict = h('td.r.holm', { dataset: { best: 'true' } }, h('span.best', 'best'));
    }
    return h('tr', { dataset: { condition: e.label, rank: String(e.rank) } },
      h('td.r', String(e.rank)), h('th', { scope: 'row' }, e.label), valueCells(fields, e.values),
      h('td.r.mean', e.mean_accuracy === null || e.mean_accuracy === undefined ? '–'
        : stat(e, 'mean_accuracy', () => pctText(e.mean_accuracy))),
      h('td.r.ci-t', e.ci95 ? ciServed(e, 'ci95') : '–'), h('td.r', num(e.n)),
      h('td.r.wtl', vs ? [num(vs.wins), ' / ', num(vs.ties), ' / ', num(vs.losses)] : '–'),
      verdict, h('td.r', num(e.constant_output_seeds), ' / ', num(e.n)));
  });
  const compared = ranking.filter((e) => e.vs_best && typeof e.vs_best === 'object').length;
  return h('div', h('div.scroll', h('table#ranking.list',
    h('caption', 'Ranking: best first; each finished condition against the best on the same seeds'),
    h('thead', h('tr', numHead('rank'), head('condition'), fields.map((f) => numHead(f.title)),
      ['mean accuracy', '95% CI (t)', 'seeds', 'vs best: W / T / L', 'vs best: p (Holm)',
        'seeds with constant output'].map(numHead))),
    h('tbody', rows))),
  h('p.muted', 'W / T / L: seeds where the best has more / as many / fewer correct output ',
    `bits. worse: significantly below the best (paired two-sided Wilcoxon signed-rank test over `,
    `the seeds, Holm-corrected over the ${compared} comparisons, family-wise alpha 0.05).`));
}

// Every condition against the study's reference (results.vs_reference, present only when
// the study names one): W / T / L from the condition's side, the exact Wilcoxon p and its
// Holm adjustment, better / worse at the family-wise alpha, and the reward queries to
// 90% and 95% (median over the seeds that reached them), in the daemon's texts.
function referenceTable(vsref) {
  const ref = vsref.reference;
  const queries = (r, l) => served(r, `reward_queries_to_${l}`, () => '–');
  const rows = vsref.conditions.map((r) => {
    const vs = r.vs;
    const cells = r.reference
      ? [h('td.r', '–'), h('td.r', '–'), h('td.r', '–'), h('td.r.holm', 'reference')]
      : vs && typeof vs === 'object'
        ? [h('td.r.wtl', num(vs.wins), ' / ', num(vs.ties), ' / ', num(vs.losses)),
          h('td.r.diff', stat(vs, 'mean_difference', () => pctText(vs.mean_difference))),
          h('td.r.wilcoxon', val(vs.wilcoxon.p_value, served(vs, 'p_value',
            () => pText(vs.wilcoxon.p_value)))),
          h('td.r.holm', { dataset: { better: String(!!vs.better), worse: String(!!vs.worse) } },
            vs.better ? h('span.best', 'better, ') : vs.worse ? h('span.worse', 'worse, ') : '',
            val(vs.p_holm, served(vs, 'p_holm', () => pText(vs.p_holm))))]
        : [h('td.r', '–'), h('td.r', '–'), h('td.r', '–'), h('td.r.holm', 'no seed in common')];
    return h('tr', { dataset: { condition: r.label } }, h('th', { scope: 'row' }, r.label),
      h('td.r', num(vs && typeof vs === 'object' ? vs.n : r.n)), cells,
      h('td.r.q90', queries(r, 90)), h('td.r.q95', queries(r, 95)));
  });
  const compared = vsref.conditions.filter((r) => r.vs && typeof r.vs === 'object').length;
  return h('div', h('div.scroll', h('table#vs-reference.list',
    h('caption', `Each condition against ${ref} on the seeds both ran`),
    h('thead', h('tr', head('condition'), ['seeds', 'W / T / L', 'mean difference', 'Wilcoxon p',
      'p (Holm)', 'reward queries to 90%', 'reward queries to 95%'].map(numHead))),
    h('tbody', rows))),
  h('p.muted', `W / T / L: seeds where the condition has more / as many / fewer correct output `,
    `bits than ${ref}; mean difference: its accuracy minus ${ref}'s. better / worse: paired `,
    `two-sided Wilcoxon signed-rank test, Holm-corrected over the ${compared} comparisons, `,
    `family-wise alpha ${vsref.alpha}. Reward queries: the median over the seeds that reached `,
    'the level (how many did, of the seeds run).'));
}

function pairsTable(pairs) {
  return h('div.scroll', h('table#pairwise.list',
    h('caption', 'Paired comparisons on the same seeds (by correct output bits)'),
    h('thead', h('tr', head('comparison'), ['pairs', 'wins / ties / losses', 'mean difference',
      'Wilcoxon W+ / W−', 'pairs used', 'Wilcoxon p', 'sign test p'].map(numHead))),
    h('tbody', pairs.map((p) => h('tr', { dataset: { a: p.a, b: p.b } },
      h('th', { scope: 'row' }, `${p.a} vs ${p.b}`), h('td.r', num(p.n)),
      h('td.r.wtl', num(p.wins), ' / ', num(p.ties), ' / ', num(p.losses)),
      h('td.r.diff', stat(p, 'mean_difference', () => pctText(p.mean_difference))),
      h('td.r', val(p.wilcoxon.w_plus, served(p.wilcoxon, 'w_plus', () => numText(p.wilcoxon.w_plus, 1))),
        ' / ', val(p.wilcoxon.w_minus, served(p.wilcoxon, 'w_minus', () => numText(p.wilcoxon.w_minus, 1)))),
      h('td.r', num(p.wilcoxon.n_used)),
      h('td.r.wilcoxon', val(p.wilcoxon.p_value, served(p.wilcoxon, 'p_value',
        () => pText(p.wilcoxon.p_value))), p.wilcoxon.exact ? ' (exact)' : ' (normal approx.)'),
      h('td.r.sign', val(p.sign_test.p_value, served(p.sign_test, 'p_value',
        () => pText(p.sign_test.p_value)))))))));
}

function patternTable(doc, conds) {
  const pats = doc.conditions[0].config.task.patterns;
  const at = (c, j) => (c.text && Array.isArray(c.text.pattern_accuracy)
    ? c.text.pattern_accuracy[j] : undefined);
  return h('div.scroll', h('table#pattern-accuracy.list',
    h('caption', 'Mean bit accuracy per pattern'),
    h('thead', h('tr', head('pattern'), head('input → target'), conds.map((c) => numHead(c.label)))),
    h('tbody', pats.map((p, j) => h('tr', h('th', { scope: 'row' }, `P${j + 1}`),
      h('td', h('code', p.input), ' → ', h('code', p.target)),
      conds.map((c) => h('td.r', val(c.pattern_accuracy[j], at(c, j) !== undefined ? at(c, j)
        : pctText(c.pattern_accuracy[j])))))))));
}

// Per seed: every condition's run (from the records, so it fills in while running); the
// accuracy text is the daemon's (results.per_seed[].text) once the results exist.
function perSeedTable(doc) {
  const labels = doc.conditions.map((c) => c.label);
  const texts = new Map(((doc.results && doc.results.per_seed) || []).map((r) => [r.seed, r.text || {}]));
  return h('div.scroll', h('table#per-seed.list',
    h('caption', 'Per seed: accuracy, distinct outputs and output vectors of each run'),
    h('thead', h('tr', h('th', { scope: 'col' }, 'seed'), labels.map((l) =>
      h('th', { scope: 'col' }, l)))),
    h('tbody', doc.seeds.map((seed) => h('tr', { dataset: { seed: String(seed) } },
      h('th', { scope: 'row' }, String(seed)),
      labels.map((l) => {
        const r = doc.records && doc.records[l] && doc.records[l][String(seed)];
        const session = `${doc.name}.${l}.${seed}`;
        const t = (texts.get(seed) || {})[l];
        const link = h('a', { href: `/ui/sessions/${enc(session)}` },
          r ? (typeof t === 'string' ? t : pctText(r.accuracy)) : 'session');
        if (!r) return h('td', { dataset: { label: l } }, h('span.muted', 'not finished · '), link);
        return h('td', { dataset: { label: l, accuracy: String(r.accuracy) } },
          link, ' · ', num(r.distinct_outputs), ' distinct ', constantBadge(r.constant_output) || '',
          h('div.vectors', r.outputs.map((o) => h('span.vec', swatch(o), h('code', o)))));
      }))))));
}

// The curves section: fetched again on refresh() (while the study runs, every poll);
// the chosen metric and filter stay chosen. The filter keeps the best k conditions of
// the daemon's ranking (by default the best 5 when there are more than 6).
function curvesSection(box, name, ctx, getRanking) {
  const metrics = [['accuracy', 'Accuracy'], ['avg_reward', 'Average reward'],
    ['accept_rate', 'Accept rate']];
  const sel = h('select#curve-metric', metrics.map(([k, l]) => h('option', { value: k }, l)));
  const best = h('select#curve-best');
  const holder = h('div');
  let data = null;
  let chart = null;
  let bestChosen = false;
  best.addEventListener('change', () => {
    bestChosen = true;
    draw();
  });
  function syncBest(n) {
    const ks = [3, 5, 10].filter((k) => k < n);
    const want = bestChosen ? best.value : (n > 6 && getRanking() ? '5' : 'all');
    best.replaceChildren(h('option', { value: 'all' }, `all ${n} conditions`),
      ...ks.map((k) => h('option', { value: String(k), disabled: !getRanking() },
        `best ${k} (ranking)`)));
    best.value = [...best.options].some((o) => o.value === want && !o.disabled) ? want : 'all';
  }
  function draw() {
    if (chart) chart.destroy();
    chart = null;
    const key = sel.value;
    const label = metrics.find((m) => m[0] === key)[1];
    if (!data.conditions.some((c) => c.points.length)) {
      holder.replaceChildren(h('p.muted', 'No trajectory points yet.'));
      return;
    }
    let conds = data.conditions;
    const ranking = getRanking();
    if (best.value !== 'all' && ranking) {
      const keep = ranking.filter((e) => e.n > 0).slice(0, Number(best.value)).map((e) => e.label);
      conds = keep.map((l) => data.conditions.find((c) => c.label === l)).filter(Boolean);
    }
    chart = bandChart({
      id: 'chart-curves',
      file: `${name}-curves-${key}`,
      title: `${label}: mean over seeds with its 95% CI (t), per trajectory episode`,
      groups: conds.map((c) => ({ label: c.label, points: c.points
        .filter((p) => p[key]).map((p) => ({ episode: p.episode, n: p[key].n, mean: p[key].mean,
          low: p[key].ci95 ? p[key].ci95.low : null, high: p[key].ci95 ? p[key].ci95.high : null })) })),
    });
    chart.el.dataset.conditions = String(conds.length);
    holder.replaceChildren(chart.el);
  }
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
      syncBest(data.conditions.length);
      if (!shown) {
        box.replaceChildren(h('div.toolbar', h('label', { for: 'curve-metric' }, 'Metric '), sel,
          h('label', { for: 'curve-best' }, 'Show '), best), holder);
        shown = true;
      }
      draw();
    },
  };
}

function download(text, filename, type) {
  downloadBlob(new Blob([text], { type }), filename);
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
  let ranking = null; // the daemon's, once the results exist
  const curves = curvesSection(curvesBox, name, ctx, () => ranking);
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
      d.sweep ? [h('dt', 'Sweep'), h('dd#experiment-sweep', `${d.sweep.kind} over `,
        sweptFields(d).map((f, i) => [i ? ', ' : '', h('code', f.pointer)]),
        ` (${d.conditions.length} conditions)`)] : null,
      h('dt', 'Conditions'), h('dd', d.sweep ? d.conditions.map((c) => condTitle(d, c.label))
        .join('; ') : d.conditions.map((c) => `${c.label}${c.preset ? ` (${c.preset})` : ''}`)
        .join(', ')),
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
      ranking = Array.isArray(d.results.ranking) ? d.results.ranking : null;
      const sweepFig = d.sweep ? sweepChart(d, conds) : null;
      body.append(
        ranking ? h('section.card', { 'aria-labelledby': 'h-ranking' },
          h('h2#h-ranking', 'Ranking'), rankingTable(d, ranking), sweepFig) : null,
        d.results.vs_reference ? h('section.card', { 'aria-labelledby': 'h-vs-reference' },
          h('h2#h-vs-reference', `Against ${d.results.vs_reference.reference} (Holm-corrected)`),
          referenceTable(d.results.vs_reference)) : null,
        h('section.card', { 'aria-labelledby': 'h-conds' }, h('h2#h-conds', 'Accuracy by condition'),
          conditionsTable(d, conds), conds.length <= 24 ? ciPlot(conds, `${name}-ci`) : null),
        d.results.pairwise.length ? h('section.card', { 'aria-labelledby': 'h-pairs' },
          h('h2#h-pairs', 'Paired comparisons'), pairsTable(d.results.pairwise)) : null,
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
