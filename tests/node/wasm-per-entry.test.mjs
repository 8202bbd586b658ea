// bench/wasm-per-entry.mjs measures the wasm with only some exports kept. Its
// sets name exports by their `js_name`; a renamed or new export must not make
// it measure the wrong module silently. (Sizes are measured, never asserted:
// BENCHMARKS.md.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './support/app.mjs';
import { SETS, keepOnly } from '../../bench/wasm-per-entry.mjs';

const source = readFileSync(path.join(ROOT, 'src', 'wasm', 'exports.rs'), 'utf8');
const exported = [...source.matchAll(/#\[wasm_bindgen\(js_name = (\w+)\)\]/g)].map((m) => m[1]);

test('every set names exports src/wasm/exports.rs has, and every export is measured alone or in a set', () => {
  assert.ok(exported.length >= 10, `found only ${exported.length} exports`);
  for (const [label, keep] of Object.entries(SETS)) {
    for (const name of keep ?? []) assert.ok(exported.includes(name), `set ${label} names ${name}, which is not exported`);
  }
  const measured = new Set(Object.values(SETS).flatMap((keep) => keep ?? []));
  const unmeasured = exported.filter((name) => !measured.has(name) && name !== 'diagnosticTrap' && name !== 'storageEntities');
  assert.deepEqual(unmeasured, [], 'exports no set measures');
});

test('keepOnly compiles out exactly the exports not kept', () => {
  const kept = keepOnly(source, ['handleWebTrigger']);
  const lines = kept.split('\n');
  for (const name of exported) {
    const at = lines.findIndex((line) => line.includes(`js_name = ${name})]`));
    const cfgOut = lines[at - 1] === '#[cfg(any())]';
    assert.equal(cfgOut, name !== 'handleWebTrigger', `${name} ${cfgOut ? 'compiled out' : 'kept'}`);
  }
  assert.equal(keepOnly(source, null), source);
});

test('keepOnly refuses an export name the source does not have, naming it', () => {
  assert.throws(() => keepOnly(source, ['handleWebTriger']), /no export handleWebTriger/);
});
