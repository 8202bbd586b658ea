// Starts the Entra emulator binary on a free loopback port for a test file
// and stops it when the process exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ROOT } from './app.mjs';

export const EMULATOR_BIN = process.env.ENTRA_EMULATOR_BIN ?? path.join(ROOT, 'target', 'release', 'entra-emulator');

export async function startEmulator() {
  if (!existsSync(EMULATOR_BIN)) throw new Error(`No emulator at ${EMULATOR_BIN}: run 'cargo build --release -p entra-emulator'`);
  const child = spawn(EMULATOR_BIN, ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill());
  const lines = readline.createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator did not start within 30 s')), 30_000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(line); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the emulator exited with ${code}`)); });
  });
  const info = JSON.parse(first);
  const control = async (method, route, body) => {
    const res = await fetch(`${info.url}/_emulator/${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return res.json();
  };
  return {
    ...info,
    stop: () => child.kill(),
    log: () => control('GET', 'log'),
    clearLog: () => control('DELETE', 'log'),
    tenant: () => control('GET', 'tenant'),
    setFaults: (faults) => control('POST', 'faults', faults),
    reset: () => control('POST', 'reset'),
  };
}

/** Connects the loaded app to the emulator the way an admin would, and issues a service key. */
export const SERVICEABLE = ['All Staff', 'Sales Team', 'Engineering', 'Finance', 'HR', 'IT', 'Marketing Team', 'App - Salesforce Users', 'App - GitHub Enterprise', 'App - Jira Service Management Agents'];

export async function connectApp({ invoke }, emulator, admin, policy = {}) {
  const groups = (await emulator.tenant()).groups;
  const serviceableGroups = SERVICEABLE.map((name) => groups.find((g) => g.displayName === name).id);
  const saved = await invoke(admin, 'config.save', {
    config: {
      connection: { tenantId: emulator.tenantId, clientId: emulator.clientId, loginBase: emulator.url, graphBase: emulator.url },
      provisioning: { defaultDomain: 'contoso.example' },
      policy: { serviceableGroups, ...policy },
    },
  });
  if (!saved.ok) throw new Error(`config.save failed: ${JSON.stringify(saved.error)}`);
  const secret = await invoke(admin, 'connection.setClientSecret', { clientSecret: emulator.clientSecret });
  if (!secret.ok) throw new Error(`connection.setClientSecret failed: ${JSON.stringify(secret.error)}`);
  const key = await invoke(admin, 'serviceKey.rotate');
  return key.value.key;
}
