// Browser test harness for the Custom UI pages.
//
// Design: the BUILT pages (build/static/<page>/, byte for byte what the
// manifest ships) are served by a tiny HTTP server. Their bundled
// @forge/bridge talks to `window.__bridge.callBridge`, which the Custom UI
// host normally provides; the test defines it before the page loads
// (Playwright init script) and forwards `invoke` to `POST /__invoke`. The
// server runs the REAL resolver: the bundled app (build/forge/index.cjs)
// under the local Forge runtime, connected to the Entra emulator binary,
// with a fake Jira. The Forge context (who is looking, which issue) is set
// by the test on the server, never by the page, as in Forge.
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ForgeRuntime } from '../../../sandbox/runtime/forge-runtime.mjs';
import { ROOT, BUNDLE_DIR } from '../../node/support/app.mjs';
import { startEmulator, connectApp } from '../../node/support/emulator.mjs';
import { UiFakeJira, AGENT_GROUP } from './ui-jira.mjs';

export const ADMIN = '5b10ac8d82e05b22cc7d4ef5';
export const AGENT = '6c21bd9e93f16c33dd8e5f06';
export const CUSTOMER = '7d32ce0fa4027d44ee9f6017';
export const UI_DIR = path.join(ROOT, 'build', 'static');
export const RESULTS = path.join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

export async function startUi() {
  for (const needed of [path.join(BUNDLE_DIR, 'index.cjs'), path.join(UI_DIR, 'admin', 'index.html')]) {
    if (!existsSync(needed)) throw new Error(`${needed} is missing: run 'npm run build' first`);
  }
  process.chdir(mkdtempSync(path.join(tmpdir(), 'entra-connect-ui-')));
  const jira = new UiFakeJira({ admins: [ADMIN], agents: [AGENT] });
  // Queue pushes (bulk jobs) are kept for the test to consume when it chooses.
  const queued = [];
  new ForgeRuntime({ jira: jira.handle, onQueuePush: (push) => queued.push(push.body) }).install();
  const app = ForgeRuntime.loadBundle(BUNDLE_DIR, 'index');
  const viewer = { accountId: ADMIN, extension: {} };
  const invoke = (accountId, functionKey, payload = {}, extension = {}) =>
    jira.as(accountId, () => app.resolver({ call: { functionKey, payload }, context: { moduleKey: 'test', extension } }, { principal: { accountId } }));

  const emulator = await startEmulator();
  const serviceKey = await connectApp({ invoke }, emulator, ADMIN);
  // The policy lets members of the agents' Jira group act from the panel.
  const current = (await invoke(ADMIN, 'config.get')).value.config;
  const saved = await invoke(ADMIN, 'config.save', { config: { ...current, policy: { ...current.policy, agentJiraGroups: [AGENT_GROUP] } } });
  if (!saved.ok) throw new Error(`policy not saved: ${JSON.stringify(saved.error)}`);

  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/__invoke') {
        const body = JSON.parse(await text(req));
        const answer = await invoke(viewer.accountId, body.functionKey, body.payload ?? {}, viewer.extension);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
        return;
      }
      const file = path.join(UI_DIR, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, ''));
      const target = file.endsWith('/') ? path.join(file, 'index.html') : file;
      if (!target.startsWith(UI_DIR) || !existsSync(target)) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream' });
      res.end(readFileSync(target));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error?.stack ?? error));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });

  /** Opens a page as `accountId` on `extension` (Forge's context), in a theme. */
  async function open(page, { accountId = ADMIN, extension = {}, theme = 'light', width = 420 } = {}) {
    viewer.accountId = accountId;
    viewer.extension = extension;
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: theme });
    await context.addInitScript(installFakeBridge, { theme, extension });
    const tab = await context.newPage();
    const problems = [];
    tab.on('pageerror', (e) => problems.push(e.message));
    await tab.goto(`${base}/${page}/`);
    tab.problems = problems;
    return tab;
  }

  async function screenshot(tab, name) {
    mkdirSync(RESULTS, { recursive: true });
    await tab.screenshot({ path: path.join(RESULTS, `${name}.png`), fullPage: true });
  }

  async function stop() {
    await browser.close();
    server.close();
    emulator.stop();
  }

  return { base, jira, emulator, invoke, open, screenshot, stop, app, serviceKey, queued };
}

/** Runs in the page before its scripts: the Custom UI host's bridge. */
function installFakeBridge({ theme, extension }) {
  window.__bridge = {
    callBridge: async (name, args) => {
      if (name === 'invoke') {
        const response = await fetch('/__invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
        return response.json();
      }
      if (name === 'enableTheming') {
        document.documentElement.setAttribute('data-color-mode', theme);
        return undefined;
      }
      if (name === 'getContext') return { theme: { colorMode: theme }, extension };
      throw new Error(`the test bridge does not implement ${name}`);
    },
  };
}

function text(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
