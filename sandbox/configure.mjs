// Configures the app at start through its own admin resolvers, as an admin
// would on the admin page: connection pointing at the emulator, provisioning
// and policy for the demo tenant, the client secret, and the service key.
// A resolver the app does not have yet is reported, not fatal, so the
// sandbox lights up feature by feature as the app grows.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

// Demo tenant groups (emulator/seed/demo-tenant.json).
const GROUP = {
  allStaff: 'a3b8ee86-3cd8-454e-8fda-073d3f077f1b',
  sales: '0c288728-6125-4718-9bca-70d96f316501',
  engineering: 'c89deaae-0c7c-4ab9-830c-d164b8f8b182',
  finance: 'bdd2a752-3648-4d22-bc60-cf30125032dc',
  hr: 'e6f2c9d5-a5b7-441f-bcb5-d6fc836689f9',
  it: 'd6377fd6-78bb-4598-8d0f-f6d64c475e40',
  marketing: '4edd140c-cb48-4852-8f8b-1bdee8682a91',
  github: 'd2a9de52-0e5a-48ef-a10a-32d04bd64854',
  salesforce: 'b1a22e53-dcd8-4137-ac08-c901277f27e3',
  jsmAgents: 'f201e890-9530-4a30-99e3-c279f61881e1',
  privilegedSupport: 'e9d3dd26-6b80-4382-960e-0305d0fb7771',
};

const byDepartment = (department, groups) => ({ name: `${department} staff`, when: [{ attribute: 'department', equals: department }], groups });

/** The configuration the sandbox saves, for the emulator at `emulatorUrl`. */
export function sandboxConfig({ emulator, jsm }) {
  return {
    connection: { tenantId: emulator.tenantId, clientId: emulator.clientId, loginBase: emulator.url, graphBase: emulator.url },
    provisioning: {
      namingTemplate: '{given}.{surname}@{domain}',
      defaultDomain: 'contoso.example',
      groupRules: [
        byDepartment('Engineering', [GROUP.allStaff, GROUP.engineering, GROUP.github]),
        byDepartment('Sales', [GROUP.allStaff, GROUP.sales, GROUP.salesforce]),
        byDepartment('Finance', [GROUP.allStaff, GROUP.finance]),
        byDepartment('HR', [GROUP.allStaff, GROUP.hr]),
        byDepartment('IT', [GROUP.allStaff, GROUP.it, GROUP.jsmAgents]),
        byDepartment('Marketing', [GROUP.allStaff, GROUP.marketing]),
      ],
      firstCredential: { kind: 'temporaryAccessPass', lifetimeMinutes: 480, usableOnce: true },
    },
    policy: {
      serviceableGroups: Object.entries(GROUP).filter(([name]) => name !== 'privilegedSupport').map(([, id]) => id),
      protectedGroups: [GROUP.privilegedSupport],
      approvals: { user: { offboard: true, transfer: true } },
      agentJiraGroups: ['jira-servicemanagement-users'],
      secretRecipients: { user: { create: ['targetManager', 'assignedAgent'], resetPassword: ['requester', 'assignedAgent'], createTemporaryAccessPass: ['requester', 'targetManager'] } },
    },
    requestTypes: jsm.requestTypes.map((type) => ({
      requestTypeId: type.id,
      name: type.name,
      route: type.route,
      fields: Object.fromEntries(type.fields.map((f) => [f.id, jsm.fieldIds()[f.id]])),
    })),
  };
}

/**
 * Runs the configuration steps; returns one status per step for the console and the page.
 * @returns {Promise<{steps: {name, state: 'done'|'missing'|'failed', message}[], serviceKey: string|null}>}
 */
export async function configureApp({ app, admin, emulator, jsm, dataDir }) {
  const steps = [];
  const record = (name, state, message) => steps.push({ name, state, message });

  await saveConfig({ app, admin, config: sandboxConfig({ emulator, jsm }), record });

  const secret = await app.resolver(admin, 'connection.setClientSecret', { clientSecret: emulator.clientSecret });
  recordResolver(record, 'connection.setClientSecret', secret, 'client secret stored in the app\'s secret storage');

  const tested = await app.resolver(admin, 'connection.test');
  if (tested?.ok && tested.value?.connected === false) record('connection.test', 'failed', JSON.stringify(tested.value).slice(0, 300));
  else recordResolver(record, 'connection.test', tested, `connected to the emulator; granted: ${(tested?.value?.roles ?? []).join(', ')}`);

  const serviceKey = await ensureServiceKey({ app, admin, dataDir, record });
  return { steps, serviceKey };
}

// Saves the whole configuration; when the app refuses a section it does not
// know yet (an unknown top-level field), saves again without that section.
// Any other refusal is a mistake in the sandbox's configuration: reported.
async function saveConfig({ app, admin, config, record }) {
  const dropped = [];
  let current = { ...config };
  for (;;) {
    const answer = await app.resolver(admin, 'config.save', { config: current });
    const section = answer?.ok === false ? refusedSection(answer.error) : '';
    if (section && section !== 'connection' && section in current) {
      dropped.push(`${section} (${answer.error.message})`);
      delete current[section];
      continue;
    }
    const note = dropped.length ? `; left out what the app refused: ${dropped.join('; ')}` : '';
    recordResolver(record, 'config.save', answer, `connection -> emulator, provisioning and policy for the demo tenant${note}`);
    return;
  }
}

// The unknown top-level section an error is about, from its `field` (a
// payload path such as `config.requestTypes`), or from serde's
// "unknown field `x`" when the answer names no field.
function refusedSection(error) {
  if (!/unknown field/.test(String(error?.message))) return '';
  const field = error?.field ?? String(error?.message ?? '').match(/unknown field `([^`]+)`/)?.[1] ?? '';
  return field.replace(/^config\./, '').split('.')[0];
}

function recordResolver(record, name, answer, doneMessage) {
  if (answer?.ok) record(name, 'done', doneMessage);
  else if (answer?.error?.code === 'unknown_function') record(name, 'missing', 'the app has no such resolver yet');
  else record(name, 'failed', `${answer?.error?.code ?? 'error'}: ${answer?.error?.message ?? JSON.stringify(answer)}`);
}

// The key is issued once and kept in the data folder (the app stores only a
// verifier); it is reused while the app still knows its fingerprint.
async function ensureServiceKey({ app, admin, dataDir, record }) {
  const file = path.join(dataDir, 'service-key.json');
  const saved = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  const info = await app.resolver(admin, 'serviceKey.info');
  if (saved && info?.ok && info.value?.fingerprint === saved.fingerprint) {
    record('serviceKey', 'done', `reused the service key from ${file}`);
    return saved.key;
  }
  const issued = await app.resolver(admin, 'serviceKey.rotate');
  if (!issued?.ok) {
    recordResolver(record, 'serviceKey.rotate', issued);
    return null;
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ key: issued.value.key, fingerprint: issued.value.fingerprint }, null, 1), { mode: 0o600 });
  record('serviceKey', 'done', saved ? 'the saved key was no longer valid: issued a new one' : `issued a service key (kept in ${file})`);
  return issued.value.key;
}
