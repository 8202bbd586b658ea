// Forge hosted storage as the app reaches it: the real `@forge/kvs` client
// (node_modules) against the local Forge runtime on SQLite. Each behaviour
// follows the @forge/kvs documentation:
// https://developer.atlassian.com/platform/forge/storage-reference/ (KVS,
// secrets, queries, transactions, batches, Custom Entity Store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ForgeRuntime } from '../../sandbox/runtime/forge-runtime.mjs';
import { KeyValueStore } from '../../sandbox/runtime/kvs-store.mjs';
import { declareEntities } from '../../sandbox/runtime/entity-declarations.mjs';

// Declarations of the manifest's shape (app.storage.entities), this test's own.
const ENTITIES = [
  {
    name: 'employee',
    attributes: { surname: { type: 'string' }, age: { type: 'integer' }, rating: { type: 'float' }, active: { type: 'boolean' }, notes: { type: 'any' } },
    indexes: ['age', { name: 'by-surname-age', partition: ['surname'], range: 'age' }, { name: 'by-surname', range: ['surname'] }],
  },
];

let clock = Date.UTC(2026, 0, 1);
const now = () => clock;
const start = (options = {}) => new ForgeRuntime({ entities: ENTITIES, now, enforceStorageRate: false, ...options }).install();
let runtime = start();
const { kvs, WhereConditions, FilterConditions, Filter, Sort, MetadataField } = await import('@forge/kvs');

test('get, set and delete: missing keys are undefined, values keep their JSON type', async () => {
  assert.equal(await kvs.get('absent'), undefined);
  for (const [key, value] of [['s', 'text'], ['n', 42], ['b', false], ['o', { a: [1, { b: null }] }], ['arr', [1, 'two']]]) {
    await kvs.set(key, value);
    assert.deepEqual(await kvs.get(key), value);
  }
  await kvs.delete('s');
  assert.equal(await kvs.get('s'), undefined);
  await kvs.delete('s'); // deleting again is not an error
});

