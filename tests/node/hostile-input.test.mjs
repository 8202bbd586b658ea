// Hostile input through the bundled app, against the emulator over HTTP:
// the Service API web trigger, automation actions, resolvers and portal
// request fields each meet oversized and deeply nested bodies, invalid
// UTF-8, NUL and control characters, right-to-left and zero-width
// characters, look-alike letters, 10,000-item arrays, numbers where strings
// belong and `__proto__`/`constructor` keys. Each is a 4xx (or the entry
// point's error shape) naming the field, and no write reaches Entra.
//
// What each field accepts (lifecycle::ids::checked_text, UserRef::upn);
// leading and trailing whitespace (a trailing line feed too) is trimmed,
// not refused:
// - every text input: no control characters (NUL, CR, LF, ...) and no
//   invisible formatting characters (zero-width space, word joiner, BOM,
//   bidi marks, embeddings, overrides, isolates); the zero-width
//   (non-)joiners are allowed, as Persian and Indic names need them;
// - an explicit userPrincipalName: Microsoft's characters only (A-Z a-z
//   0-9 ' . - _ ! # ^ ~ before the @, a domain name after it), so a
//   Cyrillic look-alike is refused; a bare address (UPN, mail or proxy
//   address) may hold other letters (mail can be internationalised) and is
//   only ever read with, never written;
// - no text input holds U+FFFD, which is what invalid UTF-8 becomes on
//   its way in (the text as sent is lost; Entra would keep the stand-in);
// - display names, given names and surnames may use any script, look-alike
//   letters included: the UPN and mailNickname made from them are
//   transliterated to ASCII by the naming template, so a look-alike name
//   cannot yield a look-alike UPN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse } from './support/app.mjs';
import { startEmulator } from './support/emulator.mjs';
import { graphWrites, prototypePollution } from './support/scan.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';
import { SANDBOX_ADMIN } from '../../sandbox/sample-data.mjs';
import { sandboxConfig } from '../../sandbox/configure.mjs';

const ADELE = 'adele.vance@contoso.example';
const HIDDEN = { 'zero-width space': '\u200b', 'right-to-left override': '\u202e', 'first-strong isolate': '\u2068', 'byte-order mark': '\ufeff', NUL: '\u0000', 'line feed': '\n', escape: '\u001b' };
let app, emulator, jsm, key;

before(async () => {
  jsm = new FakeJsm();
  app = loadApp({ jsm, admins: [SANDBOX_ADMIN] });
  emulator = await startEmulator();
  const saved = await app.invoke(SANDBOX_ADMIN, 'config.save', { config: sandboxConfig({ emulator, jsm }) });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  await app.invoke(SANDBOX_ADMIN, 'connection.setClientSecret', { clientSecret: emulator.clientSecret });
  key = (await app.invoke(SANDBOX_ADMIN, 'serviceKey.rotate')).value.key;
});
after(() => emulator?.stop());

const raw = async (body) => parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));

