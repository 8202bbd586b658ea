// The sandbox's Assets workspace over HTTP, as sandbox/README.md shows it:
// configured at start through assets.config.save, POST /api/assets/run
// imports the demo tenant and answers the execution, GET /api/assets shows
// the objects with their attributes and references. Skipped, loudly, while
// manifest.yml has no Assets import module (support/assets.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandboxProcess } from './support/sandbox-process.mjs';
import { assetsSkip } from './support/assets.mjs';

const skip = assetsSkip('tests/node/sandbox-assets.test.mjs');
const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-assets-test-'));
let sandbox;

before(async () => {
  if (!skip) sandbox = await startSandboxProcess({ dataDir });
});
after(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const sandboxApi = async (pathname, body) => {
  const response = await fetch(`${sandbox.endpoints.ui}${pathname}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.ok, true, `${pathname}: ${response.status} ${await response.clone().text()}`);
  return response.json();
};

test('at start the import source is configured through assets.config.save', { skip }, async () => {
  const { setup } = await sandboxApi('/api/state');
  const step = setup.find((s) => s.name === 'assets.config.save');
  assert.equal(step?.state, 'done', JSON.stringify(step));
  const assets = await sandboxApi('/api/assets');
  assert.deepEqual(assets.objectTypes.map((t) => t.name).sort(), ['Entra Group', 'Entra User']);
  assert.deepEqual(assets.executions, []);
});

test('POST /api/assets/run imports the tenant and answers the DONE execution; GET /api/assets shows the objects', { skip }, async () => {
  const run = await sandboxApi('/api/assets/run', {});
  assert.equal(run.execution.status, 'DONE', JSON.stringify(run));
  assert.deepEqual(run.started, { result: 'started' });
  const assets = await sandboxApi('/api/assets');
  const tenant = await (await fetch(`${sandbox.endpoints.emulatorControl}/tenant`)).json();
  assert.equal(assets.objects['Entra User'].length, tenant.users.length);
  assert.equal(assets.objects['Entra Group'].length, tenant.groups.length);
  const adele = assets.objects['Entra User'].find((o) => o.attributes['User Principal Name'] === 'adele.vance@contoso.example');
  assert.equal(adele.label, 'Adele Vance');
  assert.ok(Array.isArray(adele.attributes['Member Of']) && adele.attributes['Member Of'].every((r) => r.objectKey && r.label));
  assert.equal(assets.executions.length, 1);
  assert.equal(assets.executions[0].status, 'DONE');
  // A second run: the same objects, nothing duplicated.
  await sandboxApi('/api/assets/run', {});
  const again = await sandboxApi('/api/assets');
  assert.equal(again.objects['Entra User'].length, tenant.users.length);
});
