// The JSM Assets import at scale, as Assets and Forge run it: the bundled
// app under the local Forge runtime, the fake Assets site
// (sandbox/runtime/fake-assets.mjs) behind the fake Jira, the Entra
// emulator binary over loopback HTTP with its scale seed
// (POST /_emulator/seed/scale). A first run (incremental mode: a full sweep
// that also keeps the delta links), then 1% of the users change in Entra
// and a second, incremental run. For each run: Graph requests (the
// emulator's log, tokens apart), queue events, KVS operations, Assets
// calls, chunks, wall time; at the end the peak RSS of this process.
// Usage: node bench/assets-import.mjs [users] [groups]   (after npm run build
// and cargo build --release -p entra-emulator). Prints numbers; asserts none.
import { startEmulator } from '../tests/node/support/emulator.mjs';
import { loadAssetsApp, saveAssetsConfig, graph, IMPORT_ID } from '../tests/node/support/assets.mjs';
import { runImport } from '../sandbox/runtime/assets-driver.mjs';

const USERS = Number(process.argv[2] ?? 10_000);
const GROUPS = Number(process.argv[3] ?? Math.round(USERS * 0.15));
console.info = console.debug = console.warn = () => {};

const emulator = await startEmulator();
const world = await loadAssetsApp(emulator);
await saveAssetsConfig(world, { mode: 'incremental' });
await emulator.control('seed/scale', { method: 'POST', body: { users: USERS, groups: GROUPS } });
const tenant = await emulator.tenant();
const memberships = tenant.groups.reduce((n, g) => n + (g.memberIds?.length ?? 0), 0);

async function measured(label) {
  await emulator.clearLog();
  const kvsBefore = world.runtime.calls.filter((c) => c.context?.type === 'kvs').length;
  const assetsBefore = world.assets.requests.length;
  const started = process.hrtime.bigint();
  const answer = await runImport({ runtime: world.runtime, app: world.app, assets: world.assets, importId: IMPORT_ID });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const graphRequests = (await emulator.log()).filter((r) => r.kind !== 'token').length;
  const execution = answer.execution;
  console.log(`${label}: ${execution.status}, ${graphRequests} Graph requests (${(graphRequests * 1000 / USERS).toFixed(1)} per 1,000 users), `
    + `${answer.events} queue events, ${world.runtime.calls.filter((c) => c.context?.type === 'kvs').length - kvsBefore} KVS operations, `
    + `${world.assets.requests.length - assetsBefore} Assets calls, ${execution.chunks} chunks, ${execution.records} records, ${seconds.toFixed(1)} s`);
}

console.log(`tenant: ${tenant.users.length} users, ${tenant.groups.length} groups, ${memberships} direct memberships`);
await measured('first run (full sweep)');
const cloud = tenant.users.filter((u) => u.onPremisesSyncEnabled !== true);
const changed = cloud.filter((_, i) => i % Math.ceil(cloud.length / (USERS / 100)) === 0).slice(0, USERS / 100);
for (const u of changed) await graph(emulator, 'PATCH', `/users/${u.id}`, { jobTitle: 'Benchmark' });
await measured(`incremental run after ${changed.length} users changed`);
console.log(`peak RSS of the app's process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
emulator.stop();
