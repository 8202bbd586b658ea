// Writes src/resolver/doctor/least-permissions.json: for each app feature,
// the least-privileged Graph *application* permission that covers every
// request the feature makes, taken from Microsoft's permission map
// (../shared/reference/graph/permissions.json, or the path given). Only the
// small subset the permission doctor needs is kept; re-run after changing
// FEATURES or when the map is updated.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAP = process.argv[2] ?? path.join(ROOT, '..', 'shared', 'reference', 'graph', 'permissions.json');
const OUT = path.join(ROOT, 'src', 'resolver', 'doctor', 'least-permissions.json');

// The Graph requests each feature makes (method, path as in the map), and,
// where the map marks no "least" permission for a request, the permission
// chosen for it (it must be one the map lists for that request).
const FEATURES = {
  lookup: { label: 'Look up users and their managers', requests: [['GET', '/users/{id}'], ['GET', '/users/{id}/manager']], prefer: 'User.Read.All' },
  memberships: { label: 'Read group memberships', requests: [['GET', '/users/{id}/memberof']] },
  groupMembership: { label: 'Add and remove group members', requests: [['DELETE', '/groups/{id}/members/{id}']] },
  create: { label: 'Create users (onboarding)', requests: [['POST', '/users']] },
  update: { label: 'Update profiles and managers (transfers, self-service)', requests: [['PATCH', '/users/{id}']], prefer: 'User.ReadWrite.All' },
  enableDisable: { label: 'Disable and enable accounts', requests: [['PATCH', '/users/{id}']], prefer: 'User.EnableDisableAccount.All' },
  revokeSessions: { label: 'Revoke sign-in sessions', requests: [['POST', '/users/{id}/revokesigninsessions']] },
  resetPassword: { label: 'Reset passwords', requests: [['PATCH', '/users/{id}']], prefer: 'User-PasswordProfile.ReadWrite.All', note: 'Entra also requires the app to hold a directory role that may reset the target (Helpdesk Administrator or User Administrator for non-administrators).' },
  temporaryAccessPass: { label: 'Issue Temporary Access Passes', requests: [['POST', '/users/{id}/authentication/temporaryaccesspassmethods']] },
  temporaryAccessPassPolicy: { label: 'Read the tenant\u2019s Temporary Access Pass policy (lifetimes, one-time use)', requests: [['GET', '/policies/authenticationmethodspolicy/authenticationmethodconfigurations/temporaryaccesspass']] },
  protectedTargets: { label: 'Detect privileged targets (directory role assignments)', requests: [['GET', '/rolemanagement/directory/roleassignments']] },
};

const map = JSON.parse(readFileSync(MAP, 'utf8')).permissions;

/** Application permissions the map lists for one request; `least` marks Microsoft's own pick. */
function listed(method, requestPath) {
  const found = [];
  for (const [name, entry] of Object.entries(map)) {
    const app = entry.schemes?.Application;
    if (!app) continue;
    for (const set of entry.pathSets ?? []) {
      if (!set.schemeKeys?.includes('Application') || !set.methods?.some((m) => m.toUpperCase() === method)) continue;
      for (const [p, marks] of Object.entries(set.paths ?? {})) {
        if (p.toLowerCase() !== requestPath) continue;
        const least = /least=[^;]*Application/.test(marks);
        found.push({ name, least, privilegeLevel: app.privilegeLevel ?? 99 });
      }
    }
  }
  return found;
}

function leastFor([method, requestPath], prefer) {
  const all = listed(method, requestPath);
  if (all.length === 0) throw new Error(`the map lists no application permission for ${method} ${requestPath}`);
  if (prefer) {
    if (!all.some((p) => p.name === prefer)) throw new Error(`${prefer} is not listed for ${method} ${requestPath}`);
    return prefer;
  }
  const marked = all.filter((p) => p.least).sort((a, b) => a.privilegeLevel - b.privilegeLevel || a.name.localeCompare(b.name));
  if (marked.length === 0) throw new Error(`no least permission marked for ${method} ${requestPath}: set 'prefer'`);
  return marked[0].name;
}

const features = {};
for (const [key, feature] of Object.entries(FEATURES)) {
  const least = [...new Set(feature.requests.map((r) => leastFor(r, feature.prefer)))].sort();
  features[key] = { label: feature.label, least, ...(feature.note ? { note: feature.note } : {}) };
}

writeFileSync(OUT, `${JSON.stringify({
  source: "Derived by scripts/extract-least-permissions.mjs from Microsoft Graph's permission map (permissions.json, application scheme). Do not edit by hand.",
  features,
}, null, 2)}\n`);
console.log(`wrote ${path.relative(ROOT, OUT)}: ${Object.keys(features).length} features`);
