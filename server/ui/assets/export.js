// export.js: saving a chart as a PNG or an SVG file named after the page and the chart
// (m314-accuracy.png, exp021-curves-accuracy.svg).
//
// A chart describes itself as a picture: its title, its body (what it draws) and its
// legend and notes, laid out once here for both files. The PNG takes the body's own pixels
// (uPlot's canvas, the output grid's canvas) and composes the title and the legend around
// them on an offscreen canvas; a chart that the UI draws in SVG has its SVG file
// rasterised instead. The SVG is a vector drawing made from the chart's data and scales:
// one <path class="series"> per series, one <path class="band"> per CI band, the axes'
// ticks and labels where uPlot put them, the legend as text. No pixels are wrapped in it.
//
// The CSP holds: files are offered through an <a download> on a blob: URL (a download,
// not a fetch), and an SVG is rasterised from a data: URL, which img-src allows.
import { h, say } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
const PAD = 12;
const INK = '#1d2329';
const MUTED = '#5b6670';

// An SVG element: attributes, then children (elements or text).
export function svgEl(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null) el.append(c);
  }
  return el;
}

// Coordinates rounded to 0.01 px: the files stay small and the drawing exact enough.
export const r2 = (v) => Math.round(v * 100) / 100;

// A file name part: what a file system and a shell take without quoting.
export function fileSafe(s) {
  return String(s).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'chart';
}

export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let measureCtx = null;
// The width in px of `text` in the files' font.
export function textWidth(text, size, weight) {
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = `${weight || 'normal'} ${size}px ${FONT}`;
  return measureCtx.measureText(text).width;
}

