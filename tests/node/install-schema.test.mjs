// The storage schema check leaves a person's first call: Forge's
// avi:forge:installed:app event (https://developer.atlassian.com/platform/forge/events-reference/life-cycle)
// runs the same migration as the upgrade event, which on a new install
// finds no data of an older layout and records the schema version. The
// first call after it reads that record and nothing else; without the
// event it scans every old key prefix and secret first (16 storage
// requests). Data of an older layout is still moved before the record is
// written, whichever event finds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { loadApp, ROOT } from './support/app.mjs';

const require = createRequire(import.meta.url);
const YAML = require('yaml');

test('the installed-app lifecycle event reaches the migration, as the upgraded-app event does', () => {
  const m = YAML.parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8'));
  const functions = new Map(m.modules.function.map((f) => [f.key, f]));
  const installed = m.modules.trigger.find((t) => t.events.includes('avi:forge:installed:app'));
  assert.ok(installed, 'a trigger subscribes to avi:forge:installed:app');
  assert.equal(functions.get(installed.function).handler, 'index.appUpgraded');
});

test('after the install event the first gate call makes one storage request; data of an older layout is moved first', async () => {
  const { app, runtime } = loadApp();
  const store = runtime.store;
  // A reinstall can find data an earlier version left: the event moves it.
  store.set('delivery:pending', { entries: [{ id: 'oldCred1', expiresAtMs: Date.now() + 86_400_000 }] });
  store.delete('storage:schema');
  assert.deepEqual(await app.appUpgraded(), { moved: 1, complete: true });
  assert.equal(store.get('delivery:pending'), undefined);
  assert.deepEqual(store.get('storage:schema'), { version: 2 });

  const ops = [];
  const handle = runtime.kvs.handle.bind(runtime.kvs);
  runtime.kvs.handle = (urlPath, request) => {
    ops.push(`${urlPath.replace('/api/v1/', '')} ${request?.key ?? ''}`.trim());
    return handle(urlPath, request);
  };
  // The gate's refusal of a call without a key reads nothing else.
  const answer = await app.serviceApi({ method: 'POST', path: '/', headers: {}, queryParameters: {}, body: '{}' });
  assert.equal(answer.statusCode, 401, answer.body);
  assert.deepEqual(ops, ['get storage:schema']);
});
