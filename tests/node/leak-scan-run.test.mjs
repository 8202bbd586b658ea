// The whole-run leak scan `npm test` does after the Node tests
// (scripts/test.mjs): the recorder preloaded into each test process
// records the credentials that cross the wire, and the scan finds one in
// the run's output. Here a small test run of a fixture that fetches a
// Temporary Access Pass and a password-bearing body from a local server,
// once printing nothing and once printing the pass where a log line would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './support/app.mjs';
import { scanRun } from './support/run-leak-scan.mjs';

const TAP = 'Tap-7kQ2-x9Lm-Vb41';
const PASSWORD = 'Pw!4nZ8q-eR2t-Yu6i';

const FIXTURE = `
import { test } from 'node:test';
import { createServer } from 'node:http';
test('fixture', async () => {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: 'm1', temporaryAccessPass: ${JSON.stringify(TAP)} }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = 'http://127.0.0.1:' + server.address().port + '/v1.0/users/u/authentication/temporaryAccessPassMethods';
  const body = JSON.stringify({ requests: [{ id: '1', body: { passwordProfile: { password: ${JSON.stringify(PASSWORD)} } } }] });
  const answer = await (await fetch(url, { method: 'POST', body })).json();
  if (process.env.FIXTURE_LEAKS) console.log('issued', answer.temporaryAccessPass);
  else console.log('issued a pass');
  server.close();
});
`;

/** This process's environment for a run of its own: without the runner's NODE_TEST_CONTEXT (it would make the run a child of this one). */
function fixtureEnv(extra) {
  const env = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function runFixture({ leaks }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-connect-leak-fixture-'));
  const file = path.join(dir, 'fixture.test.mjs');
  writeFileSync(file, FIXTURE);
  const tap = path.join(dir, 'run.tap');
  execFileSync(process.execPath, [
    '--test',
    `--import=${pathToFileURL(path.join(ROOT, 'tests', 'node', 'support', 'leak-recorder.mjs'))}`,
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    file,
  ], { env: fixtureEnv({ ENTRA_LEAK_RECORD: dir, FIXTURE_LEAKS: leaks ? '1' : '' }), encoding: 'utf8' });
  return scanRun(dir, readFileSync(tap, 'utf8'));
}

test('the recorder keeps the credentials that crossed the wire; a clean run has no hit', () => {
  const clean = runFixture({ leaks: false });
  assert.equal(clean.credentials, 2, 'the pass from the answer and the password from the request');
  assert.deepEqual(clean.hits, []);
});

test('a credential printed anywhere in the run is a hit, shown masked', () => {
  const leaky = runFixture({ leaks: true });
  assert.equal(leaky.hits.length, 1, JSON.stringify(leaky.hits));
  assert.match(leaky.hits[0].line, /issued \[CREDENTIAL\]/);
  assert.ok(!leaky.hits[0].line.includes(TAP));
});
