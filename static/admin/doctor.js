// Permission doctor: least permissions per feature next to the token's roles.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, lozenge } from '../shared/dom.js';

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
      replace(out,
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Feature'), h('th', {}, 'Least permission'), h('th', {}, 'Status'))),
          h('tbody', {}, r.features.map((f) => h('tr', {}, h('td', {}, f.label, f.note ? h('div', { class: 'subtlest' }, f.note) : null), h('td', {}, f.least.map((p) => h('div', {}, h('code', {}, p)))), h('td', {}, f.satisfied ? lozenge('Granted', 'success') : lozenge('Missing', 'danger')))))),
        h('div', { class: 'grid2' },
          h('div', { class: 'card' }, h('h3', {}, `Missing (${r.missing.length})`), r.missing.length ? h('ul', {}, r.missing.map((p) => h('li', {}, h('code', {}, p)))) : h('p', { class: 'ok' }, 'Nothing missing.')),
          h('div', { class: 'card' }, h('h3', {}, `More than needed (${r.excessive.length})`), r.excessive.length ? h('ul', {}, r.excessive.map((p) => h('li', {}, h('code', {}, p)))) : h('p', { class: 'ok' }, 'No excess.'), h('p', { class: 'subtlest' }, 'Remove these from the app registration unless another tool needs them.'))),
        h('div', { class: 'card' }, h('h3', {}, 'Temporary Access Pass policy'),
          r.temporaryAccessPassPolicy?.checked
            ? (({ state, minimumLifetimeInMinutes: min, maximumLifetimeInMinutes: max, defaultLifetimeInMinutes: def, isUsableOnce }) => h('p', { class: state === 'enabled' ? 'ok' : 'bad' }, state === 'enabled' ? `Enabled: ${min} to ${max} minutes (default ${def}), ${isUsableOnce ? 'one-time passes only' : 'one-time or reusable'}.` : 'Disabled in the tenant: no pass can be issued.'))(r.temporaryAccessPassPolicy.policy)
            : h('p', { class: 'subtle' }, r.temporaryAccessPassPolicy?.note ?? 'Not checked.')),
        h('div', { class: 'card' }, h('h3', {}, 'Directory role for password resets'),
          r.directoryRole?.checked
            ? (r.directoryRole.passwordResetRoles.length ? h('p', { class: 'ok' }, `The app holds: ${r.directoryRole.passwordResetRoles.join(', ')}.`) : h('p', { class: 'bad' }, 'The app holds no role that may reset passwords; password resets will fail.'))
            : h('p', { class: 'subtle' }, r.directoryRole?.note ?? 'Not checked.')));
    } catch (error) {
      replace(out, errorMessage(error, run));
    }
  };
  replace(panel, h('div', { class: 'stack' }, h('div', { class: 'row' }, h('h2', { style: 'margin:0' }, 'Permission doctor'), h('button', { class: 'btn', type: 'button', onclick: run }, 'Check again')), h('p', { class: 'subtle' }, 'The least Microsoft Graph application permissions each feature needs, from Microsoft\u2019s permission map, compared with the roles in the app\u2019s token.'), out));
  run();
}
