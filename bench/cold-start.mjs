// Cold start of the bundled handler and the first gate call after it, each
// in fresh Node processes, and the first call timed apart: the local Forge
// runtime's storage (SQLite, timed around every storage request the bundle
// makes), the storage schema check (as deployed, Forge's
// avi:forge:installed:app event has recorded the schema version, so the
// first call reads that record only; timed also without the event, when it
// scans every old layout's keys first), V8's lazy compilation of wasm
// functions on first use (the same call in a process with
// --no-wasm-lazy-compilation, which compiles the whole module while
// instantiating), and Node's first use of its fetch classes (the local
// runtime answers the bundle's storage requests with `Response` objects,
// whose first use loads Node's HTTP client): the same call with them touched
// before it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The bundle directory measured: build/forge, or a saved copy of another
// build (COLD_START_BUNDLE=/tmp/forge-before) to alternate two builds' runs.
const BUNDLE = process.env.COLD_START_BUNDLE ? path.resolve(process.env.COLD_START_BUNDLE) : path.join(ROOT, 'build/forge');

// One fresh process: install the runtime, load the bundle (instantiates the
// wasm), make one unauthenticated Service API call (the gate), then the same
// call again, warm. `seed` is KVS rows to hold before the first call;
// `installEvent` runs the install lifecycle event's handler instead of
// the calls, for the rows it leaves.
const probe = (seed, touchFetch = false, installEvent = false) => `
  const { ForgeRuntime } = await import(${JSON.stringify(path.join(ROOT, 'sandbox/runtime/forge-runtime.mjs'))});
  const runtime = new ForgeRuntime().install();
  for (const [key, value] of ${JSON.stringify(seed)}) runtime.store.set(key, value);
  let storageMs = 0; const ops = [];
  const handle = runtime.kvs.handle.bind(runtime.kvs);
  runtime.kvs.handle = (urlPath, request) => {
    const s = performance.now();
    try { return handle(urlPath, request); } finally { storageMs += performance.now() - s; ops.push(urlPath.replace('/api/v1/', '') + ' ' + (request?.key ?? '')); }
  };
  if (${touchFetch}) await new Response('{}', { headers: { 'content-type': 'application/json' } }).json();
  if (${installEvent}) {
    const app = ForgeRuntime.loadBundle(${JSON.stringify(BUNDLE)}, 'index');
    console.log = () => {}; console.info = () => {};
    await app.appUpgraded();
    process.stdout.write(JSON.stringify({ rows: runtime.store.entries() }));
    process.exit(0);
  }
  const t0 = performance.now();
  const app = ForgeRuntime.loadBundle(${JSON.stringify(BUNDLE)}, 'index');
  const t1 = performance.now();
  console.log = () => {}; console.info = () => {}; console.warn = () => {};
  await app.serviceApi({ method: 'GET', headers: {}, body: '' });
  const t2 = performance.now();
  const firstStorageMs = storageMs, firstOps = ops.splice(0);
  storageMs = 0;
  await app.serviceApi({ method: 'GET', headers: {}, body: '' });
  const t3 = performance.now();
  const rows = runtime.store.entries();
  process.stdout.write(JSON.stringify({ load: t1 - t0, first: t2 - t1, second: t3 - t2, firstStorageMs, firstOps, rows }));
`;

function run(flags, seed = [], touchFetch = false, installEvent = false) {
  return JSON.parse(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', probe(seed, touchFetch, installEvent)], { encoding: 'utf8', maxBuffer: 1 << 24 }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, digits = 2) => Number(x.toFixed(digits));

/** Medians over `runs` fresh processes of each variant. */
export function coldStart({ runs = 15 } = {}) {
  // What the install event stores (the schema record), held before every
  // first call, as on a site where the app was installed.
  const installed = run([], [], false, true).rows;
  const fresh = Array.from({ length: runs }, () => run([], installed));
  const noInstallEvent = Array.from({ length: runs }, () => run([]));
  const eager = Array.from({ length: runs }, () => run(['--no-wasm-lazy-compilation'], installed));
  const fetchWarm = Array.from({ length: runs }, () => run([], installed, true));
  const allWarm = Array.from({ length: runs }, () => run(['--no-wasm-lazy-compilation'], installed, true));
  const m = (xs, f) => round(median(xs.map(f)));
  return {
    medianMs: m(fresh, (r) => r.load),
    runs,
    firstCall: {
      medianMs: m(fresh, (r) => r.first),
      warmCallMedianMs: m(fresh, (r) => r.second),
      storageMs: m(fresh, (r) => r.firstStorageMs),
      storageRequests: fresh[0].firstOps.length,
      storageOps: fresh[0].firstOps,
      withoutInstallEventMs: m(noInstallEvent, (r) => r.first),
      withoutInstallEventStorageRequests: noInstallEvent[0].firstOps.length,
      eagerCompilation: { loadMs: m(eager, (r) => r.load), firstCallMs: m(eager, (r) => r.first) },
      withFetchClassesLoadedMs: m(fetchWarm, (r) => r.first),
      withFetchClassesAndEagerCompilationMs: m(allWarm, (r) => r.first),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(coldStart({ runs: Number(process.argv[2] ?? 15) }), null, 2)}\n`);
}
