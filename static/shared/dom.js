// Small DOM helpers: an element builder and the states every page shows
// (loading, empty, error), plus the confirm dialog that shows a plan.

/** h('div', {class: 'x', onclick}, child, ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function loading(text) {
  return h('div', { class: 'loading', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function empty(title, text, ...actions) {
  return h('div', { class: 'empty' }, h('h3', {}, title), text ? h('p', {}, text) : null, actions.length ? h('div', { class: 'row', style: 'justify-content:center' }, actions) : null);
}

/** Words for the errors a page meets most, so the title says what is wrong. */
const ERROR_TITLES = {
  network_error: 'Entra ID cannot be reached',
  graph_error: 'Entra ID answered with an error',
  throttled: 'Entra ID is busy',
  entra_sign_in_failed: 'The app cannot sign in to Entra ID',
  not_configured: 'The app is not connected to Entra ID',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  invalid_input: 'Check the input',
  not_implemented: 'Not available in this version',
  internal_error: 'The app failed',
  bridge_failed: 'The app could not be reached',
};

export function errorTitle(error) {
  if (error?.detail?.status === 503 || error?.code === 'graph_error' && /unavailable|503/i.test(error.message)) return 'Entra ID is unavailable';
  return ERROR_TITLES[error?.code] ?? 'Something went wrong';
}

export function errorMessage(error, onRetry) {
  return h('div', { class: 'message error', role: 'alert' },
    h('h3', {}, errorTitle(error)),
    h('p', {}, error?.message ?? String(error)),
    error?.detail?.graphRequestId ? h('p', { class: 'subtlest' }, 'Graph request id: ', h('code', {}, error.detail.graphRequestId)) : null,
    onRetry ? h('button', { class: 'btn', type: 'button', onclick: onRetry }, 'Try again') : null);
}

export function lozenge(text, kind = '') {
  return h('span', { class: `lozenge ${kind}` }, text);
}

export function formatDate(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A step's summary with the names of the groups and people it touches in bold (ids in a tooltip). */
export function named(summary, targets) {
  const names = (targets ?? []).map((t) => ({ name: t.displayName ?? t.userPrincipalName, id: t.id })).filter((t) => t.name);
  const parts = [];
  let rest = summary ?? '';
  while (rest) {
    const hit = names.map((t) => ({ ...t, at: rest.indexOf(t.name) })).filter((t) => t.at >= 0).sort((a, b) => a.at - b.at || b.name.length - a.name.length)[0];
    if (!hit) { parts.push(rest); break; }
    if (hit.at > 0) parts.push(rest.slice(0, hit.at));
    parts.push(h('strong', { title: hit.id }, hit.name));
    rest = rest.slice(hit.at + hit.name.length);
  }
  return parts;
}

export function planList(plan) {
  if (!plan?.length) return h('p', { class: 'subtle' }, 'Nothing to change: Entra already matches.');
  return h('ol', { class: 'plan', 'aria-label': 'Planned changes' }, plan.map((c) => h('li', {}, ...named(c.summary, c.targets), ' ', h('code', {}, `${c.method} ${c.path}`))));
}

const STEP_WORDS = { done: 'Done', noChange: 'No change needed', failed: 'Failed', skipped: 'Skipped', deferred: 'Deferred' };
const STEP_KIND = { done: 'success', noChange: '', failed: 'danger', skipped: 'warning', deferred: 'warning' };

export function stepList(steps) {
  if (!steps?.length) return null;
  return h('ul', { class: 'plain', 'aria-label': 'What was done' }, steps.map((s) =>
    h('li', {}, h('span', {}, ...named(s.summary, s.targets), s.outcome?.message ? h('span', { class: 'subtlest' }, ` — ${s.outcome.message}`) : null), lozenge(STEP_WORDS[s.outcome?.status] ?? s.outcome?.status ?? '?', STEP_KIND[s.outcome?.status]))));
}

/**
 * A modal dialog (native <dialog>: focus stays inside, Escape closes).
 * `render(body, actions, close)` fills it; returns a promise that resolves
 * when it closes.
 */
export function openDialog(title, render) {
  const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
  const body = h('div', { class: 'dialog-body stack' });
  const actions = h('div', { class: 'dialog-actions' });
  const dialog = h('dialog', { 'aria-labelledby': titleId }, h('div', { class: 'dialog-body', style: 'padding-bottom:0' }, h('h2', { id: titleId }, title)), body, actions);
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (value) => { dialog.close(); resolve(value); };
    dialog.addEventListener('close', () => { dialog.remove(); resolve(undefined); });
    render(body, actions, close);
    dialog.showModal();
  });
}

/** The confirm-after-plan flow: dry run, show the plan, then the real run. */
export function confirmWithPlan({ title, intro, danger = false, confirmLabel, dryRun, execute, onDone }) {
  return openDialog(title, (body, actions, close) => {
    const cancel = h('button', { class: 'btn subtle', type: 'button', onclick: () => close() }, 'Cancel');
    replace(body, intro ? h('p', {}, intro) : null, loading('Checking what would change…'));
    replace(actions, cancel);
    dryRun().then((planned) => {
      const confirm = h('button', { class: `btn ${danger ? 'danger' : 'primary'}`, type: 'button' }, confirmLabel);
      replace(body, intro ? h('p', {}, intro) : null, h('h3', {}, 'These changes will be made in Entra ID'), planList(planned.plan));
      replace(actions, cancel, confirm);
      confirm.focus();
      confirm.addEventListener('click', () => {
        confirm.disabled = true;
        replace(body, loading('Making the changes…'));
        execute().then((answer) => {
          const ok = h('button', { class: 'btn primary', type: 'button', onclick: () => close(answer) }, 'Close');
          replace(body, h('div', { class: 'message success', role: 'status' }, h('h3', {}, answer.replay ? 'Already done earlier' : 'Done'), h('p', {}, answer.replay ? 'This exact change was already made for this request; nothing was changed again.' : 'Entra ID has the changes.')), stepList(answer.result?.steps), onDone ? onDone(answer) : null);
          replace(actions, ok);
          ok.focus();
        }, (error) => {
          replace(body, errorMessage(error), stepList(error.detail?.result?.steps));
          replace(actions, h('button', { class: 'btn', type: 'button', onclick: () => close() }, 'Close'));
        });
      });
    }, (error) => {
      replace(body, errorMessage(error));
      cancel.focus();
    });
  });
}
