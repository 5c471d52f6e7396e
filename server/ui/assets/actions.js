// actions.js: the session controls (run, pause, resume, cancel, fork, delete) and the
// small modal form they use. Shared by the sessions list and the session page.
import { get, post, del, enc } from './api.js';
import { h, errorBox, say } from './dom.js';

// A modal form: fields [{name, label, type, value, min, max, required}]. Resolves with
// {name: value} on submit, or null when cancelled (Escape or the Cancel button).
// `submit(values)` may throw: its error is shown in the dialog, which stays open.
export function ask({ title, text, fields = [], ok = 'OK', submit }) {
  return new Promise((resolve) => {
    const inputs = {};
    const err = h('div.dialog-error');
    const form = h('form', { method: 'dialog' });
    form.append(h('h2', title));
    if (text) form.append(h('p', text));
    for (const f of fields) {
      const id = `dlg-${f.name}`;
      const input = h('input', { id, name: f.name, type: f.type || 'text', required: f.required,
        min: f.min, max: f.max, step: f.step, value: f.value === undefined ? '' : f.value,
        pattern: f.pattern, title: f.hint });
      inputs[f.name] = input;
      form.append(h('label', { for: id }, f.label), input);
    }
    const okBtn = h('button', { type: 'submit', value: 'ok' }, ok);
    const cancelBtn = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
    form.append(err, h('div.dialog-buttons', okBtn, cancelBtn));
    const dlg = h('dialog', { 'aria-label': title }, form);
    document.body.append(dlg);
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    cancelBtn.addEventListener('click', () => finish(null));
    dlg.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      finish(null);
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const values = {};
      for (const [k, input] of Object.entries(inputs)) values[k] = input.value;
      if (!submit) return finish(values);
      okBtn.disabled = true;
      err.replaceChildren();
      try {
        const r = await submit(values);
        finish(r === undefined ? values : r);
      } catch (e) {
        err.append(errorBox(e));
        okBtn.disabled = false;
      }
    });
    dlg.showModal();
    const first = fields.length ? inputs[fields[0].name] : okBtn;
    first.focus();
    if (first.select) first.select();
  });
}

// Which controls a state allows (the daemon decides; this only avoids offering a
// button that would be answered 409).
const allowed = {
  idle: ['run', 'fork', 'delete'],
  running: ['pause', 'cancel', 'fork', 'delete'],
  paused: ['resume', 'cancel', 'fork', 'delete'],
  completed: ['run', 'fork', 'delete'],
  cancelled: ['run', 'fork', 'delete'],
  failed: ['delete'],
};

const labels = { run: 'Run', pause: 'Pause', resume: 'Resume', cancel: 'Cancel', fork: 'Fork',
  delete: 'Delete' };

// Default episodes for a run: the preset's (GET /v1/presets), else 1000.
let presetEpisodes = null;
async function defaultEpisodes(preset) {
  if (presetEpisodes === null) {
    try {
      const list = await get('/v1/presets');
      presetEpisodes = Object.fromEntries(list.items.map((p) => [p.name, p.episodes]));
    } catch (e) {
      presetEpisodes = {};
    }
  }
  return (preset && presetEpisodes[preset]) || 1000;
}

async function act(kind, s, onDone) {
  const path = `/v1/sessions/${enc(s.name)}`;
  let done = null;
  switch (kind) {
    case 'run':
      done = await ask({
        title: `Run ${s.name}`,
        text: `It continues from episode ${s.progress.episode}.`,
        fields: [{ name: 'episodes', label: 'Episodes', type: 'number', min: 1, required: true,
          value: await defaultEpisodes(s.preset) }],
        ok: 'Run',
        submit: (v) => post(`${path}/run`, { episodes: Number(v.episodes) }),
      });
      break;
    case 'pause':
    case 'resume':
    case 'cancel':
      done = await post(`${path}/${kind}`);
      break;
    case 'fork':
      done = await ask({
        title: `Fork ${s.name}`,
        text: 'A new session continues from a snapshot of this one, bit for bit.',
        fields: [{ name: 'name', label: 'New name', required: true, value: `${s.name}-fork`,
          pattern: '[a-z0-9][a-z0-9._\\-]{0,63}', hint: 'a-z, 0-9, . _ - (up to 64)' }],
        ok: 'Fork',
        submit: async (v) => {
          const snap = await get(`${path}/snapshot`);
          return post('/v1/sessions', { name: v.name, snapshot: snap.snapshot });
        },
      });
      break;
    case 'delete':
      done = await ask({
        title: `Delete ${s.name}?`,
        text: 'This stops it and removes it with its points and events.',
        ok: 'Delete',
        submit: () => del(path),
      });
      break;
    default:
      return;
  }
  if (done) {
    say(`${labels[kind]}: ${s.name}`);
    if (onDone) onDone(kind, done);
  }
}

// The controls of one session. update(summary) enables what its state allows.
export function sessionControls(summary, { onDone } = {}) {
  let s = summary;
  const buttons = {};
  const box = h('div.actions', { role: 'group', 'aria-label': `Controls for ${s.name}` });
  for (const kind of Object.keys(labels)) {
    const b = h('button', { type: 'button', dataset: { action: kind },
      'aria-label': `${labels[kind]} ${s.name}` }, labels[kind]);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await act(kind, s, onDone);
      } catch (e) {
        say(`${labels[kind]} ${s.name}: ${e.message}`, true);
      } finally {
        update(s);
      }
    });
    buttons[kind] = b;
    box.append(b);
  }
  function update(next) {
    s = next;
    const ok = allowed[s.state] || [];
    for (const [kind, b] of Object.entries(buttons)) b.disabled = !ok.includes(kind);
  }
  update(s);
  return { el: box, update };
}
