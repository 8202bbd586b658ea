// Bulk jobs through the bundled app: jobs.submit answers 202 and pushes
// events to the Forge queue; the consumer creates every hire once;
// job.status reports; throttling asks Forge for a retry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';
import { recordQueue } from './support/queue.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';

let app, emulator, key, queue, issueKey;

before(async () => {
  const jsm = new FakeJsm();
  app = loadApp({ jsm });
  queue = recordQueue(app.runtime);
  emulator = await startEmulator();
  // The new hires' first credentials go to the agent assigned to the HR request.
  key = await connectApp(app, emulator, ADMIN, { secretRecipients: { user: { create: ['assignedAgent'] } } });
  issueKey = jsm.createRequest({ requestType: 'onboarding', reporter: 'customer-emily', fields: {} }).key;
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const hires = (prefix, count) => Array.from({ length: count }, (_, i) => ({
  route: 'user.create', issueKey,
  data: { givenName: prefix, surname: `Hire${String(i).padStart(3, '0')}`, employeeId: `${prefix.slice(0, 2).toUpperCase()}${String(i).padStart(4, '0')}`, department: 'Sales' },
}));
const usersNamed = async (givenName) => (await emulator.tenant()).users.filter((u) => u.displayName?.startsWith(`${givenName} `));
const graphWrites = async () => (await emulator.log()).filter((r) => r.kind !== 'token' && r.method !== 'GET');

test('30 hires as one job: 202, consumer events, 30 accounts, job.status all done', async () => {
  await emulator.clearLog();
  const started = performance.now();
  const submitted = await call({ route: 'jobs.submit', data: { calls: hires('Bulk', 30) } });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  assert.equal(submitted.body.result.items, 30);
  const events = queue.events();
  assert.equal(events.length, 2);
  assert.ok(events.every((e) => e.queueName === 'operation-jobs'));
  // One job delivery at a time, across all jobs: Graph throttles per tenant
  // and one delivery fills the budget; two at once each paced at the whole
  // budget (BENCHMARKS.md, "Concurrent deliveries").
  assert.deepEqual(new Set(events.map((e) => JSON.stringify(e.concurrency))), new Set([JSON.stringify({ key: 'operation-jobs', limit: 1 })]));
  const answers = await queue.deliver(app.app.jobConsumer, events);
  const elapsed = performance.now() - started;
  assert.ok(answers.every((a) => a.status === 'finished'), JSON.stringify(answers));
  assert.equal((await usersNamed('Bulk')).length, 30);

  const status = await call({ route: 'job.status', data: { jobId: submitted.body.result.jobId } });
  assert.equal(status.status, 200);
  assert.deepEqual(status.body.result.counts, { queued: 0, done: 30, failed: 0, refused: 0, waiting: 0 });
  assert.ok(!JSON.stringify(status.body).includes('credential'));
  // A round trip is one HTTP request to Graph (a `$batch` envelope counts
  // once); the requests inside envelopes are logged apart ("batch-item").
  const log = (await emulator.log()).filter((r) => r.kind !== 'token');
  const roundTrips = log.filter((r) => r.kind === 'graph').length;
  const requests = log.filter((r) => r.kind === 'batch-item' || (r.kind === 'graph' && !/\$batch$/.test(r.path))).length;
  assert.ok(roundTrips <= 30, `${roundTrips} Graph round trips for 30 hires: at most one per hire`);
  console.log(`BENCH jobs: 30 hires, ${events.length} events, ${roundTrips} Graph round trips, ${requests} Graph requests, ${elapsed.toFixed(0)} ms`);

  const before = (await graphWrites()).length;
  const again = await queue.deliver(app.app.jobConsumer, events);
  assert.ok(again.every((a) => a.status === 'finished' && a.ran === 0), JSON.stringify(again));
  assert.equal((await graphWrites()).length, before, 'a redelivered event creates nothing');
  assert.equal((await usersNamed('Bulk')).length, 30);
});

test('an invalid item refuses the job up front, naming its index', async () => {
  const calls = hires('Nope', 4);
  delete calls[2].data.surname;
  const pushed = queue.pushes.length;
  const res = await call({ route: 'jobs.submit', data: { calls } });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.match(res.body.error.field, /^data\.calls\[2\]\.data\.surname/);
  assert.equal(queue.pushes.length, pushed, 'nothing queued');
  assert.equal((await usersNamed('Nope')).length, 0);
});

test('throttling makes the consumer ask Forge for a retry instead of failing items', async () => {
  const submitted = await call({ route: 'jobs.submit', data: { calls: hires('Slow', 3) } });
  assert.equal(submitted.status, 202);
  const events = queue.events().slice(-1);
  // Retry-After longer than an item's in-line budget (20 s).
  await emulator.setFaults({ throttle: { requestsPerSecond: 1, retryAfterSeconds: 30 } });
  try {
    const [answer] = await queue.deliver(app.app.jobConsumer, events);
    assert.equal(answer._retry, true, JSON.stringify(answer));
    assert.ok(answer.retryOptions.retryAfter >= 1);
    assert.equal(answer.retryOptions.retryReason, 'FUNCTION_UPSTREAM_RATE_LIMITED');
  } finally {
    await emulator.setFaults({});
  }
  const status = await call({ route: 'job.status', data: { jobId: submitted.body.result.jobId } });
  assert.equal(status.body.result.counts.failed, 0, JSON.stringify(status.body));
  const [retried] = await queue.deliver(app.app.jobConsumer, events);
  assert.equal(retried.status, 'finished');
  const done = await call({ route: 'job.status', data: { jobId: submitted.body.result.jobId } });
  assert.equal(done.body.result.counts.done, 3, JSON.stringify(done.body));
});
