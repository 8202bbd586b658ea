// The wasm's size per entry point: how much of the module each Forge entry
// point needs on its own, to judge whether splitting the module by entry
// point could bring it under a size goal (BENCHMARKS.md, "What 900 KiB
// would take").
//
// For each set of exports below, the committed source (`git archive HEAD`)
// is unpacked into build/bench/wasm-per-entry/src, every other
// `#[wasm_bindgen(js_name = ...)]` export of src/wasm/exports.rs is put under
// `#[cfg(any())]` (so LTO drops the code only it reaches), and the module is
// built exactly as scripts/build.mjs builds it: cargo release for
// wasm32-unknown-unknown, wasm-bindgen, `wasm-opt -Oz --strip-debug
// --strip-producers --strip-target-features`. A separate target directory
// keeps the real build's artifacts untouched.
//
// Usage: node bench/wasm-per-entry.mjs [--sets all,webTrigger,...]
// Not part of `npm run bench`: it builds the module once per set (about a
// minute each on the reference machine once the dependencies are built).
// Writes build/bench/wasm-per-entry.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, BUILD, run, cargoBin } from '../scripts/lib/run.mjs';

/** Export sets measured: label -> the `js_name`s kept (`null`: all). */
export const SETS = {
  all: null,
  webTrigger: ['handleWebTrigger'],
  automationAction: ['handleAutomationAction'],
  issueEvent: ['handleIssueEvent'],
  jobEvent: ['handleJobEvent'],
  scheduledSweep: ['runScheduledSweep'],
  requestPipeline: ['handleWebTrigger', 'handleAutomationAction', 'handleIssueEvent', 'runScheduledSweep', 'handleAppUpgraded', 'handleJobEvent'],
  resolver: ['handleResolver'],
  resolverAndAssets: ['handleResolver', 'handleAssetsFunction', 'handleAssetsImportEvent', 'runAssetsImportSchedule'],
  assets: ['handleAssetsFunction', 'handleAssetsImportEvent', 'runAssetsImportSchedule'],
  assetsFunction: ['handleAssetsFunction'],
  appUpgraded: ['handleAppUpgraded'],
  automationCatalog: ['automationCatalog'],
};

const EXPORT = /#\[wasm_bindgen\(js_name = (\w+)\)\]/g;

/** Source of src/wasm/exports.rs with every export not in `keep` compiled out. */
export function keepOnly(source, keep) {
  if (!keep) return source;
  const names = [...source.matchAll(EXPORT)].map((m) => m[1]);
  const unknown = keep.filter((name) => !names.includes(name));
  if (unknown.length) throw new Error(`src/wasm/exports.rs has no export ${unknown.join(', ')} (it has ${names.join(', ')})`);
  return source.replace(EXPORT, (line, name) => (keep.includes(name) ? line : `#[cfg(any())]\n${line}`));
}

function measure(label, keep, work) {
  const exportsFile = path.join(work, 'src', 'wasm', 'exports.rs');
  const original = readFileSync(exportsFile, 'utf8');
  writeFileSync(exportsFile, keepOnly(original, keep));
  try {
    const target = path.join(ROOT, 'target', 'wasm-per-entry');
    // Captured: the compiled-out exports leave unused-import warnings; a
    // failure still prints everything.
    run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'entra-connect', '--manifest-path', path.join(work, 'Cargo.toml'), '--target-dir', target, '-q'], { capture: true });
    const out = path.join(BUILD, 'bench', 'wasm-per-entry', label);
    rmSync(out, { recursive: true, force: true });
    run(cargoBin('wasm-bindgen'), ['--target', 'web', '--omit-default-module-path', '--experimental-reset-state-function', '--out-dir', out, path.join(target, 'wasm32-unknown-unknown', 'release', 'entra_connect.wasm')], { quiet: true });
    const optimised = path.join(out, 'opt.wasm');
    run(path.join(ROOT, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', '--strip-target-features', path.join(out, 'entra_connect_bg.wasm'), '-o', optimised], { quiet: true });
    const bytes = readFileSync(optimised);
    return { exports: keep ?? 'all', rawBytes: statSync(optimised).size, gzipBytes: zlib.gzipSync(bytes, { level: 9 }).length };
  } finally {
    writeFileSync(exportsFile, original);
  }
}

function main() {
  const wanted = process.argv.includes('--sets') ? process.argv[process.argv.indexOf('--sets') + 1].split(',') : Object.keys(SETS);
  const unknown = wanted.filter((label) => !(label in SETS));
  if (unknown.length) throw new Error(`unknown set ${unknown.join(', ')}; the sets are ${Object.keys(SETS).join(', ')}`);
  const work = path.join(BUILD, 'bench', 'wasm-per-entry', 'src');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  execFileSync('sh', ['-c', `git archive HEAD | tar -x -C '${work}'`], { cwd: ROOT });
  const results = { commit, sets: {} };
  for (const label of wanted) {
    results.sets[label] = measure(label, SETS[label], work);
    console.log(`${label}: ${results.sets[label].rawBytes} B raw, ${results.sets[label].gzipBytes} B gzip -9`);
  }
  writeFileSync(path.join(BUILD, 'bench', 'wasm-per-entry.json'), `${JSON.stringify(results, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
