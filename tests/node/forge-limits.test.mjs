// Each Forge limit the local runtime enforces (sandbox/runtime/forge-limits.mjs)
// hit once, through the real clients (`@forge/kvs`, `@forge/events`), failing
// the way Forge fails in production. Sources: the URLs in forge-limits.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ForgeRuntime, InvocationTimeoutError } from '../../sandbox/runtime/forge-runtime.mjs';
import * as L from '../../sandbox/runtime/forge-limits.mjs';

// A manifest of this test's own: one entity, a queue consumer of 900 s, a
// scheduled trigger, a web trigger.
const dir = mkdtempSync(path.join(tmpdir(), 'forge-limits-'));
const manifestFile = path.join(dir, 'manifest.yml');
writeFileSync(manifestFile, `
modules:
  consumer:
    - key: long-consumer
      queue: long-queue
      function: fn-long
    - key: short-consumer
      queue: short-queue
      function: fn-short
  function:
    - key: fn-long
      handler: index.long
      timeoutSeconds: 900
    - key: fn-short
      handler: index.short
    - key: fn-too-long
      handler: index.tooLong
      timeoutSeconds: 901
app:
  storage:
    entities:
      - name: reading
        attributes:
          count: { type: integer }
          ratio: { type: float }
        indexes: [count]
`);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let clock = Date.UTC(2026, 0, 1);
const now = () => clock;
let runtime = new ForgeRuntime({ manifestFile, now }).install();
const { kvs, WhereConditions } = await import('@forge/kvs');
const { Queue, TooManyEventsError, PayloadTooBigError, RateLimitError } = await import('@forge/events');
// Each test starts in a fresh rate window.
const nextMinute = () => { clock = (Math.floor(clock / 60_000) + 1) * 60_000; };

test('key length: 500 characters pass, 501 fail with KEY_TOO_LONG', async () => {
  nextMinute();
  await kvs.set('k'.repeat(L.KEY_MAX_LENGTH), 1);
  await assert.rejects(kvs.set('k'.repeat(L.KEY_MAX_LENGTH + 1), 1), { code: 'KEY_TOO_LONG' });
  await assert.rejects(kvs.get('k'.repeat(L.KEY_MAX_LENGTH + 1)), { code: 'KEY_TOO_LONG' });
});

test('key pattern: letters, digits, : . _ - # and spaces only; not blank', async () => {
  await kvs.set('audit:2026-01-01T00:00:00.000Z#1 a_b', 1);
  for (const key of ['a/b', 'é', 'a?b', '   ', 'key\u0000']) {
    await assert.rejects(kvs.set(key, 1), { code: 'INVALID_KEY' }, JSON.stringify(key));
  }
  await assert.rejects(kvs.set('', 1), { code: 'EMPTY_KEY' });
});

test('value size: 240 KiB of JSON pass, one byte more fails with MAX_SIZE', async () => {
  const fits = 'x'.repeat(L.VALUE_MAX_BYTES - 2); // the JSON string's quotes
  await kvs.set('big', fits);
  await assert.rejects(kvs.set('big', `${fits}x`), { code: 'MAX_SIZE' });
  assert.equal((await kvs.get('big')).length, fits.length, 'the refused write changed nothing');
});

test('value depth: 31 levels pass, 32 fail with MAX_DEPTH', async () => {
  const nest = (n) => (n === 0 ? 'leaf' : { a: nest(n - 1) });
  await kvs.set('deep', nest(L.VALUE_MAX_DEPTH));
  await assert.rejects(kvs.set('deep', nest(L.VALUE_MAX_DEPTH + 1)), { code: 'MAX_DEPTH' });
  await assert.rejects(kvs.set('deep-array', [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]), { code: 'MAX_DEPTH' });
});

test('secret storage follows the same key and value rules, and secrets are never queried', async () => {
  nextMinute();
  await assert.rejects(kvs.setSecret('bad/key', 's'), { code: 'INVALID_KEY' });
  await assert.rejects(kvs.setSecret('k'.repeat(501), 's'), { code: 'KEY_TOO_LONG' });
  await assert.rejects(kvs.setSecret('big-secret', 'x'.repeat(L.VALUE_MAX_BYTES)), { code: 'MAX_SIZE' });
  await kvs.setSecret('secret:one', 's');
  assert.deepEqual((await kvs.query().where('key', WhereConditions.beginsWith('secret:')).getMany()).results, []);
});

