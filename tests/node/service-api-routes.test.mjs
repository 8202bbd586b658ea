// The bundled app (wasm inside) against the Entra emulator over real HTTP:
// the Service API routes change Entra as they say, dry runs change nothing,
// replays return the first answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

const ADELE = 'adele.vance@contoso.example';
const ADELE_ID = '7bbae7fa-8c4a-4c31-a223-6cdb301c14bb';
let app, emulator, key;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const writes = async () => (await emulator.log()).filter((r) => r.kind !== 'token' && r.method !== 'GET' && r.path !== '/v1.0/$batch');
const userIn = async (id) => (await emulator.tenant()).users.find((u) => u.id === id);

test('the admin connection test sees the granted permissions', async () => {
  const res = await app.invoke(ADMIN, 'connection.test');
  assert.equal(res.value.connected, true, JSON.stringify(res));
  assert.ok(res.value.roles.includes('GroupMember.ReadWrite.All'));
});

test('user.get reads the user and manager from Entra', async () => {
  const res = await call({ route: 'user.get', data: { user: ADELE } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.result.id, ADELE_ID);
  assert.equal(res.body.result.manager.displayName, 'Alex Wilber');
});

test('a dry run returns the plan and sends no write to Entra', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'user.disable', data: { user: ADELE }, dryRun: true });
  assert.equal(res.status, 200);
  assert.equal(res.body.dryRun, true);
  assert.deepEqual(res.body.plan.map((c) => [c.method, c.path]), [['PATCH', `/users/${ADELE_ID}`]]);
  assert.deepEqual(await writes(), []);
  assert.equal((await userIn(ADELE_ID)).accountEnabled, true);
});

test('user.disable disables the account; a replay returns the first answer without calling Entra', async () => {
  const body = { route: 'user.disable', data: { user: ADELE }, idempotencyKey: 'ITSM-7-disable' };
  const first = await call(body);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal((await userIn(ADELE_ID)).accountEnabled, false);
  await emulator.clearLog();
  const replay = await call(body);
  assert.equal(replay.body.replay, true);
  assert.deepEqual(replay.headers['Idempotent-Replay'], ['true']);
  assert.deepEqual(await emulator.log(), []);
  const enabled = await call({ route: 'user.enable', data: { user: ADELE } });
  assert.equal(enabled.status, 200);
  assert.equal((await userIn(ADELE_ID)).accountEnabled, true);
});

test('group.addMember by display name adds the membership in Entra', async () => {
  const res = await call({ route: 'group.addMember', data: { user: ADELE, group: 'Engineering' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.result.steps[0].outcome.status, 'done');
  const engineering = (await emulator.tenant()).groups.find((g) => g.displayName === 'Engineering');
  assert.ok(engineering.memberIds.includes(ADELE_ID));
});

test('Entra outages surface as 502 with the step that failed and Graph\'s request id', async () => {
  await emulator.setFaults({ unavailable: { count: 50, retryAfterSeconds: 0, method: 'PATCH', pathPrefix: '/v1.0/users' } });
  try {
    const res = await call({ route: 'user.update', data: { user: ADELE, changes: { jobTitle: 'Senior Account Executive' } } });
    assert.ok([429, 502].includes(res.status), JSON.stringify(res.body));
    assert.equal(res.body.ok, false);
    assert.ok(res.body.result.steps.length >= 1);
  } finally {
    await emulator.setFaults({});
  }
});
