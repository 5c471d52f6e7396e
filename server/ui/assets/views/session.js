// views/session.js: /ui/sessions/{name} — one session, live: its state and progress,
// charts of accuracy, average reward and accept rate fed by the event stream, the
// output vectors over the run (pattern x trajectory point), the inference table, what
// the learner describes (astrocytes, territories) and the config.
//
// The points come from GET .../metrics?max_points=N&downsample=minmax (bounded; each
// bucket's min and max kept, so a spike cannot vanish), then from the stream's
// metrics/outputs events. When the live points pass CAP, the page asks the API for a
// fresh downsampled set: the browser never holds an unbounded list, and never
// resamples by itself.
import { get, enc, openEvents, ApiError } from '../api.js';
import { h, clear, pct, num, val, stateBadge, constantBadge, bitsEl, swatch, vectorColour,
  errorBox, time } from '../dom.js';
import { sessionControls } from '../actions.js';
import { lineChart } from '../charts.js';
import { picture, saveButtons, svgEl, r2, FONT } from '../export.js';
import { navigate } from '../nav.js';
import { learnerSection } from './learner.js';

const MAX_POINTS = 600; // asked of the API
const CAP = 1200; // live points held before asking again

function dl(pairs) {
  return h('dl.facts', pairs.filter(Boolean).map(([k, v, id]) => [h('dt', k),
    h('dd', id ? { id } : {}, v)]));
}