test('entity attributes: 32-bit integers, float magnitudes, declared names only', async () => {
  const reading = kvs.entity('reading');
  await reading.set('r1', { count: L.INTEGER_MAX, ratio: 0 });
  await reading.set('r2', { count: L.INTEGER_MIN, ratio: -1.5 });
  await assert.rejects(reading.set('r3', { count: L.INTEGER_MAX + 1 }), { code: 'INVALID_ENTITY_VALUE' });
  await assert.rejects(reading.set('r3', { ratio: 1e-131 }), { code: 'INVALID_ENTITY_VALUE' });
  await assert.rejects(reading.set('r3', { ratio: 1e126 }), { code: 'INVALID_ENTITY_VALUE' });
  await assert.rejects(reading.set('r3', { other: 1 }), { code: 'INVALID_ENTITY_VALUE' });
  await assert.rejects(kvs.entity('ab').get('k'), { code: 'ENTITY_TYPE_TOO_SHORT' });
  await assert.rejects(kvs.entity('e'.repeat(61)).get('k'), { code: 'ENTITY_TYPE_TOO_LARGE' });
  await assert.rejects(kvs.entity('Reading').get('k'), { code: 'INVALID_ENTITY_TYPE' });
});

test('query page limit: 1..100, default 10', async () => {
  nextMinute();
  for (let i = 0; i < 101; i++) await kvs.set(`many:${String(i).padStart(3, '0')}`, i);
  assert.equal((await kvs.query().where('key', WhereConditions.beginsWith('many:')).limit(100).getMany()).results.length, 100);
  await assert.rejects(kvs.query().limit(101).getMany(), { code: 'QUERY_LIMIT_NOT_IN_RANGE' });
  await assert.rejects(kvs.entity('reading').query().index('count').limit(101).getMany(), { code: 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE' });
  await assert.rejects(kvs.entity('reading').query().index('count').limit(0).getMany(), { code: 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE' });
});

test('transactions: at most 25 operations, and nothing of a refused one is written', async () => {
  nextMinute();
  let fits = kvs.transact();
  for (let i = 0; i < L.TRANSACTION_MAX_OPERATIONS; i++) fits = fits.set(`tx:${i}`, i);
  await fits.execute();
  let over = kvs.transact();
  for (let i = 0; i < L.TRANSACTION_MAX_OPERATIONS + 1; i++) over = over.set(`tx-over:${i}`, i);
  await assert.rejects(over.execute(), { code: 'TOO_MANY_OPERATIONS' });
  assert.equal(await kvs.get('tx-over:0'), undefined);
  await assert.rejects(kvs.transact().set('same', 1).delete('same').execute(), { code: 'DUPLICATE_KEY' });
  await assert.rejects(kvs.transact().set('tx-ok', 1).set('bad/key', 2).execute(), { code: 'INVALID_KEY' });
  assert.equal(await kvs.get('tx-ok'), undefined, 'a refused transaction writes nothing');
});

test('storage rate: 4,000 write units a minute per installation, then RATE_LIMIT_EXCEEDED until the next minute', async () => {
  nextMinute();
  clock += 1; // not at a second boundary: spread the writes over seconds below
  // A 25 KB value costs 3 units (started 10 KB); requests per second stay under 1,000.
  const value = 'v'.repeat(25 * 1024);
  let spent = 0;
  let i = 0;
  while (spent + 3 <= L.STORAGE_WRITE_UNITS_PER_MINUTE) {
    if (i % 500 === 0) clock += 1000;
    await kvs.set(`rate:${i % 10}`, value);
    spent += 3;
    i += 1;
  }
  await kvs.set('rate:small', 1); // one unit left
  await assert.rejects(kvs.set('rate:small', 2), { code: 'RATE_LIMIT_EXCEEDED' });
  assert.equal(await kvs.get('rate:small'), 1, 'reads have their own budget');
  nextMinute();
  await kvs.set('rate:small', 3);
});

test('storage rate: 1,000 requests a second per installation', async () => {
  nextMinute();
  for (let i = 0; i < L.STORAGE_REQUESTS_PER_SECOND; i++) await kvs.get('rps');
  await assert.rejects(kvs.get('rps'), { code: 'RATE_LIMIT_EXCEEDED' });
  clock += 1000;
  assert.equal(await kvs.get('rps'), undefined);
});

test('queue push: 50 events and 200 KB per push (the client refuses), 500 events a minute (the runtime refuses)', async () => {
  nextMinute();
  const pushed = [];
  runtime.onQueuePush = ({ body }) => pushed.push(body);
  const queue = new Queue({ key: 'short-queue' });
  const events = (n, size = 10) => Array.from({ length: n }, (_, i) => ({ body: { i, pad: 'p'.repeat(size) } }));
  await assert.rejects(queue.push(events(L.QUEUE_MAX_EVENTS_PER_PUSH + 1)), TooManyEventsError);
  await assert.rejects(queue.push(events(2, 110 * 1024)), PayloadTooBigError);
  for (let i = 0; i < L.QUEUE_MAX_EVENTS_PER_MINUTE / 50; i++) await queue.push(events(50));
  await assert.rejects(queue.push(events(1)), RateLimitError);
  assert.equal(pushed.reduce((n, p) => n + p.payload.length, 0), L.QUEUE_MAX_EVENTS_PER_MINUTE);
  nextMinute();
  await queue.push(events(1));
  // The runtime also refuses what a client that skips its own checks sends.
  const raw = await globalThis.__forge_fetch__({ type: 'app' }, '/webhook/queue/publish/x', { method: 'POST', body: JSON.stringify({ queueName: 'short-queue', payload: events(51) }) });
  assert.equal(raw.status, 400);
});

test('queue event size: at most 100 KB each for a consumer with timeoutSeconds above 55', async () => {
  nextMinute();
  const big = { body: { pad: 'p'.repeat(120 * 1024) } };
  await new Queue({ key: 'short-queue' }).push(big);
  await assert.rejects(new Queue({ key: 'long-queue' }).push(big), PayloadTooBigError);
});

test('invocation time: 25 s for resolvers, 55 s for web triggers and default consumers, timeoutSeconds up to 900', async () => {
  const runFor = (ms) => async () => { clock += ms; return 'done'; };
  assert.equal(await runtime.invoke({ kind: 'resolver' }, runFor(24_000)), 'done');
  await assert.rejects(runtime.invoke({ kind: 'resolver' }, runFor(25_001)), InvocationTimeoutError);
  await assert.rejects(runtime.invoke({ kind: 'trigger' }, runFor(25_001)), InvocationTimeoutError);
  assert.equal(await runtime.invoke({ kind: 'webtrigger' }, runFor(54_000)), 'done');
  await assert.rejects(runtime.invoke({ kind: 'webtrigger' }, runFor(55_001)), InvocationTimeoutError);
  await assert.rejects(runtime.invoke({ kind: 'consumer', functionKey: 'fn-short' }, runFor(55_001)), InvocationTimeoutError);
  assert.equal(await runtime.invoke({ kind: 'consumer', functionKey: 'fn-long' }, runFor(899_000)), 'done');
  await assert.rejects(runtime.invoke({ kind: 'consumer', functionKey: 'fn-long' }, runFor(900_001)), InvocationTimeoutError);
  // timeoutSeconds extends consumers and scheduled triggers only, and only to 900.
  await assert.rejects(runtime.invoke({ kind: 'resolver', functionKey: 'fn-long' }, runFor(25_001)), InvocationTimeoutError);
  await assert.rejects(runtime.invoke({ kind: 'consumer', functionKey: 'fn-too-long' }, runFor(1)), /timeoutSeconds is 1..900/);
});

test('invocation time: getRemainingTimeInMillis counts down from the limit of the invocation in progress', async () => {
  const remaining = () => globalThis.__forge_runtime__.lambdaContext.getRemainingTimeInMillis();
  const seen = await runtime.invoke({ kind: 'consumer', functionKey: 'fn-long' }, async () => {
    const first = remaining();
    clock += 100_000;
    return [first, remaining()];
  });
  assert.deepEqual(seen, [900_000, 800_000]);
  assert.equal(await runtime.invoke({ kind: 'resolver' }, async () => remaining()), 25_000);
});

test('an invocation still running at its limit is stopped, not awaited', async () => {
  // A real timer, a short limit: this one never settles by itself.
  const shortLived = new ForgeRuntime({ manifestFile });
  const limits = { ...L.INVOCATION_SECONDS };
  shortLived.timeLimitSeconds = () => 0.05;
  await assert.rejects(shortLived.invoke({ kind: 'resolver' }, () => new Promise(() => {})), InvocationTimeoutError);
  assert.deepEqual(L.INVOCATION_SECONDS, limits);
  runtime.install();
});
