// The Custom UI pages, built, in headless Chromium, against the real
// resolvers (bundled app + Entra emulator). See support/ui-harness.mjs.
// Screenshots of each page in light and dark go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUi, ADMIN, AGENT, CUSTOMER } from './support/ui-harness.mjs';

let ui;
const reporter = (upn, name) => ({ accountId: `acc-${upn}`, displayName: name, emailAddress: upn });
const onIssue = (key) => ({ issue: { key } });

before(async () => {
  ui = await startUi();
  ui.jira.addIssue('ITSM-1', { reporter: reporter('adele.vance@contoso.example', 'Adele Vance') });
  ui.jira.addIssue('ITSM-2', { reporter: reporter('ben.walters@contoso.example', 'Ben Walters') });
  ui.jira.addIssue('ITSM-3', { reporter: reporter('nobody.here@contoso.example', 'Nobody Here') });
  ui.jira.addIssue('ITSM-4', { reporter: reporter('grace.liu@contoso.example', 'Grace Liu') });
  ui.jira.addIssue('ITSM-5', { reporter: reporter('megan.bowen@contoso.example', 'Megan Bowen') });
  ui.jira.addIssue('ITSM-6', { reporter: reporter('lee.gu@contoso.example', 'Lee Gu') });
  ui.jira.addIssue('ITSM-7', { reporter: reporter('diego.siciliani@contoso.example', 'Diego Siciliani'), customers: [CUSTOMER] });
});
after(async () => { await ui?.stop(); });

async function panelFor(key, options = {}) {
  const tab = await ui.open('issue-panel', { accountId: AGENT, extension: onIssue(key), ...options });
  await tab.locator('.account-head, .message.error, .empty').first().waitFor({ timeout: 30_000 });
  return tab;
}

test('the panel shows the reporter\'s Entra account, in light and dark', async () => {
  for (const theme of ['light', 'dark']) {
    const tab = await panelFor('ITSM-1', { theme });
    const text = await tab.locator('#app').innerText();
    assert.match(text, /Adele Vance/);
    assert.match(text, /adele\.vance@contoso\.example/);
    assert.match(text, /ENABLED/i);
    assert.match(text, /Sales/);
    assert.match(text, /Manager\s+Alex Wilber/);
    assert.equal(await tab.getAttribute('html', 'data-color-mode'), theme);
    await ui.screenshot(tab, `issue-panel-${theme}`);
    assert.deepEqual(tab.problems, []);
    await tab.context().close();
  }
});

test('a disabled account says so and offers Enable, not Disable', async () => {
  const tab = await panelFor('ITSM-2');
  assert.match(await tab.locator('.badges').innerText(), /DISABLED/i);
  assert.equal(await tab.locator('[data-action="enable"]').count(), 1);
  assert.equal(await tab.locator('[data-action="disable"]').count(), 0);
  await tab.context().close();
});

test('an unknown reporter gets a designed empty state', async () => {
  const tab = await panelFor('ITSM-3');
  const text = await tab.locator('#app').innerText();
  assert.match(text, /No Entra account found/);
  assert.match(text, /nobody\.here@contoso\.example/);
  await tab.context().close();
});

test('an Entra outage shows what is wrong and a retry', async () => {
  await ui.emulator.setFaults({ unavailable: { count: 100 } });
  try {
    const tab = await panelFor('ITSM-4');
    const alert = tab.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Entra ID/);
    assert.equal(await alert.getByRole('button', { name: 'Try again' }).count(), 1);
    await ui.screenshot(tab, 'issue-panel-outage');
    await tab.context().close();
  } finally {
    await ui.emulator.setFaults({});
  }
});

test('a protected user carries the Protected badge', async () => {
  const tenant = await ui.emulator.tenant();
  const megan = tenant.users.find((u) => u.userPrincipalName === 'megan.bowen@contoso.example');
  const current = (await ui.invoke(ADMIN, 'config.get')).value.config;
  const saved = await ui.invoke(ADMIN, 'config.save', { config: { ...current, policy: { ...(current.policy ?? {}), protectedUsers: [megan.id] } } });
  assert.equal(saved.ok, true, JSON.stringify(saved.error));
  const tab = await panelFor('ITSM-5');
  assert.match(await tab.locator('.badges').innerText(), /PROTECTED/i);
  await tab.context().close();
});

test('disable shows the plan first, then runs it once confirmed', async () => {
  const tab = await panelFor('ITSM-6');
  await tab.locator('[data-action="disable"]').click();
  const dialog = tab.getByRole('dialog');
  await dialog.getByRole('list', { name: 'Planned changes' }).waitFor();
  assert.match(await dialog.innerText(), /PATCH/);
  let lee = (await ui.emulator.tenant()).users.find((u) => u.userPrincipalName === 'lee.gu@contoso.example');
  assert.equal(lee.accountEnabled, true, 'the dry run changed nothing');
  await dialog.getByRole('button', { name: 'Disable' }).click();
  await dialog.getByRole('button', { name: 'Close' }).waitFor();
  assert.match(await dialog.innerText(), /Done/);
  lee = (await ui.emulator.tenant()).users.find((u) => u.userPrincipalName === 'lee.gu@contoso.example');
  assert.equal(lee.accountEnabled, false);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await tab.locator('[data-action="enable"]').waitFor();
  await tab.context().close();
});

