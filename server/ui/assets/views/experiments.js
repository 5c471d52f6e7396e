// views/experiments.js: /ui/experiments — every experiment with its progress, and a
// form that posts one (from a template, edited or not).
import { get, post, enc } from '../api.js';
import { h, clear, num, stateBadge, errorBox, time, say } from '../dom.js';
import { navigate } from '../nav.js';

export async function experimentsPage(ctx) {
  const { main } = ctx;
  document.title = 'Experiments · glia';
  const templates = (await get('/v1/experiments/templates', { signal: ctx.signal })).items;
  const tbody = h('tbody');
  const empty = h('p.muted', { hidden: true }, 'No experiments yet.');
  const listError = h('div');
  main.append(h('h1', 'Experiments'), listError,
    h('div.scroll', h('table#experiments.list',
      h('caption', 'Experiments: one session per condition and seed'),
      h('thead', h('tr', ['name', 'state', 'conditions × seeds', 'episodes', 'progress', 'created']
        .map((x) => h('th', { scope: 'col' }, x)))), tbody)), empty);

  // ---- create ------------------------------------------------------------------------
  const tplSel = h('select#template', templates.map((t) => h('option', { value: t.name },
    `${t.name}: ${t.description}`)));
  const body = h('textarea#experiment-body', { rows: 12, spellcheck: 'false',
    'aria-describedby': 'experiment-help' });
  const err = h('div#experiment-error');
  const fill = () => {
    const t = templates.find((x) => x.name === tplSel.value);
    body.value = t ? JSON.stringify(t.body, null, 2) : '';
  };
  tplSel.addEventListener('change', fill);
  fill();
  const submit = h('button#experiment-create', { type: 'submit' }, 'Create and run');
  const form = h('form.card', { 'aria-labelledby': 'h-new-exp' },
    h('h2#h-new-exp', 'New experiment'),
    h('label', { for: 'template' }, 'Start from a template'), tplSel,
    h('label', { for: 'experiment-body' }, 'Experiment (JSON)'), body,
    h('p.muted#experiment-help', '{"name", "conditions": [{"label", "preset"?, "config"?}], ',
      '"seeds": [...] or {"count", "base"}, "episodes"}. Every session is named ',
      h('code', '<experiment>.<label>.<seed>'), '.'),
    h('div.buttons', submit), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    let doc;
    try {
      doc = JSON.parse(body.value);
    } catch (e) {
      err.append(h('div.error', { role: 'alert' }, `Not JSON: ${e.message}`));
      return;
    }
    submit.disabled = true;
    try {
      const x = await post('/v1/experiments', doc);
      say(`Experiment ${x.name} started`);
      navigate(`/ui/experiments/${enc(x.name)}`);
    } catch (e) {
      err.append(errorBox(e));
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form);

  ctx.every(2000, async () => {
    let list;
    try {
      list = await get('/v1/experiments', { signal: ctx.signal });
      listError.replaceChildren();
    } catch (e) {
      listError.replaceChildren(errorBox(e));
      return;
    }
    clear(tbody);
    for (const x of list.items) {
      tbody.append(h('tr', { dataset: { experiment: x.name } },
        h('th', { scope: 'row' }, h('a', { href: `/ui/experiments/${enc(x.name)}` }, x.name)),
        h('td', stateBadge(x.state)),
        h('td', x.conditions ? `${x.conditions.length} × ${x.seeds.length}` : `${x.seeds.length} seeds`),
        h('td', num(x.episodes)),
        h('td', h('progress', { max: 1, value: x.progress.fraction,
          'aria-label': `progress of ${x.name}` }), ' ', num(x.progress.completed), ' / ',
        num(x.progress.sessions)),
        h('td', time(x.created_at))));
    }
    empty.hidden = list.items.length > 0;
  });
}
