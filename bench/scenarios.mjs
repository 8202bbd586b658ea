// Round trips, latency and the bulk job through the full pipeline of the
// bundled app (build/forge under the local Forge runtime) against the Entra
// emulator binary over loopback HTTP, next to the naive way (naive/). Graph
// traffic is counted from the emulator's request log (lib/graph-log.mjs).
// Scenarios, as issue 19 defines them: onboarding = manager + 12 groups +
// the first credential; offboarding = 8 groups; transfer = 4 groups out and
// 4 in (with a new department, job title and manager); lookup = a user with
// manager; panel load = the issue panel's first load for the reporter.
// What the scenarios need beyond the demo tenant (twelve more serviceable
// groups) is added through the emulator's control API (POST /_emulator/groups).
import { FakeJsm } from '../sandbox/fake-jsm.mjs';
import { ADMIN, loadApp, webRequest, parse } from '../tests/node/support/app.mjs';
import { startEmulator, connectApp, SERVICEABLE } from '../tests/node/support/emulator.mjs';
import { recordQueue } from '../tests/node/support/queue.mjs';
import { counted, countGraph } from './lib/graph-log.mjs';
import * as naiveGraph from './naive/graph.mjs';
import * as naive from './naive/flows.mjs';

const MANAGER = 'alex.wilber@contoso.example';
const NEW_MANAGER = 'johanna.lorenz@contoso.example';
const LOOKUP = 'adele.vance@contoso.example';
const PANEL_REPORTER = 'customer-adele'; // adele.vance@contoso.example in sandbox/sample-data.mjs
const AGENT = 'agent-lynne';
const BENCH_GROUPS = 12;

const benchGroup = (i) => `Bench Group ${String(i + 1).padStart(2, '0')}`;

/** The app and the emulator, connected, with the bench groups and rules in place. */
export async function setUp() {
  const jsm = new FakeJsm();
  const app = loadApp({ jsm });
  console.info = console.debug = console.warn = () => {};
  const queue = recordQueue(app.runtime);
  const emulator = await startEmulator();
  const added = await emulator.control('groups', {
    method: 'POST',
    body: { groups: Array.from({ length: BENCH_GROUPS }, (_, i) => ({ displayName: benchGroup(i), mailEnabled: false, mailNickname: `bench-group-${i + 1}`, securityEnabled: true })) },
  });
  const groupIds = added.groups.map((g) => g.id);
  // Group rules by department: Bench A's four groups, Bench B's four.
  const key = await connectApp(app, emulator, ADMIN, {
    serviceableGroups: [...(await serviceableIds(emulator)), ...groupIds],
    secretRecipients: { user: { create: ['assignedAgent'] } },
    // The issue panel is for agents: the Jira group the fake site gives them (sandbox/configure.mjs).
    agentJiraGroups: ['jira-servicemanagement-users'],
  });
  const saved = await app.invoke(ADMIN, 'config.get');
  const config = saved.value.config ?? saved.value;
  config.provisioning.groupRules = [
    { name: 'bench a', when: [{ attribute: 'department', equals: 'Bench A' }], groups: groupIds.slice(0, 4) },
    { name: 'bench b', when: [{ attribute: 'department', equals: 'Bench B' }], groups: groupIds.slice(4, 8) },
  ];
  const again = await app.invoke(ADMIN, 'config.save', { config });
  if (!again.ok) throw new Error(`config.save: ${JSON.stringify(again.error)}`);
  const issueKey = jsm.createRequest({ requestType: 'onboarding', reporter: PANEL_REPORTER, fields: {} }).key;
  const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
  const accessToken = await naiveGraph.token(emulator);
  const graph = naiveGraph.webRequest(emulator, accessToken);
  return { jsm, app, queue, emulator, groupIds, issueKey, call, graph };
}

async function serviceableIds(emulator) {
  const groups = (await emulator.tenant()).groups;
  return SERVICEABLE.map((name) => groups.find((g) => g.displayName === name).id);
}

function ok(res, what) {
  if (res.status !== 200 && res.status !== 202) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res;
}

const userByUpn = async (emulator, upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());