test('metadata fields, key policy and return values', async () => {
  clock = Date.UTC(2026, 0, 1, 10);
  await kvs.set('meta', 1);
  clock += 5000;
  await kvs.set('meta', 2);
  const got = await kvs.get('meta', { metadataFields: [MetadataField.CREATED_AT, MetadataField.UPDATED_AT] });
  assert.deepEqual(got, { key: 'meta', value: 2, createdAt: Date.UTC(2026, 0, 1, 10) / 1000, updatedAt: Date.UTC(2026, 0, 1, 10) / 1000 + 5 });
  await assert.rejects(kvs.set('meta', 3, { keyPolicy: 'FAIL_IF_EXISTS' }), { code: 'KEY_ALREADY_EXISTS' });
  assert.equal(await kvs.get('meta'), 2);
  assert.deepEqual(await kvs.set('meta', 4, { keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS' }), { key: 'meta', value: 2 });
  assert.deepEqual(await kvs.set('meta', 5, { keyPolicy: 'OVERRIDE', returnValue: 'LATEST' }), { key: 'meta', value: 5 });
  assert.equal(await kvs.set('fresh', 1, { keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS' }), undefined);
});

test('a TTL expires the key: gone from get and from queries', async () => {
  await kvs.set('ttl:one', 'soon gone', { ttl: { value: 2, unit: 'MINUTES' } });
  const { expireTime } = await kvs.get('ttl:one', { metadataFields: [MetadataField.EXPIRE_TIME] });
  assert.equal(expireTime, new Date(Math.floor(clock / 1000) * 1000 + 120_000).toISOString());
  clock += 119_000;
  assert.equal(await kvs.get('ttl:one'), 'soon gone');
  clock += 2_000;
  assert.equal(await kvs.get('ttl:one'), undefined);
  assert.equal((await kvs.query().where('key', WhereConditions.beginsWith('ttl:')).getMany()).results.length, 0);
});

test('secrets live in their own namespace and never show in queries', async () => {
  await kvs.setSecret('token', { secret: 'x' });
  assert.deepEqual(await kvs.getSecret('token'), { secret: 'x' });
  assert.equal(await kvs.get('token'), undefined, 'a secret is not a plain key');
  await kvs.set('token', 'plain');
  assert.deepEqual(await kvs.getSecret('token'), { secret: 'x' });
  const all = await kvs.query().where('key', WhereConditions.beginsWith('tok')).getMany();
  assert.deepEqual(all.results, [{ key: 'token', value: 'plain' }]);
  await kvs.deleteSecret('token');
  assert.equal(await kvs.getSecret('token'), undefined);
  assert.equal(await kvs.get('token'), 'plain');
});

test('key queries: beginsWith, key order, default limit 10, opaque cursors across pages, getOne', async () => {
  const keys = Array.from({ length: 23 }, (_, i) => `page:${String(i).padStart(2, '0')}`);
  for (const key of [...keys].reverse()) await kvs.set(key, { key });
  await kvs.set('pagf', 'not in the prefix');
  const first = await kvs.query().where('key', WhereConditions.beginsWith('page:')).getMany();
  assert.equal(first.results.length, 10);
  assert.ok(first.nextCursor);
  const seen = [...first.results.map((r) => r.key)];
  let cursor = first.nextCursor;
  while (cursor) {
    const page = await kvs.query().where('key', WhereConditions.beginsWith('page:')).limit(10).cursor(cursor).getMany();
    seen.push(...page.results.map((r) => r.key));
    cursor = page.nextCursor;
  }
  assert.deepEqual(seen, keys);
  assert.deepEqual(await kvs.query().where('key', WhereConditions.beginsWith('page:1')).getOne(), { key: 'page:10', value: { key: 'page:10' } });
  await assert.rejects(kvs.query().cursor('not-a-cursor').getMany(), { code: 'INVALID_CURSOR' });
});

test('a transaction writes everything or nothing; a failed condition rolls it back', async () => {
  await kvs.entity('employee').set('e-cond', { surname: 'Scott', age: 30 });
  await kvs.transact()
    .set('tx:a', 1)
    .set('e-new', { surname: 'Davis', age: 41 }, { entityName: 'employee' })
    .delete('meta')
    .check('e-cond', { entityName: 'employee', conditions: new Filter().and('surname', FilterConditions.beginsWith('S')) })
    .execute();
  assert.equal(await kvs.get('tx:a'), 1);
  assert.equal(await kvs.get('meta'), undefined);
  assert.deepEqual(await kvs.entity('employee').get('e-new'), { surname: 'Davis', age: 41 });

  const failing = kvs.transact()
    .set('tx:b', 2)
    .delete('tx:a')
    .set('e-cond', { surname: 'Scott', age: 31 }, { entityName: 'employee', conditions: new Filter().and('age', FilterConditions.equalTo(99)) });
  await assert.rejects(failing.execute(), { code: 'CONDITIONAL_CHECK_FAILED' });
  assert.equal(await kvs.get('tx:b'), undefined, 'nothing of the failed transaction was written');
  assert.equal(await kvs.get('tx:a'), 1, 'nothing of it was deleted');
  assert.equal((await kvs.entity('employee').get('e-cond')).age, 30);
});

test('batch set, get and delete report each key', async () => {
  const set = await kvs.batchSet([{ key: 'batch:1', value: 1 }, { key: 'batch 2!', value: 2 }, { key: 'e-batch', value: { surname: 'Lee', age: 22 }, entityName: 'employee' }]);
  assert.deepEqual(set.successfulKeys, [{ key: 'batch:1' }, { key: 'e-batch', entityName: 'employee' }]);
  assert.equal(set.failedKeys[0].key, 'batch 2!');
  assert.equal(set.failedKeys[0].error.code, 'INVALID_KEY');
  const got = await kvs.batchGet([{ key: 'batch:1' }, { key: 'batch:none' }, { key: 'e-batch', entityName: 'employee' }]);
  assert.deepEqual(got.successfulKeys, [{ key: 'batch:1', value: 1 }, { key: 'e-batch', entityName: 'employee', value: { surname: 'Lee', age: 22 } }]);
  assert.equal(got.failedKeys[0].error.code, 'KEY_NOT_FOUND');
  await kvs.batchDelete([{ key: 'batch:1' }, { key: 'e-batch', entityName: 'employee' }]);
  assert.equal(await kvs.get('batch:1'), undefined);
  assert.equal(await kvs.entity('employee').get('e-batch'), undefined);
});

test('Custom Entity Store: values are checked against the declarations', async () => {
  const employee = kvs.entity('employee');
  await employee.set('e1', { surname: 'Jones', age: 20, rating: 4.5, active: true, notes: { free: ['form'] } });
  assert.deepEqual(await employee.get('e1'), { surname: 'Jones', age: 20, rating: 4.5, active: true, notes: { free: ['form'] } });
  await assert.rejects(employee.set('e2', { surname: 'X', salary: 1 }), { code: 'INVALID_ENTITY_VALUE', message: /salary is not an attribute of entity employee/ });
  await assert.rejects(employee.set('e2', { age: '20' }), { code: 'INVALID_ENTITY_VALUE', message: /employee.age: expected a 32-bit integer/ });
  await assert.rejects(employee.set('e2', { age: 2.5 }), { code: 'INVALID_ENTITY_VALUE' });
  await assert.rejects(employee.set('e2', { active: 'yes' }), { code: 'INVALID_ENTITY_VALUE' });
  await assert.rejects(employee.set('e2', 'a string'), { code: 'INVALID_ENTITY_VALUE' });
  await assert.rejects(kvs.entity('undeclared').set('k', {}), { code: 'INVALID_ENTITY_TYPE', message: /not declared/ });
  await employee.delete('e1');
  assert.equal(await employee.get('e1'), undefined);
});

test('Custom Entity Store: index queries with partition, range conditions, sort, filters and cursors', async () => {
  const employee = kvs.entity('employee');
  const people = [['Smith', 25], ['Smith', 31], ['Smith', 40], ['Smith', 52], ['Jones', 33], ['Jones', 47], ['Brown', 31]];
  for (const [i, [surname, age]] of people.entries()) await employee.set(`q${i}`, { surname, age, active: i % 2 === 0 });
  await employee.set('q-no-age', { surname: 'Smith' }); // lacks the range attribute: in no age index
  const smiths = await employee.query().index('by-surname-age', { partition: ['Smith'] }).getMany();
  assert.deepEqual(smiths.results.map((r) => r.value.age), [25, 31, 40, 52]);
  const between = await employee.query().index('by-surname-age', { partition: ['Smith'] }).where(WhereConditions.between(30, 45)).sort(Sort.DESC).getMany();
  assert.deepEqual(between.results.map((r) => r.value.age), [40, 31]);
  const over = await employee.query().index('age').where(WhereConditions.greaterThanEqualTo(40)).getMany();
  assert.deepEqual(over.results.map((r) => r.value.age), [40, 41, 47, 52]);
  const under = await employee.query().index('age').where(WhereConditions.lessThan(31)).getMany();
  assert.deepEqual(under.results.map((r) => r.key), ['q0', 'e-cond']);
  const names = await employee.query().index('by-surname').where(WhereConditions.beginsWith('Jo')).getMany();
  assert.deepEqual(names.results.map((r) => r.key), ['q4', 'q5']);
  const exact = await employee.query().index('age').where(WhereConditions.equalTo(31)).getMany();
  assert.deepEqual(exact.results.map((r) => r.key), ['q1', 'q6']);

  const filtered = await employee.query().index('age').filters(new Filter().and('surname', FilterConditions.equalTo('Smith')).and('active', FilterConditions.equalTo(true))).getMany();
  assert.deepEqual(filtered.results.map((r) => r.key), ['q0', 'q2']);
  const either = await employee.query().index('age').filters(new Filter().or('surname', FilterConditions.equalTo('Brown')).or('age', FilterConditions.greaterThan(50))).getMany();
  assert.deepEqual(either.results.map((r) => r.key), ['q6', 'q3']);

  const pages = [];
  let cursor;
  do {
    let query = employee.query().index('age').sort(Sort.DESC).limit(3);
    if (cursor) query = query.cursor(cursor);
    const page = await query.getMany();
    pages.push(page.results.map((r) => r.value.age));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(pages.flat(), [52, 47, 41, 40, 33, 31, 31, 30, 25]);
  assert.ok(pages.length >= 3);
  assert.equal((await employee.query().index('age').where(WhereConditions.greaterThan(50)).getOne()).key, 'q3');

  await assert.rejects(employee.query().index('no-such-index').getMany(), { code: 'INVALID_ENTITY_INDEX' });
  await assert.rejects(employee.query().index('by-surname-age').getMany(), { code: 'INVALID_PARTITION' });
});

test('an entity update moves it within its indexes; a delete removes it', async () => {
  const employee = kvs.entity('employee');
  await employee.set('mover', { surname: 'Mover', age: 60 });
  await employee.set('mover', { surname: 'Mover', age: 61 });
  const found = await employee.query().index('by-surname-age', { partition: ['Mover'] }).getMany();
  assert.deepEqual(found.results, [{ key: 'mover', value: { surname: 'Mover', age: 61 } }]);
  await employee.delete('mover');
  assert.deepEqual((await employee.query().index('by-surname-age', { partition: ['Mover'] }).getMany()).results, []);
});

test('a database file keeps everything across a reopen', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'forge-storage-'));
  try {
    const file = path.join(dir, 'forge-storage.sqlite');
    let store = new KeyValueStore({ file, now });
    runtime = start({ store });
    await kvs.set('kept', { n: 1 });
    await kvs.setSecret('kept-secret', 's3');
    await kvs.entity('employee').set('kept-e', { surname: 'Kept', age: 70 });
    store.close();

    store = new KeyValueStore({ file, now });
    runtime = start({ store });
    assert.deepEqual(await kvs.get('kept'), { n: 1 });
    assert.equal(await kvs.getSecret('kept-secret'), 's3');
    const byIndex = await kvs.entity('employee').query().index('by-surname-age', { partition: ['Kept'] }).getMany();
    assert.deepEqual(byIndex.results.map((r) => r.key), ['kept-e']);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    runtime = start();
  }
});

test('a kvs.json of the earlier JSON-file store is imported once, then set aside', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'forge-storage-'));
  try {
    const json = path.join(dir, 'kvs.json');
    writeFileSync(json, JSON.stringify({ values: { 'config:policy': { v: 1 }, 'audit:1': ['a'] }, secrets: { 'graph-secret': 'p' } }));
    const file = path.join(dir, 'forge-storage.sqlite');
    let store = new KeyValueStore({ file, importJson: json, now });
    runtime = start({ store });
    assert.deepEqual(await kvs.get('config:policy'), { v: 1 });
    assert.deepEqual(await kvs.get('audit:1'), ['a']);
    assert.equal(await kvs.getSecret('graph-secret'), 'p');
    assert.ok(!existsSync(json) && existsSync(`${json}.imported`));
    await kvs.set('config:policy', { v: 2 });
    store.close();

    // A kvs.json that reappears is not imported over newer data.
    writeFileSync(json, JSON.stringify({ values: { 'config:policy': { v: 1 } }, secrets: {} }));
    store = new KeyValueStore({ file, importJson: json, now });
    runtime = start({ store });
    assert.deepEqual(await kvs.get('config:policy'), { v: 2 });
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    runtime = start();
  }
});

test('entity declarations the manifest would refuse are refused when the runtime starts', () => {
  assert.throws(() => declareEntities([{ name: 'ab', attributes: {} }]), /invalid entity name/);
  assert.throws(() => declareEntities([{ name: 'thing', attributes: { a: { type: 'date' } } }]), /type must be one of/);
  assert.throws(() => declareEntities([{ name: 'thing', attributes: { a: { type: 'string' } }, indexes: ['b'] }]), /b is not a declared attribute/);
});
