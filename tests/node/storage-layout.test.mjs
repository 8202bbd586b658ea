// The Custom Entity Store entities manifest.yml declares are exactly the
// ones the core reads and writes (src/layout.rs), and the upgrade event
// and the sweep are wired to the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './support/app.mjs';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const manifest = () => YAML.parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8'));

test('manifest.yml declares the entities and indexes src/layout.rs uses', async () => {
  const core = await import(path.join(ROOT, 'src', 'generated', 'core.js'));
  assert.deepEqual(manifest().app.storage.entities, core.storageEntities());
});

test('the upgraded-app lifecycle event and the hourly sweep reach the core, the sweep with a time limit', () => {
  const m = manifest();
  const functions = new Map(m.modules.function.map((f) => [f.key, f]));
  const upgraded = m.modules.trigger.find((t) => t.events.includes('avi:forge:upgraded:app'));
  assert.equal(functions.get(upgraded.function).handler, 'index.appUpgraded');
  const sweep = functions.get(m.modules.scheduledTrigger[0].function);
  assert.equal(sweep.handler, 'index.pendingSweep');
  assert.equal(sweep.timeoutSeconds, 900);
});
