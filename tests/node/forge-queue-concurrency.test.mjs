// The sandbox's Forge runtime delivers queue events the way Forge does for
// each event's concurrency setting (`PushEvent.concurrency: {key, limit}`,
// https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/):
// at most `limit` events with the same key in flight at once across all
// pushes, the others waiting for a slot (Atlassian's answer in
// https://community.developer.atlassian.com/t/questions-about-the-new-concurrency-limits-async-events/93837);
// events without a setting as they come. The consumer here is a stub that
// holds each event until the test lets it go, so what is in flight is seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ForgeApp } from '../../sandbox/forge-app.mjs';
import { FakeJira } from '../../sandbox/runtime/fake-jira.mjs';
import { KeyValueStore } from '../../sandbox/runtime/kvs-store.mjs';
import { BUNDLE_DIR, ROOT } from './support/app.mjs';

/** A sandbox app whose queue consumer is `consumer` (the bundle's own is not run). */
function sandboxWith(consumer) {
  const app = new ForgeApp({ bundleDir: BUNDLE_DIR, manifestFile: path.join(ROOT, 'manifest.yml'), store: new KeyValueStore(), jira: new FakeJira({}) });
  app.handler = (spec) => (spec ? consumer : null);
  return app;
}

/** A consumer that records what runs and ends each event when told to. */
function heldConsumer() {
  const running = new Set();
  const started = [];
  const release = new Map();
  let most = 0;
  const consumer = (event) => new Promise((resolve) => {
    const { name } = event.body;
    running.add(name);
    started.push(name);
    most = Math.max(most, running.size);
    release.set(name, () => { running.delete(name); resolve({ status: 'finished' }); });
  });
  return { consumer, running, started, release: (name) => release.get(name)(), most: () => most };
}

const ticks = async (n = 5) => { for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve)); };
const push = (app, jobId, events) => app.runtime.onQueuePush({ body: { queueName: 'operation-jobs', jobId, payload: events } });
const limited = (name, key = 'operation-jobs', limit = 2) => ({ body: { name }, concurrency: { key, limit } });

test('at most `limit` events with one concurrency key in flight across pushes; a third waits for a slot', async () => {
  const held = heldConsumer();
  const app = sandboxWith(held.consumer);
  push(app, 'job-a', [limited('a0'), limited('a1')]);
  push(app, 'job-b', [limited('b0'), { body: { name: 'free' } }]);
  await ticks();
  assert.deepEqual([...held.running].sort(), ['a0', 'a1', 'free'], 'two with the key, and the event without a setting at once');
  assert.ok(!held.started.includes('b0'), 'the third with the key waits');

  held.release('a0');
  await ticks();
  assert.ok(held.running.has('b0'), 'it starts in the freed slot');
  assert.equal(held.running.size, 3);

  held.release('a1');
  held.release('b0');
  held.release('free');
  await app.settle();
  assert.equal(held.started.length, 4);
  assert.equal(app.slots.peak.get('operation-jobs'), 2, 'never more than the limit at once');
});

test('different concurrency keys do not wait for each other', async () => {
  const held = heldConsumer();
  const app = sandboxWith(held.consumer);
  push(app, 'job-a', [limited('x0', 'import-x', 1), limited('x1', 'import-x', 1), limited('y0', 'import-y', 1)]);
  await ticks();
  assert.deepEqual([...held.running].sort(), ['x0', 'y0']);
  held.release('x0');
  await ticks();
  assert.deepEqual([...held.running].sort(), ['x1', 'y0']);
  held.release('x1');
  held.release('y0');
  await app.settle();
});

test('a waiting event of a cancelled job is not delivered, and settle() still resolves', async () => {
  const held = heldConsumer();
  const app = sandboxWith(held.consumer);
  push(app, 'job-a', [limited('a0', 'k', 1), limited('a1', 'k', 1)]);
  await ticks();
  assert.deepEqual(held.started, ['a0']);
  app.runtime.cancelledJobs.add('job-a');
  held.release('a0');
  await app.settle();
  assert.deepEqual(held.started, ['a0'], 'the waiting event of the cancelled job never ran');
});
