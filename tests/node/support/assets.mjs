// The Assets import under test: the bundled app with a fake Assets site
// (sandbox/runtime/fake-assets.mjs) behind its fake Jira, connected to the
// Entra emulator, and the guard that skips these tests while the app has
// no Assets import module.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ForgeRuntime } from '../../../sandbox/runtime/forge-runtime.mjs';
import { FakeJira } from '../../../sandbox/runtime/fake-jira.mjs';
import { FakeAssets } from '../../../sandbox/runtime/fake-assets.mjs';
import { ROOT, BUNDLE_DIR, ADMIN } from './app.mjs';
import { connectApp } from './emulator.mjs';

const manifest = YAML.parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8'));

/** The module the Assets import tests need (contract: key entra-assets-import). */
export const ASSETS_MODULE_PRESENT = (manifest.modules?.['jiraServiceManagement:assetsImportType'] ?? []).some((m) => m.key === 'entra-assets-import');

/**
 * `skip` for the Assets import tests: false when the module is declared,
 * otherwise the reason, printed loudly once per file.
 */
export function assetsSkip(file) {
  if (ASSETS_MODULE_PRESENT) return false;
  const reason = 'NOT RUN: manifest.yml declares no jiraServiceManagement:assetsImportType module "entra-assets-import" (the Assets import module, functions fn-assets-*, queue assets-import); these tests run once it is there';
  console.warn(`\n!!! ${file}: ${reason}\n`);
  return reason;
}

export const WORKSPACE_ID = '514fd9bb-dedc-4512-b251-d72f56a09dc5';
export const IMPORT_ID = '176494de-845d-449e-83ae-532c6ed97524';
export const SCHEMA_ID = '75';

/** The bundled app, a fake Assets site with one import source, a fake Jira serving both, connected to `emulator`. */
export async function loadAssetsApp(emulator, { now } = {}) {
  if (!existsSync(path.join(BUNDLE_DIR, 'index.cjs'))) throw new Error(`No bundle at ${BUNDLE_DIR}: run 'npm run build' first`);
  process.chdir(mkdtempSync(path.join(tmpdir(), 'entra-connect-assets-')));
  const assets = new FakeAssets({ workspaceId: WORKSPACE_ID, appModuleKey: 'entra-assets-import' });
  assets.addImportSource({ importId: IMPORT_ID, schemaId: SCHEMA_ID, name: 'Entra ID users and groups' });
  const jira = new FakeJira({ admins: [ADMIN], assets });
  const runtime = new ForgeRuntime({ jira: jira.handle, ...(now ? { now } : {}) }).install();
  const app = ForgeRuntime.loadBundle(BUNDLE_DIR, 'index');
  const invoke = (accountId, functionKey, payload = {}, moduleKey = 'entra-assets-import') =>
    jira.as(accountId, () => runtime.invoke({ kind: 'resolver' }, () =>
      app.resolver({ call: { functionKey, payload }, context: { moduleKey, accountId, extension: { workspaceId: WORKSPACE_ID, importId: IMPORT_ID, schemaId: SCHEMA_ID } } }, { principal: { accountId } })));
  await connectApp({ invoke }, emulator, ADMIN);
  return { app, runtime, jira, assets, invoke };
}

/** Saves the import's configuration as the Assets admin does in the configuration view. */
export async function saveAssetsConfig({ invoke }, config = {}) {
  const answer = await invoke(ADMIN, 'assets.config.save', {
    workspaceId: WORKSPACE_ID, importId: IMPORT_ID, schemaId: SCHEMA_ID,
    config: { mode: 'full', schedule: 'off', dailyHourUtc: 2, includeGuests: true, includeDisabled: true, ...config },
  });
  if (!answer.ok) throw new Error(`assets.config.save failed: ${JSON.stringify(answer.error)}`);
  return answer.value;
}

/** A Graph call on the emulator as the app registration (to change Entra between imports). */
export async function graph(emulator, method, pathAndQuery, body) {
  const token = await fetch(`${emulator.url}/${emulator.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emulator.clientId, client_secret: emulator.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  }).then((r) => r.json());
  const res = await fetch(`${emulator.url}/v1.0${pathAndQuery}`, {
    method,
    headers: { authorization: `Bearer ${token.access_token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}
