// The admin page's pickers (request types and fields read from Jira), the
// Jobs tab's progress bar, the Activity tab's chart, and an axe-core check
// of every page (admin tabs, issue panel, portal panel) in light and dark,
// in headless Chromium against the real resolvers. Screenshots go to
// test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUi, ADMIN, AGENT, CUSTOMER } from './support/ui-harness.mjs';
import { seriousViolations } from './support/axe.mjs';

let ui;
let job;
const reporter = (upn, name) => ({ accountId: `acc-${upn}`, displayName: name, emailAddress: upn });

/** Calls the Service API web trigger the way Forge delivers a request. */
async function serviceApi(body) {
  const response = await ui.app.serviceApi({
    method: 'POST', path: '/', queryParameters: {}, body: JSON.stringify(body),
    headers: { authorization: [`Bearer ${ui.serviceKey}`], 'content-type': ['application/json'] },
  }, { installContext: 'ari:cloud:jira::site/local' });
  return JSON.parse(response.body);
}

/** Runs one queued event through the app's consumer, as Forge would. */
async function consume(push, index) {
  const event = push.payload[index];
  await ui.app.jobConsumer({ ...event, queueName: push.queueName, jobId: push.jobId, eventId: `event-${index}`, retryContext: { retryCount: 0 } }, { installContext: 'ari:cloud:jira::site/local' });
}

before(async () => {
  ui = await startUi();
  ui.jira.addIssue('ITSM-31', { reporter: reporter('adele.vance@contoso.example', 'Adele Vance'), customers: [CUSTOMER] });
  // A job of 26 calls in two chunks: one fails (no such user), 25 change
  // office locations (of cloud-only users); only the first chunk runs, so one call remains.
  const people = ['megan.bowen', 'grace.liu', 'alex.wilber', 'adele.vance', 'diego.siciliani', 'patti.fernandez', 'grady.archie', 'irvin.sayers', 'lidia.holloway', 'johanna.lorenz', 'miriam.graham', 'enrico.cattaneo', 'henrietta.mueller', 'raul.razo', 'cameron.white', 'allan.deyoung', 'emily.braun', 'isabel.garcia', 'christie.cline', 'lee.gu', 'nina.petrova', 'omar.haddad', 'ben.walters', 'sofia.costa', 'kenji.mori'];
  const calls = [
    { route: 'user.disable', data: { user: 'nobody.here@contoso.example' } },
    ...people.map((p) => ({ route: 'user.update', data: { user: `${p}@contoso.example`, changes: { officeLocation: 'Building 7' } } })),
  ];
  const submitted = await serviceApi({ route: 'jobs.submit', data: { calls } });
  assert.equal(submitted.ok, true, JSON.stringify(submitted));
  const push = ui.queued.find((p) => p.payload?.length);
  assert.equal(push.payload.length, 2, 'two chunks');
  await consume(push, 0);
  job = (await serviceApi({ route: 'job.status', data: { jobId: submitted.result.jobId } })).result;
});
after(async () => { await ui?.stop(); });

async function adminTab(name, theme = 'light') {
  const tab = await ui.open('admin', { accountId: ADMIN, width: 1100, theme });
  await tab.getByRole('tab', { name, exact: true }).click();
  return tab;
}

test('job.status reports progress: counts, percent and time left', () => {
  assert.deepEqual({ ...job.progress, etaSeconds: undefined }, { total: 26, done: 24, failed: 1, remaining: 1, percent: 96, etaSeconds: undefined });
  assert.ok(Number.isInteger(job.progress.etaSeconds) && job.progress.etaSeconds >= 0, JSON.stringify(job.progress));
});

test('the Jobs tab shows the job with a progress bar and its counts, in light and dark', async () => {
  for (const theme of ['light', 'dark']) {
    const tab = await adminTab('Jobs', theme);
    const bar = tab.getByRole('progressbar');
    await bar.first().waitFor();
    assert.equal(await bar.first().getAttribute('aria-valuenow'), '96');
    const text = await tab.locator('.job').first().innerText();
    assert.match(text, /24 done/);
    assert.match(text, /1 failed/);
    assert.match(text, /1 remaining of 26/);
    assert.match(text, /96% · (about .* left|finished)/);
    assert.match(text, /running/i);
    await ui.screenshot(tab, `admin-jobs-${theme}`);
    assert.deepEqual(tab.problems, []);
    await tab.context().close();
  }
});

