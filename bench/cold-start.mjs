// Cold start of the bundled handler and the first gate call after it, each
// in fresh Node processes, and the first call timed apart: the local Forge
// runtime's storage (SQLite, timed around every storage request the bundle
// makes), the storage schema check a version's first invocation makes (the
// same call with the schema record already current), and V8's lazy
// compilation of wasm functions on first use (the same call in a process
// with --no-wasm-lazy-compilation, which compiles the whole module while
// instantiating), and Node's first use of its fetch classes (the local
// runtime answers the bundle's storage requests with `Response` objects,
// whose first use loads Node's HTTP client): the same call with them touched
// before it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// One fresh process: install the runtime, load the bundle (instantiates the
// wasm), make one unauthenticated Service API call (the gate), then the same
// call again, warm. `seed` is KVS rows to hold before the first call.
const probe = (seed, touchFetch = false) => `
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
  const t0 = performance.now();
  const app = ForgeRuntime.loadBundle(${JSON.stringify(path.join(ROOT, 'build/forge'))}, 'index');
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

function run(flags, seed = [], touchFetch = false) {
  return JSON.parse(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', probe(seed, touchFetch)], { encoding: 'utf8', maxBuffer: 1 << 24 }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, digits = 2) => Number(x.toFixed(digits));

/** Medians over `runs` fresh processes of each variant. */
export function coldStart({ runs = 15 } = {}) {
  const fresh = Array.from({ length: runs }, () => run([]));
  // What a first call stores (the schema record), held before the next first call.
  const rows = fresh[0].rows;
  const schemaCurrent = Array.from({ length: runs }, () => run([], rows));
  const eager = Array.from({ length: runs }, () => run(['--no-wasm-lazy-compilation']));
  const fetchWarm = Array.from({ length: runs }, () => run([], [], true));
  const fetchAndSchema = Array.from({ length: runs }, () => run([], rows, true));
  const fetchAndEager = Array.from({ length: runs }, () => run(['--no-wasm-lazy-compilation'], [], true));
  const allWarm = Array.from({ length: runs }, () => run(['--no-wasm-lazy-compilation'], rows, true));
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
      withSchemaCurrentMs: m(schemaCurrent, (r) => r.first),
      schemaCurrentStorageRequests: schemaCurrent[0].firstOps.length,
      eagerCompilation: { loadMs: m(eager, (r) => r.load), firstCallMs: m(eager, (r) => r.first) },
      withFetchClassesLoadedMs: m(fetchWarm, (r) => r.first),
      withFetchClassesAndSchemaCurrentMs: m(fetchAndSchema, (r) => r.first),
      withFetchClassesAndEagerCompilationMs: m(fetchAndEager, (r) => r.first),
      withAllThreeMs: m(allWarm, (r) => r.first),
    },
  };
}
