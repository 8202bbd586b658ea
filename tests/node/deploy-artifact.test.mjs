// The deploy artifact as `forge deploy` uploads it: the directory Forge's
// bundler writes (build/forge), with the core's wasm and its two deflated
// tables as files beside index.cjs (scripts/build.mjs, WASM_SHIPPING). The
// bundle must find them relative to itself wherever the directory lands and
// whatever the working directory, and must fail loudly, naming the file,
// if one is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE_DIR, ROOT } from './support/app.mjs';

const RUNTIME = path.join(ROOT, 'sandbox', 'runtime', 'forge-runtime.mjs');

// Files the bundle names through webpack's asset modules.
const namedFiles = (dir) => [...readFileSync(path.join(dir, 'index.cjs'), 'utf8').matchAll(/__webpack_require__\.p \+ "([^"]+)"/g)].map((m) => m[1]);

// A copy of the artifact somewhere else, as the deployed function's code
// directory would be.
function copyArtifact() {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'entra-connect-deploy-')), 'function');
  cpSync(BUNDLE_DIR, dir, { recursive: true });
  return dir;
}

// Loads the bundle in a fresh process started in an unrelated directory and
// sends one unauthenticated GET to the Service API.
function gateCall(dir) {
  const script = `
    const { ForgeRuntime } = await import(${JSON.stringify(RUNTIME)});
    new ForgeRuntime().install();
    console.log = () => {}; console.info = () => {};
    const app = ForgeRuntime.loadBundle(${JSON.stringify(dir)}, 'index');
    const res = await app.serviceApi({ method: 'GET', headers: {}, body: '' });
    process.stdout.write(JSON.stringify(res));
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: mkdtempSync(path.join(tmpdir(), 'entra-connect-cwd-')), encoding: 'utf8' });
}

test('the artifact holds the wasm and both tables as files the bundle names, and nothing it names is missing', () => {
  const files = readdirSync(BUNDLE_DIR);
  const named = namedFiles(BUNDLE_DIR);
  assert.equal(named.filter((n) => n.endsWith('.wasm')).length, 1, `bundle names ${named.join(', ')}`);
  assert.equal(named.filter((n) => n.endsWith('.deflate')).length, 2, `bundle names ${named.join(', ')}`);
  for (const name of named) assert.ok(files.includes(name), `${name} is named by index.cjs but not in ${BUNDLE_DIR}`);
  const wasm = readFileSync(path.join(BUNDLE_DIR, named.find((n) => n.endsWith('.wasm'))));
  assert.ok(WebAssembly.validate(wasm), 'the shipped wasm validates');
  assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'raw wasm, not compressed');
});

test('a copy of the artifact elsewhere loads from another working directory and answers', () => {
  const dir = copyArtifact();
  const run = gateCall(dir);
  assert.equal(run.status, 0, run.stderr);
  const res = JSON.parse(run.stdout);
  assert.equal(res.statusCode, 405, run.stdout);
});

test('the tables are read from the copy: names and zones through a moved artifact', () => {
  const dir = copyArtifact();
  const run = spawnSync(process.execPath, ['--test', path.join(ROOT, 'tests', 'node', 'wasm-tables.test.mjs')], {
    cwd: ROOT,
    // Without the outer runner's context, so the inner one reports as TAP.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), FORGE_BUNDLE_DIR: dir },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /# pass 2\b/);
});

test('without its wasm file the artifact refuses to load, naming the file', () => {
  const dir = copyArtifact();
  const wasm = namedFiles(dir).find((n) => n.endsWith('.wasm'));
  rmSync(path.join(dir, wasm));
  assert.ok(!existsSync(path.join(dir, wasm)));
  const run = gateCall(dir);
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, new RegExp(`ENOENT[^\\n]*${wasm.replace('.', '\\.')}`));
});
