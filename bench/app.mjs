// Benchmarks of the deploy artifact: sizes, cold start and warm gate latency.
// Usage: node bench/app.mjs   (after `npm run build`). Prints a Markdown table.
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasm = readFileSync(path.join(ROOT, 'build', 'wasm', 'entra_connect.opt.wasm'));
const bundle = readFileSync(path.join(ROOT, 'build', 'forge', 'index.cjs'));

// Cold start: a fresh Node process loads the bundle (which instantiates the
// wasm) and serves one request; only the load+first call is timed.
const COLD_RUNS = 15;
const probe = `
  const { ForgeRuntime } = await import(${JSON.stringify(path.join(ROOT, 'sandbox/runtime/forge-runtime.mjs'))});
  new ForgeRuntime().install();
  const t0 = performance.now();
  const app = ForgeRuntime.loadBundle(${JSON.stringify(path.join(ROOT, 'build/forge'))}, 'index');
  const t1 = performance.now();
  console.log = () => {}; console.info = () => {};
  await app.serviceApi({ method: 'GET', headers: {}, body: '' });
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ load: t1 - t0, first: t2 - t1 }));
`;
const cold = [];
for (let i = 0; i < COLD_RUNS; i++) {
  cold.push(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })));
}

// Warm: one process, a valid key, 2,000 authenticated gate calls.
const { ForgeRuntime } = await import(path.join(ROOT, 'sandbox/runtime/forge-runtime.mjs'));
const { FakeJira } = await import(path.join(ROOT, 'sandbox/runtime/fake-jira.mjs'));
const jira = new FakeJira({ admins: ['admin'] });
// The loop sends 2,000 calls as fast as one process can, several times Forge's
// 1,000 storage requests per second per installation: with the rate enforced
// most calls would measure the refusal, not the gate.
new ForgeRuntime({ jira: jira.handle, enforceStorageRate: false }).install();
const app = ForgeRuntime.loadBundle(path.join(ROOT, 'build/forge'), 'index');
console.info = () => {};
const issued = await jira.as('admin', () => app.resolver({ call: { functionKey: 'serviceKey.rotate' }, context: {} }, { principal: { accountId: 'admin' } }));
const request = { method: 'POST', headers: { authorization: [`Bearer ${issued.value.key}`] }, body: JSON.stringify({ route: 'user.get', data: { user: 'a@b.example' } }) };
const WARM = 2000;
for (let i = 0; i < 200; i++) await app.serviceApi(request);
const w0 = performance.now();
for (let i = 0; i < WARM; i++) await app.serviceApi(request);
const warmMs = (performance.now() - w0) / WARM;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(1)} KiB (${n} B)`;
const rows = [
  ['core wasm after wasm-opt -Oz (raw)', kb(wasm.length)],
  ['core wasm, gzip -9', kb(gzipSync(wasm, { level: 9 }).length)],
  ['bundle build/forge/index.cjs (the wasm and tables are files beside it)', kb(bundle.length)],
  ['bundle, gzip -9', kb(gzipSync(bundle, { level: 9 }).length)],
  [`cold start: load bundle + instantiate wasm (median of ${COLD_RUNS} fresh processes)`, `${median(cold.map((c) => c.load)).toFixed(1)} ms`],
  ['cold start: first gate call after load (median)', `${median(cold.map((c) => c.first)).toFixed(2)} ms`],
  [`warm gate call, authenticated, through the bundle (mean of ${WARM})`, `${(warmMs * 1000).toFixed(0)} µs`],
];
console.log('| measure | value |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
console.log(`\nnode ${process.version}, ${statSync(path.join(ROOT, 'build/forge/index.cjs')).mtime.toISOString()}`);