test('the Activity tab draws today\'s operations by outcome and lists the slowest, in light and dark', async () => {
  const today = new Date().toISOString().slice(0, 10);
  for (const theme of ['light', 'dark']) {
    const tab = await adminTab('Activity', theme);
    const chart = tab.locator('svg.activity-chart');
    await chart.waitFor();
    assert.equal(await chart.locator('g[data-date]').count(), 14);
    const bar = chart.locator(`g[data-date="${today}"]`);
    assert.equal(await bar.getAttribute('data-total'), '25');
    assert.equal(await bar.locator('rect.bar-done').count(), 1);
    assert.equal(await bar.locator('rect.bar-failed').count(), 1);
    assert.equal(await tab.locator('dd[data-total="done"]').innerText(), '24');
    assert.equal(await tab.locator('dd[data-total="failed"]').innerText(), '1');
    const slowest = tab.getByRole('table', { name: 'Slowest operations' }).locator('tbody tr');
    assert.equal(await slowest.count(), 5);
    await tab.getByRole('button', { name: '30 days' }).click();
    await tab.waitForFunction(() => document.querySelectorAll('svg.activity-chart g[data-date]').length === 30);
    await ui.screenshot(tab, `admin-activity-${theme}`);
    assert.deepEqual(tab.problems, []);
    await tab.context().close();
  }
});

test('request types and fields are picked from Jira, and saved', async () => {
  const tab = await adminTab('Request types');
  await tab.getByRole('button', { name: 'Add a request type' }).click();
  const index = (await ui.invoke(ADMIN, 'config.get')).value.config.requestTypes?.length ?? 0;
  const type = tab.locator(`#rt-${index}-id`);
  assert.deepEqual((await type.locator('option').allInnerTexts()).slice(1), ['Onboard a new hire · ITSM', 'Offboard a leaver · ITSM', 'Transfer to another team · ITSM']);
  await type.selectOption({ label: 'Transfer to another team · ITSM' });
  assert.equal(await tab.inputValue(`#rt-${index}-name`), 'Transfer to another team');
  await tab.selectOption(`#rt-${index}-route`, 'user.transfer');
  await tab.locator(`#rt-${index}-src-0`).selectOption({ label: 'First name (customfield_10100)' });
  await ui.screenshot(tab, 'admin-request-type-picker');
  await tab.getByRole('button', { name: 'Save request types' }).click();
  await tab.getByText('Request types saved.').waitFor();
  const saved = (await ui.invoke(ADMIN, 'config.get')).value.config.requestTypes.at(-1);
  assert.equal(saved.requestTypeId, '12');
  assert.equal(saved.name, 'Transfer to another team');
  assert.equal(Object.values(saved.fields)[0], 'customfield_10100');
  await tab.context().close();

  const enrichment = await adminTab('Enrichment');
  await enrichment.locator('#enrich-department').selectOption({ label: 'Entra department (customfield_10200)' });
  await enrichment.getByRole('button', { name: 'Save enrichment' }).click();
  await enrichment.getByText('Enrichment saved.').waitFor();
  assert.equal((await ui.invoke(ADMIN, 'config.get')).value.config.enrichment.fields.department, 'customfield_10200');
  await ui.screenshot(enrichment, 'admin-enrichment-picker');
  await enrichment.context().close();
});

test('every page passes axe-core (no serious or critical violations), in light and dark', async () => {
  const problems = [];
  for (const theme of ['light', 'dark']) {
    const admin = await ui.open('admin', { accountId: ADMIN, width: 1100, theme });
    const tabs = admin.getByRole('tab');
    await tabs.first().waitFor();
    const names = await tabs.allInnerTexts();
    for (const name of names) {
      await admin.getByRole('tab', { name, exact: true }).click();
      await admin.waitForFunction(() => !document.querySelector('#panel .loading'), null, { timeout: 30_000 });
      problems.push(...(await seriousViolations(admin)).map((v) => `${theme} admin "${name}": ${v}`));
    }
    await admin.context().close();
    const panel = await ui.open('issue-panel', { accountId: AGENT, extension: { issue: { key: 'ITSM-31' } }, theme });
    await panel.locator('.account-head, .message.error, .empty').first().waitFor({ timeout: 30_000 });
    problems.push(...(await seriousViolations(panel)).map((v) => `${theme} issue panel: ${v}`));
    await panel.context().close();
    const portal = await ui.open('portal-panel', { accountId: CUSTOMER, extension: { request: { key: 'ITSM-31' } }, theme, width: 600 });
    await portal.locator('.empty, .message, section').first().waitFor();
    problems.push(...(await seriousViolations(portal)).map((v) => `${theme} portal panel: ${v}`));
    await portal.context().close();
  }
  assert.deepEqual(problems, []);
});
