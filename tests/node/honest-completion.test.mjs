// Honest completion and the leaver hand-over through the bundled app
// against the emulator binary: an offboarding that leaves access Graph
// cannot remove (a dynamic group, whose rule names the attribute to
// change; a distribution list, which only Exchange changes: "Working with
// groups in Microsoft Graph",
// https://learn.microsoft.com/en-us/graph/api/resources/groups-overview)
// answers "done with remainders" with result.complete false, in the
// Service API, the automation smart values, the internal comment and the
// audit log alike; and an offboarding hands the leaver's direct reports to
// the successor and lists the groups the leaver owned.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadApp, webRequest, parse, ADMIN, ROOT } from './support/app.mjs';
import { EMULATOR_BIN, connectApp } from './support/emulator.mjs';
import { startEmulator as launch } from '../../sandbox/emulator-process.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';

const RAUL = 'raul.razo@contoso.example'; // "Dynamic - Engineering Contractors" (department and employeeType rule)
const CARLOS = 'carlos.mendes@contoso.example'; // on the "Contoso Newsletter" distribution list
const JOHANNA = 'johanna.lorenz@contoso.example'; // nine direct reports
const EMILY = 'emily.braun@contoso.example'; // reports to Johanna
let app, emulator, key, jsm;

/** The demo tenant with Raul on the "Contoso Newsletter" distribution list and Johanna owning "Engineering". */
function seedFile() {
  const seed = JSON.parse(readFileSync(path.join(ROOT, 'emulator', 'seed', 'demo-tenant.json'), 'utf8'));
  const id = (upn) => seed.users.find((u) => u.userPrincipalName === upn).id;
  seed.groups.find((g) => g.displayName === 'Contoso Newsletter').members.push(id(RAUL));
  seed.groups.find((g) => g.displayName === 'Engineering').owners = [id(JOHANNA)];
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'entra-seed-')), 'tenant.json');
  writeFileSync(file, JSON.stringify(seed));
  return file;
}

before(async () => {
  jsm = new FakeJsm();
  app = loadApp({ jsm });
  emulator = await launch({ binary: EMULATOR_BIN, seed: seedFile() });
  process.on('exit', () => emulator.child.kill());
  key = await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const roundTrips = async () => (await emulator.log()).filter((r) => r.kind === 'graph').length;
const user = async (upn) => (await emulator.tenant()).users.find((u) => u.userPrincipalName === upn);
const kinds = (body) => (body.result.remainder ?? []).map((r) => r.kind);
const text = (body) => (body.result.remainder ?? []).map((r) => r.summary).join('\n');

test('a remainder reported for a user in a dynamic group and a distribution list', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'user.offboard', data: { user: RAUL } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ok, true);
  assert.equal(res.body.result.status, 'doneWithRemainders');
  assert.equal(res.body.result.complete, false, 'never closed green while access remains');
  assert.ok(kinds(res.body).includes('dynamicGroup'), text(res.body));
  assert.match(text(res.body), /dynamic group 'Dynamic - Engineering Contractors'.*change user\.department, user\.employeeType/);
  assert.match(text(res.body), /'Contoso Newsletter', which is a distribution list.*Exchange/);
  assert.ok(kinds(res.body).includes('mailbox'), text(res.body));
  assert.equal((await user(RAUL)).accountEnabled, false, 'what Graph can do is done');
  console.log(`user.offboard round trips (dynamic group, distribution list, one read-back): ${await roundTrips()}`);

  // The audit log says the same.
  const audit = await app.invoke(ADMIN, 'audit.query', { outcome: 'doneWithRemainders' });
  assert.equal(audit.ok, true, JSON.stringify(audit));
  assert.ok(JSON.stringify(audit.value).includes(res.body.auditId), JSON.stringify(audit.value).slice(0, 400));
});

test('the automation smart value and the internal comment say "done with remainders"', async () => {
  const issue = jsm.createRequest({ requestType: 'onboarding', reporter: 'customer-emily', fields: { givenName: 'Not', surname: 'Used' } });
  const out = await app.app.offboardUser({ user: CARLOS, issueKey: issue.key });
  assert.equal(out.errors, undefined, JSON.stringify(out));
  assert.equal(out.status, 'done with remainders', JSON.stringify(out));
  const internal = jsm.issue(issue.key).comments.filter((c) => !c.public).map((c) => c.body).join('\n');
  assert.match(internal, /done with remainders/);
  assert.match(internal, /Left for a person:/);
  assert.match(internal, /'Contoso Newsletter', which is a distribution list/);
});

test('an offboarding reports the hand-over: direct reports to the successor, owned groups listed', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'user.offboard', data: { user: JOHANNA, successor: EMILY } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const handover = res.body.result.steps.filter((s) => s.key.startsWith('handover.manager:'));
  assert.equal(handover.length, 8, 'Emily does not become her own manager');
  assert.ok(handover.every((s) => s.outcome.status === 'done'));
  assert.match(handover[0].summary, /to report to Emily Braun/);
  assert.equal(handover[0].targets[1].userPrincipalName, EMILY);
  const emily = await user(EMILY);
  const reports = (await emulator.tenant()).users.filter((u) => u.managerId === emily.id);
  assert.equal(reports.length, 8);
  assert.ok(kinds(res.body).includes('groupOwnership'));
  assert.match(text(res.body), /owned the group 'Engineering': make Emily Braun/);
  console.log(`user.offboard with a hand-over of 8 reports, round trips: ${await roundTrips()}`);

  const unknown = await call({ route: 'user.offboard', data: { user: EMILY, successor: 'nobody@contoso.example' } });
  assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
  assert.equal(unknown.body.error.field, 'data.successor');
  assert.equal((await user(EMILY)).accountEnabled, true, 'nothing written');
});
