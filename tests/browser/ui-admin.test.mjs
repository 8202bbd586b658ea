// The admin page's audit log, policy and request type editors, and the
// one-time reveal box, in headless Chromium against the real resolvers.
// Screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startUi, ADMIN, AGENT } from './support/ui-harness.mjs';

let ui;
const reporter = (upn, name) => ({ accountId: `acc-${upn}`, displayName: name, emailAddress: upn });

before(async () => {
  ui = await startUi();
  ui.jira.addIssue('ITSM-11', { reporter: reporter('grace.liu@contoso.example', 'Grace Liu') });
  ui.jira.addIssue('ITSM-12', { reporter: reporter('lee.gu@contoso.example', 'Lee Gu') });
});
after(async () => { await ui?.stop(); });

async function adminTab(name, theme = 'light') {
  const tab = await ui.open('admin', { accountId: ADMIN, width: 1100, theme });
  await tab.getByRole('tab', { name, exact: true }).click();
  return tab;
}

test('an action taken on a request appears in the audit log, opens, and exports as CSV', async () => {
  const done = await ui.invoke(AGENT, 'panel.action', { action: 'disable', dryRun: false }, { issue: { key: 'ITSM-11' } });
  assert.equal(done.ok, true, JSON.stringify(done.error));
  for (const theme of ['light', 'dark']) {
    const tab = await adminTab('Audit log', theme);
    const row = tab.locator('tr.clickable', { hasText: 'ITSM-11' });
    await row.first().waitFor({ timeout: 30_000 });
    assert.match(await row.first().innerText(), /user\.disable[\s\S]*grace\.liu@contoso\.example[\s\S]*Succeeded/i);
    await row.first().focus();
    await tab.keyboard.press('Enter');
    const detail = tab.locator('.audit-detail');
    await detail.waitFor();
    assert.match(await detail.innerText(), /Planned changes|PATCH/);
    await ui.screenshot(tab, `admin-audit-${theme}`);
    assert.deepEqual(tab.problems, []);
    if (theme === 'light') {
      await tab.fill('#audit-issue', 'ITSM-11');
      const [download] = await Promise.all([tab.waitForEvent('download'), tab.getByRole('button', { name: 'Export CSV' }).click()]);
      assert.match(download.suggestedFilename(), /^entra-connect-audit-.*\.csv$/);
      const csv = readFileSync(await download.path(), 'utf8');
      const lines = csv.trim().split('\r\n');
      assert.match(lines[0], /^time,operation,outcome,/);
      assert.ok(lines.slice(1).some((l) => l.includes('user.disable') && l.includes('ITSM-11')), csv);
      // Filters that match nothing get a designed empty state.
      await tab.selectOption('#audit-outcome', 'approvalDeclined');
      await tab.getByRole('button', { name: 'Search' }).click();
      await tab.getByText('No records match').waitFor();
    }
    await tab.context().close();
  }
});

test('the policy tab saves approvals with controls and puts a refused value beside its field', async () => {
  for (const theme of ['light', 'dark']) {
    const tab = await adminTab('Policy', theme);
    await tab.locator('#approvals-user').waitFor();
    await ui.screenshot(tab, `admin-policy-${theme}`);
    await tab.context().close();
  }
  const tab = await adminTab('Policy');
  await tab.check('#approvals-user-resetPassword');
  await tab.check('#self-service-mobilePhone');
  await tab.getByRole('button', { name: 'Save policy' }).click();
  await tab.getByText('Policy saved.').waitFor();
  const policy = (await ui.invoke(ADMIN, 'config.get')).value.config.policy;
  assert.equal(policy.approvals.user.resetPassword, true);
  assert.deepEqual(policy.selfServiceAttributes, ['mobilePhone']);
  await tab.fill('#secretLifetimeHours', '1000');
  await tab.getByRole('button', { name: 'Save policy' }).click();
  await tab.waitForFunction(() => document.getElementById('secretLifetimeHours-error').textContent.length > 0);
  assert.equal(await tab.getAttribute('#secretLifetimeHours', 'aria-invalid'), 'true');
  assert.equal((await ui.invoke(ADMIN, 'config.get')).value.config.policy.secretLifetimeHours, policy.secretLifetimeHours);
  // Undo the approval so later tests' actions run at once.
  await ui.invoke(ADMIN, 'config.save', { config: { ...(await ui.invoke(ADMIN, 'config.get')).value.config, policy } }).then(() => {});
  const reverted = (await ui.invoke(ADMIN, 'config.get')).value.config;
  await ui.invoke(ADMIN, 'config.save', { config: { ...reverted, policy: { ...reverted.policy, approvals: { ...reverted.policy.approvals, user: { ...reverted.policy.approvals.user, resetPassword: false } } } } });
  await tab.context().close();
});

