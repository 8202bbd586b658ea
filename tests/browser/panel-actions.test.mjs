// The issue panel's MFA reset quick action and the Guest badge, in headless
// Chromium against the real resolvers (bundled app + Entra emulator).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUi, AGENT } from './support/ui-harness.mjs';

let ui;
const reporter = (upn, name) => ({ accountId: `acc-${upn}`, displayName: name, emailAddress: upn });

before(async () => {
  ui = await startUi();
  ui.jira.addIssue('ITSM-21', { reporter: reporter('megan.bowen@contoso.example', 'Megan Bowen') });
  ui.jira.addIssue('ITSM-22', { reporter: reporter('avery.kim@northwind.example', 'Avery Kim') });
});
after(async () => { await ui?.stop(); });

async function panelFor(key) {
  const tab = await ui.open('issue-panel', { accountId: AGENT, extension: { issue: { key } } });
  await tab.locator('.account-head, .message.error, .empty').first().waitFor({ timeout: 30_000 });
  return tab;
}

test('Reset MFA shows the removals first, then removes them and reveals the pass once', async () => {
  const tab = await panelFor('ITSM-21');
  await tab.locator('[data-action="resetMfa"]').click();
  const dialog = tab.getByRole('dialog');
  await dialog.getByRole('list', { name: 'Planned changes' }).waitFor({ timeout: 30_000 });
  const plan = await dialog.innerText();
  assert.match(plan, /Remove the phone method of megan\.bowen@contoso\.example/);
  assert.match(plan, /Microsoft Authenticator/);
  assert.match(plan, /Temporary Access Pass/);
  const answered = tab.waitForResponse(async (r) => r.url().endsWith('/__invoke') && /"dryRun":false/.test(r.request().postData() ?? ''));
  await dialog.getByRole('button', { name: 'Reset MFA' }).click();
  const body = await (await answered).json();
  const credentialId = JSON.stringify(body).match(/"credentialId":"([^"]+)"/)?.[1];
  assert.ok(credentialId, JSON.stringify(body));
  await dialog.getByRole('button', { name: 'Reveal once' }).click();
  const secret = dialog.getByLabel('Credential');
  await secret.waitFor();
  assert.ok((await secret.innerText()).length >= 8);
  assert.ok(!JSON.stringify(body).includes(await secret.innerText()), 'the action answered with a reference, never the pass');
  await ui.screenshot(tab, 'issue-panel-reset-mfa-light');
  const dry = await ui.invoke(AGENT, 'panel.action', { action: 'resetMfa', dryRun: true }, { issue: { key: 'ITSM-21' } });
  assert.equal(dry.ok, true, JSON.stringify(dry));
  assert.ok(!JSON.stringify(dry.value).includes('authMethod.delete:phone'), 'no method is left to remove');
  assert.deepEqual(tab.problems, []);
  await tab.context().close();
});

test('a guest carries a Guest badge', async () => {
  const tab = await panelFor('ITSM-22');
  assert.match(await tab.locator('.badges').innerText(), /GUEST/i);
  await tab.context().close();
});
