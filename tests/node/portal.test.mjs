// Portal requests through the bundled app: a request of a mapped type runs
// its operation (now, or after approval), the customer is told what to fix
// on an invalid form, unmapped requests are ignored, and the hourly sweep
// runs what is due. Jira/JSM is the sandbox's fake site; Entra the emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp } from './support/app.mjs';
import { startEmulator } from './support/emulator.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';
import { SANDBOX_ADMIN } from '../../sandbox/sample-data.mjs';
import { sandboxConfig } from '../../sandbox/configure.mjs';

let app, emulator, jsm;

before(async () => {
  jsm = new FakeJsm();
  app = loadApp({ jsm, admins: [SANDBOX_ADMIN] });
  emulator = await startEmulator();
  const saved = await app.invoke(SANDBOX_ADMIN, 'config.save', { config: sandboxConfig({ emulator, jsm }) });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  await app.invoke(SANDBOX_ADMIN, 'connection.setClientSecret', { clientSecret: emulator.clientSecret });
});
after(() => emulator?.stop());

const created = (issue) => app.app.requestCreated({ issue: { key: issue.key, id: issue.id } });
const updated = (issue) => app.app.requestUpdated({ issue: { key: issue.key, id: issue.id } });
const entraWrites = async () => (await emulator.log()).filter((r) => r.kind !== 'token' && r.method !== 'GET' && r.path !== '/v1.0/$batch');
const userByUpn = async (upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName === upn);
const comments = (issue) => jsm.issue(issue.key).comments;

test('an onboarding request creates the account at once, with the plan and a summary on the request', async () => {
  const issue = jsm.createRequest({
    requestType: 'onboarding',
    reporter: 'customer-emily',
    fields: { givenName: 'Noor', surname: 'Haddad', department: 'Finance', jobTitle: 'Analyst', employeeId: 'E7001', manager: 'emily.braun@contoso.example' },
  });
  const result = await created(issue);
  assert.equal(result.result, 'ran', JSON.stringify(result));
  const noor = await userByUpn('noor.haddad@contoso.example');
  assert.ok(noor, 'account created in Entra');
  assert.equal(noor.department, 'Finance');
  const finance = (await emulator.tenant()).groups.find((g) => g.displayName === 'Finance');
  assert.ok(finance.memberIds.includes(noor.id), 'rule-derived group');
  const internal = comments(issue).filter((c) => !c.public).map((c) => c.body).join('\n');
  assert.match(internal, /planned changes/);
  assert.match(internal, /Temporary Access Pass/i, 'the summary says a credential waits for its reveal');
  assert.ok(comments(issue).every((c) => !c.public), 'nothing public about credentials');

  await emulator.clearLog();
  const again = await created(issue);
  assert.equal(again.result, 'ran');
  assert.deepEqual(await entraWrites(), [], 'a repeated event changes nothing');
});

test('a transfer waits for approval, then runs exactly once when the approval is decided', async () => {
  const issue = jsm.createRequest({
    requestType: 'transfer',
    reporter: 'customer-debra',
    fields: { user: 'grady.archie@contoso.example', department: 'Marketing', jobTitle: 'Marketing Analyst' },
    approvers: ['customer-debra'],
  });
  await emulator.clearLog();
  assert.equal((await created(issue)).result, 'waiting');
  assert.deepEqual(await entraWrites(), [], 'nothing changes before approval');
  assert.match(comments(issue).map((c) => c.body).join('\n'), /planned changes/);
  assert.equal((await updated(issue)).result, 'waiting', 'still pending');

  jsm.decide(issue.key, jsm.issue(issue.key).approvals[0].id, 'customer-debra', 'approve');
  assert.equal((await updated(issue)).result, 'ran');
  assert.equal((await userByUpn('grady.archie@contoso.example')).department, 'Marketing');
  await emulator.clearLog();
  assert.equal((await updated(issue)).result, 'ignored', 'nothing left to run');
  assert.deepEqual(await entraWrites(), []);
});

test('a declined request changes nothing and tells the customer', async () => {
  const issue = jsm.createRequest({
    requestType: 'transfer',
    reporter: 'customer-debra',
    fields: { user: 'lidia.holloway@contoso.example', department: 'Sales' },
    approvers: ['customer-debra'],
  });
  await created(issue);
  jsm.decide(issue.key, jsm.issue(issue.key).approvals[0].id, 'customer-debra', 'decline');
  await emulator.clearLog();
  const result = await updated(issue);
  assert.equal(result.result, 'ran');
  assert.deepEqual(await entraWrites(), []);
  assert.ok(comments(issue).some((c) => c.public && /declined/.test(c.body)));
});

