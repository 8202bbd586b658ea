// Benchmarks of the local Forge runtime's storage (sandbox/runtime): the cost
// of one write through the real @forge/kvs client, into a database file as
// the sandbox uses it, when the store holds 100 and when it holds 100,000
// records; and an entity index query at 100,000 records.
// Usage: node bench/kvs-store.mjs   Prints a Markdown table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ForgeRuntime } from '../sandbox/runtime/forge-runtime.mjs';
import { KeyValueStore } from '../sandbox/runtime/kvs-store.mjs';

const ENTITIES = [{ name: 'audit-record', attributes: { target: { type: 'string' }, at: { type: 'string' } }, indexes: [{ name: 'by-target', partition: ['target'], range: 'at' }] }];
const WRITES = 2000;
const dir = mkdtempSync(path.join(tmpdir(), 'bench-kvs-'));
const rows = [];
try {
  const store = new KeyValueStore({ file: path.join(dir, 'forge-storage.sqlite') });
  new ForgeRuntime({ store, entities: ENTITIES, enforceStorageRate: false }).install();
  const { kvs, WhereConditions } = await import('@forge/kvs');
  const value = (i) => ({ id: i, operation: 'user.create', target: `user${i % 500}@contoso.example`, outcome: 'succeeded', at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), pad: 'x'.repeat(400) });

  const seedTo = (n) => store.transaction(() => {
    for (let i = store.count(); i < n; i++) {
      if (i % 2) store.set(`audit:${String(i).padStart(8, '0')}`, value(i));
      else store.setEntity('audit-record', `a${i}`, { target: value(i).target, at: value(i).at });
    }
  });
  const timeWrites = async (label) => {
    const held = store.count();
    const t0 = performance.now();
    // New keys each time: every write is an insert, the costlier case.
    for (let i = 0; i < WRITES; i++) await kvs.set(`bench:${held}:${i}`, value(i));
    const us = ((performance.now() - t0) * 1000) / WRITES;
    rows.push([label, held.toLocaleString('en'), `${us.toFixed(0)} µs`]);
    return us;
  };
  seedTo(100);
  const small = await timeWrites('kvs.set at 100 records');
  seedTo(100_000);
  const large = await timeWrites('kvs.set at 100,000 records');
  const q0 = performance.now();
  const QUERIES = 200;
  for (let i = 0; i < QUERIES; i++) {
    await kvs.entity('audit-record').query().index('by-target', { partition: [`user${(i * 7) % 500}@contoso.example`] }).where(WhereConditions.greaterThan('2026-01-01T10')).limit(20).getMany();
  }
  rows.push(['entity index query (partition + range, 20 results)', store.count().toLocaleString('en'), `${(((performance.now() - q0) * 1000) / QUERIES).toFixed(0)} µs`]);
  store.close();
  console.log(`| Storage operation (${WRITES} writes of ~0.5 KB each, file-backed) | Records held | Mean per call |\n|---|---|---|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log(`\nWrite cost at 100,000 records / at 100: ${(large / small).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
