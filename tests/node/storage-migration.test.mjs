// An installed app keeps its data across the upgrade to entity storage:
// data in the earlier layout (the keys Forge accepted: the audit trail with
// its index documents, waiting portal operations, the credential list) is
// moved by Forge's avi:forge:upgraded:app event through the real
// @forge/kvs client (key queries, transactions with entity writes), and
// is then found through the entities' indexes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, ADMIN } from './support/app.mjs';
import { startEmulator, connectApp } from './support/emulator.mjs';

let app, emulator;

before(async () => {
  app = loadApp();
  emulator = await startEmulator();
  await connectApp(app, emulator, ADMIN);
});
after(() => emulator?.stop());

const record = (id, atMs) => ({
  id, atMs, requester: { accountId: 'agent-1' }, issueKey: 'ITSM-77',
  action: { type: 'operation', operation: 'user.disable' },
  target: { id: '00000000-0000-4000-8000-0000000000aa', label: 'adele.vance@contoso.example' },
  result: { status: 'succeeded' },
});

test('the upgrade event moves the earlier layout into entities; the audit log finds it', async () => {
  const store = app.runtime.store;
  const now = Date.now();
  const old = [record('oldRecA', now - 2000), record('oldRecB', now - 1000)];
  const oldKeys = old.map((r) => `audit:rec:${String(r.atMs).padStart(15, '0')}-${r.id.toLowerCase()}`);
  old.forEach((r, i) => store.set(oldKeys[i], r));
  store.set('audit:idx:issue:itsm-77', { keys: oldKeys });
  store.set('audit:days', { keys: ['2026-01-01'] });
  store.set('portal:pending:ITSM-78', {
    issueKey: 'ITSM-78', route: 'user.disable', data: { user: 'adele.vance@contoso.example' },
    requester: { accountId: 'c-1', displayName: 'C', kind: 'portalCustomer' }, createdAtMs: now - 1000,
  });
  store.set('portal:pending:index', ['ITSM-78']);
  store.set('delivery:pending', { entries: [{ id: 'oldCred1', expiresAtMs: now + 86_400_000 }] });
  store.delete('storage:schema');

  const report = await app.app.appUpgraded();
  assert.deepEqual(report, { moved: 7, complete: true });
  assert.deepEqual(store.get('storage:schema'), { version: 2 });
  for (const key of [...oldKeys, 'audit:idx:issue:itsm-77', 'audit:days', 'portal:pending:ITSM-78', 'portal:pending:index', 'delivery:pending']) {
    assert.equal(store.get(key), undefined, `${key} is gone`);
  }
  assert.ok(store.getEntity('pending-operation', 'ITSM-78:user.disable'), 'the waiting operation is an entity, keyed by request and route');

  const found = await app.invoke(ADMIN, 'audit.query', { issueKey: 'itsm-77' });
  assert.equal(found.ok, true, JSON.stringify(found));
  assert.deepEqual(found.value.records.map((r) => r.id), ['oldRecB', 'oldRecA']);
  const again = await app.app.appUpgraded();
  assert.deepEqual(again, { moved: 0, complete: true });
});
