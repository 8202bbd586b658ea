// Issue 12 on the Graph side, through the bundled app against the emulator
// binary: a removal held through a nested group is a 409 naming it, an
// offboarding under throttling completes, an offboarding deletes only real
// memberships, and Graph's 4xx on a step is the caller's 4xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

const MIRIAM = 'miriam.graham@contoso.example';
const RAUL = 'raul.razo@contoso.example';
const ENRICO = 'enrico.cattaneo@contoso.example';
const ADELE = 'adele.vance@contoso.example';
let app, emulator, key;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const graphCalls = async () => (await emulator.log()).filter((r) => r.kind !== 'token');
const writes = async () => (await graphCalls()).filter((r) => r.method !== 'GET' && r.path !== '/v1.0/$batch');
const groupNamed = async (name) => (await emulator.tenant()).groups.find((g) => g.displayName === name);
const userNamed = async (upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName === upn);

test('removing Miriam from App - GitHub Enterprise is a 409 naming Engineering, and nothing is written', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'group.removeMember', data: { user: MIRIAM, group: 'App - GitHub Enterprise' } });
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'conflict');
  assert.match(res.body.error.message, /'Engineering'/);
  assert.deepEqual(await writes(), []);
  const miriam = await userNamed(MIRIAM);
  assert.ok((await groupNamed('Engineering')).memberIds.includes(miriam.id));
});

test('an offboarding sends DELETEs only for the memberships the user really has', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'user.offboard', data: { user: RAUL } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const deletes = (await graphCalls()).filter((r) => r.method === 'DELETE');
  const expected = [(await groupNamed('All Staff')).id, (await groupNamed('Engineering')).id];
  assert.equal(deletes.length, 2, JSON.stringify(deletes));
  assert.ok(deletes.every((d) => d.status === 204), JSON.stringify(deletes));
  assert.ok(expected.every((id) => deletes.some((d) => d.path.includes(id))));
  const dynamic = res.body.result.remainder.filter((r) => r.kind === 'dynamicGroup');
  assert.equal(dynamic.length, 1, JSON.stringify(res.body.result.remainder));
  assert.match(dynamic[0].summary, /Dynamic - Engineering Contractors/);
});

test('user.offboard while Entra throttles at 2 requests/s (Retry-After 0.25 s) completes', async () => {
  await emulator.clearLog();
  await emulator.setFaults({ throttle: { requestsPerSecond: 2, retryAfterSeconds: 0.25 } });
  try {
    const res = await call({ route: 'user.offboard', data: { user: ENRICO } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok((await graphCalls()).some((r) => r.status === 429), 'the emulator throttled');
  } finally {
    await emulator.setFaults({});
  }
  assert.equal((await userNamed(ENRICO)).accountEnabled, false);
});

test('a step Graph refuses with a 4xx is that 4xx with Graph\'s code and request id', async () => {
  await emulator.clearLog();
  await emulator.setFaults({
    refuse: {
      count: 1, status: 400, code: 'Request_BadRequest', target: 'jobTitle', method: 'PATCH', pathPrefix: '/v1.0/users',
      message: "Invalid value specified for property 'jobTitle' of resource 'User'.",
    },
  });
  try {
    const res = await call({ route: 'user.update', data: { user: ADELE, changes: { jobTitle: 'Lead' } } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'invalid_input');
    assert.equal(res.body.error.graphCode, 'Request_BadRequest');
    assert.equal(res.body.error.field, 'data.changes.jobTitle');
    const refused = (await graphCalls()).find((r) => r.method === 'PATCH' && r.status === 400);
    assert.equal(res.body.error.graphRequestId, refused.requestId);
    assert.equal(res.body.result.steps[0].outcome.status, 'failed');
  } finally {
    await emulator.setFaults({});
  }
});
