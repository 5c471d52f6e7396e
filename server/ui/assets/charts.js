// charts.js: time-series charts over episodes (uPlot, vendored in vendor/uplot/).
//
// Every chart is a <figure> with a caption, the plot (role="img" with a text summary
// in aria-label), and a "Data" table holding the same numbers, built when opened. The
// figure carries data-points / data-first-episode / data-last-episode for the tests.
// The charts draw the points the API gave: they never resample or average. Each has
// PNG and SVG buttons (export.js) saving it as `file`.png / .svg, as shown.
import { h, clear, numText } from './dom.js';
import { saveButtons, uplotPicture } from './export.js';

// Okabe-Ito, then Paul Tol's muted set: colour-blind safe, and neighbours differ clearly
// in hue and lightness (no two blues or two greens side by side).
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9',
  '#332288', '#999933', '#882255', '#44AA99', '#000000', '#AA4499'];

// An episode as a short axis label: 950, 12k, 1.5M (tick labels only; the data tables
// and legends show the exact episode).
export function episodeTick(v) {
  const a = Math.abs(v);
  const short = (x, unit) => `${Number.isInteger(x) ? x : x.toFixed(1).replace(/\.0$/, '')}${unit}`;
  if (a >= 1e6) return short(v / 1e6, 'M');
  if (a >= 1e4) return short(v / 1e3, 'k');
  return String(v);
}

function width(el) {
  return Math.max(280, Math.floor(el.getBoundingClientRect().width) || 600);
}

// Transparent version of a hex colour for bands.
function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

// legend(): the legend items of the saved files; notes(): the lines under them.
function baseFigure(title, id, file, getChart, legend, notes = () => []) {
  const plot = h('div.plot', { role: 'img', 'aria-label': `${title}: no points yet` });
  const tableBox = h('div.chart-table');
  const details = h('details.chart-data', h('summary', `${title}: data table`), tableBox);
  const fig = h('figure.chart', { id, dataset: { points: '0' } }, h('figcaption', title), plot,
    details);
  saveButtons(fig, { title, file: file || id, make: () => {
    const u = getChart();
    return u ? uplotPicture(u, { title, legend: legend(), notes: notes() }) : null;
  } });
  return { fig, plot, details, tableBox };
}

const lineItem = (label, colour, width, dash) => ({ label, colour, width, dash, kind: 'line' });

function makePlot(plot, opts, data) {
  if (typeof window.uPlot !== 'function') {
    plot.append(h('p.muted', 'The chart library did not load; the numbers are in the table.'));
    return null;
  }
  return new window.uPlot(Object.assign({ width: width(plot), height: 240 }, opts), data, plot);
}

function resizeWith(plot, getChart) {
  if (typeof ResizeObserver !== 'function') return null;
  let last = 0;
  const ro = new ResizeObserver(() => {
    const u = getChart();
    const w = width(plot);
    if (u && w !== last) {
      last = w;
      u.setSize({ width: w, height: 240 });
    }
  });
  ro.observe(plot);
  return ro;
}

// The x axis: at least 90 px between ticks, short labels, so they never collide.
const axisX = { label: 'episode', size: 40, labelSize: 18, space: 90,
  values: (u, ticks) => ticks.map(episodeTick) };

