// The Assets import end to end: the bundled app's lifecycle functions and
// queue consumer (played by sandbox/runtime/assets-driver.mjs as Assets and
// Forge would), against the fake Assets site and the Entra emulator.
// Skipped, loudly, while manifest.yml has no Assets import module
// (support/assets.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './support/emulator.mjs';
import { assetsSkip, loadAssetsApp, saveAssetsConfig, graph, IMPORT_ID } from './support/assets.mjs';
import { runImport, importStatus, deleteImport } from '../../sandbox/runtime/assets-driver.mjs';
import { ADMIN } from './support/app.mjs';

const skip = assetsSkip('tests/node/assets-import.test.mjs');
let emulator, world;

before(async () => {
  if (skip) return;
  emulator = await startEmulator();
  world = await loadAssetsApp(emulator);
});
after(() => emulator?.stop());

const run = (options = {}) => runImport({ runtime: world.runtime, app: world.app, assets: world.assets, importId: IMPORT_ID, ...options });
const users = () => world.assets.objects()['Entra User'];
const groups = () => world.assets.objects()['Entra Group'];
const userById = (id) => users().find((o) => o.attributes['Entra Object ID'] === id);
const labels = (refs) => (refs ?? []).map((r) => r.label).sort();
const graphCalls = async () => (await emulator.log()).filter((r) => r.kind !== 'token');
const lastRun = async () => (await world.invoke(ADMIN, 'assets.imports.list', {}, 'admin-page')).value.imports[0].lastRun;
const resultOf = (execution, type) => Object.values(execution.progressResult.objectTypeResultMap).find((r) => r.objectTypeName === type);

/** Every object exactly once per Entra object: nothing duplicated, nothing lost. */
async function assertMirrorsTenant() {
  const tenant = await emulator.tenant();
  const userIds = users().map((o) => o.attributes['Entra Object ID']).sort();
  const groupIds = groups().map((o) => o.attributes['Entra Object ID']).sort();
  assert.deepEqual(userIds, tenant.users.map((u) => u.id).sort());
  assert.deepEqual(groupIds, tenant.groups.map((g) => g.id).sort());
  return tenant;
}

test('before any configuration importStatus is NOT_CONFIGURED and startImport says what to do', { skip }, async () => {
  assert.deepEqual(await importStatus({ runtime: world.runtime, app: world.app, assets: world.assets, importId: IMPORT_ID }), { status: 'NOT_CONFIGURED' });
  await assert.rejects(run(), (error) => /config/i.test(error.message));
  assert.equal(world.assets.executions().length, 0);
});

test('first import: the configuration view saves the mapping; every user and group becomes one object with manager and memberships', { skip }, async () => {
  const saved = await saveAssetsConfig(world);
  assert.equal(saved.mapping, 'created');
  assert.deepEqual(await importStatus({ runtime: world.runtime, app: world.app, assets: world.assets, importId: IMPORT_ID }), { status: 'READY' });
  await emulator.clearLog();
  const answer = await run();
  assert.deepEqual(answer.started, { result: 'started' });
  assert.equal(answer.execution.status, 'DONE', JSON.stringify(answer));
  const tenant = await assertMirrorsTenant();
  for (const u of tenant.users) {
    const object = userById(u.id);
    const manager = tenant.users.find((m) => m.id === u.managerId);
    assert.deepEqual(labels(object.attributes.Manager), manager ? [manager.displayName] : [], `${u.userPrincipalName}'s manager`);
    const direct = tenant.groups.filter((g) => g.memberIds?.includes(u.id)).map((g) => g.displayName).sort();
    assert.deepEqual(labels(object.attributes['Member Of']), direct, `${u.userPrincipalName}'s groups`);
  }
  for (const g of tenant.groups) {
    const parents = tenant.groups.filter((p) => p.memberIds?.includes(g.id)).map((p) => p.displayName).sort();
    assert.deepEqual(labels(groups().find((o) => o.attributes['Entra Object ID'] === g.id).attributes['Member Of']), parents, `${g.displayName}'s parents`);
  }
  const execution = world.assets.executions().at(-1);
  assert.ok(execution.largestChunkRecords <= 250 && execution.largestChunkBytes <= 512 * 1024, JSON.stringify(execution));
  assert.equal(new Set(execution.clientGeneratedIds).size, execution.clientGeneratedIds.length, 'every chunk once');
  const requests = (await graphCalls()).length;
  console.log(`BENCH assets import: ${tenant.users.length} users, ${tenant.groups.length} groups, ${requests} Graph requests, ${answer.events} queue events, ${execution.chunks} chunks`);
  const list = await world.invoke(ADMIN, 'assets.imports.list', {}, 'admin-page');
  assert.equal(list.value.imports[0].lastRun.outcome, 'done');
  assert.equal(list.value.imports[0].lastRun.counts.users, tenant.users.length);
});