// Words of `text` in lines no wider than `max` px.
function wrap(text, size, max) {
  const lines = [];
  let line = '';
  for (const w of String(text).split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${w}` : w;
    if (line && textWidth(next, size) > max) {
      lines.push(line);
      line = w;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
}

// ---- marks: the few shapes the frame is made of, drawn the same way on both files ----
// {text, x, y, size, weight, fill, anchor} | {line: [x1, y1, x2, y2], stroke, width, dash}
// | {rect: [x, y, w, h], fill, stroke}

function markSvg(m) {
  if (m.text !== undefined) {
    return svgEl('text', { x: r2(m.x), y: r2(m.y), 'font-size': m.size || 12,
      'font-weight': m.weight, fill: m.fill || INK,
      'text-anchor': m.anchor && m.anchor !== 'start' ? m.anchor : null }, m.text);
  }
  if (m.line) {
    const [x1, y1, x2, y2] = m.line.map(r2);
    return svgEl('line', { x1, y1, x2, y2, stroke: m.stroke, 'stroke-width': m.width || 1,
      'stroke-dasharray': m.dash && m.dash.length ? m.dash.join(' ') : null });
  }
  const [x, y, width, height] = m.rect.map(r2);
  return svgEl('rect', { x, y, width, height, fill: m.fill || 'none', stroke: m.stroke });
}

function markCanvas(g, m) {
  g.save();
  if (m.text !== undefined) {
    g.font = `${m.weight || 'normal'} ${m.size || 12}px ${FONT}`;
    g.fillStyle = m.fill || INK;
    g.textAlign = m.anchor === 'middle' ? 'center' : m.anchor === 'end' ? 'right' : 'left';
    g.textBaseline = 'alphabetic';
    g.fillText(m.text, m.x, m.y);
  } else if (m.line) {
    g.strokeStyle = m.stroke;
    g.lineWidth = m.width || 1;
    g.setLineDash(m.dash || []);
    g.beginPath();
    g.moveTo(m.line[0], m.line[1]);
    g.lineTo(m.line[2], m.line[3]);
    g.stroke();
  } else {
    const [x, y, w, hh] = m.rect;
    if (m.fill) {
      g.fillStyle = m.fill;
      g.fillRect(x, y, w, hh);
    }
    if (m.stroke) {
      g.strokeStyle = m.stroke;
      g.lineWidth = 1;
      g.strokeRect(x + 0.5, y + 0.5, w - 1, hh - 1);
    }
  }
  g.restore();
}

// The frame around a body: the title above, the legend and the notes below.
// legend: [{label, colour, kind: 'line' (with width, dash, band: a fill behind) or
// 'swatch'}]; notes: [text]. Returns the size, the body's origin and the marks.
function layout({ title, body, legend, notes }) {
  const width = Math.ceil(Math.max(body.width, 280) + 2 * PAD);
  const marks = [];
  let y = PAD;
  for (const line of wrap(title, 14, width - 2 * PAD)) {
    marks.push({ text: line, x: PAD, y: y + 14, size: 14, weight: 'bold' });
    y += 19;
  }
  y += 6;
  const bodyY = y;
  for (const m of body.marks || []) {
    marks.push(Object.assign({}, m, m.text !== undefined ? { x: m.x + PAD, y: m.y + bodyY }
      : m.line ? { line: [m.line[0] + PAD, m.line[1] + bodyY, m.line[2] + PAD, m.line[3] + bodyY] }
        : { rect: [m.rect[0] + PAD, m.rect[1] + bodyY, m.rect[2], m.rect[3]] }));
  }
  y += body.height + 8;
  let x = PAD;
  if (legend.length) y += 9;
  for (const item of legend) {
    const w = 24 + textWidth(item.label, 12) + 16;
    if (x > PAD && x + w > width - PAD) {
      x = PAD;
      y += 18;
    }
    if (item.kind === 'swatch') {
      marks.push({ rect: [x + 3, y - 6, 12, 12], fill: item.colour, stroke: 'rgba(0,0,0,0.25)' });
    } else {
      if (item.band) marks.push({ rect: [x, y - 6, 18, 12], fill: item.band });
      marks.push({ line: [x, y, x + 18, y], stroke: item.colour, width: item.width || 2,
        dash: item.dash });
    }
    marks.push({ text: item.label, x: x + 24, y: y + 4, size: 12 });
    x += w;
  }
  if (legend.length) y += 12;
  for (const note of notes.filter(Boolean)) {
    for (const line of wrap(note, 11, width - 2 * PAD)) {
      y += 15;
      marks.push({ text: line, x: PAD, y, size: 11, fill: MUTED });
    }
  }
  return { width, height: Math.ceil(y + PAD), bodyX: PAD, bodyY, marks };
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the drawing could not be rasterised'));
    img.src = src;
  });
}

// A chart's picture. body: {width, height, svg(): an element drawn at (0, 0) of the
// body, canvas: the chart's own canvas, shown at canvasSize ([w, h], default the body's
// size) (optional), marks: shapes in body coordinates drawn on both files (optional)}. Returns {svg(): the SVG file's
// text, png(): a promise of the PNG file's Blob}.
export function picture({ title, body, legend = [], notes = [] }) {
  const f = layout({ title, body, legend, notes });
  function svg() {
    const root = svgEl('svg', { xmlns: SVG_NS, width: f.width, height: f.height,
      viewBox: `0 0 ${f.width} ${f.height}`, 'font-family': FONT },
    svgEl('title', {}, title),
    svgEl('rect', { width: f.width, height: f.height, fill: '#ffffff' }),
    svgEl('g', { class: 'body', transform: `translate(${f.bodyX} ${f.bodyY})` }, body.svg()),
    svgEl('g', { class: 'frame' }, f.marks.map(markSvg)));
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      new XMLSerializer().serializeToString(root) + '\n';
  }
  async function png() {
    const dpr = Math.max(1, window.devicePixelRatio || 1);
    const c = document.createElement('canvas');
    c.width = Math.round(f.width * dpr);
    c.height = Math.round(f.height * dpr);
    const g = c.getContext('2d');
    if (body.canvas) {
      g.scale(dpr, dpr);
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, f.width, f.height);
      const [cw, ch] = body.canvasSize || [body.width, body.height];
      g.drawImage(body.canvas, f.bodyX, f.bodyY, cw, ch);
      f.marks.forEach((m) => markCanvas(g, m));
    } else { // drawn in SVG by the UI: its SVG file, rasterised at this resolution
      const img = await loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg())}`);
      g.drawImage(img, 0, 0, c.width, c.height);
    }
    return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b)
      : reject(new Error('the browser made no PNG'))), 'image/png'));
  }
  return { svg, png };
}

// ---- uPlot charts ------------------------------------------------------------------------

const fnOr = (v, ...args) => (typeof v === 'function' ? v(...args) : v);

