// The README's "Three things to try", followed step by step on the real
// sandbox page in headless Chromium, with the outcomes read from the
// tenant view; then what the page shows around them: the request view
// (the app's panel in the right-hand column, actions behind a menu),
// Custom UI frames sized to their content, and an accessibility check in
// light and dark. One sandbox and one browser for the file; screenshots go
// to test-results/ (git-ignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startSandboxProcess, waitGone, ROOT } from '../node/support/sandbox-process.mjs';
import { seriousViolations } from './support/axe.mjs';

const SHOTS = path.join(ROOT, 'test-results');
const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-walkthroughs-'));
let sandbox, browser, page;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sandbox = await startSandboxProcess({ dataDir });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(20_000);
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  await page.goto(sandbox.endpoints.ui);
  await page.getByTestId('tenant-users').getByText('adele.vance@contoso.example').waitFor();
});

after(async () => {
  await browser?.close();
  const emulatorPid = sandbox?.endpoints.emulatorPid;
  await sandbox?.stop();
  if (emulatorPid) await waitGone(emulatorPid);
  rmSync(dataDir, { recursive: true, force: true });
});

const shot = (name) => page.screenshot({ path: path.join(SHOTS, `walkthrough-${name}.png`), fullPage: true });
const sandboxApi = async (p) => (await fetch(`${sandbox.endpoints.ui}${p}`)).json();

/** Polls the tenant until `check(tenant)` returns a value, or fails with the last tenant. */
async function tenantUntil(check, what) {
  let tenant;
  for (let i = 0; i < 100; i += 1) {
    tenant = await sandboxApi('/api/tenant');
    const found = check(tenant);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`${what}: not in the tenant`);
}

const groupsOf = (tenant, user) => tenant.groups.filter((g) => g.memberIds?.includes(user.id)).map((g) => g.displayName).sort();

/** The request's comments the app posted as internal notes. */
const internalComments = () => page.getByTestId('comment').filter({ has: page.locator('.meta', { hasText: 'Internal note' }) });

test('the sample requests were raised through the app\'s trigger and carry what it posted', async () => {
  const { setup, requests } = await sandboxApi('/api/state');
  assert.match(setup.find((s) => s.name === 'sample requests')?.message ?? '', /avi:jira:created:issue/);
  const transfer = requests.find((r) => r.requestType === 'transfer');
  const view = await sandboxApi(`/api/requests/${transfer.key}`);
  assert.ok(view.issue.comments.some((c) => !c.public), 'the transfer carries the app\'s internal plan comment');
  assert.equal(view.issue.status, 'Waiting for approval');
});

test('1. Onboard from the portal: Jordan Rivera is created with the Engineering groups', async () => {
  await page.locator('#tabs button[data-view=portal]').click();
  await page.getByTestId('portal-type').selectOption({ label: 'Onboard a new hire' });
  await page.getByTestId('portal-field-givenName').fill('Jordan');
  await page.getByTestId('portal-field-surname').fill('Rivera');
  await page.getByTestId('portal-field-department').fill('Engineering');
  await page.getByTestId('portal-field-manager').fill('emily.braun@contoso.example');
  await page.getByTestId('portal-submit').click();
  await page.getByTestId('request-title').getByText('Onboard a new hire').waitFor();
  await internalComments().first().waitFor();
  // Where the request waits for its JSM approval, the approver approves it.
  const created = () => page.getByTestId('tenant-users').locator('[data-upn="jordan.rivera@contoso.example"]');
  await page.waitForTimeout(300);
  if (!(await created().count()) && (await page.getByTestId('approve').count())) await page.getByTestId('approve').first().click();
  await created().waitFor();
  const { user, tenant } = await tenantUntil((t) => {
    const u = t.users.find((x) => x.userPrincipalName === 'jordan.rivera@contoso.example');
    return u && { user: u, tenant: t };
  }, 'jordan.rivera@contoso.example');
  assert.equal(user.department, 'Engineering');
  const groups = groupsOf(tenant, user);
  for (const expected of ['All Staff', 'App - GitHub Enterprise']) assert.ok(groups.includes(expected), `${expected} in ${groups}`);
  assert.ok(groups.some((g) => g.startsWith('Engineering')), `an Engineering group in ${groups}`);
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /"temporaryAccessPass"\s*:\s*"[^"]/, 'the pass is not on the page');
  await shot('1-onboarding');
});

