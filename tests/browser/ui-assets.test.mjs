// The Assets import's pages in headless Chromium against the real
// resolvers, with a fake Assets site behind the fake Jira: the
// configuration view Assets opens ("Configure App"), the admin page's
// "Assets import" tab, and the issue panel's link to the person's Assets
// object; axe-core in light and dark. Skipped, loudly, while manifest.yml
// has no Assets import module (tests/node/support/assets.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUi, ADMIN, AGENT } from './support/ui-harness.mjs';
import { seriousViolations } from './support/axe.mjs';
import { FakeAssets } from '../../sandbox/runtime/fake-assets.mjs';
import { assetsSkip, WORKSPACE_ID, IMPORT_ID, SCHEMA_ID } from '../node/support/assets.mjs';

const skip = assetsSkip('tests/browser/ui-assets.test.mjs');
const EXTENSION = { workspaceId: WORKSPACE_ID, importId: IMPORT_ID, schemaId: SCHEMA_ID, type: 'jiraServiceManagement:assetsImportType' };
let ui, assets;

before(async () => {
  if (skip) return;
  ui = await startUi();
  assets = new FakeAssets({ workspaceId: WORKSPACE_ID, appModuleKey: 'entra-assets-import' });
  assets.addImportSource({ importId: IMPORT_ID, schemaId: SCHEMA_ID });
  // FakeJira serves /jsm/assets/... from its `assets` (sandbox/runtime/fake-jira.mjs).
  ui.jira.assets = assets;
  ui.jira.addIssue('ITSM-21', { reporter: { accountId: 'acc-adele', displayName: 'Adele Vance', emailAddress: 'adele.vance@contoso.example' } });
});
after(async () => { await ui?.stop(); });

test('the configuration view saves the schema and mapping to Assets, in light and dark, without serious axe violations', { skip }, async () => {
  for (const theme of ['light', 'dark']) {
    const tab = await ui.open('assets-import', { accountId: ADMIN, extension: EXTENSION, theme, width: 720 });
    const form = tab.getByRole('form', { name: 'Import configuration' });
    await form.waitFor({ timeout: 30_000 });
    assert.match(await tab.locator('#app').innerText(), /Missing objects[\s\S]*Entra Status/);
    assert.deepEqual(await seriousViolations(tab), [], `${theme}: serious axe violations`);
    if (theme === 'light') {
      await tab.getByLabel('Every hour').check();
      await tab.getByLabel('Include guest accounts').uncheck();
      await tab.getByRole('button', { name: 'Save configuration' }).click();
      await tab.getByRole('status').filter({ hasText: 'Saved' }).waitFor({ timeout: 30_000 });
      assert.ok(assets.sources.get(IMPORT_ID).mapping, 'the mapping reached Assets');
      const saved = await ui.invoke(ADMIN, 'assets.config.get', { workspaceId: WORKSPACE_ID, importId: IMPORT_ID, schemaId: SCHEMA_ID });
      assert.equal(saved.value.config.schedule, 'hourly');
      assert.equal(saved.value.config.includeGuests, false);
    }
    await ui.screenshot(tab, `assets-import-${theme}`);
    assert.deepEqual(tab.problems, []);
    await tab.context().close();
  }
});

test('the admin page\'s Assets import tab lists the import and starts a run, in light and dark', { skip }, async () => {
  for (const theme of ['light', 'dark']) {
    const tab = await ui.open('admin', { accountId: ADMIN, width: 1100, theme });
    await tab.getByRole('tab', { name: 'Assets import', exact: true }).click();
    const card = tab.locator(`[data-import="${IMPORT_ID}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /Every hour/);
    assert.deepEqual(await seriousViolations(tab), [], `${theme}: serious axe violations`);
    if (theme === 'light') {
      await card.getByRole('button', { name: 'Run now' }).click();
      await tab.getByRole('status').filter({ hasText: /Run now: started|already running/ }).waitFor({ timeout: 30_000 });
      assert.equal(assets.executions().length, 1, 'Run now created the execution in Assets');
    }
    await ui.screenshot(tab, `admin-assets-${theme}`);
    assert.deepEqual(tab.problems, []);
    await tab.context().close();
  }
});

test('the issue panel links the reporter\'s Entra User object in Assets', { skip }, async () => {
  // Adele's object, as a finished import leaves it (the fake site's API, as Assets would have it).
  const adele = (await ui.emulator.tenant()).users.find((u) => u.userPrincipalName === 'adele.vance@contoso.example');
  for (const execution of assets.executions()) if (execution.status === 'INGESTING') assets.sources.get(IMPORT_ID).executions.find((e) => e.id === execution.id).status = 'CANCELLED';
  const base = `/jsm/assets/workspace/${WORKSPACE_ID}/v1/importsource/${IMPORT_ID}`;
  const started = JSON.parse((await assets.handle({ method: 'POST', path: `${base}/executions` })).body);
  const exec = started.links.submitResults.match(/executions\/([^/]+)\/data$/)[1];
  await assets.handle({ method: 'POST', path: `${base}/executions/${exec}/data`, body: JSON.stringify({ data: { users: [{ id: adele.id, displayName: 'Adele Vance' }] }, completed: true }) });
  assets.settle();
  const [object] = assets.objects()['Entra User'];
  for (const theme of ['light', 'dark']) {
    const tab = await ui.open('issue-panel', { accountId: AGENT, extension: { issue: { key: 'ITSM-21' } }, theme });
    const link = tab.getByRole('link', { name: 'Adele Vance' });
    await link.waitFor({ timeout: 30_000 });
    assert.match(await link.getAttribute('href'), /objectId=\d+/);
    assert.match(await tab.locator('.assets-object').innerText(), new RegExp(object.objectKey));
    assert.deepEqual(await seriousViolations(tab), [], `${theme}: serious axe violations`);
    await tab.context().close();
  }
});
