// Time through the bundled app: future-dated joiners and leavers, grace
// steps and the scheduler, driven by the local Forge runtime's clock (which
// the app's host reads) and the emulator's, moved together, then the hourly
// trigger, as the sandbox's POST /api/clock does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ADELE = 'adele.vance@contoso.example';

let app, emulator, key, issueKey;

before(async () => {
  const jsm = new FakeJsm();
  app = loadApp({ jsm });
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN, { secretRecipients: { user: { create: ['assignedAgent'] } } });
  const { value } = await app.invoke(ADMIN, 'config.get');
  const saved = await app.invoke(ADMIN, 'config.save', {
    config: { ...value.config, provisioning: { ...value.config.provisioning, joinerLeadDays: 1, licenceRemovalGraceDays: 3, accountDeletionGraceDays: 5 } },
  });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  issueKey = jsm.createRequest({ requestType: 'onboarding', reporter: 'customer-emily', fields: {} }).key;
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const user = async (id) => (await emulator.tenant()).users.find((u) => u.id === id || u.userPrincipalName === id);
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
/** Both clocks forward, then the hourly trigger once. */
async function advance(ms) {
  app.runtime.advanceClock(ms);
  await emulator.control('time', { method: 'POST', body: { advanceMs: ms } });
  return app.app.pendingSweep();
}

test('a joiner three days out: disabled without a credential, then enabled with one on the date', async () => {
  const created = await call({ route: 'user.create', issueKey, data: { givenName: 'Nora', surname: 'Later', employeeHireDate: day(Date.now() + 3 * DAY) } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id = created.body.result.user.id;
  assert.equal((await user(id)).accountEnabled, false);
  assert.equal(created.body.result.credential, undefined, 'no credential now');
  assert.equal(created.body.scheduled[0].step, 'activate');
  assert.match(created.body.scheduled[0].dueAt, /T08:00:00Z$/);

  await advance(DAY);
  assert.equal((await user(id)).accountEnabled, false, 'not before the hire date');
  const listed = await app.invoke(ADMIN, 'schedule.list', { userId: id });
  assert.equal(listed.value.people[0].state, 'joining');
  assert.equal(listed.value.people[0].steps[0].status, 'pending');

  await advance(3 * DAY);
  assert.equal((await user(id)).accountEnabled, true, 'enabled on the hire date');
  const after = await app.invoke(ADMIN, 'schedule.list', { userId: id });
  assert.equal(after.value.people[0].state, 'active');
  assert.equal(after.value.people[0].steps[0].status, 'done');
});

test('a leaver two days out keeps working until the date, then is offboarded', async () => {
  const leave = new Date(Date.now() + 2 * DAY).toISOString();
  const answer = await call({ route: 'user.offboard', data: { user: ADELE, leaveDateTime: leave } });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.scheduled[0].step, 'offboard');
  assert.equal((await user(ADELE)).accountEnabled, true);
  await advance(DAY);
  assert.equal((await user(ADELE)).accountEnabled, true);
  await advance(DAY + HOUR);
  assert.equal((await user(ADELE)).accountEnabled, false, 'offboarded on the leave date');
  // Grace steps follow from the offboarding on the date.
  const listed = await app.invoke(ADMIN, 'schedule.list', { userId: answer.body.result.user.id });
  const kinds = listed.value.people[0].steps.map((s) => `${s.step}:${s.status}`);
  assert.deepEqual(kinds.sort(), ['delete:pending', 'licences.remove:pending', 'offboard:done']);
  await advance(3 * DAY);
  await advance(2 * DAY);
  assert.equal(await user(ADELE), undefined, 'deleted after the grace days');
});

test('a leaver cancels a pending joiner; two sweeps at once run nothing twice', async () => {
  const created = await call({ route: 'user.create', data: { givenName: 'Omar', surname: 'Withdrawn', employeeHireDate: day(Date.now() + 4 * DAY) } });
  const id = created.body.result.user.id;
  const gone = await call({ route: 'user.offboard', data: { user: id } });
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  // Past the hire date's 08:00, before the deletion grace days end.
  const ms = 4 * DAY + 12 * HOUR;
  app.runtime.advanceClock(ms);
  await emulator.control('time', { method: 'POST', body: { advanceMs: ms } });
  await Promise.all([app.app.pendingSweep(), app.app.pendingSweep()]);
  assert.equal((await user(id)).accountEnabled, false, 'the activation was cancelled');
  const listed = await app.invoke(ADMIN, 'schedule.list', { userId: id });
  const activation = listed.value.people[0].steps.find((s) => s.step === 'activate');
  assert.equal(activation.status, 'cancelled');
});

/** HR writes a leave date straight into Entra (not through the app). */
async function hrSetsLeaveDate(upn, leave) {
  const form = new URLSearchParams({ client_id: emulator.clientId, client_secret: emulator.clientSecret, scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' });
  const token = await (await fetch(`${emulator.url}/${emulator.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form })).json();
  const patched = await fetch(`${emulator.url}/v1.0/users/${encodeURIComponent(upn)}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ employeeLeaveDateTime: leave }),
  });
  assert.equal(patched.status, 204, await patched.text());
}

test('the Entra leave-date scan offboards a leaver HR dated in Entra once, and refuses a protected one', async () => {
  const PROTECTED = 'lidia.holloway@contoso.example';
  const LEAVER = 'grady.archie@contoso.example';
  const protectedId = (await user(PROTECTED)).id;
  const leaverId = (await user(LEAVER)).id;
  const { value } = await app.invoke(ADMIN, 'config.get');
  const saved = await app.invoke(ADMIN, 'config.save', {
    config: {
      ...value.config,
      provisioning: { ...value.config.provisioning, scanEntraLeaveDates: true },
      policy: { ...value.config.policy, protectedUsers: [protectedId] },
    },
  });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  const leave = new Date(app.runtime.now() + 2 * HOUR).toISOString();
  await hrSetsLeaveDate(LEAVER, leave);
  await hrSetsLeaveDate(PROTECTED, leave);

  await advance(HOUR);
  assert.equal((await user(LEAVER)).accountEnabled, true, 'not before the leave date');

  await advance(2 * HOUR);
  assert.equal((await user(LEAVER)).accountEnabled, false, 'offboarded once the date passed');
  assert.equal((await user(PROTECTED)).accountEnabled, true, 'a protected account is never offboarded');
  const audit = async (id) => (await app.invoke(ADMIN, 'audit.query', { target: id })).value.records;
  const offboarded = await audit(leaverId);
  assert.equal(offboarded.length, 1, JSON.stringify(offboarded));
  assert.equal(offboarded[0].entryPoint, 'schedule');
  const refused = await audit(protectedId);
  assert.equal(refused.length, 1, JSON.stringify(refused));
  assert.match(JSON.stringify(refused[0].result), /refused/);
  const listed = await app.invoke(ADMIN, 'schedule.list', { userId: leaverId });
  assert.equal(listed.value.people[0].state, 'left');

  await advance(HOUR);
  assert.equal((await audit(leaverId)).length, 1, 'a second sweep offboards no one twice');
  assert.equal((await audit(protectedId)).length, 1, 'nor audits the refusal again');
});
