// Loads the bundled deploy artifact (build/forge/index.cjs) under the local
// Forge runtime, from a working directory outside the project, as Forge would.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ForgeRuntime } from '../../../sandbox/runtime/forge-runtime.mjs';
import { FakeJira } from '../../../sandbox/runtime/fake-jira.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BUNDLE_DIR = process.env.FORGE_BUNDLE_DIR ?? path.join(ROOT, 'build', 'forge');
export const ADMIN = '5b10ac8d82e05b22cc7d4ef5';

export function loadApp({ admins = [ADMIN], jsm } = {}) {
  if (!existsSync(path.join(BUNDLE_DIR, 'index.cjs'))) {
    throw new Error(`No bundle at ${BUNDLE_DIR}: run 'npm run build' first`);
  }
  process.chdir(mkdtempSync(path.join(tmpdir(), 'entra-connect-test-')));
  const jira = new FakeJira({ admins, jsm });
  const runtime = new ForgeRuntime({ jira: jira.handle }).install();
  const app = ForgeRuntime.loadBundle(BUNDLE_DIR, 'index');
  const invoke = (accountId, functionKey, payload = {}) =>
    jira.as(accountId, () => runtime.invoke({ kind: 'resolver' }, () =>
      app.resolver({ call: { functionKey, payload }, context: { moduleKey: 'admin-page' } }, { principal: { accountId } })));
  return { app, runtime, jira, invoke };
}

export function webRequest({ method = 'POST', body, headers = {} }) {
  const forgeHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]]));
  return { method, path: '/', headers: forgeHeaders, queryParameters: {}, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

export function parse(response) {
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(response.body) };
}
