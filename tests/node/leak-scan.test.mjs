// A whole scenario through the bundled app, then a scan for every
// credential it generated: the client secret the admin saves, two service
// keys, two HR signing secrets, the first Temporary Access Pass of a portal
// onboarding, a manager's password reset from the portal, and a password
// reset through the Service API and a Temporary Access Pass from an
// automation rule on an agent's request, each revealed once by its recipient. Every console line the app wrote, every answer an entry
// point returned, every Jira comment and issue property, every stored KVS
// value and entity (secret storage excepted: that is where credentials
// belong until revealed) and the emulator's request log are searched for
// each value; a hit fails the run, naming the credential and the place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { loadApp, webRequest, parse } from './support/app.mjs';
import { startEmulator } from './support/emulator.mjs';
import { captureLogs, leakScan } from './support/scan.mjs';
import { FakeJsm } from '../../sandbox/fake-jsm.mjs';
import { SANDBOX_ADMIN } from '../../sandbox/sample-data.mjs';
import { sandboxConfig } from '../../sandbox/configure.mjs';

const AGENT = 'agent-lynne';
let app, emulator, jsm, logs;
const credentials = [];
const answers = [];
/** Keeps what an entry point answered, for the scan. */
const kept = (label, value) => {
  answers.push([label, value]);
  return value;
};

before(async () => {
  logs = captureLogs();
  jsm = new FakeJsm();
  app = loadApp({ jsm, admins: [SANDBOX_ADMIN] });
  emulator = await startEmulator();
});
after(() => {
  logs?.stop();
  return emulator?.stop();
});

const resolver = (accountId, functionKey, payload, context) =>
  app.jira.as(accountId, () => app.runtime.invoke({ kind: 'resolver' }, () => app.app.resolver({ call: { functionKey, payload }, context }, { principal: { accountId } })));
const admin = async (functionKey, payload = {}) => kept(`admin ${functionKey}`, await resolver(SANDBOX_ADMIN, functionKey, payload, { moduleKey: 'admin-page' }));

