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
// `npm run bench` (bench/run.mjs) runs the same through `assetsImport()` at a
// smaller size and keeps the figures in results.json.
import { pathToFileURL } from 'node:url';
import { startEmulator } from '../tests/node/support/emulator.mjs';
import { loadAssetsApp, saveAssetsConfig, graph, IMPORT_ID } from '../tests/node/support/assets.mjs';
import { runImport } from '../sandbox/runtime/assets-driver.mjs';

/**
 * Runs the import twice against a fresh emulator seeded with `users` and
 * `groups` (a full sweep, then an incremental run after 1% of the cloud
 * users changed) and returns the inputs and, per run, its counts: Graph
 * requests (tokens apart) and per 1,000 users, queue events, KVS
 * operations, Assets calls, chunks, records, and wall seconds. The app's
 * info/debug/warn lines are silenced while it runs.
 */
export async function assetsImport({ users, groups = Math.round(users * 0.15) }) {
  const quiet = { info: console.info, debug: console.debug, warn: console.warn };
  console.info = console.debug = console.warn = () => {};
  const emulator = await startEmulator();
  try {
    const world = await loadAssetsApp(emulator);
    await saveAssetsConfig(world, { mode: 'incremental' });
    await emulator.control('seed/scale', { method: 'POST', body: { users, groups } });
    const tenant = await emulator.tenant();
    const memberships = tenant.groups.reduce((n, g) => n + (g.memberIds?.length ?? 0), 0);

    const measured = async () => {
      await emulator.clearLog();
      const kvsBefore = world.runtime.calls.filter((c) => c.context?.type === 'kvs').length;
      const assetsBefore = world.assets.requests.length;
      const started = process.hrtime.bigint();
      const answer = await runImport({ runtime: world.runtime, app: world.app, assets: world.assets, importId: IMPORT_ID });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const graphRequests = (await emulator.log()).filter((r) => r.kind !== 'token').length;
      const execution = answer.execution;
      return {
        status: execution.status,
        graphRequests,
        graphRequestsPer1000Users: Number((graphRequests * 1000 / users).toFixed(1)),
        queueEvents: answer.events,
        kvsOperations: world.runtime.calls.filter((c) => c.context?.type === 'kvs').length - kvsBefore,
        assetsCalls: world.assets.requests.length - assetsBefore,
        chunks: execution.chunks,
        records: execution.records,
        seconds: Number(seconds.toFixed(1)),
      };
    };

    const first = await measured();
    const cloud = tenant.users.filter((u) => u.onPremisesSyncEnabled !== true);
    const changed = cloud.filter((_, i) => i % Math.ceil(cloud.length / (users / 100)) === 0).slice(0, Math.max(1, Math.floor(users / 100)));
    for (const u of changed) await graph(emulator, 'PATCH', `/users/${u.id}`, { jobTitle: 'Benchmark' });
    const incremental = await measured();
    return {
      tenant: { users: tenant.users.length, groups: tenant.groups.length, memberships },
      first,
      incremental: { usersChanged: changed.length, ...incremental },
    };
  } finally {
    await emulator.stop();
    Object.assign(console, quiet);
  }
}

const describe = (label, r) => `${label}: ${r.status}, ${r.graphRequests} Graph requests (${r.graphRequestsPer1000Users} per 1,000 users), `
  + `${r.queueEvents} queue events, ${r.kvsOperations} KVS operations, ${r.assetsCalls} Assets calls, ${r.chunks} chunks, ${r.records} records, ${r.seconds} s`;

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const users = Number(process.argv[2] ?? 10_000);
  const groups = Number(process.argv[3] ?? Math.round(users * 0.15));
  const r = await assetsImport({ users, groups });
  console.log(`tenant: ${r.tenant.users} users, ${r.tenant.groups} groups, ${r.tenant.memberships} direct memberships`);
  console.log(describe('first run (full sweep)', r.first));
  console.log(describe(`incremental run after ${r.incremental.usersChanged} users changed`, r.incremental));
  console.log(`peak RSS of the app's process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
}