/** Sends `body` (an object or raw text) and expects a 4xx naming `field` (undefined: the body as a whole), with no Graph write. */
async function refused(body, field, status = 400) {
  await emulator.clearLog();
  const res = await raw(body);
  const shown = typeof body === 'string' ? body.slice(0, 120) : JSON.stringify(body).slice(0, 120);
  assert.equal(res.status, status, `${shown}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.ok, false);
  assert.equal(res.body.error.field, field, `${shown}: ${JSON.stringify(res.body.error)}`);
  assert.ok(res.body.error.message.length > 0);
  assert.doesNotMatch(res.body.error.message, /[\u0000-\u001f\u007f\u200b\u202e\u2068\ufeff]/, 'the message echoes no control or invisible character');
  assert.deepEqual(await graphWrites(emulator), [], `${shown}: no write reached Entra`);
  return res;
}

test('Service API: an oversized body is 413 and a deeply nested one a 400, before anything else', async () => {
  await refused({ route: 'user.create', data: { givenName: 'A'.repeat(300 * 1024), surname: 'B' } }, undefined, 413);
  // Beyond the JSON reader's nesting limit: the body as a whole is refused.
  const deep = `{"route":"user.create","data":{"givenName":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
  const res = await refused(deep, undefined);
  assert.match(res.body.error.message, /not valid JSON/);
  // Nested within the limit, in a field that takes text: that field.
  let nested = 'x';
  for (let i = 0; i < 100; i++) nested = [nested];
  await refused({ route: 'user.create', data: { givenName: nested, surname: 'B' } }, 'data.givenName');
  await refused({ route: 'user.update', data: { user: ADELE, changes: { department: { a: { b: { c: {} } } } } } }, 'data.changes.department');
});

test('Service API: invalid UTF-8 and lone surrogates', async () => {
  // Forge hands the body over as a string: invalid bytes arrive as U+FFFD.
  const decoded = Buffer.from([...Buffer.from('{"route":"user.create","data":{"givenName":"Ad'), 0xff, 0xfe, ...Buffer.from('le","surname":"Vance"}}')]).toString('utf8');
  assert.ok(decoded.includes('\ufffd'));
  await refused(decoded, 'data.givenName');
  // A lone surrogate escaped in JSON is not text at all.
  await refused('{"route":"user.create","data":{"givenName":"Ad\\ud800le","surname":"Vance"}}', undefined);
});

test('Service API: NUL, control, zero-width and bidi characters are refused in every text that reaches a write', async () => {
  for (const c of Object.values(HIDDEN)) {
    await refused({ route: 'user.create', data: { givenName: `Ad${c}ele`, surname: 'Vance' } }, 'data.givenName');
    await refused({ route: 'user.create', data: { givenName: 'Adele', surname: `Va${c}nce`, displayName: 'Adele' } }, 'data.surname');
    await refused({ route: 'user.create', data: { givenName: 'Adele', surname: 'Vance', displayName: `Adele ${c}Vance` } }, 'data.displayName');
    await refused({ route: 'user.update', data: { user: ADELE, changes: { jobTitle: `Bo${c}ss` } } }, 'data.changes.jobTitle');
    await refused({ route: 'guest.invite', data: { email: `sam${c}@fabrikam.example` } }, 'data.email');
    await refused({ route: 'user.disable', data: { user: `ad${c}ele.vance@contoso.example` } }, 'data.user');
    await refused({ route: 'user.disable', data: { user: { userPrincipalName: `adele${c}.vance@contoso.example` } } }, 'data.user.userPrincipalName');
    await refused({ route: 'group.addMember', data: { user: ADELE, group: `All${c} Staff` } }, 'data.group');
  }
});

test('Service API: look-alike letters: refused in a userPrincipalName, transliterated in names', async () => {
  // Cyrillic а (U+0430) and Greek ο (U+03BF) in place of Latin a and o.
  await refused({ route: 'user.disable', data: { user: { userPrincipalName: '\u0430dele.vance@contoso.example' } } }, 'data.user.userPrincipalName');
  await refused({ route: 'user.resetPassword', data: { user: { userPrincipalName: 'adele.vance@c\u03bfntoso.example' } } }, 'data.user.userPrincipalName');
  await emulator.clearLog();
  const res = await raw({ route: 'user.create', dryRun: true, data: { givenName: '\u0410dele', surname: 'V\u0430nce' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const create = res.body.plan.find((step) => step.body?.userPrincipalName);
  assert.match(create.body.userPrincipalName, /^[a-z0-9._-]+@contoso\.example$/, 'the UPN is ASCII');
  assert.match(create.body.mailNickname, /^[a-z0-9._-]+$/, 'so is the mailNickname');
  assert.equal(create.body.displayName, '\u0410dele V\u0430nce', 'the name is kept as given');
  assert.deepEqual(await graphWrites(emulator), [], 'a dry run writes nothing');
});

test('Service API: 10,000-item arrays are refused at the cap, naming the list', async () => {
  const many = Array.from({ length: 10_000 }, (_, i) => `g${i}`);
  await refused({ route: 'user.create', data: { givenName: 'Adele', surname: 'Vance', groups: many } }, 'data.groups');
  await refused({ route: 'user.assignLicenses', data: { user: ADELE, skus: many } }, 'data.skus');
  await refused({ route: 'guest.invite', data: { email: 'sam@fabrikam.example', sponsors: many.map((g) => `${g}@contoso.example`) } }, 'data.sponsors');
  // Small items keep the body under the size limit: the job cap answers.
  await refused({ route: 'jobs.submit', data: { calls: many.map(() => ({})) } }, 'data.calls');
});

test('Service API: numbers, booleans and objects where strings belong', async () => {
  await refused({ route: 'user.create', data: { givenName: 42, surname: 'Vance' } }, 'data.givenName');
  await refused({ route: 'user.create', data: { givenName: 'Adele', surname: true } }, 'data.surname');
  await refused({ route: 'user.disable', data: { user: 12345 } }, 'data.user');
  await refused({ route: 'user.offboard', data: { user: ADELE, leaveDateTime: 1767225600 } }, 'data.leaveDateTime');
  await refused({ route: 'user.createTemporaryAccessPass', data: { user: ADELE, lifetimeInMinutes: '60; drop' } }, 'data.lifetimeInMinutes');
  await refused({ route: 'user.get', dryRun: 1 }, 'dryRun');
  await refused({ route: 42 }, 'route');
});

test('Service API: __proto__ and constructor keys are unknown fields and pollute nothing', async () => {
  await refused('{"route":"user.disable","data":{"user":"adele.vance@contoso.example","__proto__":{"polluted":true,"dryRun":false}}}', 'data.__proto__');
  await refused('{"route":"user.disable","__proto__":{"polluted":true},"data":{"user":"adele.vance@contoso.example"}}', '__proto__');
  await refused('{"route":"user.disable","data":{"user":{"constructor":{"prototype":{"polluted":true}}}}}', 'data.user.constructor');
  await refused('{"route":"user.update","data":{"user":"adele.vance@contoso.example","changes":{"__proto__":{"isAdmin":true}}}}', 'data.changes.__proto__');
  assert.deepEqual(prototypePollution(), []);
});

test('automation actions: the same input is refused naming the field, in the action\'s error shape', async () => {
  const cases = [
    ['createUser', { givenName: 'Ad\u202eele', surname: 'Vance' }, /givenName/],
    ['createUser', { givenName: 'Adele', surname: 'Va\u0000nce' }, /surname/],
    ['disableUser', { user: 'ad\u200bele.vance@contoso.example' }, /user/],
    ['updateUser', { user: ADELE, department: 'Sales\u2066' }, /department/],
    ['inviteGuest', { email: 'sam\ufeff@fabrikam.example' }, /email/],
    ['addToGroup', { user: ADELE, group: 'x'.repeat(10_000) }, /group/],
    // A prototype key is not an input: `user` is still missing.
    ['disableUser', JSON.parse('{"__proto__":{"user":"adele.vance@contoso.example","polluted":true}}'), /user/],
    ['disableUser', { user: 12345 }, /user/],
  ];
  for (const [action, input, field] of cases) {
    await emulator.clearLog();
    const out = await app.app[action](input);
    assert.ok(Array.isArray(out.errors) && out.errors.length === 1, `${action} ${JSON.stringify(input).slice(0, 80)}: ${JSON.stringify(out)}`);
    assert.match(out.errors[0].message, field, `${action}: ${out.errors[0].message}`);
    assert.deepEqual(await graphWrites(emulator), [], `${action}: no write reached Entra`);
  }
  assert.deepEqual(prototypePollution(), []);
});

test('resolvers: hostile payloads and context keys are refused and pollute nothing', async () => {
  const asResolver = (accountId, event, payload) =>
    app.jira.as(accountId, () => app.runtime.invoke({ kind: 'resolver' }, () => app.app.resolver(event, payload)));
  const call = (functionKey, payload) =>
    asResolver(SANDBOX_ADMIN, { call: { functionKey, payload }, context: { moduleKey: 'admin-page' } }, { principal: { accountId: SANDBOX_ADMIN } });
  await emulator.clearLog();
  const polluted = JSON.parse('{"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"polluted":true}}}');
  for (const [functionKey, payload] of [
    ['users.search', { query: 'ad\u202eele' }],
    ['users.search', { query: 'x'.repeat(100_000) }],
    ['users.search', polluted],
    ['config.save', { config: JSON.parse('{"__proto__":{"polluted":true}}') }],
    ['config.save', { config: { provisioning: { groupRules: Array.from({ length: 10_000 }, () => ({})) } } }],
    ['config.save', { config: { provisioning: { namingTemplate: '{given}\u202e.{surname}@contoso.example' } } }],
  ]) {
    const out = await call(functionKey, payload);
    assert.equal(typeof out.ok, 'boolean', `${functionKey}: ${JSON.stringify(out).slice(0, 200)}`);
    if (functionKey === 'config.save') {
      assert.equal(out.ok, false, `${functionKey} ${JSON.stringify(payload).slice(0, 80)}`);
      assert.ok(out.error.field, `config.save names the field: ${JSON.stringify(out.error)}`);
    }
  }
  // A context from a hostile page cannot lend itself an account.
  const out = await asResolver('someone', { call: { functionKey: 'serviceKey.rotate', payload: {} }, context: JSON.parse('{"__proto__":{"accountId":"' + SANDBOX_ADMIN + '"}}') }, {});
  assert.equal(out.ok, false, JSON.stringify(out));
  assert.deepEqual(await graphWrites(emulator), []);
  assert.deepEqual(prototypePollution(), []);
});

test('portal: hostile request fields get a public comment naming the field, and nothing reaches Entra', async () => {
  const cases = [
    [{ givenName: 'No\u202eor', surname: 'Haddad' }, /First name/],
    [{ givenName: 'Noor', surname: 'Had\u0000dad' }, /Last name/],
    [{ givenName: 'Noor', surname: 'Haddad', manager: '\u0430dele@contoso.example\u200b' }, /Manager/],
    // A Jira number field's value is read as its digits (an employee id
    // may live in one); a list or a flag in a text field is no value.
    [{ givenName: ['Noor'], surname: 'Haddad' }, /First name/],
    [{ givenName: 'Noor', surname: true }, /Last name/],
    [{ givenName: 'Noor', surname: 'Haddad', department: 'x'.repeat(10_000) }, /Department/],
  ];
  for (const [fields, label] of cases) {
    const issue = jsm.createRequest({ requestType: 'onboarding', reporter: 'customer-emily', fields });
    await emulator.clearLog();
    const result = await app.app.requestCreated({ issue: { key: issue.key, id: issue.id } });
    assert.equal(result.result, 'invalidForm', `${JSON.stringify(fields).slice(0, 80)}: ${JSON.stringify(result)}`);
    const pub = jsm.issue(issue.key).comments.filter((c) => c.public);
    assert.equal(pub.length, 1);
    assert.match(pub[0].body, label);
    assert.doesNotMatch(pub[0].body, /[\u0000\u200b\u202e]/, 'the comment echoes no hidden character');
    assert.deepEqual(await graphWrites(emulator), [], 'no write reached Entra');
  }
});
