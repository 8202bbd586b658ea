// Field fidelity of inputs (issue 12: faults 1, 2, 7, 12) through the
// bundled app against the emulator over HTTP: values as Jira prints them
// ("" for an unfilled field, +0100 offsets) and as HR systems send them
// (zone-less date-times) reach Entra as it accepts them; every invalid input
// of every mutating route is a 400 naming the field with no write in Entra.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

const ADELE = 'adele.vance@contoso.example';
const DIEGO = 'diego.siciliani@contoso.example';
const MEGAN = 'megan.bowen@contoso.example';
let app, emulator, key;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
// A write: any non-GET Graph request; $batch items are logged one by one
// with their own method, so a $batch carrying a write shows up here too.
const writes = async () => (await emulator.log()).filter((r) => r.kind !== 'token' && r.method !== 'GET' && r.path !== '/v1.0/$batch');
const userByUpn = async (upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName === upn);
// What Entra holds, read back through Graph (user.get selects it).
const leaveDateOf = async (upn) => (await call({ route: 'user.get', data: { user: upn } })).body.result.employeeLeaveDateTime;

/** Every string in the bodies Graph received, with its property name. */
async function sentStrings() {
  const out = [];
  const walk = (name, v) => {
    if (typeof v === 'string') out.push([name, v]);
    else if (Array.isArray(v)) v.forEach((x) => walk(name, x));
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => walk(k, x));
  };
  for (const r of await emulator.log()) if (r.kind !== 'token') walk('', r.body);
  return out;
}

async function setSiteTimeZone(zone) {
  const current = await app.invoke(ADMIN, 'config.get');
  const saved = await app.invoke(ADMIN, 'config.save', { config: { ...current.value.config, siteTimeZone: zone } });
  assert.equal(saved.ok, true, JSON.stringify(saved));
}

test('fault 1: the three envelopes as Jira prints them succeed and nothing empty reaches Graph', async () => {
  await emulator.clearLog();
  const create = JSON.parse('{"route":"user.create","dryRun":true,"data":{"givenName":"Rowan","surname":"Ellery","department":"Engineering","jobTitle":"","officeLocation":"","employeeHireDate":"","manager":"emily.braun@contoso.example"}}');
  const created = await call(create);
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const body = created.body.plan[0].body;
  assert.equal(body.department, 'Engineering');
  for (const absent of ['jobTitle', 'officeLocation', 'employeeHireDate']) assert.equal(body[absent], undefined, absent);
  assert.deepEqual(await writes(), [], 'a dry run writes nothing');

  const offboard = await call({ route: 'user.offboard', data: { user: MEGAN, leaveDateTime: '' } });
  assert.equal(offboard.status, 200, JSON.stringify(offboard.body));
  assert.equal((await userByUpn(MEGAN)).accountEnabled, false);

  const transfer = await call({ route: 'user.transfer', data: { user: ADELE, department: 'Engineering', jobTitle: '', manager: '' } });
  assert.equal(transfer.status, 200, JSON.stringify(transfer.body));
  const adele = await userByUpn(ADELE);
  assert.equal(adele.department, 'Engineering');
  assert.notEqual(adele.jobTitle, '');

  const empty = (await sentStrings()).filter(([, v]) => v.trim() === '');
  assert.deepEqual(empty, [], 'no empty string in any Graph request body');
});

