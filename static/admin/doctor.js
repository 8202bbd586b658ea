// Permission doctor: what each feature needs (the app's one list of Graph
// calls) next to the roles in the app's token.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, lozenge } from '../shared/dom.js';

const codes = (list) => list.map((p) => h('div', {}, h('code', {}, p)));

function featureTable(features) {
  return h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Feature'), h('th', {}, 'Needs'), h('th', {}, 'Status'))),
    h('tbody', {}, features.map((f) => h('tr', {},
      h('td', {}, f.label, f.note ? h('div', { class: 'subtlest' }, f.note) : null),
      h('td', {}, codes(f.needs)),
      h('td', {}, f.satisfied ? lozenge('Granted', 'success') : lozenge(`Missing: ${f.uncovered.join(', ')}`, 'danger'))))));
}

function missingCard(missing) {
  return h('div', { class: 'card' }, h('h3', {}, `Missing (${missing.length})`),
    missing.length
      ? h('ul', {}, missing.map((m) => h('li', {}, h('code', {}, m.permission), ` — needed for ${m.features.join('; ')}`, m.withoutIt ? h('div', { class: 'subtlest' }, `Without it: ${m.withoutIt}.`) : null)))
      : h('p', { class: 'ok' }, 'Nothing missing.'));
}

function excessCard(excessive, broader) {
  return h('div', { class: 'card' }, h('h3', {}, `More than needed (${excessive.length + broader.length})`),
    excessive.length || broader.length
      ? h('ul', {},
        excessive.map((e) => h('li', {}, h('code', {}, e.permission), ` — ${e.reason}`)),
        broader.map((b) => h('li', {}, h('code', {}, b.permission), ' — broader than needed; grant ', b.insteadOf.map((p) => h('code', {}, p)), ' instead, then remove it.')))
      : h('p', { class: 'ok' }, 'No excess.'),
    h('p', { class: 'subtlest' }, 'Remove these from the app registration unless another tool needs them.'));
}

function grantCard(grantList) {
  const text = h('textarea', { readonly: true, rows: String(grantList.split('\n').length), 'aria-label': 'Permissions to grant', class: 'mono' }, grantList);
  const copy = async () => {
    try { await navigator.clipboard.writeText(grantList); } catch { text.select(); }
  };
  return h('div', { class: 'card' }, h('h3', {}, 'Exactly what to grant'),
    h('p', { class: 'subtle' }, 'Application permissions, with admin consent: the least set that runs every feature.'),
    text, h('button', { class: 'btn', type: 'button', onclick: copy }, 'Copy'));
}

function tapPolicyCard(tap) {
  const body = () => {
    const { state, minimumLifetimeInMinutes: min, maximumLifetimeInMinutes: max, defaultLifetimeInMinutes: def, isUsableOnce } = tap.policy;
    return state === 'enabled'
      ? h('p', { class: 'ok' }, `Enabled: ${min} to ${max} minutes (default ${def}), ${isUsableOnce ? 'one-time passes only' : 'one-time or reusable'}.`)
      : h('p', { class: 'bad' }, 'Disabled in the tenant: no pass can be issued.');
  };
  return h('div', { class: 'card' }, h('h3', {}, 'Temporary Access Pass policy'),
    tap?.checked ? body() : h('p', { class: 'subtle' }, tap?.note ?? 'Not checked.'));
}

function roleCard(role) {
  return h('div', { class: 'card' }, h('h3', {}, 'Directory role for password resets'),
    role?.checked
      ? (role.passwordResetRoles.length ? h('p', { class: 'ok' }, `The app holds: ${role.passwordResetRoles.join(', ')}.`) : h('p', { class: 'bad' }, 'The app holds no role that may reset passwords; password resets will fail.'))
      : h('p', { class: 'subtle' }, role?.note ?? 'Not checked.'));
}

export function doctorTab(panel) {
  const out = h('div', { class: 'stack' });
  const run = async () => {
    replace(out, loading('Checking the token\u2019s permissions…'));
    try {
      const r = await call('doctor.check');
      if (!r.connected) {
        replace(out, h('div', { class: 'message error', role: 'alert' }, h('h3', {}, 'Not connected'), h('p', {}, r.problem)));
        return;
      }
      replace(out, featureTable(r.features),
        h('div', { class: 'grid2' }, missingCard(r.missing), excessCard(r.excessive, r.broader ?? [])),
        grantCard(r.grantList), tapPolicyCard(r.temporaryAccessPassPolicy), roleCard(r.directoryRole));
    } catch (error) {
      replace(out, errorMessage(error, run));
    }
  };
  replace(panel, h('div', { class: 'stack' }, h('div', { class: 'row' }, h('h2', { style: 'margin:0' }, 'Permission doctor'), h('button', { class: 'btn', type: 'button', onclick: run }, 'Check again')), h('p', { class: 'subtle' }, 'What each feature needs, from the Graph calls the app makes (each with its Microsoft Learn page), compared with the roles in the app\u2019s token.'), out));
  run();
}
