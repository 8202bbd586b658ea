// Issue view panel: the Entra account of the person the request is about,
// and quick actions that always show the plan before they run.
import { call, enableTheme } from '../shared/bridge.js';
import { h, replace, loading, empty, errorMessage, lozenge, formatDate, confirmWithPlan } from '../shared/dom.js';
import { credentialRefs, revealBox } from '../shared/reveal.js';

const root = document.getElementById('app');

const ACTIONS = {
  disable: { label: 'Disable account', title: 'Disable the account?', danger: true, confirm: 'Disable' },
  enable: { label: 'Enable account', title: 'Enable the account?', confirm: 'Enable' },
  revokeSessions: { label: 'Sign out everywhere', title: 'Revoke all sign-in sessions?', danger: true, confirm: 'Revoke sessions' },
  resetPassword: { label: 'Reset password', title: 'Reset the password?', danger: true, confirm: 'Reset password' },
  temporaryAccessPass: { label: 'Temporary Access Pass', title: 'Issue a Temporary Access Pass?', confirm: 'Issue pass' },
  resetMfa: { label: 'Reset MFA', title: 'Remove every sign-in method but the password and issue a Temporary Access Pass?', danger: true, confirm: 'Reset MFA' },
};

async function load({ refresh = false } = {}) {
  replace(root, loading('Loading the Entra account…'));
  try {
    render(await call('panel.load', { refresh }));
  } catch (error) {
    replace(root, errorMessage(error, () => load({ refresh: true })));
  }
}

function render(view) {
  const account = view.account;
  if (!account) {
    replace(root, pendingSection(view.pending), empty('No Entra account found', view.notFound ?? 'The person this request is about has no Entra account.',
      h('button', { class: 'btn', type: 'button', onclick: () => load({ refresh: true }) }, 'Check again')));
    return;
  }
  const user = account.user;
  replace(root, h('div', { class: 'stack' },
    header(user, account),
    pendingSection(view.pending),
    facts(user),
    assetsLink(view.assetsObject),
    groupsSection(view, account),
    view.canAct ? actionsSection(view, user) : h('p', { class: 'subtlest' }, 'Only agents who can edit this request can change the account.'),
    h('div', { class: 'toolbar' },
      h('span', { class: 'subtlest' }, `Loaded ${formatDate(new Date(view.loadedAtMs).toISOString())}`),
      h('button', { class: 'btn subtle small', type: 'button', onclick: () => load({ refresh: true }) }, 'Refresh'))));
}

function header(user, account) {
  return h('div', { class: 'account-head' },
    h('span', { class: 'name' }, user.displayName ?? user.userPrincipalName),
    h('span', { class: 'subtle mono' }, user.userPrincipalName),
    h('div', { class: 'badges' },
      user.accountEnabled === false ? lozenge('Disabled', 'danger') : lozenge('Enabled', 'success'),
      account.protected ? lozenge('Protected', 'discovery') : null,
      user.onPremisesSyncEnabled ? lozenge('Synced from AD', 'info') : null,
      user.userType === 'Guest' ? lozenge('Guest', 'warning') : null));
}

/** The operation the request waits to run (approval or leave date): its route and inputs, no plan. */
function pendingSection(pending) {
  if (!pending) return null;
  const scheduled = pending.notBeforeMs && pending.notBeforeMs > Date.now();
  const inputs = Object.entries(pending.inputs ?? {});
  return h('section', { class: 'pending message info', 'aria-labelledby': 'pending-title' },
    h('div', { class: 'row' }, h('h3', { id: 'pending-title' }, 'Waiting to run'),
      scheduled ? lozenge(`Scheduled for ${formatDate(new Date(pending.notBeforeMs).toISOString())}`, 'info') : lozenge('Waiting for approval', 'warning')),
    h('p', {}, h('code', {}, pending.route), pending.requester ? ` asked by ${pending.requester}` : null, ` ${formatDate(new Date(pending.createdAtMs).toISOString())}. It runs when every approval on the request is approved; nothing has changed in Entra yet.`),
    inputs.length ? h('dl', { class: 'facts', 'aria-label': 'Inputs' }, inputs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])) : null);
}

