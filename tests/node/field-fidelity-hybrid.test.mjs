// Field fidelity through the bundled app against the emulator over HTTP:
// users synced from on-premises AD (what the cloud may write, what a sync
// cycle undoes), the tenant's Temporary Access Pass policy, and an HR-posted
// new hire whose manager has no Jira account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

const JONI = 'joni.sherman@contoso.example'; // synced from on-premises AD
const ADELE = 'adele.vance@contoso.example';
let app, emulator, key;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const writes = async () => (await emulator.log()).filter((r) => r.kind !== 'token' && r.method !== 'GET' && r.path !== '/v1.0/$batch');
const user = async (upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName === upn);

test('a synced user: usageLocation is written, department is 409 naming it and the AD step', async () => {
  const ok = await call({ route: 'user.update', data: { user: JONI, changes: { usageLocation: 'DE' } } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  await emulator.clearLog();
  const refused = await call({ route: 'user.update', data: { user: JONI, changes: { department: 'Sales' } } });
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'on_premises_mastered');
  assert.deepEqual(refused.body.error.properties, ['department']);
  assert.match(refused.body.error.message, /on-premises Active Directory/);
  assert.deepEqual(await writes(), []);
  assert.equal((await user(JONI)).department, 'Finance');
});

test('disabling a synced user says AD must follow, and the next sync cycle re-enables it', async () => {
  const res = await call({ route: 'user.disable', data: { user: JONI } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const [remainder] = res.body.result.remainder;
  assert.equal(remainder.kind, 'activeDirectory');
  assert.match(remainder.summary, /Active Directory too.*re-enable/);
  assert.equal((await user(JONI)).accountEnabled, false);
  // What the answer warned about: Entra Connect writes AD's value back.
  const sync = await emulator.syncCycle();
  assert.deepEqual(sync.reverted.map((r) => [r.userPrincipalName, r.properties]), [[JONI, ['accountEnabled']]]);
  assert.equal((await user(JONI)).accountEnabled, true);
});

test('offboarding a synced user carries the AD remainder; with the admin setting on, it is refused before any write', async () => {
  const res = await call({ route: 'user.offboard', data: { user: JONI, leaveDateTime: '2025-12-31' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // Beside what stays through unserviceable groups, the AD step is listed.
  assert.ok(res.body.result.remainder.some((r) => r.kind === 'activeDirectory'), JSON.stringify(res.body.result.remainder));
  await emulator.syncCycle();
  key = await connectApp(app, emulator, ADMIN, { refuseAccountChangesOfSyncedUsers: true });
  await emulator.clearLog();
  const refused = await call({ route: 'user.disable', data: { user: JONI } });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.error.rule, 'syncedUserAccountChange');
  assert.deepEqual(await writes(), []);
  key = await connectApp(app, emulator, ADMIN);
});

test('a TAP lifetime outside the tenant policy is 400 naming the field and range; the policy is read once', async () => {
  await emulator.clearLog();
  const refused = await call({ route: 'user.createTemporaryAccessPass', data: { user: ADELE, lifetimeInMinutes: 600 } });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.error.field, 'data.lifetimeInMinutes');
  assert.match(refused.body.error.message, /between 60 and 480/);
  const planned = await call({ route: 'user.createTemporaryAccessPass', data: { user: ADELE, lifetimeInMinutes: 120 }, dryRun: true });
  assert.equal(planned.status, 200, JSON.stringify(planned.body));
  const policyReads = (await emulator.log()).filter((r) => r.path.endsWith('/authenticationMethodConfigurations/TemporaryAccessPass'));
  assert.equal(policyReads.length, 1);
  assert.deepEqual(await writes(), []);
});

test('an HR-posted new hire whose manager has no Jira account is created with the first credential pending', async () => {
  const secret = (await app.invoke(ADMIN, 'hmacSecret.rotate')).value.secret;
  const body = JSON.stringify({ route: 'user.create', data: { givenName: 'Nia', surname: 'Okafor', manager: 'alex.wilber@contoso.example' } });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  const res = parse(await app.app.serviceApi(webRequest({ body, headers: { 'X-Entra-Connect-Timestamp': timestamp, 'X-Entra-Connect-Signature': signature } })));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const upn = res.body.result.user.userPrincipalName;
  assert.ok(await user(upn), 'the account exists');
  assert.equal(res.body.result.credential, undefined);
  assert.equal(res.body.result.remainder[0].kind, 'credentialPending');
  assert.match(res.body.result.remainder[0].summary, /First credential pending: nobody to receive it/);
  assert.ok(!(await emulator.log()).some((r) => r.path.includes('temporaryAccessPassMethods')));
});