// A chart of one or more series of trajectory points ({episode, <key>: number}).
// series: [{key, label, digits?}]; y: [min, max] or null (auto).
// file: the saved files' name without extension (default: id).
export function lineChart({ id, title, series, y = null, file }) {
  let points = [];
  let chart = null;
  const { fig, plot, details, tableBox } = baseFigure(title, id, file, () => chart,
    () => series.map((s, i) => lineItem(s.label, s.colour || PALETTE[i % PALETTE.length], 1.5)));
  const opts = {
    scales: { x: { time: false }, y: y ? { range: y } : {} },
    axes: [axisX, { size: 50 }],
    series: [{ label: 'episode' }].concat(series.map((s, i) => ({
      label: s.label,
      stroke: s.colour || PALETTE[i % PALETTE.length],
      width: 1.5,
      spanGaps: true,
      points: { show: false },
    }))),
    legend: { live: true },
  };

  function data() {
    return [points.map((p) => p.episode)].concat(series.map((s) => points.map((p) => {
      const v = p[s.key];
      return typeof v === 'number' ? v : null;
    })));
  }

  function describe() {
    if (!points.length) return `${title}: no points yet`;
    const last = points[points.length - 1];
    const parts = series.map((s) => `${s.label} ${numText(last[s.key], s.digits || 3)}`);
    return `${title}: ${points.length} points from episode ${points[0].episode} to ` +
      `${last.episode}; at episode ${last.episode}: ${parts.join(', ')}.`;
  }

  function renderTable() {
    clear(tableBox);
    const rows = points.map((p) => h('tr', h('td', String(p.episode)),
      series.map((s) => h('td', { dataset: { value: String(p[s.key]) } },
        numText(p[s.key], s.digits || 3)))));
    tableBox.append(h('table.data',
      h('thead', h('tr', h('th', { scope: 'col' }, 'episode'),
        series.map((s) => h('th', { scope: 'col' }, s.label)))),
      h('tbody', rows)));
  }
  details.addEventListener('toggle', () => details.open && renderTable());

  let scheduled = false;
  function draw() {
    scheduled = false;
    const d = data();
    if (!chart) chart = makePlot(plot, opts, d);
    else chart.setData(d);
    plot.setAttribute('aria-label', describe());
    fig.dataset.points = String(points.length);
    fig.dataset.firstEpisode = points.length ? String(points[0].episode) : '';
    fig.dataset.lastEpisode = points.length ? String(points[points.length - 1].episode) : '';
    if (details.open) renderTable();
  }

  const ro = resizeWith(plot, () => chart);
  return {
    el: fig,
    // The whole set of points, in episode order (the chart keeps a reference).
    set(p) {
      points = p;
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(draw);
      }
    },
    destroy() {
      if (ro) ro.disconnect();
      if (chart) chart.destroy();
    },
  };
}

// Curves with a band each: groups [{label, points: [{episode, mean, low, high, n}]}].
// Used for seed-aggregated curves: the mean and its 95% CI, as the API computed them.
// The band stops where fewer than 2 seeds report (no interval there); the legend and the
// data table show each point's n, and the figure's data-thin-points counts those points.
export function bandChart({ id, title, groups, y = [0, 1], digits = 3, file }) {
  let chart = null;
  let note = null;
  const { fig, plot, details, tableBox } = baseFigure(title, id, file, () => chart,
    () => groups.map((g, i) => Object.assign(lineItem(`${g.label} mean`,
      PALETTE[i % PALETTE.length], 2), { band: alpha(PALETTE[i % PALETTE.length], 0.15) })),
    () => ['Shaded: the 95% CI (t) of the mean over seeds.', note && note.textContent]);
  const banded = (p, v) => (p.n >= 2 ? v : null);
  const tables = groups.map((g) => [g.points.map((p) => p.episode),
    g.points.map((p) => p.mean), g.points.map((p) => banded(p, p.high)),
    g.points.map((p) => banded(p, p.low))]);
  const nAt = groups.map((g) => new Map(g.points.map((p) => [p.episode, p.n])));
  const data = tables.length && typeof window.uPlot === 'function'
    ? window.uPlot.join(tables) : [[]];
  const series = [{ label: 'episode' }];
  const bands = [];
  groups.forEach((g, i) => {
    const c = PALETTE[i % PALETTE.length];
    const base = series.length;
    series.push({ label: `${g.label} mean`, stroke: c, width: 2, spanGaps: true,
      points: { show: false },
      value: (u, v, si, idx) => {
        if (v === null || v === undefined) return '–';
        const n = idx === null ? undefined : nAt[i].get(u.data[0][idx]);
        return `${numText(v, digits)}${n === undefined ? '' : ` (n = ${n})`}`;
      } });
    series.push({ label: `${g.label} CI high`, stroke: alpha(c, 0.5), width: 1, dash: [4, 4],
      spanGaps: false, points: { show: false } });
    series.push({ label: `${g.label} CI low`, stroke: alpha(c, 0.5), width: 1, dash: [4, 4],
      spanGaps: false, points: { show: false } });
    bands.push({ series: [base + 1, base + 2], fill: alpha(c, 0.15) });
  });
  chart = makePlot(plot, {
    scales: { x: { time: false }, y: { range: y } },
    axes: [axisX, { size: 50 }],
    series,
    bands,
  }, data);
  // One legend entry per condition (its mean, with n): the CI lines' entries are hidden.
  if (chart) {
    chart.root.querySelectorAll('.u-legend .u-series').forEach((tr, i) => {
      if (i > 0 && (i - 1) % 3 !== 0) tr.classList.add('ci-row');
    });
  }
  const total = groups.reduce((n, g) => n + g.points.length, 0);
  const thin = groups.reduce((n, g) => n + g.points.filter((p) => !(p.n >= 2)).length, 0);
  fig.dataset.points = String(total);
  fig.dataset.thinPoints = String(thin);
  const ns = groups.flatMap((g) => g.points.map((p) => p.n));
  note = h('p.muted.band-note', ns.length ? `n = seeds reporting at each episode ` +
    `(${Math.min(...ns)} to ${Math.max(...ns)}; in the legend and the data table). ` +
    (thin ? `The band stops at the ${thin} points where fewer than 2 seeds report.`
      : 'Every point has at least 2 seeds.') : '');
  fig.append(note);
  plot.setAttribute('aria-label', `${title}: ` + groups.map((g) => {
    const last = g.points[g.points.length - 1];
    return last ? `${g.label} at episode ${last.episode}: mean ${numText(last.mean, digits)}, ` +
      `95% CI ${numText(last.low, digits)} to ${numText(last.high, digits)} (n = ${last.n})`
      : `${g.label}: no points`;
  }).join('; ') + '.');
  details.addEventListener('toggle', () => {
    if (!details.open || tableBox.firstChild) return;
    tableBox.append(h('table.data',
      h('thead', h('tr', ['condition', 'episode', 'n', 'mean', 'CI low', 'CI high'].map((x) =>
        h('th', { scope: 'col' }, x)))),
      h('tbody', groups.flatMap((g) => g.points.map((p) => h('tr', h('td', g.label),
        h('td', String(p.episode)), h('td', String(p.n)),
        [p.mean, p.low, p.high].map((v) => h('td', { dataset: { value: String(v) } },
          numText(v, digits)))))))));
  });
  const ro = resizeWith(plot, () => chart);
  return {
    el: fig,
    destroy() {
      if (ro) ro.disconnect();
      if (chart) chart.destroy();
    },
  };
}

