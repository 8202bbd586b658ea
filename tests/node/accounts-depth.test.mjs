// MFA reset, delete and restore, guest invitations through the bundled app
// (wasm inside) against the Entra emulator binary: one Service API call and
// one automation action each, with the Graph round trips each one made.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

const MEGAN = 'megan.bowen@contoso.example';
const ALEX = 'alex.wilber@contoso.example';
const BEN = 'ben.walters@contoso.example';
const BEN_ID = '6ea7023f-3011-4ba2-a780-ebac8f56a6fe';
let app, emulator, key;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
const roundTrips = async () => (await emulator.log()).filter((r) => r.kind !== 'token' && r.batchParentSeq == null).length;
const userIn = async (idOrUpn) => (await emulator.tenant()).users.find((u) => u.id === idOrUpn || u.userPrincipalName === idOrUpn);

test('user.resetMfa removes every method but the password; a dry run first sends no write', async () => {
  const dry = await call({ route: 'user.resetMfa', data: { user: MEGAN }, dryRun: true });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.deepEqual(dry.body.plan.map((s) => s.key), ['authMethod.delete:phone', 'authMethod.delete:microsoftAuthenticator']);
  await emulator.clearLog();
  const res = await call({ route: 'user.resetMfa', data: { user: MEGAN }, idempotencyKey: 'ITSM-31-mfa' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.result.steps.map((s) => s.outcome.status), ['done', 'done']);
  console.log(`user.resetMfa (Service API): ${await roundTrips()} Graph round trips`);
  await emulator.clearLog();
  const replay = await call({ route: 'user.resetMfa', data: { user: MEGAN }, idempotencyKey: 'ITSM-31-mfa' });
  assert.equal(replay.body.replay, true);
  assert.deepEqual(await emulator.log(), []);
});

test('reset-mfa removes the named types and answers smart values', async () => {
  const out = await app.app.resetMfa({ user: ALEX, methods: 'fido2', issueTemporaryAccessPass: '', lifetimeInMinutes: '', issueKey: 'ITSM-32' });
  assert.equal(out.errors, undefined, JSON.stringify(out));
  assert.equal(out.status, 'done');
  assert.match(out.planSummary, /FIDO2 security key method .*of alex\.wilber@contoso\.example/);
});

test('user.delete refuses an enabled account, deletes a disabled one; user.restore brings it back disabled', async () => {
  const enabled = await call({ route: 'user.delete', data: { user: MEGAN } });
  assert.equal(enabled.status, 409, JSON.stringify(enabled.body));
  await emulator.clearLog();
  const deleted = await call({ route: 'user.delete', data: { user: BEN } });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  console.log(`user.delete (Service API): ${await roundTrips()} Graph round trips`);
  assert.equal(await userIn(BEN_ID), undefined);
  await emulator.clearLog();
  const restored = await call({ route: 'user.restore', data: { user: BEN_ID } });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  console.log(`user.restore (Service API): ${await roundTrips()} Graph round trips`);
  assert.equal((await userIn(BEN_ID)).accountEnabled, false);
});

test('delete-user and restore-user actions round-trip a leaver', async () => {
  const gone = await app.app.deleteUser({ user: BEN, issueKey: 'ITSM-33' });
  assert.equal(gone.errors, undefined, JSON.stringify(gone));
  assert.equal(gone.objectId, BEN_ID);
  const back = await app.app.restoreUser({ user: BEN_ID, issueKey: 'ITSM-33' });
  assert.equal(back.errors, undefined, JSON.stringify(back));
  assert.equal(back.status, 'done');
});

test('guest.invite invites with a sponsor and a group; invite-guest answers the redeem URL', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'guest.invite', data: { email: 'sam.vendor@fabrikam-partners.example', displayName: 'Sam Vendor', sponsors: [MEGAN], groups: ['Engineering'] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  console.log(`guest.invite (Service API, one sponsor, one group): ${await roundTrips()} Graph round trips`);
  assert.match(res.body.result.user.inviteRedeemUrl, /^https:\/\/login\.microsoftonline\.com\/redeem/);
  const guest = await userIn(res.body.result.user.id);
  assert.equal(guest.userType, 'Guest');
  const out = await app.app.inviteGuest({ email: 'kai.partner@northwind-partners.example', displayName: '', sponsors: ALEX, groups: '', redirectUrl: '', sendInvitationMessage: 'false', issueKey: 'ITSM-34' });
  assert.equal(out.errors, undefined, JSON.stringify(out));
  assert.match(out.inviteRedeemUrl, /^https:\/\//);
  const bad = await app.app.inviteGuest({ email: 'kai.partner@northwind-partners.example', redirectUrl: 'http://x.example', issueKey: 'ITSM-35' });
  assert.match(bad.errors[0].message, /redirectUrl/);
});
