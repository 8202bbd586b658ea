// A 2,000-hire bulk load through the queue, as the sandbox runs it (the
// bundled app under the local Forge runtime on a SQLite file, the emulator
// over loopback HTTP): the hire rate in the first and the last fifth, then
// the admin audit log's query time with 100,000 audit records stored.
// Usage: node bench/hires.mjs [hires]   (after npm run build and
// cargo build --release -p entra-emulator). Prints numbers; asserts none.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ForgeRuntime } from '../sandbox/runtime/forge-runtime.mjs';
import { FakeJira } from '../sandbox/runtime/fake-jira.mjs';
import { KeyValueStore } from '../sandbox/runtime/kvs-store.mjs';
import { FakeJsm } from '../sandbox/fake-jsm.mjs';
import { ADMIN, BUNDLE_DIR, webRequest, parse } from '../tests/node/support/app.mjs';
import { startEmulator, connectApp } from '../tests/node/support/emulator.mjs';
import { recordQueue } from '../tests/node/support/queue.mjs';

const HIRES = Number(process.argv[2] ?? 2000);
const AUDIT_RECORDS = 100_000;
const dir = mkdtempSync(path.join(tmpdir(), 'entra-connect-bench-'));
process.chdir(dir);
console.info = console.debug = console.warn = () => {};

const jsm = new FakeJsm();
const jira = new FakeJira({ admins: [ADMIN], jsm });
const store = new KeyValueStore({ file: path.join(dir, 'forge-storage.db') });
const runtime = new ForgeRuntime({ store, jira: jira.handle }).install();
const app = ForgeRuntime.loadBundle(BUNDLE_DIR, 'index');
const invoke = (accountId, functionKey, payload = {}) =>
  jira.as(accountId, () => runtime.invoke({ kind: 'resolver' }, () =>
    app.resolver({ call: { functionKey, payload }, context: { moduleKey: 'admin-page' } }, { principal: { accountId } })));
const queue = recordQueue(runtime);
const emulator = await startEmulator();
const key = await connectApp({ invoke }, emulator, ADMIN, { secretRecipients: { user: { create: ['assignedAgent'] } } });
const issueKey = jsm.createRequest({ requestType: 'onboarding', reporter: 'customer-emily', fields: {} }).key;
const call = async (body) => parse(await app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));

// 500 items per job (the most jobs.submit takes), delivered in order.
const jobIds = [];
let retries = 0;
let seen = 0;
const started = Date.now();
for (let job = 0; job * 500 < HIRES; job++) {
  const calls = Array.from({ length: Math.min(500, HIRES - job * 500) }, (_, i) => ({
    route: 'user.create', issueKey,
    data: { givenName: `Load${job}`, surname: `Hire${String(i).padStart(3, '0')}`, employeeId: `L${job}${String(i).padStart(4, '0')}`, department: 'Sales' },
  }));
  const submitted = await call({ route: 'jobs.submit', data: { calls } });
  if (submitted.status !== 202) throw new Error(JSON.stringify(submitted.body));
  jobIds.push(submitted.body.result.jobId);
  const events = queue.events().slice(seen);
  seen += events.length;
  for (const event of events) {
    for (;;) {
      const [answer] = await queue.deliver(app.jobConsumer, [event]);
      if (answer.status === 'finished') break;
      // Forge redelivers after retryAfter (here: Forge's storage rate limit).
      if (!answer._retry) throw new Error(JSON.stringify(answer));
      retries += 1;
      await new Promise((resolve) => setTimeout(resolve, answer.retryOptions.retryAfter * 1000));
    }
  }
}
const total = (Date.now() - started) / 1000;
// Each item's finishing time, as job.status reports it.
const finished = [];
for (const jobId of jobIds) {
  const status = await call({ route: 'job.status', data: { jobId } });
  if (status.body.result.counts.done !== status.body.result.items) throw new Error(JSON.stringify(status.body.result.counts));
  finished.push(...status.body.result.outcomes.map((o) => o.finishedAtMs));
}
finished.sort((a, b) => a - b);
const fifth = Math.floor(finished.length / 5);
const rate = (from, to) => (to - from) / ((finished[to - 1] - (from === 0 ? started : finished[from - 1])) / 1000);
const first = rate(0, fifth);
const last = rate(finished.length - fifth, finished.length);
console.log(`hires: ${finished.length} in ${total.toFixed(1)} s; first fifth ${first.toFixed(1)}/s, last fifth ${last.toFixed(1)}/s (${((last / first) * 100).toFixed(0)}% of the first); ${retries} events redelivered after a refusal`);

// Audit records up to 100,000: the rest written straight into the store in
// the app's entity shape (src/audit/store.rs), spread over 90 days.
const now = Date.now();
const existing = store.db.prepare('SELECT COUNT(*) AS n FROM entity WHERE entity = ?').get('audit-record').n;
const insert = store.db.transaction((count) => {
  for (let i = 0; i < count; i++) {
    const atMs = now - Math.floor((i / count) * 90 * 86_400_000);
    const issue = `itsm-${1000 + (i % 5000)}`;
    const id = `seed${String(i).padStart(7, '0')}`;
    store.setEntity('audit-record', id, {
      atMs, issue, requester: `agent-${i % 50}`, operation: 'user.disable', outcome: 'succeeded',
      target: `user${i % 20000}@contoso.example`,
      record: { id, atMs, requester: { accountId: `agent-${i % 50}` }, issueKey: issue.toUpperCase(), action: { type: 'operation', operation: 'user.disable' }, target: { label: `user${i % 20000}@contoso.example` }, result: { status: 'succeeded' } },
    }, {});
  }
});
insert(AUDIT_RECORDS - existing);
const time = async (label, payload) => {
  const runs = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const answer = await invoke(ADMIN, 'audit.query', payload);
    runs.push(performance.now() - t0);
    if (!answer.ok) throw new Error(JSON.stringify(answer.error));
    rows = answer.value.records.length;
  }
  runs.sort((a, b) => a - b);
  console.log(`audit.query ${label}: ${rows} records, median ${runs[2].toFixed(1)} ms of 5 (${AUDIT_RECORDS.toLocaleString('en')} stored)`);
};
await time('newest 50', {});
await time('by request', { issueKey: 'ITSM-1234' });
await time('by requester and outcome', { requesterAccountId: 'agent-7', outcome: 'succeeded' });
emulator.child.kill();
store.db.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