test('an invalid form gets a public comment naming the field, and nothing reaches Entra', async () => {
  const issue = jsm.createRequest({ requestType: 'onboarding', reporter: 'customer-emily', fields: { givenName: 'Ana', department: 'HR' } });
  await emulator.clearLog();
  const result = await created(issue);
  assert.equal(result.result, 'invalidForm', JSON.stringify(result));
  const pub = comments(issue).filter((c) => c.public);
  assert.equal(pub.length, 1);
  assert.match(pub[0].body, /"Last name"/);
  assert.doesNotMatch(pub[0].body, /data\.|surname|Graph/, 'no internals for the customer');
  assert.deepEqual(await entraWrites(), []);
});

test('an offboarding waits for approval; the hourly sweep runs it once its leave date has come', async () => {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const issue = jsm.createRequest({
    requestType: 'offboarding',
    reporter: 'customer-debra',
    fields: { user: 'ben.walters@contoso.example', leaveDateTime: yesterday },
    approvers: ['customer-debra'],
  });
  const groupsBefore = (await userByUpn('ben.walters@contoso.example')).groupIds;
  assert.ok(groupsBefore.length > 0);
  assert.equal((await created(issue)).result, 'waiting');
  jsm.decide(issue.key, jsm.issue(issue.key).approvals[0].id, 'customer-debra', 'approve');
  // No update event reaches the app this time: the sweep finds it.
  const swept = await app.app.pendingSweep();
  const mine = swept.find(([key]) => key === issue.key);
  assert.equal(mine[1].result, 'ran', JSON.stringify(swept));
  const ben = await userByUpn('ben.walters@contoso.example');
  assert.equal(ben.accountEnabled, false);
  const serviceable = sandboxConfig({ emulator, jsm }).policy.serviceableGroups;
  assert.deepEqual(ben.groupIds.filter((g) => serviceable.includes(g)), [], 'left every serviceable group');
  assert.ok(groupsBefore.some((g) => serviceable.includes(g)), 'was in at least one before');
});

test('a request of an unmapped type is ignored quietly', async () => {
  const before = (await emulator.log()).length;
  const result = await app.app.requestCreated({ issue: { key: 'OTHER-1' } });
  assert.equal(result.result, 'ignored');
  assert.equal((await emulator.log()).length, before);
});