test('Tab reaches every action of the panel, in order', async () => {
  const tab = await panelFor('ITSM-1');
  // Number every visible control in document order, then Tab through.
  const count = await tab.locator('button:visible, select:visible').evaluateAll((els) => {
    els.forEach((el, i) => { el.dataset.order = String(i); });
    return els.length;
  });
  assert.ok(count >= 5, `the panel has its actions (${count} controls)`);
  const reached = [];
  for (let i = 0; i < count; i += 1) {
    await tab.keyboard.press('Tab');
    reached.push(await tab.evaluate(() => Number(document.activeElement?.dataset?.order ?? -1)));
  }
  assert.deepEqual(reached, [...Array(count).keys()]);
  await tab.context().close();
});

test('an agent without edit permission sees no actions', async () => {
  const tab = await panelFor('ITSM-1', { accountId: ADMIN });
  assert.equal(await tab.locator('[data-action]').count(), 0);
  assert.match(await tab.locator('#app').innerText(), /Only agents who can edit this request/);
  await tab.context().close();
});

test('the portal panel shows its customer a designed empty state, in light and dark', async () => {
  for (const theme of ['light', 'dark']) {
    const tab = await ui.open('portal-panel', { accountId: CUSTOMER, extension: { request: { key: 'ITSM-7' } }, theme, width: 600 });
    await tab.locator('.empty, .message').first().waitFor();
    assert.match(await tab.locator('#app').innerText(), /Nothing to show yet/);
    await ui.screenshot(tab, `portal-panel-${theme}`);
    await tab.context().close();
  }
});

test('admin saves the connection, and rejects an invalid tenant with a message at the field', async () => {
  const tab = await ui.open('admin', { accountId: ADMIN, width: 1100 });
  await tab.locator('#tenantId').waitFor();
  const goodTenant = await tab.inputValue('#tenantId');
  await tab.fill('#tenantId', 'common');
  await tab.getByRole('button', { name: 'Save' }).click();
  const error = tab.locator('#tenantId-error');
  await tab.waitForFunction(() => document.getElementById('tenantId-error').textContent.length > 0);
  assert.match(await error.innerText(), /tenant|common/i);
  assert.equal(await tab.getAttribute('#tenantId', 'aria-invalid'), 'true');
  const stored = (await ui.invoke(ADMIN, 'config.get')).value.config.connection.tenantId;
  assert.equal(stored, goodTenant, 'the invalid value was not stored');

  await tab.fill('#tenantId', goodTenant);
  await tab.getByRole('button', { name: 'Save' }).click();
  await tab.getByText('Saved.').waitFor();
  await tab.getByRole('button', { name: 'Test connection' }).click();
  await tab.getByText('Connected', { exact: true }).waitFor();
  await tab.context().close();
});

test('admin tabs render in light and dark (screenshots), and arrow keys move between tabs', async () => {
  for (const theme of ['light', 'dark']) {
    const tab = await ui.open('admin', { accountId: ADMIN, theme, width: 1100 });
    await tab.locator('#tenantId').waitFor();
    await ui.screenshot(tab, `admin-connection-${theme}`);
    await tab.getByRole('tab', { name: 'Permissions' }).click();
    await tab.locator('table').waitFor();
    assert.match(await tab.locator('#panel').innerText(), /User\.Read\.All/);
    await ui.screenshot(tab, `admin-permissions-${theme}`);
    await tab.getByRole('tab', { name: 'Groups & policy' }).click();
    await tab.fill('#group-search', 'Sales');
    await tab.keyboard.press('Enter');
    await tab.locator('#panel table').waitFor();
    assert.match(await tab.locator('#panel').innerText(), /Mail-enabled|Can be serviceable/i);
    await ui.screenshot(tab, `admin-groups-${theme}`);
    await tab.context().close();
  }
  const tab = await ui.open('admin', { accountId: ADMIN, width: 1100 });
  await tab.locator('#tenantId').waitFor();
  await tab.getByRole('tab', { name: 'Connection' }).focus();
  await tab.keyboard.press('ArrowRight');
  assert.equal(await tab.evaluate(() => document.activeElement.textContent), 'Permissions');
  assert.equal(await tab.getAttribute('#tab-permissions', 'aria-selected'), 'true');
  await tab.context().close();
});

test('a non-administrator gets a refusal on the admin page', async () => {
  const tab = await ui.open('admin', { accountId: AGENT });
  const alert = tab.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /administrator/i);
  await tab.context().close();
});
