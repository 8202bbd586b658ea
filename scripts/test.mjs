// `npm test`: everything, from a fresh clone. Installs what it needs first
// (scripts/setup.mjs), then: format, lints, native tests, the wasm build and
// Forge bundle, Forge's linter offline, and Node tests of the bundled app.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, run, step } from './lib/run.mjs';
import { setup } from './setup.mjs';
import { build } from './build.mjs';
import { scanRun } from '../tests/node/support/run-leak-scan.mjs';

const started = Date.now();
setup();

step('cargo fmt --check');
run('cargo', ['fmt', '--all', '--check']);

step('cargo clippy (native and wasm32)');
run('cargo', ['clippy', '--workspace', '--all-targets', '--', '-D', 'warnings']);
run('cargo', ['clippy', '-p', 'entra-connect', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);

step('cargo test');
run('cargo', ['test', '--workspace']);

await build();

step('emulator binary (release)');
run('cargo', ['build', '--release', '-p', 'entra-emulator']);

step('forge lint (offline)');
run('node', [path.join(ROOT, 'scripts', 'forge-lint.cjs')]);

step('node tests (bundled app under a local Forge runtime)');
const nodeTests = readdirSync(path.join(ROOT, 'tests', 'node'))
  .filter((name) => name.endsWith('.test.mjs'))
  .map((name) => path.join('tests', 'node', name));
// Every credential sent to or received from Entra during the run is
// recorded, and the whole run's output (each test's and every log line of
// the app) is scanned for it afterwards: a hit fails the run.
const leakDir = mkdtempSync(path.join(tmpdir(), 'entra-connect-leak-'));
const tap = path.join(leakDir, 'node-tests.tap');
run('node', [
  '--test', '--test-concurrency=1',
  `--import=${pathToFileURL(path.join(ROOT, 'tests', 'node', 'support', 'leak-recorder.mjs'))}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...nodeTests,
], { env: { ENTRA_LEAK_RECORD: leakDir } });
const leaks = scanRun(leakDir, readFileSync(tap, 'utf8'));
if (leaks.hits.length) {
  throw new Error(`leak scan: a credential is in the run's output:\n${leaks.hits.map((h) => `  ${h.line}`).join('\n')}`);
}
console.log(`leak scan: ${leaks.credentials} credentials recorded, none in the run's output`);

step('browser tests (the sandbox page in headless Chromium)');
setup({ browser: true });
const browserTests = readdirSync(path.join(ROOT, 'tests', 'browser'))
  .filter((name) => name.endsWith('.test.mjs'))
  .map((name) => path.join('tests', 'browser', name));
run('node', ['--test', '--test-concurrency=1', ...browserTests]);

console.log(`\nnpm test: all steps passed in ${Math.round((Date.now() - started) / 1000)} s`);
