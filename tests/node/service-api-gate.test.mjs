// The Service API gate through the bundled deploy artifact: every status the
// gate itself answers, with stubbed Forge globals, a fake KVS and fake Jira.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse, ADMIN } from './support/app.mjs';

const { app, runtime, invoke } = loadApp();
const call = async (request) => parse(await app.serviceApi(webRequest(request)));

test('before any key is issued, every call is 401 with guidance', async () => {
  const res = await call({ body: { route: 'user.get' }, headers: { Authorization: 'Bearer eidc_guess' } });
  assert.equal(res.status, 401);
  assert.equal(res.body.ok, false);
  assert.match(res.body.error.message, /admin page/);
});

let key;
test('an administrator issues a key through the admin resolver; others cannot', async () => {
  const refused = await invoke('someone-else', 'serviceKey.rotate');
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, 'forbidden');
  const issued = await invoke(ADMIN, 'serviceKey.rotate');
  assert.equal(issued.ok, true);
  key = issued.value.key;
  assert.match(key, /^eidc_[A-Za-z0-9_-]{43}$/);
  // Only a verifier is stored, never the key itself.
  const stored = JSON.stringify(runtime.store.data);
  assert.ok(!stored.includes(key));
});

test('401 for missing, malformed and wrong credentials', async () => {
  for (const headers of [{}, { Authorization: `Basic ${key}` }, { Authorization: 'Bearer' }, { Authorization: `Bearer ${key}x` }]) {
    const res = await call({ body: { route: 'user.get' }, headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.equal(res.body.error.code, 'unauthorized');
    assert.deepEqual(res.headers['WWW-Authenticate'], ['Bearer']);
  }
});

test('405 for anything but POST', async () => {
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const res = await call({ method, body: '', headers: { Authorization: `Bearer ${key}` } });
    assert.equal(res.status, 405);
    assert.deepEqual(res.headers.Allow, ['POST']);
  }
});

test('413 for a body over the documented limit', async () => {
  const body = JSON.stringify({ route: 'user.get', data: { pad: 'x'.repeat(256 * 1024) } });
  const res = await call({ body, headers: { Authorization: `Bearer ${key}` } });
  assert.equal(res.status, 413);
  assert.equal(res.body.error.code, 'payload_too_large');
});

test('400 names the field for malformed envelopes', async () => {
  const cases = [
    ['{oops', undefined],
    [{ data: {} }, 'route'],
    [{ route: 'user.explode' }, 'route'],
    [{ route: 'user.get', data: 'x' }, 'data'],
    [{ route: 'user.get', dryRun: 'true' }, 'dryRun'],
    [{ route: 'user.get', issueKey: 'not a key' }, 'issueKey'],
    [{ route: 'user.get', idempotencyKey: 42 }, 'idempotencyKey'],
    [{ route: 'user.get', dryrun: true }, 'dryrun'],
  ];
  for (const [body, field] of cases) {
    const res = await call({ body, headers: { Authorization: `Bearer ${key}` } });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.code, 'invalid_input');
    assert.equal(res.body.error.field, field, JSON.stringify(body));
  }
});

test('an authenticated, well-formed call reaches its route', async () => {
  const res = await call({ body: { route: 'user.get', data: { user: 'adele@contoso.example' } }, headers: { Authorization: `Bearer ${key}` } });
  assert.notEqual(res.status, 401);
  assert.notEqual(res.status, 400);
  assert.equal(typeof res.body.ok, 'boolean');
});

test('rotation revokes the previous key', async () => {
  const again = await invoke(ADMIN, 'serviceKey.rotate');
  const old = await call({ body: { route: 'user.get' }, headers: { Authorization: `Bearer ${key}` } });
  assert.equal(old.status, 401);
  key = again.value.key;
  const info = await invoke(ADMIN, 'serviceKey.info');
  assert.equal(info.value.fingerprint, again.value.fingerprint);
});

test('the admin page learns the web trigger URL from Forge', async () => {
  const missing = await invoke(ADMIN, 'serviceApi.url');
  assert.equal(missing.ok, true);
  assert.equal(missing.value.url, null);
  assert.match(missing.value.problem, /forge webtrigger/);
  runtime.webTriggerUrls['service-api'] = 'https://example.atlassian-dev.net/x1/abc123';
  const known = await invoke(ADMIN, 'serviceApi.url');
  assert.equal(known.value.url, 'https://example.atlassian-dev.net/x1/abc123');
  const refused = await invoke('someone-else', 'serviceApi.url');
  assert.equal(refused.error.code, 'forbidden');
});
