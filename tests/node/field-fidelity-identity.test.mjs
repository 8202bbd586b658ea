// People named by an address through the bundled app against the emulator
// binary (issue 12, fault 5): Jordan Lee signs in as e1051@contoso.example,
// gets mail at jordan.lee@ and has the alias jlee@; one lookup over
// userPrincipalName, mail and proxy addresses finds them from any of the
// three. And the sandbox started on another tenant (SANDBOX_TENANT_SEED).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';
import { startSandboxProcess, waitGone } from './support/sandbox-process.mjs';

const JORDAN_UPN = 'e1051@contoso.example';
const JORDAN_MAIL = 'jordan.lee@contoso.example';
const JORDAN_ALIAS = 'jlee@contoso.example';
let app, emulator, key, jordan;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  key = await connectApp(app, emulator, ADMIN);
  jordan = (await emulator.tenant()).users.find((u) => u.userPrincipalName === JORDAN_UPN);
});
after(() => emulator?.stop());

const call = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));

test('user.get by mail answers Jordan, with the manager, in one Graph request', async () => {
  await emulator.clearLog();
  const res = await call({ route: 'user.get', data: { user: JORDAN_MAIL } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.result.id, jordan.id);
  assert.equal(res.body.result.userPrincipalName, JORDAN_UPN);
  assert.equal(res.body.result.manager.displayName, 'Johanna Lorenz');
  const graph = (await emulator.log()).filter((r) => r.kind !== 'token');
  assert.equal(graph.length, 1, JSON.stringify(graph.map((r) => r.path)));
});

test('group.addMember naming Jordan by alias adds Jordan', async () => {
  const res = await call({ route: 'group.addMember', data: { user: JORDAN_ALIAS, group: 'Finance' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const finance = (await emulator.tenant()).groups.find((g) => g.displayName === 'Finance');
  assert.ok(finance.memberIds.includes(jordan.id));
});

test('user.create (dry run) resolves a manager named by mail', async () => {
  const res = await call({ route: 'user.create', dryRun: true, data: { givenName: 'Robin', surname: 'Hart', department: 'Engineering', manager: JORDAN_MAIL } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(JSON.stringify(res.body.plan), new RegExp(jordan.id));
});

test('an unknown address is 404 and says what was tried', async () => {
  const res = await call({ route: 'user.get', data: { user: 'nobody@contoso.example' } });
  assert.equal(res.status, 404, JSON.stringify(res.body));
  assert.match(res.body.error.message, /userPrincipalName, mail or proxy address 'nobody@contoso\.example'/);
});

test('an automation action naming Jordan by mail', async () => {
  const out = await app.app.lookupUser({ user: JORDAN_MAIL });
  assert.equal(out.errors, undefined, JSON.stringify(out));
  assert.equal(out.objectId, jordan.id);
});

test('SANDBOX_TENANT_SEED starts the sandbox on another tenant, configured from what it holds', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-seed-'));
  const seedFile = path.join(dir, 'fabrikam.json');
  writeFileSync(seedFile, JSON.stringify(smallSeed()));
  const sandbox = await startSandboxProcess({ dataDir: path.join(dir, 'data'), env: { SANDBOX_TENANT_SEED: seedFile } });
  try {
    const { endpoints } = sandbox;
    const tenant = await (await fetch(`${endpoints.emulatorControl}/tenant`)).json();
    assert.deepEqual(tenant.users.map((u) => u.userPrincipalName).sort(), ['kim.ito@fabrikam.example', 'u7001@fabrikam.example']);
    const res = await fetch(endpoints.serviceApi, {
      method: 'POST',
      headers: { Authorization: `Bearer ${endpoints.serviceKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'user.get', data: { user: 'sam.ray@fabrikam.example' } }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.result.userPrincipalName, 'u7001@fabrikam.example');
    // Configured from the seed: its domain, its groups serviceable.
    const created = await fetch(endpoints.serviceApi, {
      method: 'POST',
      headers: { Authorization: `Bearer ${endpoints.serviceKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'user.create', dryRun: true, data: { givenName: 'Ana', surname: 'Lind', department: 'Operations', groups: ['Operations'] } }),
    });
    const plan = await created.json();
    assert.equal(created.status, 200, JSON.stringify(plan));
    assert.match(JSON.stringify(plan.plan), /ana\.lind@fabrikam\.example/);
    assert.match(sandbox.output(), new RegExp(`tenant seed ${seedFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    await sandbox.stop();
    await waitGone(sandbox.endpoints.emulatorPid);
  }

  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{"tenant": {"id": "x"}');
  await assert.rejects(startSandboxProcess({ dataDir: path.join(dir, 'data2'), env: { SANDBOX_TENANT_SEED: broken } }), (error) => {
    assert.match(error.message, /broken\.json/);
    return true;
  });
  rmSync(dir, { recursive: true, force: true });
});

function smallSeed() {
  const tenantId = '0d7c3f1e-2a4b-4c6d-8e9f-101112131415';
  const ops = '6a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3';
  const kim = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';
  const sam = '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d';
  const person = (id, upn, given, surname, extra = {}) => ({
    id, userPrincipalName: upn, displayName: `${given} ${surname}`, givenName: given, surname,
    mailNickname: upn.split('@')[0], accountEnabled: true, department: 'Operations', userType: 'Member', ...extra,
  });
  return {
    tenant: {
      id: tenantId,
      displayName: 'Fabrikam',
      verifiedDomains: [{ name: 'fabrikam.example', isDefault: true, isInitial: false, type: 'Managed', capabilities: 'Email' }],
    },
    app: {
      displayName: 'Entra ID Connect for JSM',
      clientId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
      clientSecret: 'emu~fabrikam-test-secret',
      servicePrincipalId: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
      applicationPermissions: ['User.ReadWrite.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Organization.Read.All', 'RoleManagement.Read.Directory'],
    },
    users: [
      person(kim, 'kim.ito@fabrikam.example', 'Kim', 'Ito', { mail: 'kim.ito@fabrikam.example', jobTitle: 'Head of Operations' }),
      person(sam, 'u7001@fabrikam.example', 'Sam', 'Ray', { mail: 'sam.ray@fabrikam.example', proxyAddresses: ['SMTP:sam.ray@fabrikam.example'], manager: kim }),
    ],
    groups: [
      { id: ops, displayName: 'Operations', mailNickname: 'operations', mailEnabled: false, securityEnabled: true, groupTypes: [], isAssignableToRole: false, members: [kim, sam] },
    ],
  };
}