test('request types are added with inputs per operation, and a bad id is named at its field', async () => {
  // Without Jira's catalogue the page falls back to typed ids and says why.
  ui.jira.catalogUnavailable = true;
  const tab = await adminTab('Request types');
  await tab.getByText('could not be read').waitFor();
  await tab.getByRole('button', { name: 'Add a request type' }).click();
  const card = tab.locator('section.mapping').last();
  await card.locator('select').first().selectOption('user.update');
  await card.getByRole('button', { name: 'Add an input' }).click();
  const inputs = await card.locator('select[aria-label="Operation input"]').last().locator('option').allInnerTexts();
  assert.ok(inputs.some((t) => t.startsWith('changes.department')), inputs.join());
  await card.locator('select[aria-label="Operation input"]').last().selectOption('changes.department');
  await card.locator('input[aria-label^="Jira field for"]').last().fill('customfield_10100');
  await card.locator('input').first().fill('abc');
  await tab.getByRole('button', { name: 'Save request types' }).click();
  const error = card.locator('.field[data-invalid]');
  await error.waitFor();
  assert.match(await error.innerText(), /numeric id/);
  await card.locator('input').first().fill('42');
  await card.locator('input').nth(1).fill('Update my department');
  await tab.getByRole('button', { name: 'Save request types' }).click();
  await tab.getByText('Request types saved.').waitFor();
  await ui.screenshot(tab, 'admin-request-types-light');
  const saved = (await ui.invoke(ADMIN, 'config.get')).value.config.requestTypes.find((m) => m.requestTypeId === '42');
  assert.equal(saved.route, 'user.update');
  assert.equal(saved.fields['changes.department'], 'customfield_10100');
  await tab.context().close();
  ui.jira.catalogUnavailable = false;
});

test('the Service API tab links the OpenAPI document', async () => {
  const tab = await adminTab('Service API');
  const link = tab.getByRole('link', { name: 'Download the OpenAPI description' });
  const response = await tab.request.get(new URL(await link.getAttribute('href'), tab.url()).href);
  assert.equal(response.status(), 200);
  assert.match((await response.json()).openapi, /^3\./);
  assert.equal(await tab.getByRole('button', { name: 'Issue a new signing secret' }).count(), 1);
  await tab.context().close();
});

test('a generated password is revealed once to its recipient, then it is gone', async () => {
  const tab = await ui.open('issue-panel', { accountId: AGENT, extension: { issue: { key: 'ITSM-12' } } });
  await tab.locator('[data-action="resetPassword"]').click();
  const dialog = tab.getByRole('dialog');
  await dialog.getByRole('list', { name: 'Planned changes' }).waitFor({ timeout: 30_000 });
  const answered = tab.waitForResponse(async (r) => r.url().endsWith('/__invoke') && /"dryRun":false/.test(r.request().postData() ?? ''));
  await dialog.getByRole('button', { name: 'Reset password' }).click();
  const body = await (await answered).json();
  const credentialId = JSON.stringify(body).match(/"credentialId":"([^"]+)"/)?.[1];
  assert.ok(credentialId, JSON.stringify(body));
  await dialog.getByRole('button', { name: 'Reveal once' }).click();
  const secret = dialog.getByLabel('Credential');
  await secret.waitFor();
  const shown = await secret.innerText();
  assert.ok(shown.length >= 8);
  assert.ok(!JSON.stringify(body).includes(shown), 'the action answered with a reference, never the secret');
  await ui.screenshot(tab, 'issue-panel-reveal-light');
  const again = await ui.invoke(AGENT, 'secret.reveal', { credentialId });
  assert.equal(again.ok, false);
  assert.equal(again.error.code, 'gone');
  await tab.context().close();
});
