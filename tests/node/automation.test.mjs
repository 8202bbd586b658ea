// Automation actions through the bundled app against the emulator: the
// manifest declares exactly the actions the core implements, inputs arrive
// as strings, outputs are smart values, failures use {errors: [{message}]}.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { loadApp, ADMIN, ROOT } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const camel = (key) => key.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
let app, emulator;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

test('manifest.yml declares exactly the actions the core implements, with the same inputs', async () => {
  const manifest = YAML.parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8'));
  const core = await import(path.join(ROOT, 'src', 'generated', 'core.js'));
  const { actions, outputs } = core.automationCatalog();
  const declared = manifest.modules.action;
  assert.deepEqual(declared.map((a) => a.key), actions.map((a) => a.key));
  const functions = new Map(manifest.modules.function.map((f) => [f.key, f.handler]));
  for (const action of actions) {
    const m = declared.find((a) => a.key === action.key);
    assert.equal(m.actionVerb, action.verb, action.key);
    assert.deepEqual(Object.keys(m.inputs), action.inputs.map((i) => i.key), action.key);
    assert.deepEqual(Object.keys(m.outputs), outputs.map(([k]) => k), action.key);
    assert.equal(functions.get(m.function), `index.${camel(action.key)}`, action.key);
    assert.equal(typeof app.app[camel(action.key)], 'function', `bundle exports ${camel(action.key)}`);
  }
  assert.deepEqual(manifest.modules['automation:actionProvider'][0].actions, actions.map((a) => a.key));
});

test('lookup-user returns smart values', async () => {
  const out = await app.app.lookupUser({ user: 'adele.vance@contoso.example' });
  assert.equal(out.errors, undefined, JSON.stringify(out));
  assert.equal(out.objectId, '7bbae7fa-8c4a-4c31-a223-6cdb301c14bb');
  assert.equal(out.accountEnabled, 'true');
  assert.equal(out.displayName, 'Adele Vance');
});

test('disable-user changes Entra once even when the rule re-fires on the same request', async () => {
  const input = { user: 'diego.siciliani@contoso.example', issueKey: 'ITSM-12' };
  const first = await app.app.disableUser(input);
  assert.equal(first.status, 'done', JSON.stringify(first));
  assert.match(first.planSummary, /Disable/i);
  await emulator.clearLog();
  const again = await app.app.disableUser(input);
  assert.equal(again.status, 'done');
  const writes = (await emulator.log()).filter((r) => r.kind !== 'token');
  assert.deepEqual(writes, [], 'a re-fired rule replays the first answer');
  const diego = (await emulator.tenant()).users.find((u) => u.userPrincipalName === 'diego.siciliani@contoso.example');
  assert.equal(diego.accountEnabled, false);
});

test('failures stop the rule with a message that names the input', async () => {
  const missing = await app.app.addToGroup({ user: 'adele.vance@contoso.example', issueKey: 'ITSM-13' });
  assert.equal(missing.errors.length, 1);
  assert.match(missing.errors[0].message, /input 'group'/);
  const unknown = await app.app.addToGroup({ user: 'adele.vance@contoso.example', group: 'No Such Group', issueKey: 'ITSM-13' });
  assert.match(unknown.errors[0].message, /not found/);
  const badIssue = await app.app.disableUser({ user: 'adele.vance@contoso.example', issueKey: 'not-a-key' });
  assert.match(badIssue.errors[0].message, /Request/);
  const update = await app.app.updateUser({ user: 'adele.vance@contoso.example', department: '', jobTitle: '' });
  assert.match(update.errors[0].message, /at least one attribute/);
});

test('update-user applies only the inputs the rule set', async () => {
  const out = await app.app.updateUser({ user: 'adele.vance@contoso.example', jobTitle: 'Senior Account Executive', department: '' });
  assert.equal(out.errors, undefined, JSON.stringify(out));
  const adele = (await emulator.tenant()).users.find((u) => u.userPrincipalName === 'adele.vance@contoso.example');
  assert.equal(adele.jobTitle, 'Senior Account Executive');
  assert.equal(adele.department, 'Sales');
});
