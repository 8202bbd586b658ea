// A Graph throttle storm in the middle of an Assets import, through the
// bundled app, the fake Assets site and the Entra emulator, on a scaled
// tenant (the emulator's POST /_emulator/seed/scale) big enough that the
// users sweep takes several delta pages.
//
// The run is made to take several steps (queue events) the way Forge would
// force it: the first step's time budget (780 s of a 900 s consumer,
// src/assets/run.rs Limits::FORGE) is used up while it uploads its first
// chunk (the runtime's clock moves on, as if Assets were slow), so the step
// checkpoints and re-queues itself. The storm (429 with Retry-After, as
// https://learn.microsoft.com/en-us/graph/throttling describes) starts with
// the second step, after the groups sweep and before the users sweep, and
// outlasts the Graph client's retries, so that step checkpoints and
// re-queues itself too; the storm is over by the third step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './support/emulator.mjs';
import { assetsSkip, loadAssetsApp, saveAssetsConfig, IMPORT_ID } from './support/assets.mjs';
import { runImport } from '../../sandbox/runtime/assets-driver.mjs';
import { ADMIN } from './support/app.mjs';

const skip = assetsSkip('tests/node/assets-import-storm.test.mjs');
const USERS = 1_000;
const GROUPS = 150;
let emulator, world;

before(async () => {
  if (skip) return;
  emulator = await startEmulator();
  world = await loadAssetsApp(emulator);
  await saveAssetsConfig(world);
  await emulator.control('seed/scale', { method: 'POST', body: { users: USERS, groups: GROUPS } });
});
after(() => emulator?.stop());

/** Moves the runtime's clock past a step's budget when the app sends its first data chunk of the run. */
function slowFirstChunk() {
  const handle = world.assets.handle;
  let moved = false;
  world.assets.handle = async (request) => {
    if (!moved && request.method === 'POST' && /\/executions\/[^/]+\/data$/.test(request.path)) {
      moved = true;
      world.runtime.advanceClock(781_000);
    }
    return handle(request);
  };
  return () => { world.assets.handle = handle; };
}

test('a Graph throttle storm mid-run: the run resumes, nothing duplicated or lost', { skip }, async () => {
  await emulator.clearLog();
  const restore = slowFirstChunk();
  let stormAt = null;
  const answer = await runImport({
    runtime: world.runtime, app: world.app, assets: world.assets, importId: IMPORT_ID,
    beforeEvent: async (_event, index) => {
      if (index === 1) {
        stormAt = (await emulator.log()).length;
        // Every Graph request refused: the client's retries run out, the step checkpoints and re-queues.
        await emulator.setFaults({ throttle: { requestsPerSecond: 0, retryAfterSeconds: 1 } });
      }
      if (index === 2) await emulator.setFaults({});
    },
  }).finally(async () => { restore(); await emulator.setFaults({}); });
  assert.equal(answer.execution.status, 'DONE', JSON.stringify(answer));
  assert.deepEqual(answer.consumerErrors, []);
  assert.deepEqual(answer.retries ?? [], [], 'no event had to be redelivered');
  assert.ok(answer.events >= 4, `the run took several steps (${answer.events} queue events)`);

  // The storm landed mid-run: delta pages were read before it, and 429s came after.
  const log = await emulator.log();
  const isDelta = (r) => r.kind !== 'token' && r.path.includes('/delta');
  assert.ok(stormAt !== null);
  const before = log.slice(0, stormAt).filter(isDelta);
  assert.ok(before.length >= 1 && before.every((r) => r.status === 200), 'pages read before the storm, none refused');
  assert.ok(log.slice(stormAt).some((r) => r.status === 429), 'the storm happened');
  const delta = log.filter(isDelta);
  assert.ok(delta.filter((r) => r.path.includes('/users/delta') && r.status === 200).length >= USERS / 200, 'the users sweep took several pages');

  // Nothing duplicated or lost: one object per Entra object, by Entra Object ID and by external id.
  const tenant = await emulator.tenant();
  assert.equal(tenant.users.length, USERS);
  const objects = world.assets.objects();
  for (const [type, entra] of [['Entra User', tenant.users], ['Entra Group', tenant.groups]]) {
    const found = objects[type];
    assert.equal(found.length, entra.length, `${type} objects`);
    assert.deepEqual(found.map((o) => o.attributes['Entra Object ID']).sort(), entra.map((e) => e.id).sort(), `${type} Entra Object IDs`);
    assert.equal(new Set(found.map((o) => o.externalId)).size, found.length, `${type} external ids are unique`);
  }
  const execution = world.assets.executions().at(-1);
  assert.equal(new Set(execution.clientGeneratedIds).size, execution.clientGeneratedIds.length, 'no chunk sent twice');
  assert.equal(execution.records, USERS + tenant.groups.length, 'every record sent once');

  const { value } = await world.invoke(ADMIN, 'assets.imports.list', {}, 'admin-page');
  const { lastRun } = value.imports[0];
  assert.equal(lastRun.outcome, 'done');
  assert.deepEqual(lastRun.counts, { users: USERS, groups: tenant.groups.length, removed: 0 });
  assert.equal(lastRun.chunks, execution.chunks);
});