// The body of a uPlot chart in vector form, at uPlot's CSS size. Axes use the ticks and
// labels uPlot computed for the drawing (axis._splits, _values, _pos, _lpos: internals of
// the vendored, pinned 1.6.32), so the file shows exactly the ticks on the screen.
// Values follow uPlot's rules: undefined (a join's alignment gap) is skipped, null breaks
// a line unless the series spans gaps, and a band runs where both its edges have values.
function uplotSvg(u) {
  const pr = (window.uPlot && window.uPlot.pxRatio) || window.devicePixelRatio || 1;
  const L = u.bbox.left / pr;
  const T = u.bbox.top / pr;
  const PW = u.bbox.width / pr;
  const PH = u.bbox.height / pr;
  const g = svgEl('g', { class: 'uplot' });
  g.append(svgEl('defs', {}, svgEl('clipPath', { id: 'plot-area' },
    svgEl('rect', { x: r2(L), y: r2(T), width: r2(PW), height: r2(PH) }))));
  const xs = u.data[0] || [];
  u.axes.forEach((a, i) => {
    if (a.show === false || !Array.isArray(a._splits)) return;
    const hori = a.side % 2 === 0;
    const at = (v) => (hori ? L : T) + u.valToPos(v, a.scale);
    const colour = fnOr(a.stroke, u, i) || '#000';
    const [, fs] = Array.isArray(a.font) ? a.font : [null, 12];
    const dir = a.side === 0 || a.side === 3 ? -1 : 1;
    const ax = svgEl('g', { class: `axis axis-${a.scale}` });
    const pos = a._splits.map(at);
    if (a.grid && a.grid.show !== false) {
      ax.append(svgEl('path', { class: 'grid', fill: 'none', stroke: fnOr(a.grid.stroke, u, i),
        'stroke-width': a.grid.width, d: pos.map((p) => (hori ? `M${r2(p)} ${r2(T)}V${r2(T + PH)}`
          : `M${r2(L)} ${r2(p)}H${r2(L + PW)}`)).join('') }));
    }
    const tick = a.ticks && a.ticks.show !== false ? a.ticks.size : 0;
    if (tick) {
      ax.append(svgEl('path', { class: 'ticks', fill: 'none', stroke: fnOr(a.ticks.stroke, u, i),
        'stroke-width': a.ticks.width, d: pos.map((p) => (hori ? `M${r2(p)} ${r2(a._pos)}v${dir * tick}`
          : `M${r2(a._pos)} ${r2(p)}h${dir * tick}`)).join('') }));
    }
    const off = a._pos + dir * (tick + a.gap);
    (a._values || []).forEach((v, j) => {
      if (v === null || v === undefined) return;
      ax.append(hori
        ? svgEl('text', { x: r2(pos[j]), y: r2(dir > 0 ? off + fs * 0.8 : off - fs * 0.2),
          'text-anchor': 'middle', 'font-size': fs, fill: colour }, String(v))
        : svgEl('text', { x: r2(off), y: r2(pos[j] + fs * 0.35), 'text-anchor': dir < 0 ? 'end' : null,
          'font-size': fs, fill: colour }, String(v)));
    });
    if (a.label) {
      const [lfont, lfs] = Array.isArray(a.labelFont) ? a.labelFont : ['bold', 12];
      const lp = a._lpos + a.labelGap * dir;
      const weight = /bold|[6-9]00/.test(lfont) ? 'bold' : null;
      const text = String(fnOr(a.label, u, i));
      ax.append(hori
        ? svgEl('text', { class: 'axis-label', x: r2(L + PW / 2), y: r2(dir > 0 ? lp + lfs * 0.8
          : lp - lfs * 0.2), 'text-anchor': 'middle', 'font-size': lfs, 'font-weight': weight,
        fill: colour }, text)
        : svgEl('text', { class: 'axis-label', x: r2(lp), y: r2(T + PH / 2), 'text-anchor': 'middle',
          'font-size': lfs, 'font-weight': weight, fill: colour, transform: `rotate(${dir * 90} ${r2(lp)}` +
          ` ${r2(T + PH / 2)})`, dy: '-0.25em' }, text));
    }
    g.append(ax);
  });
  const px = (j) => L + u.valToPos(xs[j], 'x');
  const py = (v, s) => T + u.valToPos(v, s.scale || 'y');
  const data = svgEl('g', { 'clip-path': 'url(#plot-area)' });
  (u.bands || []).forEach((b, bi) => {
    const [hi, lo] = b.series;
    if (!u.series[hi] || !u.series[lo] || !u.series[hi].show || !u.series[lo].show) return;
    let d = '';
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        d += run.map(([x, yh], k) => `${k ? 'L' : 'M'}${r2(x)} ${r2(yh)}`).join('') +
          run.slice().reverse().map(([x, , yl]) => `L${r2(x)} ${r2(yl)}`).join('') + 'Z';
      }
      run = [];
    };
    for (let j = 0; j < xs.length; j++) {
      const vh = u.data[hi][j];
      const vl = u.data[lo][j];
      if (vh === undefined && vl === undefined) continue;
      if (vh === null || vh === undefined || vl === null || vl === undefined) {
        flush();
        continue;
      }
      run.push([px(j), py(vh, u.series[hi]), py(vl, u.series[lo])]);
    }
    flush();
    data.append(svgEl('path', { class: 'band', 'data-series': `${u.series[hi].label} to ` +
      `${u.series[lo].label}`, fill: fnOr(b.fill, u, bi), stroke: 'none', d }));
  });
  u.series.forEach((s, i) => {
    if (i === 0 || !s.show) return;
    let d = '';
    let down = false;
    const col = u.data[i] || [];
    for (let j = 0; j < xs.length; j++) {
      const v = col[j];
      if (v === undefined) continue;
      if (v === null) {
        if (!s.spanGaps) down = false;
        continue;
      }
      d += `${down ? 'L' : 'M'}${r2(px(j))} ${r2(py(v, s))}`;
      down = true;
    }
    data.append(svgEl('path', { class: 'series', 'data-series': s.label, fill: 'none',
      stroke: fnOr(s.stroke, u, i), 'stroke-width': s.width === undefined ? 1 : s.width,
      'stroke-dasharray': Array.isArray(s.dash) && s.dash.length ? s.dash.join(' ') : null,
      'stroke-linejoin': 'round', d }));
  });
  g.append(data);
  return g;
}

