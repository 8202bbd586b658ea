// Privilege escalation through the entry points attacks.test.mjs leaves
// out: the issue view panel's quick actions (resolver `panel.action`) and
// portal requests. The issue asks for each escalation through every entry
// point; the Service API and automation actions are in attacks.test.mjs.
// Here: an agent's quick action on a request raised by a Global
// Administrator (reset, pass, disable, MFA reset), adding the reporter to a
// role-assignable or unserviceable group from the panel, a quick action on
// a request awaiting approval fired again and again, and through the
// portal a reset of a Global Administrator asked by their manager of
// record, a self-service edit of another user and a spoofed manager, each
// sent twice. Each is refused, nothing reaches Entra, and
// the audit log holds the refusal for that request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp } from './support/app.mjs';
import { startEmulator } from './support/emulator.mjs';
import { graphWrites } from './support/scan.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';
import { SANDBOX_ADMIN } from '../../sandbox/sample-data.mjs';
import { sandboxConfig } from '../../sandbox/configure.mjs';

const GLOBAL_ADMIN = 'isaiah.langer@contoso.example';
const AGENT = 'agent-lynne';
const ROLE_ASSIGNABLE = 'Privileged Support Staff';
const MAIL_ENABLED = 'Security Alerts';
let app, emulator, jsm;

before(async () => {
  jsm = new FakeJsm();
  // The Global Administrator's manager of record, as a portal customer.
  jsm.people = [...jsm.people, { accountId: 'customer-megan', displayName: 'Megan Bowen', emailAddress: 'megan.bowen@contoso.example', roles: ['customer'] }];
  app = loadApp({ jsm, admins: [SANDBOX_ADMIN] });
  emulator = await startEmulator();
  const saved = await app.invoke(SANDBOX_ADMIN, 'config.save', { config: sandboxConfig({ emulator, jsm }) });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  await app.invoke(SANDBOX_ADMIN, 'connection.setClientSecret', { clientSecret: emulator.clientSecret });
});
after(() => emulator?.stop());

/** `panel.action` as `accountId` in the issue view of `issueKey`. */
const panelAction = (accountId, issueKey, payload) =>
  app.jira.as(accountId, () =>
    app.app.resolver({ call: { functionKey: 'panel.action', payload }, context: { extension: { issue: { key: issueKey } } } }, { principal: { accountId } }));

/** Runs `attempt` with an empty emulator log and asserts no Graph write reached Entra. */
async function noWrite(attempt) {
  await emulator.clearLog();
  const out = await attempt();
  assert.deepEqual(await graphWrites(emulator), [], 'no write reached Entra');
  return out;
}

/** The audit records of `issueKey` (newest first), as an admin reads them. */
async function auditOf(issueKey) {
  const page = await app.invoke(SANDBOX_ADMIN, 'audit.query', { issueKey, limit: 100 });
  assert.equal(page.ok, true, JSON.stringify(page));
  return page.value.records;
}

const outcomes = (records) => JSON.stringify(records.map((r) => [r.operation, r.outcome]));
const userByUpn = async (upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName === upn);
const groupId = async (name) => (await emulator.tenant()).groups.find((g) => g.displayName === name).id;

test('issue panel: quick actions on a Global Administrator\'s account are refused and audited', async () => {
  // A request raised by the site admin, whose Entra account is a Global Administrator.
  const issue = jsm.createRequest({ requestType: 'password-reset-agent', reporter: SANDBOX_ADMIN, fields: {} });
  // Signing a Global Administrator out everywhere grants nothing, but it
  // takes an administrator off the tenant mid-incident, and Entra itself
  // keeps refresh-token invalidation of privileged users to privileged
  // roles, so it is refused too (policy::operation).
  const actions = ['resetPassword', 'temporaryAccessPass', 'disable', 'resetMfa', 'revokeSessions'];
  for (const action of actions) {
    const out = await noWrite(() => panelAction(AGENT, issue.key, { action, dryRun: false }));
    assert.equal(out.ok, false, `${action}: ${JSON.stringify(out)}`);
    assert.equal(out.status, 403, `${action}: ${JSON.stringify(out)}`);
    assert.equal(out.error.code, 'refused_by_policy', action);
  }
  const refused = (await auditOf(issue.key)).filter((r) => r.outcome === 'refused');
  assert.equal(refused.length, actions.length, outcomes(await auditOf(issue.key)));
  const isaiah = await userByUpn(GLOBAL_ADMIN);
  assert.equal(isaiah.accountEnabled, true, 'still enabled');
});

