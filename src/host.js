// The `host` object handed to the Rust core: Forge capabilities, one method
// each, no decisions. Its shape is documented in src/wasm/js_host.rs.
import api, { assumeTrustedRoute, webTrigger } from '@forge/api';
import { kvs, Filter, WhereConditions } from '@forge/kvs';
import { Queue } from '@forge/events';

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

// A transaction operation's entity and conditions as @forge/kvs takes them.
const entityOf = ({ entityName, conditions }) =>
  entityName ? { entityName, conditions: conditions?.reduce((f, c) => f.and(c.property, { condition: c.condition, values: c.values }), new Filter()) } : undefined;
const TRANSACT = {
  set: (tx, op) => tx.set(op.key, op.value, entityOf(op)),
  delete: (tx, op) => tx.delete(op.key, entityOf(op)),
  check: (tx, op) => tx.check(op.key, entityOf(op)),
};

export function forgeHost() {
  return {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (level, message) => console[LEVELS.has(level) ? level : 'log'](message),
    kvsGet: (key) => kvs.get(key),
    kvsSet: (key, value) => kvs.set(key, value),
    kvsDelete: (key) => kvs.delete(key),
    kvsQuery: ({ beginsWith, limit, cursor }) => {
      const query = kvs.query().where('key', WhereConditions.beginsWith(beginsWith)).limit(limit);
      return (cursor ? query.cursor(cursor) : query).getMany();
    },
    kvsTransact: (ops) => ops.reduce((tx, op) => TRANSACT[op.op](tx, op), kvs.transact()).execute(),
    entityGet: (name, key) => kvs.entity(name).get(key),
    entitySet: (name, key, value) => kvs.entity(name).set(key, value),
    entityDelete: (name, key) => kvs.entity(name).delete(key),
    entityQuery: ({ entityName, indexName, partition, range, sort, limit, cursor }) => {
      let query = kvs.entity(entityName).query().index(indexName, partition ? { partition } : undefined).sort(sort).limit(limit);
      if (range) query = query.where(range);
      return (cursor ? query.cursor(cursor) : query).getMany();
    },
    secretGet: (key) => kvs.getSecret(key),
    secretSet: (key, value) => kvs.setSecret(key, value),
    secretDelete: (key) => kvs.deleteSecret(key),
    webTriggerUrl: (key) => webTrigger.getUrl(key),
    // The core builds every path with its components percent-encoded.
    jira: async ({ method, path, body, asUser }) => {
      const requester = asUser ? api.asUser() : api.asApp();
      const response = await requester.requestJira(assumeTrustedRoute(path), {
        method,
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, headers: [...response.headers.entries()], body: await response.text() };
    },
    queuePush: (key, events) => new Queue({ key }).push(events),
  };
}
