// dom.js: building elements without innerHTML, and formatting the API's numbers for
// display. Formatting only: every figure shown is a value the API returned; elements
// that show one keep the exact value in data-value (the browser tests read it).

// h('tag.class#id', {attrs}, ...children). Attributes starting with "on" are listeners;
// `dataset` and `style`-free: styles come from app.css only (the CSP has no inline style).
export function h(spec, attrs, ...children) {
  const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/i.exec(spec);
  const el = document.createElement(m ? m[1] : spec);
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

// A span showing `text` and carrying the exact API value.
export function val(v, text) {
  return h('span.num', { dataset: { value: v === null || v === undefined ? 'null' : String(v) } },
    text);
}

// The daemon's text for a statistic: obj.text[key] (api/experiment_stats.c formats every
// statistic once, for this page and for the Markdown report alike), or `fallback()` on a
// daemon that serves none.
export function served(obj, key, fallback) {
  const t = obj && obj.text && obj.text[key];
  return typeof t === 'string' ? t : fallback();
}
// A span with the daemon's text for obj[key] (data-value: the exact value).
export function stat(obj, key, fallback) {
  return val(obj ? obj[key] : null, served(obj, key, fallback));
}

// Display formatting of a value the API gave (not a statistic of the page's own).
export function pctText(v, digits = 1) {
  return isNum(v) ? `${(v * 100).toFixed(digits)}%` : '–';
}
export const pct = (v, digits = 1) => val(v, pctText(v, digits));

// A plain number with at most `digits` decimals (integers stay integers).
export function numText(v, digits = 3) {
  if (!isNum(v)) return '–';
  if (Number.isInteger(v) || digits === 0) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}
export const num = (v, digits = 3) => val(v, numText(v, digits));

// p-values: 3 significant digits, "< 0.001" below.
export function pText(v) {
  if (!isNum(v)) return '–';
  if (v < 0.001) return '< 0.001';
  return v.toPrecision(3).replace(/\.?0+$/, '');
}
export const pval = (v) => val(v, pText(v));

export function ciText(ci, digits = 1) {
  if (!ci || !isNum(ci.low) || !isNum(ci.high)) return '–';
  return `[${pctText(ci.low, digits)}, ${pctText(ci.high, digits)}]`;
}
export function ci(c, digits = 1) {
  return h('span.ci', { dataset: { low: String(c && c.low), high: String(c && c.high) } },
    ciText(c, digits));
}

export function stateBadge(state) {
  return h(`span.badge.state-${state}`, { dataset: { state } }, state);
}

export function constantBadge(isConstant) {
  return isConstant
    ? h('span.badge.constant', { title: 'every pattern gives the same output vector' },
      'constant output')
    : null;
}

// Output-vector colours: Okabe-Ito and Paul Tol's qualitative sets (colour-blind safe),
// ordered so that neighbours differ in hue and lightness.
export const VECTOR_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9',
  '#D55E00', '#F0E442', '#332288', '#88CCEE', '#882255', '#44AA99', '#DDCC77', '#117733',
  '#AA4499', '#999933', '#661100', '#6699CC', '#EE99AA', '#004949', '#FFB000'];

// A stable colour for an output vector: the same vector is always the same colour, so a
// constant-output attractor shows as one flat colour. All-zero (silent) is dark grey;
// every other vector takes the colour of its value read as a binary number.
export function vectorColour(bits) {
  if (typeof bits !== 'string' || bits.length === 0) return '#ffffff';
  if (!bits.includes('1')) return '#3a3a3a';
  const v = parseInt(bits.slice(-24), 2) || 0;
  return VECTOR_COLOURS[(v - 1) % VECTOR_COLOURS.length];
}

// The output vector as text with each bit that misses its target marked.
export function bitsEl(output, target) {
  const el = h('code.bits', { dataset: { value: output } });
  for (let i = 0; i < output.length; i++) {
    const wrong = target && target[i] !== output[i];
    el.append(h(wrong ? 'span.bit.wrong' : 'span.bit', output[i]));
  }
  if (target) el.title = `target ${target}`;
  return el;
}

// A small swatch of an output vector's colour (decorative; the bits are shown as text).
export function swatch(bits) {
  const s = h('span.swatch', { 'aria-hidden': 'true' });
  s.style.background = vectorColour(bits);
  return s;
}

export function table(headers, rows, { caption, className } = {}) {
  const t = h('table', { class: className || '' });
  if (caption) t.append(h('caption', caption));
  t.append(h('thead', h('tr', headers.map((x) => (x instanceof Node ? h('th', { scope: 'col' }, x)
    : h('th', { scope: 'col' }, x))))));
  const body = h('tbody');
  for (const r of rows) body.append(r instanceof Node ? r : h('tr', r.map((c) => h('td', c))));
  t.append(body);
  return t;
}

export function time(iso) {
  if (!iso) return '–';
  return h('time', { datetime: iso }, iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
}

export function errorBox(err) {
  const box = h('div.error', { role: 'alert' }, err.message || String(err));
  const list = err.errors || [];
  if (list.length) {
    box.append(h('ul', list.map((e) => h('li',
      h('code', e.pointer !== undefined ? (e.pointer || '/') : (e.parameter || e.header || '')),
      ': ', e.detail))));
  }
  return box;
}

// Announce something to screen readers and show it briefly.
export function say(text, isError) {
  const s = document.getElementById('status');
  if (!s) return;
  s.textContent = text;
  s.className = isError ? 'error' : 'ok';
  clearTimeout(say.timer);
  say.timer = setTimeout(() => {
    s.textContent = '';
    s.className = '';
  }, isError ? 8000 : 3000);
}

export function link(href, text, attrs = {}) {
  return h('a', Object.assign({ href }, attrs), text);
}