test('a scenario that makes every kind of credential, each revealed once', async () => {
  // The connection's client secret, saved write-only.
  assert.equal((await admin('config.save', { config: sandboxConfig({ emulator, jsm }) })).ok, true);
  credentials.push(['client secret', emulator.clientSecret]);
  assert.equal((await admin('connection.setClientSecret', { clientSecret: emulator.clientSecret })).ok, true);

  // Service keys and HR signing secrets, rotated twice each.
  for (const round of [1, 2]) {
    const key = (await admin('serviceKey.rotate')).value.key;
    credentials.push([`service key ${round}`, key]);
    const hmac = (await admin('hmacSecret.rotate')).value.secret;
    credentials.push([`HR signing secret ${round}`, hmac]);
  }
  const key = credentials.find(([label]) => label === 'service key 2')[1];
  const hmac = credentials.find(([label]) => label === 'HR signing secret 2')[1];
  // Both used: a bearer call and a signed one.
  const body = JSON.stringify({ route: 'user.get', data: { user: 'adele.vance@contoso.example' } });
  const viaKey = parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}` } })));
  assert.equal(kept('service api bearer', viaKey).status, 200);
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v1=${createHmac('sha256', hmac).update(`${ts}.${body}`).digest('hex')}`;
  const viaSignature = parse(await app.app.serviceApi(webRequest({ body, headers: { 'X-Entra-Connect-Timestamp': ts, 'X-Entra-Connect-Signature': signature } })));
  assert.equal(kept('service api signed', viaSignature).status, 200);
  // A wrong key and a wrong signature are logged as refusals: without the key.
  kept('wrong key', parse(await app.app.serviceApi(webRequest({ body, headers: { Authorization: `Bearer ${key}x` } }))));

  // Portal onboarding: the account is created with a first Temporary Access Pass.
  const onboarding = jsm.createRequest({ requestType: 'onboarding', reporter: 'customer-emily', fields: { givenName: 'Leakey', surname: 'Scanner', department: 'Finance', manager: 'emily.braun@contoso.example' } });
  assert.equal(kept('portal onboarding', await app.app.requestCreated({ issue: { key: onboarding.key, id: onboarding.id } })).result, 'ran');
  // The request's assignee is one of the pass's recipients.
  const firstTap = await revealFromRequest(onboarding, AGENT);
  credentials.push(['first Temporary Access Pass', firstTap]);

  // Portal: a manager resets a direct report's password, revealed in the portal panel.
  const reset = jsm.createRequest({ requestType: 'password-reset-manager', reporter: 'customer-debra', fields: { user: 'pradeep.gupta@contoso.example' } });
  assert.equal(kept('portal reset', await app.app.requestCreated({ issue: { key: reset.key, id: reset.id } })).result, 'ran');
  credentials.push(['manager reset password', await revealFromRequest(reset, 'customer-debra')]);

  // On an agent's request: a password reset through the Service API
  // (revealed by the request's assignee) and a pass from an automation
  // rule (revealed by the rule's actor, its requester).
  const agentRequest = jsm.createRequest({ requestType: 'password-reset-agent', reporter: 'customer-adele', fields: {} });
  const res = parse(await app.app.serviceApi(webRequest({ body: { route: 'user.resetPassword', issueKey: agentRequest.key, data: { user: 'adele.vance@contoso.example' } }, headers: { Authorization: `Bearer ${key}` } })));
  assert.equal(kept('service api user.resetPassword', res).status, 200, JSON.stringify(res.body));
  credentials.push(['password reset for the assignee', await revealFromRequest(agentRequest, AGENT)]);
  const tap = kept('automation create-tap', await app.app.createTap({ user: 'adele.vance@contoso.example', issueKey: agentRequest.key }, { principal: { accountId: AGENT } }));
  assert.equal(tap.errors, undefined, JSON.stringify(tap));
  credentials.push(['pass for the rule actor', await revealFromRequest(agentRequest, AGENT)]);
  // The audit log as an admin reads and exports it.
  kept('audit.query', await admin('audit.query', { limit: 200 }));
  kept('audit.csv', await admin('audit.csv', {}));
  assert.equal(credentials.length, 9);
});

/** The credential waiting on `issue`, as the request's view names it, revealed once by `accountId`. */
async function revealFromRequest(issue, accountId) {
  const context = { extension: { request: { key: issue.key } } };
  const view = kept(`portal.load ${issue.key}`, await resolver(accountId, 'portal.load', {}, context));
  assert.equal(view.ok, true, JSON.stringify(view));
  const credentialId = view.value.credential?.id;
  assert.ok(credentialId, `a credential waits on ${issue.key}: ${JSON.stringify(view).slice(0, 400)}`);
  const shown = kept(`reveal ${issue.key}`, await resolver(accountId, 'secret.reveal', { credentialId }, context));
  assert.equal(shown.ok, true, JSON.stringify(shown));
  return shown.value.value;
}

test('no credential appears in any log line, answer, comment, stored record or Graph request', async () => {
  assert.equal(credentials.length, 9, 'the scenario ran');
  // The reveals themselves are where a credential is meant to be seen.
  const scanned = answers.filter(([label]) => !/reveal|rotate|config.save/.test(label));
  const hits = await leakScan({ credentials, logs: logs.lines, answers: scanned, issues: jsm.data.issues, store: app.runtime.store, emulator });
  assert.deepEqual(hits, [], hits.map((h) => `${h.credential} in ${h.where}`).join('\n'));
  assert.ok(logs.lines.length > 10, 'the app logged something to scan');
  // The scan finds what is there: every credential is in the answers
  // that showed it (a reveal, a rotation) or in what the admin sent.
  const shown = answers.filter(([label]) => /reveal|rotate/.test(label));
  const found = new Set((await leakScan({ credentials, answers: shown })).map((h) => h.credential));
  assert.deepEqual([...found].sort(), credentials.map(([label]) => label).filter((l) => l !== 'client secret').sort());
});
