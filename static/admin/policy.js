// Policy: approvals, who receives generated credentials, self-service
// attributes and the other settings, as controls. Choices come from
// config.options (the code that enforces them); errors come back from
// config.save with the setting's path and are shown beside its control.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage } from '../shared/dom.js';
import { field, showFieldError, clearFieldErrors } from './form.js';

const APPROVALS = [
  ['user', 'create', 'Create an account'], ['user', 'update', 'Update attributes'], ['user', 'disable', 'Disable'],
  ['user', 'enable', 'Enable'], ['user', 'revokeSessions', 'Sign out everywhere'], ['user', 'resetPassword', 'Reset password'],
  ['user', 'createTemporaryAccessPass', 'Temporary Access Pass'], ['user', 'offboard', 'Offboard'], ['user', 'transfer', 'Transfer'],
  ['user', 'assignLicenses', 'Assign licences'], ['user', 'removeLicenses', 'Remove licences'],
  ['group', 'addMember', 'Add to a group'], ['group', 'removeMember', 'Remove from a group'],
];
const CREDENTIAL_OPERATIONS = [['create', 'New account\u2019s first password'], ['resetPassword', 'Reset password'], ['createTemporaryAccessPass', 'Temporary Access Pass']];
const RECIPIENT_WORDS = { requester: 'The requester', targetManager: 'The user\u2019s manager', assignedAgent: 'The assigned agent' };

/** A fieldset of checkboxes; `path` is where config.save errors point. */
function checkboxes({ id, legend, path, options, checked, help }) {
  const boxes = options.map(([value, label]) => {
    const input = h('input', { type: 'checkbox', id: `${id}-${value}`, value });
    input.checked = checked.includes(value);
    return { value, input, el: h('label', { class: 'check', for: `${id}-${value}` }, input, ' ', label) };
  });
  const wrap = h('fieldset', { class: 'field', id, dataset: { path } },
    h('legend', {}, legend), h('div', { class: 'checks' }, boxes.map((b) => b.el)),
    help ? h('span', { class: 'help' }, help) : null,
    h('span', { class: 'error-text', 'aria-live': 'polite' }));
  return { wrap, values: () => boxes.filter((b) => b.input.checked).map((b) => b.value) };
}

export function policyTab(panel, store) {
  replace(panel, loading('Loading the policy choices…'));
  call('config.options').then((options) => render(panel, store, options), (error) => replace(panel, errorMessage(error, () => policyTab(panel, store))));
}

