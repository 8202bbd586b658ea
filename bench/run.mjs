// `npm run bench`: builds what it needs (as `npm test` does), runs the
// benchmarks and writes build/bench/results.json (the keys issue 19 names).
// Measures; asserts nothing (tests/node/bench-harness.test.mjs checks the
// harness itself in a tiny configuration).
//
// Usage: node bench/run.mjs [--no-build] [--tiny] [--out FILE]
//   [--hires N] [--budget RPS] [--cold-runs N] [--with-hires-load]
//   --tiny: 4 hires, 3 cold-start processes, an Assets import of 200 users
//   (not 2,000), no other bench scripts (for the test);
//   --with-hires-load: also bench/hires.mjs (2,000 hires and 100,000 audit records: minutes);
//   --only-bulk: only the bulk job, written as {bulk} to --out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    tiny: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'build', 'bench', 'results.json') },
    hires: { type: 'string' },
    budget: { type: 'string' },
    'cold-runs': { type: 'string' },
    'with-hires-load': { type: 'boolean', default: false },
    'only-bulk': { type: 'boolean', default: false },
  },
});
const tiny = args.tiny;
const HIRES = Number(args.hires ?? (tiny ? 4 : 200));
const BUDGET = Number(args.budget ?? (tiny ? 20 : 100));
const COLD_RUNS = Number(args['cold-runs'] ?? (tiny ? 3 : 15));
const out = path.resolve(args.out);

if (!args['no-build']) {
  const { run, step } = await import('../scripts/lib/run.mjs');
  const { setup } = await import('../scripts/setup.mjs');
  const { build } = await import('../scripts/build.mjs');
  setup();
  await build();
  step('emulator binary (release)');
  run('cargo', ['build', '--release', '-p', 'entra-emulator']);
}

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const started = Date.now();

// Sizes of the deploy artifact's core.
const wasm = readFileSync(path.join(ROOT, 'build', 'wasm', 'entra_connect.opt.wasm'));
const wasmSizes = { rawBytes: wasm.length, gzipBytes: gzipSync(wasm, { level: 9 }).length };

if (args['only-bulk']) {
  const scenarios = await import('./scenarios.mjs');
  const env = await scenarios.setUp();
  log(`bulk only: ${HIRES} hires under ${BUDGET} requests/s`);
  let bulk;
  try {
    bulk = await scenarios.bulk(env, { hires: HIRES, budgetRps: BUDGET });
  } finally {
    await env.emulator.stop();
  }
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ bulk }, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ bulk }, null, 2)}\n`);
  process.exit(0);
}

log(`cold start (${COLD_RUNS} fresh processes per variant)`);
const { coldStart } = await import('./cold-start.mjs');
const cold = coldStart({ runs: COLD_RUNS });

log('round trips, latency, bulk (bundled app + emulator)');
const scenarios = await import('./scenarios.mjs');
const env = await scenarios.setUp();
let trips;
let latency;
let bulk;
try {
  trips = await scenarios.roundTrips(env);
  latency = await scenarios.latency(env, 80);
  log(`bulk: ${HIRES} hires under ${BUDGET} requests/s`);
  bulk = await scenarios.bulk(env, { hires: HIRES, budgetRps: BUDGET });
} finally {
  await env.emulator.stop();
}

// The JSM Assets import (bench/assets-import.mjs) at a size that keeps this
// run to minutes; BENCHMARKS.md has it at 10,000 users.
const ASSETS_USERS = tiny ? 200 : 2000;
const ASSETS_GROUPS = tiny ? 30 : 300;
log(`assets import: ${ASSETS_USERS} users, ${ASSETS_GROUPS} groups`);
const { assetsImport } = await import('./assets-import.mjs');
const assets = await assetsImport({ users: ASSETS_USERS, groups: ASSETS_GROUPS });

// The existing scripts, their output kept as printed.
const scripts = {};
if (!tiny) {
  for (const script of ['app.mjs', 'kvs-store.mjs', ...(args['with-hires-load'] ? ['hires.mjs'] : [])]) {
    log(`bench/${script}`);
    scripts[script] = execFileSync(process.execPath, [path.join(ROOT, 'bench', script)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
  }
}

const results = {
  roundTrips: trips.ours,
  naive: { roundTrips: trips.naive },
  // Token requests per flow, counted apart from the round trips (the app caches its token; the naive rule fetched one before).
  tokenRequests: trips.tokens,
  latency: { onboarding: latency },
  bulk,
  coldStart: cold,
  wasm: wasmSizes,
  assetsImport: {
    // The first run's (a full sweep); the incremental run's is in `incremental`.
    graphRequestsPer1000Users: assets.first.graphRequestsPer1000Users,
    inputs: { users: ASSETS_USERS, groups: ASSETS_GROUPS, mode: 'incremental', changedForSecondRun: '1% of the cloud users' },
    ...assets,
  },
  goals: {
    roundTrips: { onboarding: 2, offboarding: 2, transfer: 2, lookup: 1, panelLoad: 1 },
    latencyRatioAtLeast: 4,
    budgetUtilizationAtLeast: 0.9,
    roundTripsPerHireAtMost: 1,
    coldStartMedianMsAtMost: 25,
    wasmRawBytesAtMost: 900 * 1024,
  },
  scripts,
  run: {
    command: `node bench/run.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    tiny,
    date: new Date().toISOString(),
    node: process.version,
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
    // Other work on the machine inflates every timing: the 1, 5 and 15 minute load averages at the end.
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    seconds: Math.round((Date.now() - started) / 1000),
  },
};
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${path.relative(ROOT, out)}`);
process.stdout.write(`${JSON.stringify({ roundTrips: results.roundTrips, naive: results.naive, latency: results.latency, bulk, coldStart: { medianMs: cold.medianMs }, wasm: wasmSizes }, null, 2)}\n`);
process.exit(0);
