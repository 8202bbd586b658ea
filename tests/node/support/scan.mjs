// What a hardening test looks at after a run: the log lines the app wrote
// (console, as Forge captures it), the Graph writes the emulator received,
// the prototypes the JS shim could pollute, and every place a credential
// value could end up (`leakScan`).

const LEVELS = ['log', 'info', 'warn', 'error', 'debug'];

/**
 * Captures every console line from now on (the app's `host.log` writes to
 * console, which is what Forge keeps as the function's log). Returns
 * `{lines, stop}`: `lines` the text of each call so far.
 */
export function captureLogs({ echo = false } = {}) {
  const lines = [];
  const original = Object.fromEntries(LEVELS.map((level) => [level, console[level]]));
  for (const level of LEVELS) {
    console[level] = (...args) => {
      lines.push(`${level}: ${args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ')}`);
      if (echo) original[level](...args);
    };
  }
  return { lines, stop: () => Object.assign(console, original) };
}

function safeJson(value) {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Graph writes in the emulator's log: any non-GET request ($batch items are logged one by one). */
export async function graphWrites(emulator) {
  return (await emulator.log()).filter((r) => r.kind !== 'token' && r.method !== 'GET' && r.path !== '/v1.0/$batch');
}

/** Names of properties that appeared on Object.prototype, Array.prototype or Function.prototype. */
export function prototypePollution() {
  const found = [];
  for (const [name, proto] of [['Object', Object.prototype], ['Array', Array.prototype], ['Function', Function.prototype]]) {
    for (const key of ['polluted', 'isAdmin', 'accountId', 'dryRun']) {
      if (Object.prototype.hasOwnProperty.call(proto, key)) found.push(`${name}.prototype.${key}`);
    }
  }
  if (({}).polluted !== undefined) found.push('({}).polluted');
  return found;
}

/**
 * Looks for each credential value in everything a run left behind:
 * `logs` (captured lines), `answers` ([label, value] pairs: what entry
 * points returned), `jira` (the FakeJira or FakeJsm whose issues hold
 * comments), `store` (the runtime's SQLite store: plain values and
 * entities; secret storage is where credentials belong and is skipped),
 * and the emulator's request log. Returns `[{credential, where}]`.
 *
 * `credentials` are [label, value] pairs; values shorter than 8 characters
 * are refused (they would match by chance).
 */
export async function leakScan({ credentials, logs = [], answers = [], issues = [], store, emulator }) {
  const hits = [];
  for (const [label, value] of credentials) {
    if (typeof value !== 'string' || value.length < 8) throw new Error(`credential ${label} is not a scannable value`);
  }
  const scan = (where, text) => {
    for (const [label, value] of credentials) {
      if (text.includes(value)) hits.push({ credential: label, where });
    }
  };
  logs.forEach((line, i) => scan(`log line ${i + 1}`, line));
  for (const [label, value] of answers) scan(`answer ${label}`, safeJson(value));
  for (const issue of issues) {
    for (const comment of issue.comments ?? []) scan(`comment ${comment.id} on ${issue.key}`, safeJson(comment));
    scan(`issue ${issue.key} properties`, safeJson(issue.properties ?? {}));
  }
  if (store) {
    const { values, entities } = store.data;
    for (const [key, value] of Object.entries(values)) scan(`KVS ${key}`, safeJson(value));
    for (const [entity, records] of Object.entries(entities)) {
      for (const [key, value] of Object.entries(records)) scan(`entity ${entity} ${key}`, safeJson(value));
    }
  }
  if (emulator) {
    for (const [i, request] of (await emulator.log()).entries()) scan(`emulator request ${i} ${request.method ?? ''} ${request.path ?? ''}`, safeJson(request));
  }
  return hits;
}