test('self-service: a customer updates their own allow-listed profile fields from the portal', async () => {
  const issue = jsm.createRequest({
    requestType: 'profile-update',
    reporter: 'customer-adele',
    fields: { user: 'adele.vance@contoso.example', mobilePhone: '+1 425 555 0142', officeLocation: 'Redmond 18/2113' },
  });
  const result = await created(issue);
  assert.equal(result.result, 'ran', JSON.stringify(result));
  const read = await app.app.lookupUser({ user: 'adele.vance@contoso.example' });
  assert.equal(read.objectId, '7bbae7fa-8c4a-4c31-a223-6cdb301c14bb');
  const patch = (await emulator.log()).find((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${read.objectId}`);
  assert.deepEqual(patch.body, { mobilePhone: '+1 425 555 0142', officeLocation: 'Redmond 18/2113' });
});

test('self-service: changing someone else\'s profile is refused and audited, nothing changes', async () => {
  const issue = jsm.createRequest({
    requestType: 'profile-update',
    reporter: 'customer-lee',
    fields: { user: 'adele.vance@contoso.example', officeLocation: 'Somewhere else' },
  });
  await emulator.clearLog();
  const result = await created(issue);
  assert.equal(result.result, 'refused', JSON.stringify(result));
  assert.deepEqual(await entraWrites(), []);
  assert.match(comments(issue).filter((c) => !c.public).map((c) => c.body).join('\n'), /own/i);
});

test('manager reset: the manager of record may reset a direct report; anyone else is refused', async () => {
  const spoof = jsm.createRequest({ requestType: 'password-reset-manager', reporter: 'customer-lee', fields: { user: 'pradeep.gupta@contoso.example' } });
  await emulator.clearLog();
  assert.equal((await created(spoof)).result, 'refused');
  assert.deepEqual(await entraWrites(), [], 'a spoofed manager changes nothing');

  const real = jsm.createRequest({ requestType: 'password-reset-manager', reporter: 'customer-debra', fields: { user: 'pradeep.gupta@contoso.example' } });
  const result = await created(real);
  assert.equal(result.result, 'ran', JSON.stringify(result));
  const pradeep = (await emulator.tenant()).users.find((u) => u.userPrincipalName === 'pradeep.gupta@contoso.example');
  const reset = (await emulator.log()).find((r) => r.method === 'PATCH' && r.path === `/v1.0/users/${pradeep.id}` && /passwordProfile/.test(JSON.stringify(r.body)));
  assert.ok(reset, 'the password was reset in Entra');
  assert.equal(reset.body.passwordProfile.password, "[REDACTED]", "the emulator log is redacted");
  const text = comments(real).map((c) => c.body).join('\n');
  assert.match(text, /temporary password/i);
});

test('the portal panel tells the manager what was done and reveals the password to them once', async () => {
  const real = jsm.createRequest({ requestType: 'password-reset-manager', reporter: 'customer-debra', fields: { user: 'vanessa.dumont@contoso.example' } });
  assert.equal((await created(real)).result, 'ran');
  const asPortal = (accountId, functionKey, payload = {}) =>
    app.jira.as(accountId, () => app.app.resolver({ call: { functionKey, payload }, context: { extension: { request: { key: real.key } } } }, { principal: { accountId } }));
  const view = await asPortal('customer-debra', 'portal.load');
  assert.equal(view.ok, true, JSON.stringify(view));
  assert.ok(view.value.changes.some((c) => c.text === 'Resetting the password: done.'), JSON.stringify(view.value.changes));
  const id = view.value.credential.id;
  assert.ok(id);
  // Someone else who can see the request (a participant, an agent) sees
  // what was done, but not the credential's delivery id.
  const participant = await asPortal('customer-lee', 'portal.load');
  assert.equal(participant.ok, true, JSON.stringify(participant));
  assert.ok(participant.value.changes.some((c) => c.text === 'Resetting the password: done.'));
  assert.equal(participant.value.credential, null, 'the delivery id goes only to its recipient');
  assert.ok(!JSON.stringify(participant).includes(id));
  const stranger = await asPortal('customer-lee', 'secret.reveal', { credentialId: id });
  assert.equal(stranger.ok, false);
  const shown = await asPortal('customer-debra', 'secret.reveal', { credentialId: id });
  assert.equal(shown.ok, true, JSON.stringify(shown));
  assert.ok(shown.value.value.length >= 16);
  assert.ok(!JSON.stringify(comments(real)).includes(shown.value.value), 'never in the request');
  const again = await asPortal('customer-debra', 'secret.reveal', { credentialId: id });
  assert.equal(again.error.code, 'gone');
});

test('form fields left empty are not given: the request runs and nothing empty reaches Entra', async () => {
  await emulator.clearLog();
  const issue = jsm.createRequest({
    requestType: 'onboarding',
    reporter: 'customer-emily',
    fields: { givenName: 'Ines', surname: 'Moreau', department: 'HR', jobTitle: '', employeeId: '  ', manager: '' },
  });
  const result = await created(issue);
  assert.equal(result.result, 'ran', JSON.stringify(result));
  const ines = await userByUpn('ines.moreau@contoso.example');
  assert.ok(ines, 'account created in Entra');
  assert.equal(ines.department, 'HR');
  const bodies = (await emulator.log()).filter((r) => r.kind !== 'token').map((r) => JSON.stringify(r.body ?? null));
  assert.ok(bodies.every((b) => !b.includes('""')), 'no empty string sent to Graph');
});

// Last in this file: it moves the app's clock (the local runtime's) forward.
test('an approved offboarding with a future leave date records it now and is offboarded on the date by the scheduler', async () => {
  const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const issue = jsm.createRequest({
    requestType: 'offboarding',
    reporter: 'customer-debra',
    fields: { user: 'irvin.sayers@contoso.example', leaveDateTime: inTwoDays },
    approvers: ['customer-debra'],
  });
  assert.equal((await created(issue)).result, 'waiting');
  jsm.decide(issue.key, jsm.issue(issue.key).approvals[0].id, 'customer-debra', 'approve');
  const ran = (await updated(issue));
  assert.equal(ran.result, 'ran', JSON.stringify(ran));
  assert.equal((await userByUpn('irvin.sayers@contoso.example')).accountEnabled, true, 'works until the leave date');
  assert.ok(comments(issue).some((c) => JSON.stringify(c.body).includes('Scheduled: Offboard the leaver')), 'the request says what is scheduled');
  app.runtime.advanceClock(2 * 86_400_000 + 60_000);
  await emulator.control('time', { method: 'POST', body: { advanceMs: 2 * 86_400_000 + 60_000 } });
  await app.app.pendingSweep();
  assert.equal((await userByUpn('irvin.sayers@contoso.example')).accountEnabled, false, 'offboarded on the date');
});
