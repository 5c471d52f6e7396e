// views/learner.js: what a session's learner describes: GET .../learner (any learner's
// kind and live state, rendered generically; GET .../astrocytes on a daemon without it);
// and the network layout (GET .../network): neurons, astrocytes and
// their territories.
import { get, enc, ApiError } from '../api.js';
import { h, clear, num, numText, errorBox } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

// Astrocyte columns first in this order, then whatever else the API gives.
const ORDER = ['id', 'cluster', 'x', 'y', 'territory_neurons', 'territory_synapses', 'threshold',
  'exploration_rate', 'activations', 'successes', 'success_rate', 'epsilon_activations',
  'history_length', 'final_threshold', 'activations_by_pattern'];
const LABELS = { territory_neurons: 'territory neurons', territory_synapses: 'territory synapses',
  exploration_rate: 'exploration rate', success_rate: 'success rate',
  epsilon_activations: 'ε activations', history_length: 'history',
  final_threshold: 'final threshold', activations_by_pattern: 'activations by pattern' };

function cell(v) {
  if (Array.isArray(v)) return h('span.num', { dataset: { value: JSON.stringify(v) } },
    v.map((x) => (typeof x === 'number' ? numText(x) : String(x))).join(' '));
  if (typeof v === 'number') return num(v);
  if (v && typeof v === 'object') return h('code', JSON.stringify(v));
  return v === null || v === undefined ? '–' : String(v);
}

// An array of like objects as a table.
export function objectTable(items, { id, caption } = {}) {
  const keys = [];
  for (const k of ORDER) if (items.some((a) => k in a)) keys.push(k);
  for (const a of items) for (const k of Object.keys(a)) if (!keys.includes(k)) keys.push(k);
  return h('div.scroll', h('table.list', { id },
    caption ? h('caption', caption) : null,
    h('thead', h('tr', keys.map((k) => h('th', { scope: 'col' }, LABELS[k] || k.replace(/_/g, ' '))))),
    h('tbody', items.map((a) => h('tr', keys.map((k) => h('td', cell(a[k]))))))));
}

// Whatever JSON a learner describes (GET .../learner's "state"): scalars and lists of
// numbers as facts, arrays of objects as tables (astrocytes: table#astrocytes), objects
// as sections.
function generic(obj) {
  const out = h('div');
  const facts = h('dl.facts');
  for (const [k, v] of Object.entries(obj)) {
    const title = k.replace(/_/g, ' ');
    if (Array.isArray(v) && v.length && typeof v[0] === 'object') {
      out.append(h('h3', title), objectTable(v, { id: k === 'astrocytes' ? 'astrocytes'
        : `learner-${k}`, caption: k === 'astrocytes' ? 'Astrocytes: territory, threshold, ' +
        'exploration rate, activations, success rate' : null }));
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      out.append(h('h3', title), generic(v));
    } else {
      facts.append(h('dt', title), h('dd', cell(v)));
    }
  }
  if (facts.firstChild) out.prepend(facts);
  if (!out.firstChild) out.append(h('p.muted', 'This learner keeps no state of its own.'));
  return out;
}

// The network's layout seen from above (x, y): neurons by type, astrocytes and lines
// to the neurons of their territory.
function layout(net) {
  const pts = net.neurons.map((n) => [n.x, n.y]).concat(net.territories.map((t) => [t.x, t.y]));
  if (!pts.length) return h('p.muted', 'No layout.');
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const pad = 2;
  const minX = Math.min(...xs) - pad;
  const minY = Math.min(...ys) - pad;
  const w = Math.max(...xs) - minX + pad;
  const hgt = Math.max(...ys) - minY + pad;
  const byId = new Map(net.neurons.map((n) => [n.id, n]));
  const svg = s('svg', { viewBox: `${minX} ${minY} ${w} ${hgt}`, class: 'layout', role: 'img',
    'aria-label': `Network layout: ${net.neurons_count} neurons, ${net.synapses_count} ` +
      `synapses, ${net.territories.length} astrocyte territories (positions in the tables).` });
  const lines = s('g', { class: 'territories' });
  for (const t of net.territories) {
    const g = s('g', { class: 'territory', 'data-astrocyte': t.id });
    for (const id of t.neuron_ids || []) {
      const n = byId.get(id);
      if (n) g.append(s('line', { x1: t.x, y1: t.y, x2: n.x, y2: n.y }));
    }
    lines.append(g);
  }
  svg.append(lines);
  for (const n of net.neurons) {
    svg.append(s('circle', { cx: n.x, cy: n.y, r: 0.32, class: `neuron t-${n.type}` },
      s('title', {}, `neuron ${n.id} (${n.type}, cluster ${n.cluster})`)));
  }
  for (const t of net.territories) {
    svg.append(s('rect', { x: t.x - 0.45, y: t.y - 0.45, width: 0.9, height: 0.9,
      class: 't-astro', transform: `rotate(45 ${t.x} ${t.y})` },
    s('title', {}, `astrocyte ${t.id}: ${t.neurons} neurons, ${t.synapses} synapses`)));
  }
  const key = h('p.legend.muted', ['input', 'output', 'modulatory', 'regular'].map((t) =>
    h('span.legend-item', h(`span.dot.t-${t}`, { 'aria-hidden': 'true' }), ` ${t} `)),
  h('span.legend-item', h('span.dot.t-astro', { 'aria-hidden': 'true' }), ' astrocyte (lines: its territory)'));
  return h('figure.layout-fig', svg, h('figcaption', 'Layout (x, y) ', key));
}

// onEpisode(episode or null): told which episode the shown state is at.
export function learnerSection(box, name, config, ctx, onEpisode = () => {}) {
  const path = `/v1/sessions/${enc(name)}`;
  let useLearner = null; // unknown until the first try
  let network = null;
  let busy = false;
  let shownKey = '';

  async function describe() {
    if (useLearner !== false) {
      try {
        const d = await get(`${path}/learner`, { signal: ctx.signal });
        useLearner = true;
        return { kind: 'learner', data: d };
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404 && /no such path/.test(e.message))) throw e;
        useLearner = false;
      }
    }
    return { kind: 'astrocytes', data: await get(`${path}/astrocytes`, { signal: ctx.signal }) };
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const [d, net] = await Promise.all([describe(),
        network ? Promise.resolve(network) : get(`${path}/network`, { signal: ctx.signal })]);
      network = net;
      // the same episode shows the same state: keep the rendered tables (and focus)
      const key = JSON.stringify([d.kind, d.data]);
      if (key === shownKey) return;
      shownKey = key;
      clear(box);
      box.dataset.episode = String(d.data.episode);
      onEpisode(typeof d.data.episode === 'number' ? d.data.episode : null);
      box.append(h('p', `Learner: ${d.data.kind || config.learner.kind}`,
        d.data.episode !== undefined ? ` · at episode ${d.data.episode}` : ''));
      if (d.kind === 'learner') {
        box.append(generic(d.data.state || {}));
      } else if (d.data.astrocytes && d.data.astrocytes.length) {
        box.append(objectTable(d.data.astrocytes, { id: 'astrocytes',
          caption: 'Astrocytes: territory, threshold, exploration rate, activations, success rate' }));
      } else {
        box.append(h('p.muted', `The ${config.learner.kind} learner has no astrocytes; the ` +
          'territories below are the layout every learner reports.'));
      }
      box.append(layout(network));
    } catch (e) {
      if (!(e instanceof DOMException)) box.replaceChildren(errorBox(e));
    } finally {
      busy = false;
    }
  }
  return { refresh };
}
