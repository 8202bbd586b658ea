// Licences through the bundled app against the emulator binary over HTTP:
// the Service API assigns (usageLocation first, in one $batch with
// dependsOn), refuses a SKU without a free seat and an inherited licence
// before any write, and the assign-licenses / remove-licenses automation
// actions return smart values. Round trips are counted in the emulator log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, SERVICEABLE } from './support/emulator.mjs';

const NOAH = 'noah.schmidt@contoso.example'; // no usageLocation, no licence
const LEE = 'lee.gu@contoso.example'; // no licence
const MEGAN = 'megan.bowen@contoso.example'; // E5 through the licensing group
let app, emulator, key;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  const groups = (await emulator.tenant()).groups;
  const saved = await app.invoke(ADMIN, 'config.save', {
    config: {
      connection: { tenantId: emulator.tenantId, clientId: emulator.clientId, loginBase: emulator.url, graphBase: emulator.url },
      provisioning: { defaultDomain: 'contoso.example', defaultUsageLocation: 'US' },
      policy: { serviceableGroups: SERVICEABLE.map((name) => groups.find((g) => g.displayName === name).id) },
    },
  });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  await app.invoke(ADMIN, 'connection.setClientSecret', { clientSecret: emulator.clientSecret });
  key = (await app.invoke(ADMIN, 'serviceKey.rotate')).value.key;
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const graphLog = async () => (await emulator.log()).filter((r) => r.kind !== 'token');
const roundTrips = async () => (await graphLog()).filter((r) => r.kind === 'graph').length;
const writes = async () => (await graphLog()).filter((r) => r.method !== 'GET' && r.path !== '/v1.0/$batch');

test('user.assignLicenses sets the missing usageLocation first, in one batch with dependsOn', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'user.assignLicenses', data: { user: NOAH, skus: ['ENTERPRISEPACK'], disabledPlans: ['TEAMS1'] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.plan.map((p) => p.key), ['usageLocation.set', 'licences.assign']);
  assert.match(res.body.plan[1].summary, /Assign ENTERPRISEPACK \(without TEAMS1\)/);
  assert.deepEqual(res.body.result.steps.map((s) => s.outcome.status), ['done', 'done']);
  const batch = (await graphLog()).find((r) => r.path === '/v1.0/$batch' && JSON.stringify(r.body).includes('assignLicense'));
  const [first, second] = batch.body.requests;
  assert.deepEqual(second.dependsOn, [first.id]);
  const items = (await graphLog()).filter((r) => r.kind === 'batch-item');
  const patch = items.find((r) => r.method === 'PATCH');
  assert.deepEqual(patch.body, { usageLocation: 'US' });
  assert.ok(patch.status < 300 && items.find((r) => r.path.endsWith('/assignLicense')).status === 200);
  console.log(`user.assignLicenses round trips (usageLocation set too): ${await roundTrips()}`);
});

test('refusals come before any write', async () => {
  await emulator.clearLog();
  const seats = await call({ route: 'user.assignLicenses', data: { user: LEE, skus: ['SPE_E5'] } });
  assert.equal(seats.status, 409, JSON.stringify(seats.body));
  assert.match(seats.body.error.message, /SPE_E5/);
  const inherited = await call({ route: 'user.removeLicenses', data: { user: MEGAN, skus: ['SPE_E5'] } });
  assert.equal(inherited.status, 409, JSON.stringify(inherited.body));
  assert.match(inherited.body.error.message, /Licensing - Microsoft 365 E5/);
  const unknown = await call({ route: 'user.assignLicenses', data: { user: LEE, skus: ['ENTERPRISEPACK', 'VISIOCLIENT'] } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.field, 'data.skus[1]');
  assert.deepEqual(await writes(), []);
});

test('assign-licenses and remove-licenses automation actions return smart values', async () => {
  await emulator.clearLog();
  const assigned = await app.app.assignLicenses({ user: LEE, skus: 'ENTERPRISEPACK', disabledPlans: '', issueKey: 'ITSM-31' });
  assert.equal(assigned.errors, undefined, JSON.stringify(assigned));
  assert.equal(assigned.status, 'done');
  assert.match(assigned.planSummary, /Assign ENTERPRISEPACK to lee.gu@contoso.example/);
  const assignTrips = await roundTrips();
  await emulator.clearLog();
  const removed = await app.app.removeLicenses({ user: LEE, skus: 'ENTERPRISEPACK', issueKey: 'ITSM-31' });
  assert.equal(removed.errors, undefined, JSON.stringify(removed));
  assert.equal(removed.status, 'done');
  assert.match(removed.planSummary, /Remove ENTERPRISEPACK from lee.gu@contoso.example/);
  console.log(`round trips: assign ${assignTrips}, remove ${await roundTrips()}`);
  const refused = await app.app.removeLicenses({ user: MEGAN, skus: 'SPE_E5', issueKey: 'ITSM-32' });
  assert.match(refused.errors[0].message, /Licensing - Microsoft 365 E5/);
});
