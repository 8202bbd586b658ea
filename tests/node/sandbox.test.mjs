// `npm start` as a user runs it: the sandbox comes up configured, its Service
// API answers over HTTP, operations change the emulated tenant, data survives
// a restart, and stopping it leaves no process behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandboxProcess, isAlive, waitGone, ROOT } from './support/sandbox-process.mjs';

const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-test-'));
let sandbox = await startSandboxProcess({ dataDir });
after(async () => {
  await sandbox.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const serviceApi = async (body, key = sandbox.endpoints.serviceKey) => {
  const response = await fetch(sandbox.endpoints.serviceApi, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
};
const sandboxApi = async (pathname, body) => {
  const response = await fetch(`${sandbox.endpoints.ui}${pathname}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.ok, true, `${pathname}: ${response.status} ${await response.clone().text()}`);
  return response.json();
};
const tenant = async () => (await fetch(`${sandbox.endpoints.emulatorControl}/tenant`)).json();
const setupStep = async (name) => (await sandboxApi('/api/state')).setup.find((s) => s.name === name);

test('endpoints.json lists the URLs and the service key; the page is served', async () => {
  const { endpoints } = sandbox;
  for (const name of ['ui', 'serviceApi', 'serviceKey', 'graph', 'emulatorControl']) assert.ok(endpoints[name], `endpoints.${name}`);
  assert.match(endpoints.serviceKey, /^eidc_/);
  const page = await fetch(endpoints.ui);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Entra ID Connect for JSM/);
  assert.ok(isAlive(endpoints.emulatorPid), 'the emulator child runs');
});

test('the console shows the service key and no other secret', async () => {
  const output = sandbox.output();
  assert.ok(output.includes(sandbox.endpoints.serviceKey));
  // The demo tenant's app secret, which the sandbox hands to the app.
  const seed = JSON.parse(readFileSync(path.join(ROOT, 'emulator', 'seed', 'demo-tenant.json'), 'utf8'));
  const clientSecret = seed.app.clientSecret;
  assert.ok(clientSecret);
  assert.ok(!output.includes(clientSecret), 'the console never shows the Entra client secret');
  assert.ok(!readFileSync(path.join(dataDir, 'endpoints.json'), 'utf8').includes(clientSecret));
});

test('the Service API over HTTP: 401 without a key, 401 with a wrong one', async () => {
  const missing = await serviceApi({ route: 'user.get', data: { user: 'adele.vance@contoso.example' } }, null);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
  assert.equal(missing.body.error.code, 'unauthorized');
  const wrong = await serviceApi({ route: 'user.get' }, `${sandbox.endpoints.serviceKey}x`);
  assert.equal(wrong.status, 401);
});

test('the Service API with the key reaches the app: user.get of a demo-tenant user', async () => {
  const res = await serviceApi({ route: 'user.get', data: { user: 'adele.vance@contoso.example' } });
  assert.notEqual(res.status, 401);
  assert.notEqual(res.status, 400, JSON.stringify(res.body));
  assert.equal(typeof res.body.ok, 'boolean');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.result.user?.userPrincipalName ?? res.body.result.userPrincipalName, 'adele.vance@contoso.example');
});

test('the app was configured through its admin resolvers', async () => {
  const { setup } = await sandboxApi('/api/state');
  const byName = Object.fromEntries(setup.map((s) => [s.name, s.state]));
  assert.equal(byName.serviceKey, 'done');
  for (const name of ['config.save', 'connection.setClientSecret', 'connection.test']) assert.equal(byName[name], 'done', `${name}: ${JSON.stringify(setup)}`);
});

test('onboarding through the Service API creates the account in the emulator', async () => {
  const before = await tenant();
  const data = { givenName: 'Robin', surname: 'Hale', department: 'Engineering', jobTitle: 'Software Engineer', employeeId: 'E3001', manager: 'emily.braun@contoso.example' };
  const res = await serviceApi({ route: 'user.create', data, idempotencyKey: 'sandbox-test-E3001' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const after = await tenant();
  assert.equal(after.users.length, before.users.length + 1);
  assert.ok(after.users.some((u) => u.userPrincipalName === 'robin.hale@contoso.example'));
  assert.doesNotMatch(sandbox.output(), /temporaryAccessPass"\s*:\s*"[^[]/, 'no credential in the console');
});

test('onboarding from the sample request: approve, then the automation runs it', async () => {
  const { requests } = await sandboxApi('/api/state');
  const onboarding = requests.find((r) => r.requestType === 'onboarding');
  const view = await sandboxApi(`/api/requests/${onboarding.key}`);
  const approval = view.issue.approvals[0];
  const decided = await sandboxApi(`/api/requests/${onboarding.key}/approvals/${approval.id}`, { decision: 'approve' });
  assert.equal(decided.approval.finalDecision, 'approved');
  assert.equal(decided.issue.status, 'Approved');
  const run = await sandboxApi(`/api/requests/${onboarding.key}/run`, {});
  assert.equal(run.request.route, 'user.create');
  assert.equal(run.request.issueKey, onboarding.key);
  assert.equal(run.statusCode, 200, JSON.stringify(run.body));
  assert.ok((await tenant()).users.some((u) => u.userPrincipalName === 'morgan.blake@contoso.example'));
});

test('a transfer from the sample request moves the person in Entra (department, groups)', async () => {
  const { requests } = await sandboxApi('/api/state');
  const transfer = requests.find((r) => r.requestType === 'transfer');
  const view = await sandboxApi(`/api/requests/${transfer.key}`);
  await sandboxApi(`/api/requests/${transfer.key}/approvals/${view.issue.approvals[0].id}`, { decision: 'approve' });
  const run = await sandboxApi(`/api/requests/${transfer.key}/run`, {});
  assert.equal(run.statusCode, 200, JSON.stringify(run.body));
  const { users, groups } = await tenant();
  const patti = users.find((u) => u.userPrincipalName === 'patti.fernandez@contoso.example');
  assert.equal(patti.department, 'Marketing');
  const marketing = groups.find((g) => g.displayName === 'Marketing Team');
  const sales = groups.find((g) => g.displayName === 'Sales Team');
  assert.ok(marketing.memberIds.includes(patti.id), 'added to the new department\'s group by the rules');
  assert.ok(!sales.memberIds.includes(patti.id), 'removed from the old department\'s group');
  assert.equal((await sandboxApi(`/api/requests/${transfer.key}`)).issue.status, 'Done');
});

test('a portal request reaches the app through its avi:jira:created:issue trigger', async () => {
  const state = await sandboxApi('/api/state');
  const raised = await sandboxApi('/api/requests', {
    requestType: 'onboarding',
    reporter: 'customer-emily',
    approvers: [],
    fields: { givenName: 'Sam', surname: 'Quinn', department: 'Sales', jobTitle: 'Account Executive', employeeId: 'E3002', manager: 'alex.wilber@contoso.example' },
  });
  assert.match(raised.issue.key, /^ITSM-\d+$/);
  assert.ok(raised.triggered.length > 0);
  assert.ok((await tenant()).users.some((u) => u.userPrincipalName === 'sam.quinn@contoso.example'));
});

test('POST /api/clock moves the app\'s and the emulator\'s clocks together and runs the scheduled triggers', async () => {
  const hour = 3_600_000;
  const before = Date.now();
  const emulatorBefore = (await (await fetch(`${sandbox.endpoints.emulatorControl}/time`)).json()).nowMs;
  const moved = await sandboxApi('/api/clock', { advanceMs: hour });
  assert.ok(moved.nowMs >= before + hour, JSON.stringify(moved));
  assert.ok(moved.results.length >= 1, 'the hourly trigger ran');
  const emulatorAfter = (await (await fetch(`${sandbox.endpoints.emulatorControl}/time`)).json()).nowMs;
  assert.ok(emulatorAfter >= emulatorBefore + hour, 'the emulator clock moved too');
  const listed = await sandboxApi('/api/bridge/invoke', { functionKey: 'schedule.list' });
  assert.equal(listed.ok, true, JSON.stringify(listed));
  const refused = await sandboxApi('/api/clock', { advanceMs: -1 });
  assert.match(refused.error, /advanceMs/);
});

test('a restart reuses the data: same service key, same requests, storage database kept', async () => {
  const { serviceKey, emulatorPid } = sandbox.endpoints;
  const requestsBefore = (await sandboxApi('/api/state')).requests.length;
  await sandbox.stop();
  assert.ok(await waitGone(emulatorPid), 'the emulator child is gone after the stop');
  const storage = path.join(dataDir, 'forge-storage.sqlite');
  assert.ok(existsSync(storage));
  const kvsBefore = readFileSync(storage, 'latin1');
  assert.ok(!kvsBefore.includes(serviceKey), 'the app stores only a verifier of the key');

  sandbox = await startSandboxProcess({ dataDir });
  assert.equal(sandbox.endpoints.serviceKey, serviceKey);
  assert.notEqual(sandbox.endpoints.emulatorPid, emulatorPid);
  assert.equal((await sandboxApi('/api/state')).requests.length, requestsBefore);
  const res = await serviceApi({ route: 'user.get', data: { user: 'adele.vance@contoso.example' } });
  assert.notEqual(res.status, 401, 'the saved key is still valid');
  assert.match(sandbox.output(), /Reusing the data/);
});

test('stopping the sandbox leaves no process behind', async () => {
  const { pid, emulatorPid } = sandbox.endpoints;
  await sandbox.stop();
  assert.ok(await waitGone(pid), 'the sandbox process is gone');
  assert.ok(await waitGone(emulatorPid), 'the emulator child is gone');
});