test('2. Approve a transfer: Patti Fernandez moves from Sales to Marketing, groups swapped', async () => {
  await page.locator('#tabs button[data-view=queue]').click();
  await page.getByTestId('queue').getByText('Transfer: Patti Fernandez').click();
  await page.getByTestId('request-title').getByText('Patti Fernandez').waitFor();
  assert.ok(await internalComments().count() > 0, 'the planned Graph changes are in an internal comment');
  const before = await sandboxApi('/api/tenant');
  const patti = before.users.find((u) => u.userPrincipalName === 'patti.fernandez@contoso.example');
  assert.equal(patti.department, 'Sales');
  assert.ok(groupsOf(before, patti).includes('Sales Team'));
  await page.getByTestId('approve').first().click();
  await page.getByTestId('request-title').locator('.lozenge', { hasText: /Approved|Done/ }).waitFor();
  const after = await tenantUntil((t) => {
    const u = t.users.find((x) => x.id === patti.id);
    return u?.department === 'Marketing' && { user: u, tenant: t };
  }, 'Patti in Marketing');
  const groups = groupsOf(after.tenant, after.user);
  assert.ok(groups.includes('Marketing Team'), `added by the rules: ${groups}`);
  assert.ok(!groups.includes('Sales Team') && !groups.includes('App - Salesforce Users'), `Sales groups left: ${groups}`);
  assert.equal(after.user.jobTitle, 'Marketing Analyst');
  await shot('2-transfer');
});