// The output-vector grid: one row per pattern, one column per trajectory point, each
// cell the colour of that output vector. A constant-output attractor is a column (or
// a block) of one flat colour. Saved (file.png / .svg) with its episode axis and the
// legend of the last column's vectors.
function outputGrid(patterns, file) {
  const canvas = h('canvas.ovgrid', { role: 'img', 'aria-label': 'Output vectors: no points yet' });
  const tip = h('div.ovtip', { 'aria-hidden': 'true', hidden: true });
  const axis = h('div.ovaxis');
  const legend = h('div.legend');
  const tableBox = h('div');
  const details = h('details.chart-data', h('summary', 'Output vectors: data table'), tableBox);
  const wrap = h('div.ovwrap', canvas, tip);
  const title = 'Output vectors per pattern over the run (one colour per output vector)';
  const fig = h('figure.chart#output-grid', { dataset: { columns: '0' } },
    h('figcaption', title), wrap, axis, legend, details);
  let cols = [];
  const rowH = 20;
  const labelW = 86;
  const rowLabel = (p, j) => `${p.label || `P${j + 1}`} ${p.input}`;

  function draw() {
    const w = Math.max(300, Math.floor(wrap.getBoundingClientRect().width) || 800);
    const dpr = window.devicePixelRatio || 1;
    const H = rowH * patterns.length;
    canvas.width = w * dpr;
    canvas.height = H * dpr;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${H}px`;
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, w, H);
    g.fillStyle = '#222';
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';
    patterns.forEach((p, j) => g.fillText(rowLabel(p, j), 2, j * rowH + rowH / 2));
    const n = cols.length;
    const cw = n ? (w - labelW) / n : 0;
    cols.forEach((c, i) => {
      c.outputs.forEach((o, j) => {
        g.fillStyle = vectorColour(o);
        g.fillRect(labelW + i * cw, j * rowH + 1, Math.max(cw, 1) + 0.5, rowH - 2);
      });
    });
  }

  // The grid as drawn: the SVG has one rect per run of equal vectors in a row.
  function gridSvg(w) {
    const out = svgEl('g', { class: 'output-grid' });
    patterns.forEach((p, j) => out.append(svgEl('text', { x: 2, y: j * rowH + rowH / 2 + 4,
      'font-size': 12, 'font-family': FONT, fill: '#222' }, rowLabel(p, j))));
    const cw = cols.length ? (w - labelW) / cols.length : 0;
    patterns.forEach((p, j) => {
      for (let i = 0; i < cols.length;) {
        const o = cols[i].outputs[j];
        let k = i + 1;
        while (k < cols.length && cols[k].outputs[j] === o) k++;
        out.append(svgEl('rect', { x: r2(labelW + i * cw), y: j * rowH + 1,
          width: r2(Math.max((k - i) * cw, 1)), height: rowH - 2, fill: vectorColour(o),
          'data-output': o }));
        i = k;
      }
    });
    return out;
  }
  saveButtons(fig, { title, file, make: () => {
    const last = cols[cols.length - 1];
    if (!last) return null;
    const w = parseFloat(canvas.style.width) || canvas.width;
    const H = rowH * patterns.length;
    return picture({ title,
      body: { width: w, height: H + 16, canvas, canvasSize: [w, H], svg: () => gridSvg(w),
        marks: [{ text: `episode ${cols[0].episode}`, x: labelW, y: H + 13, size: 12, fill: '#5b6670' },
          { text: `episode ${last.episode}`, x: w, y: H + 13, size: 12, fill: '#5b6670',
            anchor: 'end' }] },
      legend: [...new Set(last.outputs)].map((o) => ({ label: o, colour: vectorColour(o),
        kind: 'swatch' })),
      notes: [`Legend: the output vectors at episode ${last.episode}.`] });
  } });

  canvas.addEventListener('mousemove', (ev) => {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const j = Math.floor((ev.clientY - r.top) / rowH);
    const i = Math.floor((x - labelW) / ((r.width - labelW) / cols.length));
    if (x < labelW || !cols[i] || !patterns[j]) {
      tip.hidden = true;
      return;
    }
    tip.hidden = false;
    tip.textContent = `episode ${cols[i].episode} · ${patterns[j].label || `P${j + 1}`}: ` +
      `${cols[i].outputs[j]} (target ${patterns[j].target})`;
  });
  canvas.addEventListener('mouseleave', () => {
    tip.hidden = true;
  });

  function renderTable() {
    clear(tableBox);
    tableBox.append(h('table.data',
      h('thead', h('tr', h('th', { scope: 'col' }, 'episode'),
        patterns.map((p, j) => h('th', { scope: 'col' }, p.label || `P${j + 1}`)),
        h('th', { scope: 'col' }, 'distinct'), h('th', { scope: 'col' }, 'constant'))),
      h('tbody', cols.map((c) => h('tr', h('td', String(c.episode)),
        c.outputs.map((o) => h('td', h('code', o))),
        h('td', c.distinct_outputs === undefined ? '–' : num(c.distinct_outputs)),
        h('td', c.constant_output ? 'yes' : 'no'))))));
  }
  details.addEventListener('toggle', () => details.open && renderTable());

  let scheduled = false;
  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => draw()) : null;
  if (ro) ro.observe(fig);
  return {
    el: fig,
    set(points) {
      cols = points.filter((p) => Array.isArray(p.outputs));
      fig.dataset.columns = String(cols.length);
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        draw();
        const last = cols[cols.length - 1];
        clear(axis);
        clear(legend);
        if (last) {
          axis.append(h('span', `episode ${cols[0].episode}`),
            h('span', `episode ${last.episode}`));
          const distinct = [...new Set(last.outputs)];
          legend.append(h('span.muted', `At episode ${last.episode}: `),
            ...distinct.map((o) => h('span.legend-item', swatch(o), h('code', o))));
          canvas.setAttribute('aria-label', `Output vectors at ${cols.length} trajectory ` +
            `points, episode ${cols[0].episode} to ${last.episode}. At episode ${last.episode}` +
            `: ${last.outputs.join(' ')}` +
            (last.constant_output ? ' (constant output: every pattern gives the same vector).'
              : '.'));
        }
        if (details.open) renderTable();
      });
    },
    destroy() {
      if (ro) ro.disconnect();
    },
  };
}

function inferenceTable(inf) {
  const rows = inf.patterns.map((p, j) => h('tr', { dataset: { pattern: String(j) } },
    h('th', { scope: 'row' }, p.label || `P${j + 1}`),
    h('td', h('code', p.input)), h('td', h('code', p.target)),
    h('td.output', swatch(p.output), ' ', bitsEl(p.output, p.target)),
    h('td.r', pct(p.accuracy))));
  return h('div',
    h('table#inference.list',
      h('caption', `Inference with frozen weights at episode ${inf.episode}`),
      h('thead', h('tr', ['pattern', 'input', 'target', 'output', 'bit accuracy'].map((x) =>
        h(x === 'bit accuracy' ? 'th.r' : 'th', { scope: 'col' }, x)))),
      h('tbody', rows)),
    dl([
      ['Mean accuracy', pct(inf.mean_accuracy), 'inference-mean'],
      ['Distinct outputs', num(inf.distinct_outputs), 'inference-distinct'],
      ['Constant output', h('span', { dataset: { value: String(inf.constant_output) } },
        inf.constant_output ? 'yes: every pattern gives the same vector' : 'no'),
      'inference-constant'],
    ]));
}

export async function sessionPage(ctx) {
  const { main } = ctx;
  const name = ctx.params[0];
  document.title = `${name} · glia`;
  const path = `/v1/sessions/${enc(name)}`;
  let summary;
  try {
    summary = await get(path, { signal: ctx.signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      main.append(h('h1', name), h('p', 'No session of that name. ', h('a', { href: '/ui/' },
        'All sessions')));
      return;
    }
    throw e;
  }
  const config = summary.config;
  const patterns = config.task.patterns.map((p, j) => Object.assign({ label: `P${j + 1}` }, p));

  // ---- header, progress, latest point --------------------------------------------
  const title = h('h1', name, ' ', h('span#state'), ' ', h('span#constant'));
  // Which episode each panel shows: they update at different rates (progress every
  // slice, points every trajectory_interval episodes, inference and learner at most
  // every 2 s), so the page says so rather than letting them disagree silently.
  const shownAt = { progress: null, point: null, inference: null, learner: null };
  const episodesNote = h('p.muted#panel-episodes', { 'aria-live': 'off' });
  function noteEpisode(panel, episode) {
    shownAt[panel] = typeof episode === 'number' ? episode : null;
    const f = (v) => (v === null ? '–' : v.toLocaleString('en-US'));
    episodesNote.dataset.progress = String(shownAt.progress);
    episodesNote.dataset.point = String(shownAt.point);
    episodesNote.dataset.inference = String(shownAt.inference);
    episodesNote.dataset.learner = String(shownAt.learner);
    episodesNote.textContent = `Panels at: progress episode ${f(shownAt.progress)} · latest ` +
      `trajectory point episode ${f(shownAt.point)} (one every ` +
      `${config.training.trajectory_interval.toLocaleString('en-US')} episodes) · inference ` +
      `episode ${f(shownAt.inference)} · learner episode ${f(shownAt.learner)}.`;
  }
  let lastInf = null; // the latest GET .../inference answer
  const controls = sessionControls(summary, {
    onDone: (kind, result) => {
      if (kind === 'delete') navigate('/ui/');
      else if (kind === 'fork' && result && result.name) navigate(`/ui/sessions/${enc(result.name)}`);
      else refreshSummary();
    },
  });
  const facts = h('div');
  const progressBox = h('div');
  const latestBox = h('div');
  const errorLine = h('div');
  main.append(h('p.crumbs', h('a', { href: '/ui/' }, 'Sessions'), ' / ', name), title,
    controls.el, errorLine, episodesNote, h('div.cols', h('section.card', { 'aria-labelledby': 'h-about' },
      h('h2#h-about', 'Session'), facts), h('section.card', { 'aria-labelledby': 'h-progress' },
      h('h2#h-progress', 'Progress'), progressBox), h('section.card', {
      'aria-labelledby': 'h-latest' }, h('h2#h-latest', 'Latest trajectory point'), latestBox)));

  function showSummary(s) {
    const mine = summary.latest_point; // an event may be newer than a summary read
    if (mine && (!s.latest_point || mine.episode > s.latest_point.episode)) s.latest_point = mine;
    summary = s;
    document.getElementById('state').replaceChildren(stateBadge(s.state));
    controls.update(s);
    errorLine.replaceChildren(s.error ? h('div.error', { role: 'alert' }, s.error) : '');
    facts.replaceChildren(dl([
      ['Preset', s.preset || '(none)'],
      ['Learner', config.learner.kind],
      ['Seed', val(s.seed, String(s.seed))],
      s.experiment && ['Experiment', h('a', { href: `/ui/experiments/${enc(s.experiment)}` },
        s.experiment)],
      ['Created', time(s.created_at)],
      ['Updated', time(s.updated_at)],
      ['Compare', h('a', { href: `/ui/compare?s=${enc(name)}` }, 'with other sessions…')],
    ]));
    showProgress(Object.assign({}, s.progress, { accepted: s.accepted, rejected: s.rejected }));
    showLatest(s.latest_point);
  }
  // The latest trajectory point: the summary's, then each metrics or outputs event's as it
  // arrives (an event for the same episode adds its fields; an older one is ignored).
  function showLatest(lp) {
    showConstant();
    noteEpisode('point', lp ? lp.episode : null);
    const none = config.learner.kind === 'control'
      ? 'No trajectory point: the control learner takes no steps and records none. The ' +
        'inference below shows what its network answers.'
      : 'No trajectory point yet.';
    latestBox.replaceChildren(lp ? dl([
      ['Episode', num(lp.episode), 'latest-episode'],
      ['Accuracy', pct(lp.accuracy), 'latest-accuracy'],
      ['Average reward', num(lp.avg_reward), 'latest-reward'],
      ['Accept rate', lp.accept_rate === null ? '–' : pct(lp.accept_rate), 'latest-accept'],
      ['Distinct outputs', num(lp.distinct_outputs), 'latest-distinct'],
    ]) : h('p.muted#latest-none', none));
  }
  // The title's constant-output badge: from whichever is newer, the latest trajectory
  // point or the inference (a control session has only the inference).
  function showConstant() {
    const lp = summary.latest_point;
    const src = lastInf && (!lp || lastInf.episode >= lp.episode) ? lastInf : lp;
    const el = document.getElementById('constant');
    el.dataset.source = src === lastInf && src ? 'inference' : src ? 'point' : 'none';
    el.replaceChildren(src ? constantBadge(src.constant_output) || '' : '');
  }
  // p: {episode, episodes, steps, steps_per_second, accepted, rejected} (a progress
  // event, or the summary's figures); the accept rate is the summary's.
  function showProgress(p) {
    noteEpisode('progress', p.episode);
    progressBox.replaceChildren(
      h('progress#progress-bar', { max: p.episodes || 1, value: Math.min(p.episode, p.episodes || 0),
        'aria-label': 'episodes done' }),
      dl([
        ['Episode', h('span', num(p.episode), p.episodes ? ` of ${p.episodes.toLocaleString('en-US')}`
          : ''), 'progress-episode'],
        ['Steps', num(p.steps)],
        ['Steps/s', num(p.steps_per_second, 0)],
        ['Kept / reverted', h('span', num(p.accepted), ' / ', num(p.rejected))],
        ['Accept rate (all steps)', pct(summary.accept_rate)],
      ]));
  }
  showSummary(summary);

  let summaryTimer = null;
  function refreshSummary() {
    if (summaryTimer) return;
    summaryTimer = setTimeout(async () => {
      summaryTimer = null;
      if (!ctx.alive) return;
      try {
        showSummary(await get(path, { signal: ctx.signal }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) errorLine.replaceChildren(
          h('div.error', { role: 'alert' }, 'This session no longer exists.'));
      }
    }, 500);
  }
  ctx.onLeave(() => clearTimeout(summaryTimer));

  // ---- charts and the output grid ---------------------------------------------------
  const accChart = lineChart({ id: 'chart-accuracy', title: 'Accuracy and average reward',
    file: `${name}-accuracy`, series: [{ key: 'accuracy', label: 'accuracy' }, { key: 'avg_reward', label: 'average reward' }],
    y: [0, 1] });
  const rateChart = lineChart({ id: 'chart-accept', title: 'Accept rate', file: `${name}-accept`,
    series: [{ key: 'accept_rate', label: 'accept rate' }], y: [0, 1] });
  const distinctChart = lineChart({ id: 'chart-distinct', title: 'Distinct output vectors',
    file: `${name}-distinct`,
    series: [{ key: 'distinct_outputs', label: 'distinct outputs', digits: 0 }],
    y: [0, patterns.length] });
  const grid = outputGrid(patterns, `${name}-outputs`);
  ctx.onLeave(() => [accChart, rateChart, distinctChart, grid].forEach((c) => c.destroy()));
  const liveNote = h('p.muted#live', { 'aria-live': 'off' }, '');
  main.append(h('section', { 'aria-labelledby': 'h-curves' }, h('h2#h-curves', 'Trajectory'),
    liveNote, accChart.el, h('div.cols', rateChart.el, distinctChart.el), grid.el));

  const points = new Map(); // episode -> point
  let refetching = null;
  let publishing = false;
  function publish() { // once per frame, however many events arrived
    if (publishing) return;
    publishing = true;
    requestAnimationFrame(() => {
      publishing = false;
      const list = [...points.values()].sort((a, b) => a.episode - b.episode);
      accChart.set(list);
      rateChart.set(list);
      distinctChart.set(list);
      grid.set(list);
    });
  }
  async function fetchPoints() {
    const m = await get(`${path}/metrics?max_points=${MAX_POINTS}&downsample=minmax`,
      { signal: ctx.signal });
    const last = m.points.length ? m.points[m.points.length - 1].episode : -1;
    const keep = [...points.values()].filter((p) => p.episode > last);
    points.clear();
    for (const p of m.points) points.set(p.episode, Object.assign({}, p));
    for (const p of keep) points.set(p.episode, p);
    liveNote.textContent = `${m.total.toLocaleString('en-US')} trajectory points stored; ` +
      `showing ${points.size} (at most ${MAX_POINTS} from the API, each bucket's min and max ` +
      'kept, plus the live ones).';
    publish();
  }
  function refetchSoon() {
    if (refetching) return;
    refetching = setTimeout(async () => {
      try {
        if (ctx.alive) await fetchPoints();
      } catch (e) {
        console.warn(e); // a 401 shows the prompt; the next state event asks again
      } finally {
        refetching = null;
      }
    }, 300);
  }
  ctx.onLeave(() => clearTimeout(refetching));

  function addPoint(data) {
    const p = points.get(data.episode) || { episode: data.episode };
    Object.assign(p, data);
    points.set(data.episode, p);
    if (points.size > CAP) refetchSoon();
    publish();
  }

  // ---- inference, learner, config ------------------------------------------------------
  const inferenceBox = h('div#inference-box', h('p.muted', 'Loading…'));
  const learnerBox = h('div#learner-box', h('p.muted', 'Loading…'));
  const configPre = h('pre#config', JSON.stringify(config, null, 2));
  main.append(
    h('section.card', { 'aria-labelledby': 'h-inference' }, h('h2#h-inference', 'Inference'),
      inferenceBox),
    h('section.card', { 'aria-labelledby': 'h-learner' }, h('h2#h-learner', 'Learner'),
      learnerBox),
    h('section.card', { 'aria-labelledby': 'h-config' }, h('h2#h-config', 'Config'),
      h('details', h('summary', 'Resolved config (JSON)'), configPre)));

  let inferenceTimer = null;
  let lastInference = 0;
  async function loadInference() {
    lastInference = Date.now();
    try {
      const inf = await get(`${path}/inference`, { signal: ctx.signal });
      lastInf = inf;
      inferenceBox.replaceChildren(inferenceTable(inf));
      inferenceBox.dataset.episode = String(inf.episode);
      noteEpisode('inference', inf.episode);
      showConstant();
    } catch (e) {
      if (!(e instanceof DOMException)) inferenceBox.replaceChildren(errorBox(e));
    }
  }
  function inferenceSoon() { // at most every 2 s while points arrive
    if (inferenceTimer) return;
    inferenceTimer = setTimeout(() => {
      inferenceTimer = null;
      if (ctx.alive) loadInference();
    }, Math.max(0, 2000 - (Date.now() - lastInference)));
  }
  ctx.onLeave(() => clearTimeout(inferenceTimer));
  const learner = learnerSection(learnerBox, name, config, ctx,
    (episode) => noteEpisode('learner', episode));
  let learnerTimer = null;
  let lastLearner = 0;
  function learnerSoon() { // while points arrive, at most every 2 s (as the inference)
    if (learnerTimer) return;
    learnerTimer = setTimeout(() => {
      learnerTimer = null;
      lastLearner = Date.now();
      if (ctx.alive) learner.refresh();
    }, Math.max(0, 2000 - (Date.now() - lastLearner)));
  }
  ctx.onLeave(() => clearTimeout(learnerTimer));

  function latestFrom(d) {
    const lp = summary.latest_point;
    if (lp && d.episode < lp.episode) return;
    summary.latest_point = Object.assign(lp && lp.episode === d.episode ? lp : {}, d);
    showLatest(summary.latest_point);
  }

  // ---- the stream ----------------------------------------------------------------------
  const stream = openEvents(name, {
    state: () => { // a run started, paused or ended: read everything again now
      refreshSummary();
      refetchSoon();
      clearTimeout(inferenceTimer);
      inferenceTimer = null;
      loadInference();
      learner.refresh();
    },
    progress: (d) => {
      showProgress(d);
      refreshSummary();
    },
    metrics: (d) => {
      addPoint(d);
      latestFrom(d);
    },
    outputs: (d) => {
      addPoint(d);
      latestFrom(d);
      inferenceSoon();
      learnerSoon();
    },
  });
  ctx.onLeave(() => stream.close());
  await Promise.all([fetchPoints(), loadInference(), learner.refresh()]);
}
