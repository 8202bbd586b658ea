// The two data tables the core ships deflated and inflates on first use
// (build.rs), through the bundled app: the naming template transliterates
// non-Latin and accented names as deunicode does, and a zone-less
// date-time is read in a site time zone other than UTC (with its summer
// time) before Graph sees it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

let app, emulator, key;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));

test('new accounts are named from non-ASCII names as before: 王芳, Zoë Łukasiewicz, Ørsted, Straße, Ελένη, Дмитрий', async () => {
  for (const [givenName, surname, local] of [
    ['王', '芳', 'wang.fang'],
    ['Zoë', 'Łukasiewicz', 'zoe.lukasiewicz'],
    ['Søren', 'Ørsted', 'soren.orsted'],
    ['Jürgen', 'Straße', 'jurgen.strasse'],
    ['Ελένη', 'Παπαδοπούλου', 'elene.papadopoulou'],
    ['Дмитрий', 'Иванов', 'dmitrii.ivanov'],
  ]) {
    const res = await call({ route: 'user.create', dryRun: true, data: { givenName, surname, department: 'Engineering' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body.plan[0].body;
    assert.equal(body.userPrincipalName.split('@')[0], local, `${givenName} ${surname}`);
    assert.equal(body.mailNickname, local);
  }
});

test('a zone-less date-time is read in a non-UTC site time zone, summer and winter', async () => {
  const current = await app.invoke(ADMIN, 'config.get');
  const saved = await app.invoke(ADMIN, 'config.save', { config: { ...current.value.config, siteTimeZone: 'America/New_York' } });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  for (const [local, utc] of [
    ['2026-07-01T09:00:00', '2026-07-01T13:00:00Z'],
    ['2026-12-31T17:00:00', '2026-12-31T22:00:00Z'],
  ]) {
    const res = await call({ route: 'user.offboard', dryRun: true, data: { user: 'adele.vance@contoso.example', leaveDateTime: local } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const sent = res.body.plan.map((c) => c.body?.employeeLeaveDateTime).filter(Boolean);
    assert.deepEqual(sent, [utc], JSON.stringify(res.body.plan));
    assert.match(res.body.plan.map((c) => c.summary).join('\n'), /America\/New_York/);
  }
  const unknown = await app.invoke(ADMIN, 'config.save', { config: { ...current.value.config, siteTimeZone: 'Mars/Olympus_Mons' } });
  assert.equal(unknown.ok, false);
  assert.match(JSON.stringify(unknown), /siteTimeZone/);
});