test('3. Call the Service API exactly as the README writes it', async () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 5));
  const keyLine = quickStart.match(/KEY=\$\(node -p "require\('\.\/(build\/sandbox-data\/endpoints\.json)'\)\.serviceKey"\)/);
  assert.ok(keyLine, 'the README reads the key from endpoints.json');
  const key = JSON.parse(readFileSync(sandbox.endpointsFile ?? path.join(dataDir, 'endpoints.json'), 'utf8')).serviceKey;
  const calls = [...quickStart.matchAll(/curl -s (\S+) -H "Authorization: Bearer \$KEY" \\\n\s+-d '([^']+)'/g)];
  assert.equal(calls.length, 2, 'two curl calls in the Quick start');
  const answers = [];
  for (const [, url, body] of calls) {
    assert.equal(new URL(url).pathname, '/service-api');
    // curl -d: a POST with a form content type; the app reads the body as JSON.
    const response = await fetch(`${sandbox.endpoints.ui}/service-api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    answers.push({ status: response.status, body: await response.json() });
  }
  const [get, dryRun] = answers;
  assert.equal(get.status, 200, JSON.stringify(get.body));
  assert.equal(get.body.ok, true);
  assert.equal(get.body.result.user?.userPrincipalName ?? get.body.result.userPrincipalName, 'adele.vance@contoso.example');
  assert.equal(dryRun.status, 200, JSON.stringify(dryRun.body));
  assert.equal(dryRun.body.dryRun, true);
  assert.ok(dryRun.body.plan.length > 0, 'the dry run answers the plan');
  const tenant = await sandboxApi('/api/tenant');
  const adele = tenant.users.find((u) => u.userPrincipalName === 'adele.vance@contoso.example');
  assert.ok(!groupsOf(tenant, adele).includes('Engineering'), 'a dry run changes nothing');
});

test('the request view: the app\'s panel in the right-hand column, automation actions behind a menu', async () => {
  await page.locator('#tabs button[data-view=queue]').click();
  await page.getByTestId('queue').getByText('Leaver: Ben Walters').click();
  await page.getByTestId('request-title').getByText('Ben Walters').waitFor();
  const main = await page.locator('.request-main').boundingBox();
  const side = await page.getByTestId('request-side').boundingBox();
  assert.ok(side.x >= main.x + main.width, `panel right of the request (${JSON.stringify({ main, side })})`);
  assert.equal(await page.getByTestId('request-side').locator('iframe.custom-ui').count(), 1);
  assert.equal(await page.locator('form[data-testid^="action-"]').count(), 0, 'no action form until one is picked');
  const { app } = await sandboxApi('/api/state');
  await page.getByTestId('actions-menu-button').click();
  const items = page.getByRole('menuitem');
  assert.equal(await items.count(), app.actions.length);
  assert.equal(await page.getByTestId('actions-menu-button').getAttribute('aria-expanded'), 'true');
  const pick = app.actions.find((a) => a.key.includes('disable')) ?? app.actions[0];
  await page.getByTestId(`menu-action-${pick.key}`).click();
  await page.getByTestId(`action-${pick.key}`).waitFor();
  assert.equal(await page.locator('form[data-testid^="action-"]').count(), 1);
  assert.equal(await page.getByRole('menu').isVisible(), false);
  await shot('request-view');
});

/** The frame's element height and its document's content height, once they agree (or the last pair). */
async function frameSizes(frameLocator) {
  // The page re-renders its views: take the frame as it is once loaded.
  let element;
  let frame;
  for (let i = 0; i < 50 && !frame; i += 1) {
    element = await frameLocator.elementHandle();
    frame = await element.contentFrame();
    if (!frame) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await frame.waitForFunction(() => document.querySelector('#app')?.children.length > 0 && !document.querySelector('.loading'));
  let sizes;
  for (let i = 0; i < 50; i += 1) {
    sizes = await frame.evaluate(() => ({ viewport: window.innerHeight, content: document.documentElement.scrollHeight }));
    const box = await element.evaluate((f) => f.clientHeight);
    sizes.element = box;
    if (Math.abs(sizes.content - box) <= 1 && sizes.content <= sizes.viewport) return sizes;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return sizes;
}

test('Custom UI frames size to their content: issue panel and admin page, no inner scrollbar', async () => {
  await page.locator('#tabs button[data-view=queue]').click();
  await page.getByTestId('queue').getByText('Transfer: Patti Fernandez').click();
  await page.getByTestId('request-title').getByText('Patti Fernandez').waitFor();
  const panel = page.getByTestId('request-side').locator('iframe.custom-ui');
  const panelSizes = await frameSizes(panel);
  assert.ok(Math.abs(panelSizes.content - panelSizes.element) <= 1, `panel ${JSON.stringify(panelSizes)}`);
  assert.ok(panelSizes.content <= panelSizes.viewport, `no scrollbar in the panel ${JSON.stringify(panelSizes)}`);

  await page.locator('#tabs button[data-view=admin]').click();
  const admin = page.locator('iframe.custom-ui[data-testid="custom-ui-entra-admin-page"]');
  const first = await frameSizes(admin);
  assert.ok(first.element > 320, `the admin page is no 320-pixel window: ${JSON.stringify(first)}`);
  assert.ok(Math.abs(first.content - first.element) <= 1, `admin ${JSON.stringify(first)}`);
  // Another tab, another height: the frame follows.
  const frame = await (await admin.elementHandle()).contentFrame();
  await frame.getByRole('tab', { name: 'Service API', exact: true }).click();
  await frame.getByRole('tabpanel').getByRole('heading').first().waitFor();
  const second = await frameSizes(admin);
  assert.ok(Math.abs(second.content - second.element) <= 1, `admin after a tab change ${JSON.stringify(second)}`);
  await shot('admin-frame');
});

test('the sandbox page and its frames pass axe-core (no serious or critical violations) in light and dark', async () => {
  const problems = [];
  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    await page.reload();
    await page.getByTestId('tenant-users').getByText('adele.vance@contoso.example').waitFor();
    await page.getByTestId('queue').getByText('Transfer: Patti Fernandez').click();
    await page.getByTestId('request-title').getByText('Patti Fernandez').waitFor();
    await frameSizes(page.getByTestId('request-side').locator('iframe.custom-ui'));
    problems.push(...(await seriousViolations(page, { exclude: ['iframe'] })).map((v) => `${theme} request view: ${v}`));
    const panelFrame = await (await page.getByTestId('request-side').locator('iframe.custom-ui').elementHandle()).contentFrame();
    assert.equal(await panelFrame.evaluate(() => document.documentElement.getAttribute('data-color-mode')), theme);
    problems.push(...(await seriousViolations(panelFrame)).map((v) => `${theme} issue panel: ${v}`));
    await shot(`request-${theme}`);
    await page.locator('#tabs button[data-view=portal]').click();
    problems.push(...(await seriousViolations(page, { exclude: ['iframe'] })).map((v) => `${theme} portal: ${v}`));
    await page.locator('#tabs button[data-view=admin]').click();
    await frameSizes(page.locator('iframe.custom-ui[data-testid="custom-ui-entra-admin-page"]'));
    problems.push(...(await seriousViolations(page, { exclude: ['iframe'] })).map((v) => `${theme} app admin: ${v}`));
    await shot(`admin-${theme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(problems, []);
  assert.deepEqual(page.errors, []);
});