function render(panel, store, options) {
  const p = store.config.policy ?? {};
  const approvals = p.approvals ?? {};
  const approvalBoxes = ['user', 'group'].map((scope) => checkboxes({
    id: `approvals-${scope}`, legend: scope === 'user' ? 'Account operations' : 'Group membership', path: `config.policy.approvals.${scope}`,
    options: APPROVALS.filter(([s]) => s === scope).map(([, op, label]) => [op, label]),
    checked: APPROVALS.filter(([s, op]) => s === scope && approvals[scope]?.[op]).map(([, op]) => op),
  }));
  const recipients = p.secretRecipients?.user ?? {};
  const recipientBoxes = CREDENTIAL_OPERATIONS.map(([op, label]) => ({ op, box: checkboxes({
    id: `recipients-${op}`, legend: label, path: `config.policy.secretRecipients.user.${op}`,
    options: options.secretRecipients.map((r) => [r, RECIPIENT_WORDS[r] ?? r]), checked: recipients[op] ?? [],
  }) }));
  const selfService = checkboxes({
    id: 'self-service', legend: 'Attributes customers may change on their own profile', path: 'config.policy.selfServiceAttributes',
    options: options.selfServiceAttributes.map((a) => [a, a]), checked: p.selfServiceAttributes ?? [],
    help: 'Identity and organisation attributes (department, job title, manager\u2026) are never self-service.',
  });
  const number = (id, label, key, max, help) => {
    const f = field({ id, label, path: `config.policy.${key}`, type: 'number', value: p[key], help });
    Object.assign(f.input, { min: 1, max, step: 1 });
    return f;
  };
  const depth = number('managerChainDepth', 'Manager chain depth', 'managerChainDepth', options.maxManagerChainDepth, `1 = only the direct manager may ask for a reset; up to ${options.maxManagerChainDepth} levels above.`);
  const lifetime = number('secretLifetimeHours', 'Credential lifetime (hours)', 'secretLifetimeHours', options.maxSecretLifetimeHours, 'An unrevealed password or pass is deleted after this long.');
  const retention = number('auditRetentionDays', 'Audit retention (days)', 'auditRetentionDays', options.maxAuditRetentionDays, 'Older audit records are purged daily.');
  const agentGroups = field({ id: 'agentJiraGroups', label: 'Agents\u2019 Jira groups (one per line)', path: 'config.policy.agentJiraGroups', multiline: true, value: (p.agentJiraGroups ?? []).join('\n'), help: 'Members of these Jira groups may act from the issue panel and automation.' });
  const flag = (id, label, key, help, warning) => {
    const input = h('input', { type: 'checkbox', id });
    input.checked = Boolean(p[key]);
    const note = warning ? h('div', { class: 'message warning', hidden: !input.checked }, h('p', {}, warning)) : null;
    if (note) input.addEventListener('change', () => { note.hidden = !input.checked; });
    return { input, wrap: h('div', { class: 'field', dataset: { path: `config.policy.${key}` } }, h('label', { class: 'check', for: id }, input, ' ', label), h('span', { class: 'help' }, help), note, h('span', { class: 'error-text', 'aria-live': 'polite' })) };
  };
  const publicComments = flag('publicComments', 'Tell the customer in a public comment', 'publicCommentsForNonSecretOutcomes', 'Outcomes that carry no credential are also posted as a public comment on the request.');
  const signedHr = flag('signedHrSecret', 'Return credentials in signed HR responses', 'returnSecretInResponseForSignedHr', 'Signed Service API calls from the HR system get the new account\u2019s first password in the response.',
    'The password then leaves the app: the HR system must deliver it and must not log it. Leave this off unless the HR system is built for it.');
  const syncedAccounts = flag('refuseSyncedAccountChanges', 'Leave synced users\u2019 account state to Active Directory', 'refuseAccountChangesOfSyncedUsers', 'Refuse disabling, enabling and offboarding users synced from on-premises AD. Off: the app changes Entra ID and says that AD must be changed too, since the next sync reverts it.');
  const strictFirst = flag('requireFirstCredentialRecipient', 'Refuse onboarding when nobody can receive the first credential', 'requireFirstCredentialRecipient', 'Off: the account is created with a random password nobody knows, and the first credential is left pending for an agent or the manager to issue as a Temporary Access Pass.');
  const status = h('div', { 'aria-live': 'polite' });
  const save = h('button', { class: 'btn primary', type: 'submit' }, 'Save policy');
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Policy' },
    h('div', { class: 'card stack' }, h('h2', {}, 'Approvals'), h('p', { class: 'subtle' }, 'Checked operations run only after every approval on the request is approved.'), h('div', { class: 'grid2' }, approvalBoxes.map((b) => b.wrap))),
    h('div', { class: 'card stack' }, h('h2', {}, 'Who may reveal generated credentials'), h('p', { class: 'subtle' }, 'Each credential is revealed once, to one of these people.'), h('div', { class: 'grid2' }, recipientBoxes.map((r) => r.box.wrap))),
    h('div', { class: 'card stack' }, h('h2', {}, 'Self-service and managers'), selfService.wrap, depth.wrap),
    h('div', { class: 'card stack' }, h('h2', {}, 'Agents, credentials and audit'), agentGroups.wrap, h('div', { class: 'grid2' }, lifetime.wrap, retention.wrap), publicComments.wrap, signedHr.wrap, strictFirst.wrap, syncedAccounts.wrap),
    h('div', { class: 'row' }, save), status);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const next = {
      ...p,
      approvals: Object.fromEntries(['user', 'group'].map((scope, i) => [scope, Object.fromEntries(APPROVALS.filter(([s]) => s === scope).map(([, op]) => [op, approvalBoxes[i].values().includes(op)]))])),
      secretRecipients: { ...(p.secretRecipients ?? {}), user: Object.fromEntries(recipientBoxes.map(({ op, box }) => [op, box.values()])) },
      selfServiceAttributes: selfService.values(),
      managerChainDepth: Number(depth.input.value),
      secretLifetimeHours: Number(lifetime.input.value),
      auditRetentionDays: Number(retention.input.value),
      agentJiraGroups: agentGroups.input.value.split('\n').map((s) => s.trim()).filter(Boolean),
      publicCommentsForNonSecretOutcomes: publicComments.input.checked,
      returnSecretInResponseForSignedHr: signedHr.input.checked,
      requireFirstCredentialRecipient: strictFirst.input.checked,
      refuseAccountChangesOfSyncedUsers: syncedAccounts.input.checked,
    };
    save.disabled = true;
    replace(status, loading('Saving…'));
    try {
      await store.save({ ...store.config, policy: next });
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, 'Policy saved.')));
    } catch (error) {
      if (!showFieldError(form, error)) replace(status, errorMessage(error)); else replace(status);
    } finally {
      save.disabled = false;
    }
  });
  replace(panel, form);
}
