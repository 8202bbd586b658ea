// JSM approvals honoured through the bundled app: a portal onboarding whose
// request has a pending approval changes nothing in Entra until approved;
// a declined one never runs and says so; an edit of the request's fields
// after approval, before the app ran, is refused naming the field; and the
// plan on the request names groups by display name. Jira/JSM is the
// sandbox's fake site; Entra the emulator.
// Approvals as JSM reports them (`finalDecision` pending, approved,
// declined): https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-approval-get
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp } from './support/app.mjs';
import { startEmulator } from './support/emulator.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';
import { SANDBOX_ADMIN } from '../../sandbox/sample-data.mjs';
import { sandboxConfig } from '../../sandbox/configure.mjs';

let app, emulator, jsm, config;

before(async () => {
  jsm = new FakeJsm();
  app = loadApp({ jsm, admins: [SANDBOX_ADMIN] });
  emulator = await startEmulator();
  config = sandboxConfig({ emulator, jsm });
  const saved = await app.invoke(SANDBOX_ADMIN, 'config.save', { config });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  await app.invoke(SANDBOX_ADMIN, 'connection.setClientSecret', { clientSecret: emulator.clientSecret });
});
after(() => emulator?.stop());

const created = (issue) => app.app.requestCreated({ issue: { key: issue.key, id: issue.id } });
const updated = (issue) => app.app.requestUpdated({ issue: { key: issue.key, id: issue.id } });
// Every Entra write: POST, PATCH and DELETE, tokens and the $batch envelope aside
// (the emulator logs each request inside a batch on its own).
const entraWrites = async () => (await emulator.log())
  .filter((r) => r.kind !== 'token' && ['POST', 'PATCH', 'DELETE'].includes(r.method) && r.path !== '/v1.0/$batch');
const userByUpn = async (upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName === upn);
const internal = (issue) => jsm.issue(issue.key).comments.filter((c) => !c.public).map((c) => c.body).join('\n');
const decide = (issue, decision) => jsm.decide(issue.key, jsm.issue(issue.key).approvals[0].id, 'customer-debra', decision);
const hire = (surname) => jsm.createRequest({
  requestType: 'onboarding',
  reporter: 'customer-emily',
  fields: { givenName: 'Rowan', surname, department: 'Sales', jobTitle: 'Account Executive', employeeId: `E8${surname.length}01` },
  approvers: ['customer-debra'],
});

test('an onboarding with a pending approval changes nothing in Entra until approved, then creates the user', async () => {
  const issue = hire('Pending');
  await emulator.clearLog();
  assert.equal((await created(issue)).result, 'waiting');
  assert.equal((await updated(issue)).result, 'waiting', 'an update while pending still waits');
  assert.deepEqual(await entraWrites(), [], 'no POST, PATCH or DELETE before approval');
  assert.equal(await userByUpn('rowan.pending@contoso.example'), undefined);
  assert.match(internal(issue), /Waiting for 1 JSM approval/);

  decide(issue, 'approve');
  assert.equal((await updated(issue)).result, 'ran');
  const rowan = await userByUpn('rowan.pending@contoso.example');
  assert.ok(rowan, 'created once approved');
  assert.equal(rowan.department, 'Sales');
  await emulator.clearLog();
  assert.equal((await updated(issue)).result, 'ignored', 'nothing left to run');
  assert.deepEqual(await entraWrites(), []);
});

test('the internal plan comment names the groups by display name, not by id', async () => {
  const issue = hire('Planned');
  assert.equal((await created(issue)).result, 'waiting');
  const tenant = await emulator.tenant();
  const rule = config.provisioning.groupRules.find((r) => r.when.some((w) => w.equals === 'Sales'));
  assert.ok(rule?.groups.length, 'the demo tenant has Sales groups');
  const plan = internal(issue);
  assert.match(plan, /planned changes/);
  for (const id of rule.groups) {
    const group = tenant.groups.find((g) => g.id === id);
    assert.ok(plan.includes(`Add to group ${group.displayName}`), `${group.displayName} named in:\n${plan}`);
    assert.ok(!plan.includes(id), `the id ${id} stays out of the comment`);
  }
});

test('a declined onboarding never creates the user, and a comment says so', async () => {
  const issue = hire('Declined');
  assert.equal((await created(issue)).result, 'waiting');
  decide(issue, 'decline');
  await emulator.clearLog();
  assert.equal((await updated(issue)).result, 'ran');
  assert.deepEqual(await entraWrites(), []);
  assert.equal(await userByUpn('rowan.declined@contoso.example'), undefined);
  assert.match(internal(issue), /An approver declined this request; nothing was changed in Entra/);
  assert.ok(jsm.issue(issue.key).comments.some((c) => c.public && /declined/.test(c.body)), 'the customer is told');
});

test('an edit of the request after approval, before the app runs, is refused naming the field', async () => {
  const issue = hire('Approved');
  assert.equal((await created(issue)).result, 'waiting');
  decide(issue, 'approve');
  jsm.update(issue.key, { fields: { surname: 'Edited' } });
  await emulator.clearLog();
  const result = await updated(issue);
  assert.equal(result.result, 'ran', JSON.stringify(result));
  assert.equal(result.status, 403);
  assert.deepEqual(await entraWrites(), [], 'nothing runs');
  assert.equal(await userByUpn('rowan.approved@contoso.example'), undefined);
  assert.equal(await userByUpn('rowan.edited@contoso.example'), undefined);
  const notes = internal(issue);
  assert.match(notes, /changed after the request was approved: surname/);
  assert.ok(!notes.includes('Edited'), 'the field is named, its value never');
  assert.ok(jsm.issue(issue.key).comments.some((c) => c.public && /changed after it was approved/.test(c.body)));
  await emulator.clearLog();
  assert.equal((await updated(issue)).result, 'ignored', 'nothing left to run');
  assert.deepEqual(await entraWrites(), []);
});