// Several sessions' curves of one metric on one chart: runs [{label, points}].
export function overlayChart({ id, title, runs, key, y = null, digits = 3, file }) {
  let chart = null;
  const { fig, plot, details, tableBox } = baseFigure(title, id, file, () => chart,
    () => runs.map((r, i) => lineItem(r.label, PALETTE[i % PALETTE.length], 1.5)));
  const tables = runs.map((r) => [r.points.map((p) => p.episode), r.points.map((p) => {
    const v = p[key];
    return typeof v === 'number' ? v : null;
  })]);
  const data = tables.length && typeof window.uPlot === 'function'
    ? window.uPlot.join(tables) : [[]];
  chart = makePlot(plot, {
    scales: { x: { time: false }, y: y ? { range: y } : {} },
    axes: [axisX, { size: 50 }],
    series: [{ label: 'episode' }].concat(runs.map((r, i) => ({
      label: r.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true,
      points: { show: false },
    }))),
  }, data);
  fig.dataset.points = String(runs.reduce((n, r) => n + r.points.length, 0));
  fig.dataset.series = String(runs.length);
  plot.setAttribute('aria-label', `${title}: ` + runs.map((r) => {
    const last = r.points[r.points.length - 1];
    return last ? `${r.label} ${numText(last[key], digits)} at episode ${last.episode}`
      : `${r.label}: no points`;
  }).join('; ') + '.');
  details.addEventListener('toggle', () => {
    if (!details.open || tableBox.firstChild) return;
    tableBox.append(h('table.data',
      h('thead', h('tr', ['session', 'episode', key].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', runs.flatMap((r) => r.points.map((p) => h('tr', h('td', r.label),
        h('td', String(p.episode)),
        h('td', { dataset: { value: String(p[key]) } }, numText(p[key], digits))))))));
  });
  const ro = resizeWith(plot, () => chart);
  return {
    el: fig,
    destroy() {
      if (ro) ro.disconnect();
      if (chart) chart.destroy();
    },
  };
}
