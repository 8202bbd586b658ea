// Manage users: search, summary and groups, and the same actions as the
// issue panel, each confirmed after its plan.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, empty, lozenge, formatDate, confirmWithPlan } from '../shared/dom.js';
import { credentialRefs, revealBox } from '../shared/reveal.js';
import { field, showFieldError, clearFieldErrors } from './form.js';

const ACTIONS = [
  ['disable', 'Disable', true, (u) => u.accountEnabled !== false],
  ['enable', 'Enable', false, (u) => u.accountEnabled === false],
  ['revokeSessions', 'Sign out everywhere', true, () => true],
  ['resetPassword', 'Reset password', true, () => true],
];

export function usersTab(panel) {
  const query = field({ id: 'user-search', label: 'Search by name or UPN', path: 'query' });
  const results = h('div', { 'aria-live': 'polite' });
  const detail = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card stack', role: 'search' }, query.wrap, h('button', { class: 'btn', type: 'submit' }, 'Search'), results);

  async function openUser(id) {
    replace(detail, loading('Loading the user…'));
    try {
      const { user, groups, protected: isProtected } = await call('users.get', { user: id });
      replace(detail, h('div', { class: 'card stack' },
        h('h2', {}, user.displayName ?? user.userPrincipalName),
        h('div', { class: 'row' }, h('code', {}, user.userPrincipalName), user.accountEnabled === false ? lozenge('Disabled', 'danger') : lozenge('Enabled', 'success'), isProtected ? lozenge('Protected', 'discovery') : null),
        h('dl', { class: 'facts' }, [['Department', user.department], ['Job title', user.jobTitle], ['Manager', user.manager?.displayName], ['Employee id', user.employeeId], ['Created', user.createdDateTime && formatDate(user.createdDateTime)], ['Password changed', user.lastPasswordChangeDateTime && formatDate(user.lastPasswordChangeDateTime)]].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')])),
        h('h3', {}, `Groups (${groups.length})`),
        groups.length ? h('ul', { class: 'plain' }, groups.map((g) => h('li', {}, g.displayName ?? g.id, g.serviceable ? lozenge('Serviceable', 'success') : null))) : h('p', { class: 'subtle' }, 'No groups.'),
        h('div', { class: 'row' }, ACTIONS.filter(([, , , when]) => when(user)).map(([action, label, danger]) => h('button', { class: 'btn', type: 'button', onclick: () => act(user, action, label, danger) }, label)))));
    } catch (error) {
      replace(detail, errorMessage(error, () => openUser(id)));
    }
  }

  function act(user, action, label, danger) {
    // One id per confirmation: its dry run and its real run share it, and
    // a repeated confirmation replays instead of acting twice.
    const attempt = crypto.randomUUID();
    const payload = { user: user.id, action, attempt };
    confirmWithPlan({
      title: `${label}: ${user.displayName ?? user.userPrincipalName}?`,
      danger,
      confirmLabel: label,
      dryRun: () => call('users.action', { ...payload, dryRun: true }),
      execute: () => call('users.action', { ...payload, dryRun: false }),
      onDone: (answer) => credentialRefs(answer).map(revealBox),
    }).then(() => openUser(user.id));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    replace(results, loading('Searching…'));
    try {
      const { users } = await call('users.search', { query: query.input.value });
      replace(results, users.length
        ? h('ul', { class: 'plain' }, users.map((u) => h('li', {}, h('span', {}, u.displayName, ' ', h('span', { class: 'subtlest' }, u.userPrincipalName)), h('button', { class: 'btn small', type: 'button', onclick: () => openUser(u.id) }, 'Open'))))
        : empty('No users found', 'Names and UPNs are matched from their start.'));
    } catch (error) {
      if (!showFieldError(form, error)) replace(results, errorMessage(error)); else replace(results);
    }
  });
  replace(panel, h('div', { class: 'stack' }, h('h2', {}, 'Manage users'), form, detail));
}
