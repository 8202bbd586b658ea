// The Entra tenant the sandbox's emulator starts with: the demo seed, or the
// file SANDBOX_TENANT_SEED names (an export shaped like the user's own
// tenant). Read here once so the app can be configured from what the tenant
// holds (its default domain, its groups, its departments), and checked so a
// bad file fails before anything starts, naming itself. The emulator checks
// the rest (every property against Microsoft's schema) when it loads it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_SEED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'emulator', 'seed', 'demo-tenant.json');

/**
 * @param {string} file a seed file (`emulator/seed/demo-tenant.json`'s shape)
 * @returns {{file: string, defaultDomain: string, groups: object[], departments: string[]}}
 */
export function loadTenantSeed(file) {
  const fail = (message) => {
    throw new Error(`Tenant seed ${file}: ${message}`);
  };
  if (!existsSync(file)) fail('no such file');
  let seed;
  try {
    seed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`not JSON (${error.message})`);
  }
  if (!isObject(seed)) fail('must be a JSON object with tenant, app, users and groups');
  if (!isObject(seed.tenant) || typeof seed.tenant.id !== 'string') fail("'tenant.id' is required");
  const domains = seed.tenant.verifiedDomains;
  if (!Array.isArray(domains) || !domains.some((d) => typeof d?.name === 'string')) fail("'tenant.verifiedDomains' must list the tenant's domains ({\"name\": ...})");
  for (const field of ['clientId', 'clientSecret', 'servicePrincipalId']) {
    if (typeof seed.app?.[field] !== 'string') fail(`'app.${field}' is required (the app registration the sandbox signs in as)`);
  }
  for (const list of ['users', 'groups']) {
    if (seed[list] !== undefined && !Array.isArray(seed[list])) fail(`'${list}' must be an array`);
  }
  const users = seed.users ?? [];
  const groups = seed.groups ?? [];
  users.forEach((u, i) => isObject(u) && typeof u.id === 'string' ? null : fail(`users[${i}] needs an 'id'`));
  groups.forEach((g, i) => isObject(g) && typeof g.id === 'string' && typeof g.displayName === 'string' ? null : fail(`groups[${i}] needs an 'id' and a 'displayName'`));
  const defaultDomain = (domains.find((d) => d?.isDefault) ?? domains.find((d) => typeof d?.name === 'string')).name;
  return {
    file,
    defaultDomain,
    groups: groups.map((g) => ({ id: g.id, displayName: g.displayName, serviceable: serviceable(g), roleAssignable: g.isAssignableToRole === true })),
    departments: [...new Set(users.map((u) => u.department).filter((d) => typeof d === 'string' && d.trim()))].sort(),
  };
}

// What the app's policy would let a service desk change: not role-assignable,
// not dynamic, not synced from on-premises, not a mail-enabled security group
// or distribution list (Microsoft 365 groups are mail-enabled and allowed).
function serviceable(group) {
  const types = Array.isArray(group.groupTypes) ? group.groupTypes : [];
  const unified = types.includes('Unified');
  return group.isAssignableToRole !== true
    && !types.includes('DynamicMembership')
    && group.onPremisesSyncEnabled !== true
    && !(group.mailEnabled === true && !unified);
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
