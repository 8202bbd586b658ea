// Configures the app at start through its own admin resolvers, as an admin
// would on the admin page: connection pointing at the emulator, provisioning
// and policy for the tenant it was seeded with (derived from the seed, so
// another tenant works too), the client secret, and the service key.
// A resolver the app does not have yet is reported, not fatal, so the
// sandbox lights up feature by feature as the app grows.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadTenantSeed, DEMO_SEED } from './tenant-seed.mjs';

// Beyond a department's own group, the demo tenant gives some departments an
// application group too; used only where the tenant has groups of these names.
const EXTRA_GROUPS = {
  Engineering: ['App - GitHub Enterprise'],
  Sales: ['App - Salesforce Users'],
  IT: ['App - Jira Service Management Agents'],
};
const EVERYONE = ['all staff', 'all employees', 'everyone'];

const byDepartment = (department, groups) => ({ name: `${department} staff`, when: [{ attribute: 'department', equals: department }], groups });

/**
 * Group rules, serviceable and protected groups from what the tenant holds
 * (`tenant` from `loadTenantSeed`): every department gets the tenant-wide
 * group, the group named like the department ("Sales", "Sales Team", "Sales
 * Staff") and the demo's application groups where present.
 */
export function tenantPolicy(tenant) {
  const serviceable = tenant.groups.filter((g) => g.serviceable);
  const named = (name) => serviceable.find((g) => g.displayName.toLowerCase() === name.toLowerCase())?.id;
  const everyone = EVERYONE.map(named).filter(Boolean);
  const groupRules = tenant.departments
    .map((department) => {
      const own = [department, `${department} Team`, `${department} Staff`].map(named).filter(Boolean);
      const extra = (EXTRA_GROUPS[department] ?? []).map(named).filter(Boolean);
      return byDepartment(department, [...new Set([...everyone, ...own, ...extra])]);
    })
    .filter((rule) => rule.groups.length > 0);
  return {
    groupRules,
    serviceableGroups: serviceable.map((g) => g.id),
    protectedGroups: tenant.groups.filter((g) => g.roleAssignable).map((g) => g.id),
  };
}

/** The configuration the sandbox saves, for the emulator and the tenant it was seeded with (the demo tenant unless given). */
export function sandboxConfig({ emulator, jsm, tenant = loadTenantSeed(DEMO_SEED) }) {
  const { groupRules, serviceableGroups, protectedGroups } = tenantPolicy(tenant);
  return {
    connection: { tenantId: emulator.tenantId, clientId: emulator.clientId, loginBase: emulator.url, graphBase: emulator.url },
    provisioning: {
      namingTemplate: '{given}.{surname}@{domain}',
      defaultDomain: tenant.defaultDomain,
      groupRules,
      firstCredential: { kind: 'temporaryAccessPass', lifetimeMinutes: 480, usableOnce: true },
    },
    policy: {
      serviceableGroups,
      protectedGroups,
      approvals: { user: { offboard: true, transfer: true } },
      agentJiraGroups: ['jira-servicemanagement-users'],
      selfServiceAttributes: ['mobilePhone', 'officeLocation'],
      secretRecipients: { user: { create: ['targetManager', 'assignedAgent'], resetPassword: ['requester', 'assignedAgent'], createTemporaryAccessPass: ['requester', 'targetManager'] } },
    },
    // Request types the portal runs by itself. The agent reset is not one:
    // agents run it from the issue panel or an automation rule.
    requestTypes: jsm.requestTypes
      .filter((type) => type.key !== 'password-reset-agent')
      .map((type) => ({
        requestTypeId: type.id,
        name: type.name,
        route: type.route,
        fields: Object.fromEntries(type.fields.map((f) => [type.changes?.includes(f.id) ? `changes.${f.id}` : f.id, jsm.fieldIds()[f.id]])),
      })),
  };
}

/**
 * Runs the configuration steps; returns one status per step for the console and the page.
 * @returns {Promise<{steps: {name, state: 'done'|'missing'|'failed', message}[], serviceKey: string|null}>}
 */
export async function configureApp({ app, admin, emulator, jsm, dataDir, tenant = loadTenantSeed(DEMO_SEED) }) {
  const steps = [];
  const record = (name, state, message) => steps.push({ name, state, message });

  await saveConfig({ app, admin, config: sandboxConfig({ emulator, jsm, tenant }), record, tenant });

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
async function saveConfig({ app, admin, config, record, tenant }) {
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
    recordResolver(record, 'config.save', answer, `connection -> emulator, provisioning and policy for ${tenant.file} (domain ${tenant.defaultDomain}, ${config.provisioning.groupRules.length} department rules, ${config.policy.serviceableGroups.length} serviceable groups)${note}`);
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

/** The sandbox's Assets import configuration: the app's defaults (contract `AssetsConfig`). */
export const SANDBOX_ASSETS_CONFIG = Object.freeze({ mode: 'full', schedule: 'daily', dailyHourUtc: 2, includeGuests: true, includeDisabled: true });

/**
 * Configures the Assets import source as the Assets admin does in its
 * "Configure App" view: `assets.config.save` with the view's context
 * (`{workspaceId, importId, schemaId}`), as the site admin. Returns one
 * setup step; "missing" while the app has no Assets import module.
 */
export async function configureAssets({ app, admin, assets, importId }) {
  const steps = [];
  const record = (name, state, message) => steps.push({ name, state, message });
  const source = assets.sources.get(importId);
  const context = { workspaceId: assets.workspaceId, importId, schemaId: source.schemaId };
  const declared = app.manifest?.modules?.['jiraServiceManagement:assetsImportType']?.length;
  if (!declared) {
    record('assets.config.save', 'missing', 'the app declares no jiraServiceManagement:assetsImportType module yet');
    return steps[0];
  }
  const answer = await app.resolver(admin, 'assets.config.save', { ...context, config: SANDBOX_ASSETS_CONFIG }, 'entra-assets-import', { extension: { ...context, type: 'jiraServiceManagement:assetsImportType' } });
  recordResolver(record, 'assets.config.save', answer, `Assets workspace ${assets.workspaceId}: import source "${source.name}" (${importId}) configured, mapping ${answer?.value?.mapping ?? 'saved'}; ${SANDBOX_ASSETS_CONFIG.mode} import, ${SANDBOX_ASSETS_CONFIG.schedule} at ${SANDBOX_ASSETS_CONFIG.dailyHourUtc}:00 UTC`);
  return steps[0];
}
