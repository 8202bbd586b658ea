// The Entra emulator for a test file (the sandbox's own launcher), stopped
// when the process exits.
import path from 'node:path';
import { startEmulator as launch } from '../../../sandbox/emulator-process.mjs';
import { ROOT } from './app.mjs';

export const EMULATOR_BIN = process.env.ENTRA_EMULATOR_BIN ?? path.join(ROOT, 'target', 'release', 'entra-emulator');

export async function startEmulator() {
  const emulator = await launch({ binary: EMULATOR_BIN });
  process.on('exit', () => emulator.child.kill());
  return emulator;
}

export const SERVICEABLE = ['All Staff', 'Sales Team', 'Engineering', 'Finance', 'HR', 'IT', 'Marketing Team', 'App - Salesforce Users', 'App - GitHub Enterprise', 'App - Jira Service Management Agents'];

/** Connects the loaded app to the emulator the way an admin would, and issues a service key. */
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