// The picture of a uPlot chart: the PNG from its canvas, the SVG from its data and scales.
export function uplotPicture(u, { title, legend, notes }) {
  return picture({ title, legend, notes, body: { width: u.width, height: u.height,
    canvas: u.ctx && u.ctx.canvas, svg: () => uplotSvg(u) } });
}

// ---- charts the UI draws in SVG ----------------------------------------------------------

const STYLE_PROPS = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity',
  'font-size', 'font-weight', 'font-family'];

// A copy of a live <svg> whose look comes from app.css, with the computed styles
// written onto each element as presentation attributes: the file needs no stylesheet.
export function inlinedSvg(live) {
  const copy = live.cloneNode(true);
  const src = [live, ...live.querySelectorAll('*')];
  const dst = [copy, ...copy.querySelectorAll('*')];
  src.forEach((el, k) => {
    const cs = getComputedStyle(el);
    for (const p of STYLE_PROPS) {
      const v = cs.getPropertyValue(p);
      if ((v && v !== 'none') || p === 'fill' || p === 'stroke') {
        dst[k].setAttribute(p, v.replace(/^(-?[\d.]+)px$/, '$1'));
      }
    }
    dst[k].removeAttribute('class');
  });
  for (const a of ['role', 'aria-label', 'style']) copy.removeAttribute(a);
  return copy;
}

// The picture of a chart drawn as an <svg> with a viewBox: that drawing at its viewBox
// size.
export function svgPicture(live, { title, legend, notes }) {
  const [, , w, hh] = (live.getAttribute('viewBox') || '0 0 600 300').split(/[\s,]+/).map(Number);
  return picture({ title, legend, notes, body: { width: w, height: hh, svg: () => {
    const copy = inlinedSvg(live);
    copy.setAttribute('width', w);
    copy.setAttribute('height', hh);
    return copy;
  } } });
}

// ---- the buttons ------------------------------------------------------------------------

// Adds "PNG" and "SVG" buttons to a chart's <figure>. file: the name without its
// extension (or a function giving it); make(): the chart's picture, or null while it
// has nothing drawn.
export function saveButtons(fig, { title, file, make }) {
  const button = (kind) => {
    const label = kind.toUpperCase();
    const b = h('button.save', { type: 'button', dataset: { save: kind },
      'aria-label': `Save ${title} as ${label}`, title: `Save as ${label}` }, label);
    b.addEventListener('click', async () => {
      const name = `${fileSafe(fnOr(file))}.${kind}`;
      try {
        const p = make();
        if (!p) {
          say('Nothing is drawn yet.', true);
          return;
        }
        const blob = kind === 'png' ? await p.png()
          : new Blob([p.svg()], { type: 'image/svg+xml' });
        downloadBlob(blob, name);
        say(`Saved ${name}`);
      } catch (e) {
        say(`${name}: ${e.message}`, true);
      }
    });
    return b;
  };
  const box = h('div.chart-save', { role: 'group', 'aria-label': `Save ${title}` },
    button('png'), button('svg'));
  const first = fig.firstElementChild;
  if (first && first.tagName === 'FIGCAPTION') first.after(box);
  else fig.prepend(box);
  return box;
}