test('fault 2: a zone-less leaveDateTime in a real offboarding completes and Entra holds UTC', async () => {
  const res = await call({ route: 'user.offboard', data: { user: ADELE, leaveDateTime: '2026-12-31T17:00:00' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(await leaveDateOf(ADELE), '2026-12-31T17:00:00Z');
  assert.match(res.body.plan.map((c) => c.summary).join('\n'), /site time zone UTC/);
  // Resent: no failure, nothing left to change.
  const again = await call({ route: 'user.offboard', data: { user: ADELE, leaveDateTime: '2026-12-31T17:00:00' } });
  assert.equal(again.status, 200, JSON.stringify(again.body));

  await setSiteTimeZone('Europe/Berlin');
  try {
    const berlin = await call({ route: 'user.offboard', data: { user: DIEGO, leaveDateTime: '2026-12-31T17:00:00' } });
    assert.equal(berlin.status, 200, JSON.stringify(berlin.body));
    assert.equal(await leaveDateOf(DIEGO), '2026-12-31T16:00:00Z');
    assert.match(berlin.body.plan.map((c) => c.summary).join('\n'), /site time zone Europe\/Berlin/);
  } finally {
    await setSiteTimeZone(null);
  }
  const refused = await app.invoke(ADMIN, 'config.save', { config: { ...(await app.invoke(ADMIN, 'config.get')).value.config, siteTimeZone: 'Mars/Olympus' } });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.field, 'config.siteTimeZone');
});

test('fault 2: +0100 as Jira prints it is normalised to UTC before Graph sees it', async () => {
  const dry = await call({ route: 'user.create', dryRun: true, data: { givenName: 'Rowan', surname: 'Ellery', employeeHireDate: '2027-01-04T09:00:00.000+0100' } });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.plan[0].body.employeeHireDate, '2027-01-04T08:00:00Z');
  await emulator.clearLog();
  const res = await call({ route: 'user.update', data: { user: 'grady.archie@contoso.example', changes: { employeeHireDate: '2027-01-04T09:00:00.000+0100' } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const patch = (await writes()).find((r) => r.method === 'PATCH');
  assert.equal(patch.body.employeeHireDate, '2027-01-04T08:00:00Z');
});

// Each invalid input of each mutating route: 400 naming the field, no write.
const groups = (n) => Array.from({ length: n }, (_, i) => `Group ${i}`);
const hire = (extra) => ({ route: 'user.create', data: { givenName: 'Rowan', surname: 'Ellery', manager: 'emily.braun@contoso.example', ...extra } });
const INVALID = [
  ['create: bad date', hire({ employeeHireDate: '31/12/2026' }), 'data.employeeHireDate'],
  ['create: date as a number', hire({ employeeHireDate: 20261231 }), 'data.employeeHireDate'],
  ['create: usageLocation UK', hire({ usageLocation: 'UK' }), 'data.usageLocation', /did you mean GB/],
  ['create: usageLocation USA', hire({ usageLocation: 'USA' }), 'data.usageLocation', /did you mean US/],
  ['create: 51 groups', hire({ groups: groups(51) }), 'data.groups'],
  ['create: 10,000 groups', hire({ groups: groups(10_000) }), 'data.groups'],
  ['create: groups not an array', hire({ groups: 'Engineering' }), 'data.groups'],
  ['create: givenName a number', hire({ givenName: 7 }), 'data.givenName'],
  ['create: jobTitle too long', hire({ jobTitle: 'x'.repeat(129) }), 'data.jobTitle'],
  ['update: bad date', { route: 'user.update', data: { user: ADELE, changes: { employeeHireDate: 'next monday' } } }, 'data.changes.employeeHireDate'],
  ['update: usageLocation uk', { route: 'user.update', data: { user: ADELE, changes: { usageLocation: 'uk' } } }, 'data.changes.usageLocation', /did you mean GB/],
  ['update: jobTitle a number', { route: 'user.update', data: { user: ADELE, changes: { jobTitle: 5 } } }, 'data.changes.jobTitle'],
  ['update: only empty values', { route: 'user.update', data: { user: ADELE, changes: { jobTitle: '' } } }, 'data.changes'],
  ['offboard: bad date', { route: 'user.offboard', data: { user: 'lee.gu@contoso.example', leaveDateTime: 'end of month' } }, 'data.leaveDateTime'],
  ['offboard: offset out of range', { route: 'user.offboard', data: { user: 'lee.gu@contoso.example', leaveDateTime: '2026-12-31T17:00:00+2500' } }, 'data.leaveDateTime'],
  ['offboard: date a boolean', { route: 'user.offboard', data: { user: 'lee.gu@contoso.example', leaveDateTime: true } }, 'data.leaveDateTime'],
  ['transfer: department a number', { route: 'user.transfer', data: { user: ADELE, department: 5 } }, 'data.department'],
  ['transfer: manager an array', { route: 'user.transfer', data: { user: ADELE, manager: [] } }, 'data.manager'],
  ['tap: lifetime not a number', { route: 'user.createTemporaryAccessPass', data: { user: ADELE, lifetimeInMinutes: 'an hour' } }, 'data.lifetimeInMinutes'],
  ['group.addMember: group a number', { route: 'group.addMember', data: { user: ADELE, group: 5 } }, 'data.group'],
];

for (const [name, body, field, message] of INVALID) {
  test(`invalid input is refused before any write: ${name}`, async () => {
    await emulator.clearLog();
    const res = await call(body);
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 400));
    assert.equal(res.body.error.field, field);
    if (message) assert.match(res.body.error.message, message);
    assert.deepEqual(await writes(), [], 'no write reached Entra');
    assert.deepEqual((await emulator.log()).filter((r) => r.kind !== 'token'), [], 'not even a read');
  });
}

test('automation actions: empty inputs are not given', async () => {
  await emulator.clearLog();
  const updated = await app.app.updateUser({ user: 'lidia.holloway@contoso.example', department: 'Finance', jobTitle: '', officeLocation: '  ', mobilePhone: '' });
  assert.equal(updated.errors, undefined, JSON.stringify(updated));
  assert.equal(updated.status, 'done');
  const patch = (await writes()).find((r) => r.method === 'PATCH');
  assert.deepEqual(patch.body, { department: 'Finance' });
  const transferred = await app.app.transferUser({ user: 'lidia.holloway@contoso.example', department: 'HR', jobTitle: '', manager: '' });
  assert.equal(transferred.errors, undefined, JSON.stringify(transferred));
  const offboarded = await app.app.offboardUser({ user: 'lidia.holloway@contoso.example', leaveDateTime: '2027-01-04T09:00:00.000+0100' });
  assert.equal(offboarded.errors, undefined, JSON.stringify(offboarded));
  assert.equal(await leaveDateOf('lidia.holloway@contoso.example'), '2027-01-04T08:00:00Z');
  const refused = await app.app.offboardUser({ user: 'lidia.holloway@contoso.example', leaveDateTime: '04.01.2027' });
  assert.match(refused.errors[0].message, /leaveDateTime/);
  const empty = (await sentStrings()).filter(([, v]) => v.trim() === '');
  assert.deepEqual(empty, []);
});