/** Creates a user through the app (not measured): the subject of an offboarding or a transfer. */
async function subject(env, surname, data) {
  const res = ok(await env.call({ route: 'user.create', issueKey: env.issueKey, data: { givenName: 'Bench', surname, ...data } }), `create ${surname}`);
  return res.body.result.user?.userPrincipalName ?? res.body.result.userPrincipalName ?? `bench.${surname.toLowerCase()}@contoso.example`;
}

/** Each flow once through the app and once the naive way; round trips per flow. */
export async function roundTrips(env, tag = '') {
  const { emulator, call, graph, groupIds, issueKey } = env;
  const ours = {};
  const theirs = {};
  const tokens = { ours: {}, naive: {} };
  const trips = (side, flow) => (r) => { tokens[side][flow] = r.tokens; return r.roundTrips; };
  const serviceable = new Set([...(await serviceableIds(emulator)), ...groupIds]);

  ours.onboarding = trips('ours', 'onboarding')(await counted(emulator, async () => ok(await call({ route: 'user.create', issueKey, data: { givenName: 'Bench', surname: `Joiner${tag}`, employeeId: `BJ${tag}1`, manager: MANAGER, groups: groupIds } }), 'onboarding')));
  theirs.onboarding = trips('naive', 'onboarding')(await counted(emulator, () => naive.onboarding(graph, { upn: `naive.joiner${tag}@contoso.example`, givenName: 'Naive', surname: `Joiner${tag}`, manager: MANAGER, groupIds })));

  const leaver = await subject(env, `Leaver${tag}`, { groups: groupIds.slice(0, 8) });
  const naiveLeaver = await subject(env, `NaiveLeaver${tag}`, { groups: groupIds.slice(0, 8) });
  ours.offboarding = trips('ours', 'offboarding')(await counted(emulator, async () => ok(await call({ route: 'user.offboard', data: { user: leaver } }), 'offboarding')));
  theirs.offboarding = trips('naive', 'offboarding')(await counted(emulator, () => naive.offboarding(graph, { upn: naiveLeaver, serviceable, leaveDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') })));

  const mover = await subject(env, `Mover${tag}`, { department: 'Bench A' });
  const naiveMover = await subject(env, `NaiveMover${tag}`, { department: 'Bench A' });
  const move = { department: 'Bench B', jobTitle: 'Bench Engineer', manager: NEW_MANAGER };
  ours.transfer = trips('ours', 'transfer')(await counted(emulator, async () => ok(await call({ route: 'user.transfer', data: { user: mover, ...move } }), 'transfer')));
  theirs.transfer = trips('naive', 'transfer')(await counted(emulator, () => naive.transfer(graph, { upn: naiveMover, ...move, out: groupIds.slice(0, 4), into: groupIds.slice(4, 8) })));

  ours.lookup = trips('ours', 'lookup')(await counted(emulator, async () => ok(await call({ route: 'user.get', data: { user: LOOKUP } }), 'lookup')));
  theirs.lookup = trips('naive', 'lookup')(await counted(emulator, () => naive.lookup(graph, { upn: LOOKUP })));

  ours.panelLoad = trips('ours', 'panelLoad')(await counted(emulator, () => panelLoad(env)));
  theirs.panelLoad = trips('naive', 'panelLoad')(await counted(emulator, () => naive.panelLoad(graph, { email: LOOKUP })));

  await checkEndStates(env, { leaver, naiveLeaver, mover, naiveMover, tag });
  return { ours, naive: theirs, tokens };
}

/** The issue panel's first load for a new request by the reporter (its cache is per request). */
export async function panelLoad(env) {
  const issue = env.jsm.createRequest({ requestType: 'onboarding', reporter: PANEL_REPORTER, fields: {} });
  const answer = await env.app.jira.as(AGENT, () => env.app.runtime.invoke({ kind: 'resolver' }, () =>
    env.app.app.resolver({ call: { functionKey: 'panel.load', payload: {} }, context: { moduleKey: 'issue-panel', extension: { issue: { id: issue.id, key: issue.key }, request: { key: issue.key } } } }, { principal: { accountId: AGENT } })));
  if (!answer.ok || !answer.value?.account) throw new Error(`panel.load: ${JSON.stringify(answer).slice(0, 400)}`);
  return answer;
}

/** Both ways must have reached the same end state, or the counts compare nothing. */
async function checkEndStates(env, { leaver, naiveLeaver, mover, naiveMover, tag }) {
  const tenant = await env.emulator.tenant();
  const user = (upn) => tenant.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());
  const bench = new Set(env.groupIds);
  const benchGroupsOf = (u) => u.groupIds.filter((g) => bench.has(g)).sort();
  const joiner = tenant.users.find((u) => u.displayName === `Bench Joiner${tag}`);
  const naiveJoiner = user(`naive.joiner${tag}@contoso.example`);
  const manager = user(MANAGER);
  for (const [ours, theirs, what] of [[joiner, naiveJoiner, 'onboarding'], [user(leaver), user(naiveLeaver), 'offboarding'], [user(mover), user(naiveMover), 'transfer']]) {
    if (!ours || !theirs) throw new Error(`${what}: a subject is missing`);
    if (JSON.stringify(benchGroupsOf(ours)) !== JSON.stringify(benchGroupsOf(theirs))) throw new Error(`${what}: groups differ`);
    if (ours.accountEnabled !== theirs.accountEnabled || ours.managerId !== theirs.managerId || ours.department !== theirs.department) throw new Error(`${what}: end states differ`);
  }
  if (benchGroupsOf(joiner).length !== BENCH_GROUPS || joiner.managerId !== manager.id) throw new Error('onboarding: not 12 groups and the manager');
  if (benchGroupsOf(user(leaver)).length !== 0 || user(leaver).accountEnabled !== false) throw new Error('offboarding: not done');
  if (JSON.stringify(benchGroupsOf(user(mover))) !== JSON.stringify([...env.groupIds.slice(4, 8)].sort())) throw new Error('transfer: not 4 out and 4 in');
}

/**
 * Onboarding wall time, ours against the naive way, with `latencyMs` on every
 * Graph round trip (the emulator waits it out after answering each HTTP
 * request to /v1.0, a `$batch` once; token requests are not delayed, and
 * both sides hold a token before the clock starts). `rounds` onboardings
 * each way, alternating, so both see the same machine load; the medians are
 * compared. Each sample also says its Graph round trips and requests, so
 * the time that is not injected latency (the emulator's own processing and,
 * for ours, the app: wasm, the local Forge runtime's storage and fake Jira)
 * can be read off: `otherMs = ms - roundTrips * latencyMs`.
 */
export async function latency(env, latencyMs = 80, rounds = 5) {
  const { emulator, call, graph, groupIds, issueKey } = env;
  const samples = { ours: [], naive: [] };
  const timed = async (side, fn) => {
    await emulator.clearLog();
    await emulator.setFaults({ latencyMs });
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    // The log is read with the latency fault off, outside the timing.
    await emulator.setFaults({});
    const counts = countGraph(await emulator.log());
    samples[side].push({ ms: round(ms), roundTrips: counts.roundTrips, requests: counts.requests, otherMs: round(ms - counts.roundTrips * latencyMs) });
  };
  try {
    for (let i = 0; i < rounds; i += 1) {
      await timed('ours', async () => ok(await call({ route: 'user.create', issueKey, data: { givenName: 'Latency', surname: `Ours${i}`, employeeId: `BLAT${i}`, manager: MANAGER, groups: groupIds } }), 'latency ours'));
      await timed('naive', () => naive.onboarding(graph, { upn: `latency.naive${i}@contoso.example`, givenName: 'Latency', surname: `Naive${i}`, manager: MANAGER, groupIds }));
    }
  } finally {
    await emulator.setFaults({});
  }
  const oursMs = median(samples.ours.map((x) => x.ms));
  const naiveMs = median(samples.naive.map((x) => x.ms));
  return { latencyMs, rounds, oursMs, naiveMs, ratio: round(naiveMs / oursMs, 2), samples };
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
};

/**
 * A bulk job of `hires` user.create items (jobs.submit, the queue consumer)
 * under a tenant-wide throttle budget of `budgetRps` Graph requests per
 * second; duplicates and lost accounts counted in the emulator's tenant.
 */
export async function bulk(env, { hires, budgetRps }) {
  const { emulator, call, queue, issueKey, app } = env;
  const surname = (i) => `Hire${String(i).padStart(4, '0')}`;
  const calls = Array.from({ length: hires }, (_, i) => ({ route: 'user.create', issueKey, data: { givenName: 'Bulk', surname: surname(i), employeeId: `BULK${i}`, department: 'Bench A' } }));
  await emulator.clearLog();
  await emulator.setFaults({ budget: { requestsPerSecond: budgetRps } });
  let redelivered = 0;
  // Where the time goes: each delivery's span and answer, and the waits for a redelivery.
  const deliveries = [];
  let retryWaitMs = 0;
  const started = performance.now();
  try {
    let seen = queue.events().length;
    const jobIds = [];
    for (let from = 0; from < calls.length; from += 500) {
      const submitted = ok(await call({ route: 'jobs.submit', data: { calls: calls.slice(from, from + 500) } }), 'jobs.submit');
      jobIds.push(submitted.body.result.jobId);
    }
    // Deliver every event until none is left, as Forge would: side by side
    // within the push's concurrency setting (the job's key, 2 at once),
    // redeliveries included (tests/node/support/queue.mjs `deliverAll`).
    for (;;) {
      const events = queue.events().slice(seen);
      if (!events.length) break;
      seen += events.length;
      await queue.deliverAll(app.app.jobConsumer, events, {
        onAnswer: ({ event, answer, startedMs, endedMs }) => {
          deliveries.push({ chunk: event.body?.chunk, atS: round((startedMs - started) / 1000, 2), seconds: round((endedMs - startedMs) / 1000, 2), retryAfter: answer?._retry ? (answer.retryOptions?.retryAfter ?? 1) : null, budget: app.runtime.store.get('cache:graph-budget')?.requestsPerSecond ?? null });
          if (!answer?._retry) return;
          redelivered += 1;
          retryWaitMs += (answer.retryOptions?.retryAfter ?? 1) * 1000;
        },
      });
    }
    for (const jobId of jobIds) {
      const status = ok(await call({ route: 'job.status', data: { jobId } }), 'job.status');
      if (status.body.result.counts.done !== status.body.result.items) throw new Error(`bulk: ${JSON.stringify(status.body.result.counts)}`);
    }
  } finally {
    await emulator.setFaults({});
  }
  const seconds = (performance.now() - started) / 1000;
  const graphLog = await emulator.log();
  const traffic = countGraph(graphLog);
  // Requests served in each second of the run (the log's timestamps are whole seconds).
  const perSecond = new Map();
  for (const e of graphLog) {
    if (e.kind === 'token' || (e.kind === 'graph' && /\$batch/i.test(e.path)) || e.status === 429) continue;
    perSecond.set(e.timestamp, (perSecond.get(e.timestamp) ?? 0) + 1);
  }
  const users = (await emulator.tenant()).users.filter((u) => u.displayName?.startsWith('Bulk Hire'));
  const byName = new Map();
  for (const u of users) byName.set(u.displayName, (byName.get(u.displayName) ?? 0) + 1);
  const expected = calls.map((c) => `Bulk ${c.data.surname}`);
  const achievedRps = traffic.served / seconds;
  return {
    hires,
    budgetRps,
    achievedRps: round(achievedRps),
    budgetUtilization: round(achievedRps / budgetRps, 3),
    roundTripsPerHire: round(traffic.roundTrips / hires, 2),
    requestsPerHire: round(traffic.requests / hires, 2),
    throttled: traffic.throttled,
    duplicates: [...byName.values()].reduce((n, c) => n + Math.max(0, c - 1), 0),
    lost: expected.filter((name) => !byName.has(name)).length,
    redelivered,
    seconds: round(seconds, 1),
    phases: {
      deliveries: deliveries.length,
      // Most job deliveries in flight at once (Forge's concurrency limit for the job's key).
      deliveriesAtOnce: Math.max(0, ...queue.slots.peak.values()),
      retryWaitSeconds: round(retryWaitMs / 1000, 1),
      deliverySeconds: round(deliveries.reduce((n, d) => n + d.seconds, 0), 1),
      servedPerSecond: [...perSecond.values()],
      deliveryLog: deliveries,
    },
  };
}

const round = (x, digits = 1) => Number(x.toFixed(digits));

export { userByUpn };