function facts(user) {
  const rows = [
    ['Department', user.department],
    ['Job title', user.jobTitle],
    ['Manager', user.manager ? (user.manager.displayName ?? user.manager.userPrincipalName) : null],
    ['Employee id', user.employeeId],
    ['Created', user.createdDateTime && formatDate(user.createdDateTime)],
    ['Password changed', user.lastPasswordChangeDateTime && formatDate(user.lastPasswordChangeDateTime)],
  ];
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

/** The person's Entra User object in JSM Assets, when the Assets import has one. */
function assetsLink(object) {
  if (!object?.url) return null;
  return h('p', { class: 'assets-object' }, 'Assets: ',
    h('a', { href: object.url, target: '_blank', rel: 'noopener noreferrer' }, object.label ?? object.objectKey), ' ', h('code', { class: 'subtle' }, object.objectKey));
}

function groupsSection(view, account) {
  const groups = account.groups ?? [];
  const items = groups.map((g) => h('li', {},
    h('span', { class: 'group-name' }, g.displayName ?? g.id, ' ', g.serviceable ? null : lozenge('Not serviceable')),
    view.canAct && g.serviceable ? h('button', { class: 'btn subtle small', type: 'button', 'aria-label': `Remove from ${g.displayName}`, onclick: () => runAction(view, 'removeGroup', { group: g.id, name: g.displayName }) }, 'Remove') : null));
  const addable = (view.serviceableGroups ?? []).filter((g) => !groups.some((m) => m.id === g.id));
  return h('section', { 'aria-labelledby': 'groups-title' },
    h('h3', { id: 'groups-title' }, `Groups (${groups.length})`),
    groups.length ? h('ul', { class: 'plain' }, items) : h('p', { class: 'subtle' }, 'Not a member of any group.'),
    view.canAct && addable.length ? addGroupForm(view, addable) : null);
}

function addGroupForm(view, addable) {
  const select = h('select', { id: 'add-group' }, addable.map((g) => h('option', { value: g.id }, g.displayName ?? g.id)));
  return h('div', { class: 'row', style: 'margin-top:8px' },
    h('div', { class: 'field', style: 'flex:1' }, h('label', { for: 'add-group' }, 'Add to a serviceable group'), select),
    h('button', { class: 'btn', type: 'button', style: 'align-self:flex-end', onclick: () => {
      const group = addable.find((g) => g.id === select.value);
      runAction(view, 'addGroup', { group: group.id, name: group.displayName });
    } }, 'Add'));
}

function actionsSection(view, user) {
  const names = view.actions.filter((a) => ACTIONS[a]).filter((a) => (a === 'disable' ? user.accountEnabled !== false : a === 'enable' ? user.accountEnabled === false : true));
  return h('section', { 'aria-labelledby': 'actions-title' },
    h('h3', { id: 'actions-title' }, 'Actions'),
    h('div', { class: 'actions' }, names.map((a) => h('button', { class: 'btn', type: 'button', dataset: { action: a }, onclick: () => runAction(view, a) }, ACTIONS[a].label))));
}

function runAction(view, action, { group, name } = {}) {
  const spec = ACTIONS[action] ?? (action === 'addGroup'
    ? { title: `Add to ${name}?`, confirm: 'Add to group' }
    : { title: `Remove from ${name}?`, danger: true, confirm: 'Remove from group' });
  const payload = { action, ...(group ? { group } : {}) };
  confirmWithPlan({
    title: spec.title,
    danger: spec.danger,
    confirmLabel: spec.confirm,
    dryRun: () => call('panel.action', { ...payload, dryRun: true }),
    execute: () => call('panel.action', { ...payload, dryRun: false }),
    onDone: (answer) => credentialRefs(answer).map(revealBox),
  }).then(() => load({ refresh: true }));
}

enableTheme();
load();