test('issue panel: adding the reporter to a role-assignable or unserviceable group is refused and audited', async () => {
  const issue = jsm.createRequest({ requestType: 'password-reset-agent', reporter: 'customer-adele', fields: {} });
  for (const name of [ROLE_ASSIGNABLE, MAIL_ENABLED]) {
    const group = await groupId(name);
    const out = await noWrite(() => panelAction(AGENT, issue.key, { action: 'addGroup', group, dryRun: false }));
    assert.equal(out.ok, false, `${name}: ${JSON.stringify(out)}`);
    assert.equal(out.rule, 'groupNotServiceable', `${name}: ${JSON.stringify(out)}`);
    const adele = await userByUpn('adele.vance@contoso.example');
    assert.ok(!adele.groupIds.includes(group), `not a member of ${name}`);
  }
  const refused = (await auditOf(issue.key)).filter((r) => r.outcome === 'refused' && r.operation === 'group.addMember');
  assert.equal(refused.length, 2, outcomes(await auditOf(issue.key)));
});

test('issue panel: a quick action on a request awaiting approval changes nothing, however often it fires', async () => {
  const issue = jsm.createRequest({
    requestType: 'transfer',
    reporter: 'customer-debra',
    fields: { user: 'grady.archie@contoso.example', department: 'Marketing' },
    approvers: ['customer-debra'],
  });
  for (let i = 0; i < 3; i++) {
    const out = await noWrite(() => panelAction(AGENT, issue.key, { action: 'disable', dryRun: false }));
    assert.equal(out.ok, false, `fire ${i + 1}: ${JSON.stringify(out)}`);
    assert.match(out.error.message, /approv/i, `fire ${i + 1}`);
  }
  assert.equal((await userByUpn('debra.berger@contoso.example')).accountEnabled, true, 'the reporter is still enabled');
  const waiting = (await auditOf(issue.key)).filter((r) => r.outcome === 'awaitingApproval');
  assert.ok(waiting.length >= 1, outcomes(await auditOf(issue.key)));
});

test('portal: a reset of a Global Administrator, another user\'s profile and a spoofed manager are refused and audited', async () => {
  const cases = [
    // Asked by the manager of record, so only the protection of the role refuses it.
    ['password-reset-manager', 'customer-megan', { user: GLOBAL_ADMIN }],
    ['profile-update', 'customer-lee', { user: 'adele.vance@contoso.example', officeLocation: 'Somewhere else' }],
    ['password-reset-manager', 'customer-lee', { user: 'pradeep.gupta@contoso.example' }],
  ];
  for (const [requestType, reporter, fields] of cases) {
    const issue = jsm.createRequest({ requestType, reporter, fields });
    const result = await noWrite(() => app.app.requestCreated({ issue: { key: issue.key, id: issue.id } }));
    assert.equal(result.result, 'refused', `${requestType}: ${JSON.stringify(result)}`);
    // Fired again (a re-sent event): still refused, still nothing written.
    const again = await noWrite(() => app.app.requestUpdated({ issue: { key: issue.key, id: issue.id } }));
    assert.notEqual(again.result, 'ran', `${requestType} again: ${JSON.stringify(again)}`);
    const records = await auditOf(issue.key);
    assert.ok(records.some((r) => r.outcome === 'refused'), `${requestType}: ${outcomes(records)}`);
  }
  assert.equal((await userByUpn(GLOBAL_ADMIN)).accountEnabled, true);
});
