// Starts the whole local sandbox: the Entra emulator child process, the
// bundled app under the local Forge runtime with persistent storage and a
// fake JSM site, its configuration through the admin resolvers, and the HTTP
// server. Returns what was started and one `stop()` that ends all of it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from './emulator-process.mjs';
import { ForgeApp } from './forge-app.mjs';
import { FakeJsm } from './fake-jsm.mjs';
import { FakeJira } from './runtime/fake-jira.mjs';
import { KeyValueStore } from './runtime/kvs-store.mjs';
import { configureApp, configureAssets } from './configure.mjs';
import { FakeAssets } from './runtime/fake-assets.mjs';
import { loadTenantSeed, DEMO_SEED } from './tenant-seed.mjs';
import { Site } from './site.mjs';
import { startServer, SERVICE_API_PATH } from './server.mjs';
import { SANDBOX_ADMIN, sampleRequests } from './sample-data.mjs';

/**
 * The site's Assets workspace and its one import source of the app's import
 * type. Fixed ids: the app's configuration for the import (kept in its
 * storage) still matches it after a restart.
 */
export const SANDBOX_ASSETS = Object.freeze({ workspaceId: 'a55e7500-0000-4000-8000-000000000001', importId: 'a55e7500-0000-4000-8000-0000000000a1', schemaId: '1', name: 'Entra ID users and groups' });

/** The app's Forge storage (KVS, secrets, Custom Entity Store) inside the data folder: a SQLite database. */
export const STORAGE_FILE = 'forge-storage.sqlite';

/**
 * @param {object} options
 * @param {string} options.root the project folder (manifest.yml, build/, target/)
 * @param {string} options.dataDir where app storage, requests and the service key persist
 * @param {number} options.port 0: a free port
 * @param {(line: string) => void} [options.log]
 * @param {string} [options.seed] an emulator seed file instead of the demo tenant
 */
export async function startSandbox({ root, dataDir, port, host = '127.0.0.1', log = () => {}, seed }) {
  // Read and checked before anything starts: a bad file fails naming itself.
  const tenant = loadTenantSeed(seed ?? DEMO_SEED);
  mkdirSync(dataDir, { recursive: true });
  // App storage in SQLite; a kvs.json from the earlier JSON-file store is
  // imported once on the first start, so a sandbox user keeps their data.
  const store = new KeyValueStore({ file: path.join(dataDir, STORAGE_FILE), importJson: path.join(dataDir, 'kvs.json') });
  const jsm = new FakeJsm({ file: path.join(dataDir, 'jsm.json') });
  // The Assets workspace lives in memory: its objects start again on every start.
  const assets = new FakeAssets({ workspaceId: SANDBOX_ASSETS.workspaceId, appModuleKey: 'entra-assets-import' });
  assets.addImportSource({ importId: SANDBOX_ASSETS.importId, schemaId: SANDBOX_ASSETS.schemaId, name: SANDBOX_ASSETS.name });
  const jira = new FakeJira({ jsm, assets });
  const emulator = await startEmulator({ binary: path.join(root, 'target', 'release', 'entra-emulator'), seed }).catch((error) => {
    throw seed ? new Error(`The Entra emulator refused the tenant seed ${seed}: ${error.message}`) : error;
  });
  let server;
  try {
    const app = new ForgeApp({ bundleDir: path.join(root, 'build', 'forge'), manifestFile: path.join(root, 'manifest.yml'), store, jira, log });
    const { steps, serviceKey } = await configureApp({ app, admin: SANDBOX_ADMIN, emulator, jsm, dataDir, tenant });
    steps.push(await configureAssets({ app, admin: SANDBOX_ADMIN, assets, importId: SANDBOX_ASSETS.importId }));
    const endpoints = { serviceKey };
    const notes = persistenceNotes({ dataDir, restored: jsm.restored, seed });
    const site = new Site({ app, jsm, emulator, endpoints, setup: steps, notes, assets, assetsImportId: SANDBOX_ASSETS.importId });
    // A new site demos itself: the samples go through the app's own triggers.
    if (!jsm.restored) steps.push(await site.raiseSamples(sampleRequests()));
    server = await startServer({ site, port, host, log });
    // The app asks Forge for its web trigger URL; here it is the sandbox's.
    app.runtime.webTriggerUrls['service-api'] = `${server.url}${SERVICE_API_PATH}`;
    Object.assign(endpoints, {
      ui: server.url,
      serviceApi: `${server.url}${SERVICE_API_PATH}`,
      serviceKey,
      graph: `${emulator.url}/v1.0`,
      emulatorControl: `${emulator.url}/_emulator`,
      pid: process.pid,
      emulatorPid: emulator.pid,
    });
    const endpointsFile = path.join(dataDir, 'endpoints.json');
    writeFileSync(endpointsFile, `${JSON.stringify(endpoints, null, 1)}\n`, { mode: 0o600 });
    let stopping;
    const stop = () => (stopping ??= Promise.all([server.close(), emulator.stop()]).then(() => store.close()));
    return { endpoints, endpointsFile, steps, notes, emulator, app, stop };
  } catch (error) {
    await server?.close();
    await emulator.stop();
    store.close();
    throw error;
  }
}

function persistenceNotes({ dataDir, restored, seed }) {
  return [
    ...(seed ? [`Entra tenant from the tenant seed ${seed} (SANDBOX_TENANT_SEED); the sample requests name demo-tenant people.`] : []),
    restored ? `Reusing the data in ${dataDir}.` : `New data folder ${dataDir}.`,
    `Kept across restarts: app storage and secrets in the SQLite database ${path.join(dataDir, STORAGE_FILE)}, the JSM requests (jsm.json), the service key (service-key.json).`,
    'Not kept: the Entra tenant lives in the emulator\'s memory and starts again from the demo tenant on every start; so do the Assets workspace\'s objects. Delete the data folder (or run with --reset) for a clean site.',
  ];
}