test('a change in Entra, then a second full import: the object is updated, the rest identical, nothing duplicated', { skip }, async () => {
  const tenant = await emulator.tenant();
  const adele = tenant.users.find((u) => u.userPrincipalName === 'adele.vance@contoso.example');
  assert.equal((await graph(emulator, 'PATCH', `/users/${adele.id}`, { department: 'Assets Test Dept' })).status, 204);
  const answer = await run();
  assert.equal(answer.execution.status, 'DONE');
  assert.equal(userById(adele.id).attributes.Department, 'Assets Test Dept');
  const result = resultOf(answer.execution, 'Entra User');
  assert.equal(result.objectsUpdated, 1);
  assert.equal(result.objectsCreated, 0);
  const tenantNow = await assertMirrorsTenant();
  const last = await lastRun();
  assert.equal(last.outcome, 'done');
  assert.equal(last.mode, 'full');
  assert.equal(last.trigger, 'assets');
  assert.deepEqual(last.counts, { users: tenantNow.users.length, groups: tenantNow.groups.length, removed: 0 });
  assert.equal(last.objectTypeResults['Entra User'].updated, 1);
});

test('incremental mode reads only what changed since the last import', { skip }, async () => {
  await saveAssetsConfig(world, { mode: 'incremental' });
  await run(); // the first incremental run after a full one may sweep in full to get its delta links
  const tenant = await emulator.tenant();
  const lee = tenant.users.find((u) => u.userPrincipalName === 'lee.gu@contoso.example');
  await graph(emulator, 'PATCH', `/users/${lee.id}`, { jobTitle: 'Incremental Tester' });
  await emulator.clearLog();
  const answer = await run();
  assert.equal(answer.execution.status, 'DONE');
  assert.equal(userById(lee.id).attributes['Job Title'], 'Incremental Tester');
  assert.ok(answer.execution.records < tenant.users.length, `an incremental run sends the changes, not everyone (${answer.execution.records} records)`);
  const requests = (await graphCalls()).filter((r) => r.path.includes('/delta'));
  assert.ok(requests.length >= 1 && requests.every((r) => /deltatoken|\$deltatoken|skiptoken/i.test(`${r.path}?${r.query ?? ''}`)), JSON.stringify(requests.map((r) => r.query)));
  await assertMirrorsTenant();
  const last = await lastRun();
  assert.equal(last.outcome, 'done');
  assert.equal(last.mode, 'incremental');
  assert.equal(last.counts.users, 1, 'only the changed user is sent');
  assert.equal(last.graphRequests, requests.length);
});

test('an expired delta token (Graph: 410 Gone / syncStateNotFound after 7 days) falls back to a full sweep', { skip }, async () => {
  // Graph keeps directory delta tokens for 7 days; the emulator's clock moves on 8.
  await emulator.control('time', { method: 'POST', body: { advanceMs: 8 * 24 * 3600 * 1000 } });
  const answer = await run();
  assert.equal(answer.execution.status, 'DONE', JSON.stringify(answer));
  const tenant = await assertMirrorsTenant();
  assert.equal(answer.execution.records, tenant.users.length + tenant.groups.length, 'a full sweep sends everyone');
  const last = await lastRun();
  assert.equal(last.outcome, 'done');
  assert.deepEqual(last.counts, { users: tenant.users.length, groups: tenant.groups.length, removed: 0 });
  await saveAssetsConfig(world, { mode: 'full' });
});

test('a stop mid-run cancels the execution and leaves the objects as they were; the next run completes', { skip }, async () => {
  const before = JSON.stringify(world.assets.objects());
  const answer = await run({ beforeEvent: (_event, index) => (index === 1 ? 'stop' : undefined) });
  assert.deepEqual(answer.stopped, { result: 'stopped' });
  assert.equal(answer.execution.status, 'CANCELLED');
  assert.equal(JSON.stringify(world.assets.objects()), before, 'a cancelled execution changes no object');
  const list = await world.invoke(ADMIN, 'assets.imports.list', {}, 'admin-page');
  assert.equal(list.value.imports[0].lastRun.outcome, 'cancelled');
  const again = await run();
  assert.equal(again.execution.status, 'DONE');
  await assertMirrorsTenant();
});

// The throttle storm mid-run: assets-import-storm.test.mjs (a scaled tenant, several steps).

test('deleting the import source forgets its state', { skip }, async () => {
  const answer = await deleteImport({ runtime: world.runtime, app: world.app, assets: world.assets, importId: IMPORT_ID });
  assert.deepEqual(answer, { result: 'deleted' });
  const list = await world.invoke(ADMIN, 'assets.imports.list', {}, 'admin-page');
  assert.deepEqual(list.value.imports, []);
});
