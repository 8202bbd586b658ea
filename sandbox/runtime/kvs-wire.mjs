// Forge hosted storage as `@forge/kvs` (1.6.5) reaches it: POST requests to
// `/api/v1/...` with JSON bodies, answered with JSON or an error body
// `{code, message}` that the client turns into a ForgeKvsAPIError. Every key,
// value, entity and query is checked against Forge's limits
// (forge-limits.mjs) before anything is written, and the storage rate of the
// installation is counted. Paths and bodies: node_modules/@forge/kvs/out/
// storage-api.js, query.js, entity-query.js, transaction-api.js.
import * as L from './forge-limits.mjs';
import { entityNameProblem, entityValueProblem } from './entity-declarations.mjs';

/** A refusal, answered as `{code, message}` with `status`. */
export class KvsError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const TTL_SECONDS = { SECONDS: 1, MINUTES: 60, HOURS: 3600, DAYS: 86400 };
const WRITES = new Set(['set', 'delete', 'secret/set', 'secret/delete', 'entity/set', 'entity/delete', 'batch/set', 'batch/delete', 'transaction']);

export class KvsService {
  /**
   * @param {object} options
   * @param {import('./kvs-store.mjs').KeyValueStore} options.store
   * @param {Map<string, import('./entity-declarations.mjs').EntityDeclaration>} options.entities
   * @param {() => number} [options.now] clock, Unix milliseconds
   * @param {boolean} [options.enforceRate] count the installation's storage rate (on unless turned off)
   * @param {boolean} [options.allowSlashInKeys] accept '/' in keys, which Forge refuses: only while the app still writes such keys (see forge-runtime.mjs)
   */
  constructor({ store, entities, now = Date.now, enforceRate = true, allowSlashInKeys = false }) {
    this.store = store;
    this.allowSlashInKeys = allowSlashInKeys;
    this.entities = entities;
    this.now = now;
    this.rate = enforceRate ? new StorageRate(now) : null;
  }

  /** Answers one request: `{status, body}` with `body` a JSON-able value or undefined for no content. */
  handle(urlPath, request) {
    const op = urlPath.replace(/^\/api\/v1\//, '');
    try {
      const size = Buffer.byteLength(JSON.stringify(request ?? {}));
      this.rate?.spend(WRITES.has(op) ? 'write' : 'read', size);
      const answer = this.#dispatch(op, request ?? {});
      return answer === undefined ? { status: 204 } : { status: 200, body: answer };
    } catch (error) {
      if (error instanceof KvsError) return { status: error.status, body: { code: error.code, message: error.message } };
      throw error;
    }
  }

  #dispatch(op, req) {
    switch (op) {
      case 'get': return this.#get(req, { secret: false });
      case 'secret/get': return this.#get(req, { secret: true });
      case 'set': return this.#set(req, { secret: false });
      case 'secret/set': return this.#set(req, { secret: true });
      case 'delete': this.#checkKey(req.key); this.store.delete(req.key); return undefined;
      case 'secret/delete': this.#checkKey(req.key); this.store.delete(req.key, { secret: true }); return undefined;
      case 'query': return this.#query(req);
      case 'entity/get': return this.#entityGet(req);
      case 'entity/set': return this.#entitySet(req);
      case 'entity/delete': this.#entity(req.entityName); this.#checkKey(req.key); this.store.deleteEntity(req.entityName, req.key); return undefined;
      case 'entity/query': return this.#entityQuery(req);
      case 'transaction': return this.#transaction(req);
      case 'batch/set': return this.#batch(req, (item) => { this.#validateSet(item); this.#write(item); });
      case 'batch/delete': return this.#batch(req, (item) => { this.#target(item); this.#remove(item); });
      case 'batch/get': return this.#batchGet(req);
      default: throw new KvsError(404, 'NOT_FOUND', `The local Forge storage does not serve /api/v1/${op}`);
    }
  }

  #checkKey(key) {
    checkKey(key, this.allowSlashInKeys);
  }

  // --- Key-Value Store and secrets ---

  #get({ key, options }, { secret }) {
    this.#checkKey(key);
    const found = this.store.getRecord(key, { secret });
    if (!found) throw new KvsError(404, 'KEY_NOT_FOUND', 'Key not found');
    return withMetadata(found, options?.metadataFields);
  }

  #set(req, { secret }) {
    this.#validateSet(req);
    return this.#write({ ...req, secret });
  }

  #validateSet({ key, value, entityName, options }) {
    if (entityName !== undefined) {
      const entity = this.#entity(entityName);
      this.#checkKey(key);
      checkValue(value);
      const problem = entityValueProblem(entity, value);
      if (problem) throw new KvsError(400, 'INVALID_ENTITY_VALUE', problem);
    } else {
      this.#checkKey(key);
      checkValue(value);
    }
    expireAt(options?.ttl, this.now);
  }

  // One validated set, with its key policy and return value.
  #write({ key, value, entityName, options, secret = false }) {
    const exists = entityName !== undefined ? this.store.getEntity(entityName, key) : this.store.getRecord(key, { secret });
    if (options?.keyPolicy === 'FAIL_IF_EXISTS' && exists) {
      throw new KvsError(409, 'KEY_ALREADY_EXISTS', `Key ${key} already exists (keyPolicy FAIL_IF_EXISTS)`);
    }
    const at = { expireAt: expireAt(options?.ttl, this.now) };
    const { previous, latest } = entityName !== undefined
      ? this.store.setEntity(entityName, key, value, at)
      : this.store.set(key, value, { secret, ...at });
    if (options?.returnValue === 'PREVIOUS') return previous ? withMetadata(previous, options.returnMetadataFields) : undefined;
    if (options?.returnValue === 'LATEST') return withMetadata(latest, options.returnMetadataFields);
    return undefined;
  }

  #remove({ key, entityName }) {
    if (entityName !== undefined) this.store.deleteEntity(entityName, key);
    else this.store.delete(key);
  }

  #query({ limit, after, where, options }) {
    const n = pageLimit(limit, 'QUERY_LIMIT_NOT_IN_RANGE');
    let prefix = '';
    for (const clause of where ?? []) {
      if (clause.property !== 'key' || clause.condition !== 'BEGINS_WITH') {
        throw new KvsError(400, 'INVALID_QUERY', 'Key-Value Store queries filter only on key with BEGINS_WITH');
      }
      prefix = String(clause.values?.[0] ?? '');
    }
    const from = after === undefined ? '' : decodeCursor(after).k;
    const { records, more } = this.store.query({ prefix, after: from, limit: n });
    const data = records.map((r) => withMetadata(r, options?.metadataFields));
    return { data, ...(more ? { cursor: encodeCursor({ k: records.at(-1).key }) } : {}) };
  }

  // --- Custom Entity Store ---

  #entity(entityName) {
    const problem = entityNameProblem(entityName);
    if (problem) throw new KvsError(400, problem.code, problem.message);
    const entity = this.entities.get(entityName);
    if (!entity) throw new KvsError(400, 'INVALID_ENTITY_TYPE', `Entity ${entityName} is not declared in the manifest (app.storage.entities)`);
    return entity;
  }

  #target({ key, entityName }) {
    if (entityName !== undefined) this.#entity(entityName);
    this.#checkKey(key);
  }

  #entityGet({ entityName, key, options }) {
    this.#entity(entityName);
    this.#checkKey(key);
    const found = this.store.getEntity(entityName, key);
    if (!found) throw new KvsError(404, 'KEY_NOT_FOUND', 'Key not found');
    return { ...withMetadata(found, options?.metadataFields), entityName };
  }

  #entitySet(req) {
    if (req.entityName === undefined) throw new KvsError(400, 'INVALID_ENTITY_TYPE', 'entityName is required');
    this.#validateSet(req);
    return this.#write(req);
  }

  #entityQuery(req) {
    const entity = this.#entity(req.entityName);
    const index = entity.indexes.find((i) => i.name === req.indexName);
    if (!index) throw new KvsError(400, 'INVALID_ENTITY_INDEX', `Entity ${entity.name} has no index ${req.indexName} (manifest app.storage.entities)`);
    const n = pageLimit(req.limit, 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE');
    const partition = req.partition ?? [];
    if (!Array.isArray(partition) || partition.length !== index.partition.length) {
      throw new KvsError(400, 'INVALID_PARTITION', `Index ${index.name} is partitioned by [${index.partition.join(', ')}]: give ${index.partition.length} partition value(s)`);
    }
    if (req.range) checkClause(req.range);
    const filter = req.filters ? compileFilter(req.filters) : () => true;
    if (req.sort !== undefined && req.sort !== 'ASC' && req.sort !== 'DESC') throw new KvsError(400, 'INVALID_SORT', 'sort is ASC or DESC');
    const after = req.cursor === undefined ? undefined : decodeCursor(req.cursor);
    const data = [];
    let last;
    let more = false;
    for (const row of this.store.scanIndex({ entity: entity.name, index, partition, range: req.range, sort: req.sort, after })) {
      if (data.length === n) { more = true; break; }
      last = row;
      if (filter(row.value)) data.push(withMetadata(row, req.options?.metadataFields ?? req.metadataFields));
    }
    // The cursor resumes after the last row looked at, matched or not.
    return { data, ...(more ? { cursor: encodeCursor({ r: last.rng, k: last.key }) } : {}) };
  }

  // --- Transactions and batches ---

  #transaction({ set = [], delete: deletes = [], check = [] }) {
    const total = set.length + deletes.length + check.length;
    if (total === 0) throw new KvsError(400, 'EMPTY_TRANSACTION', 'A transaction needs at least one operation');
    if (total > L.TRANSACTION_MAX_OPERATIONS) {
      throw new KvsError(400, 'TOO_MANY_OPERATIONS', `A transaction holds at most ${L.TRANSACTION_MAX_OPERATIONS} operations; this one has ${total} (${L.SOURCES.TRANSACTIONS})`);
    }
    const seen = new Set();
    for (const item of [...set, ...deletes, ...check]) {
      const id = `${item.entityName ?? ''}\u0000${item.key}`;
      if (seen.has(id)) throw new KvsError(400, 'DUPLICATE_KEY', `Key ${item.key} appears twice in one transaction`);
      seen.add(id);
    }
    for (const item of set) this.#validateSet(item);
    for (const item of deletes) this.#target(item);
    for (const item of check) {
      this.#entity(item.entityName);
      this.#checkKey(item.key);
      if (!item.conditions) throw new KvsError(400, 'EMPTY_FILTER_OPERATOR', 'A check needs conditions');
    }
    const conditional = [...set, ...deletes, ...check].filter((i) => i.conditions);
    const tests = conditional.map((item) => [item, compileFilter(item.conditions)]);
    this.store.transaction(() => {
      for (const [item, test] of tests) {
        const current = item.entityName !== undefined ? this.store.getEntity(item.entityName, item.key)?.value : this.store.get(item.key);
        if (!test(current)) {
          throw new KvsError(409, 'CONDITIONAL_CHECK_FAILED', `The condition on ${item.entityName ? `${item.entityName} ` : ''}${item.key} is not met; nothing was written`);
        }
      }
      for (const item of set) this.#write({ ...item, options: { ttl: item.options?.ttl } });
      for (const item of deletes) this.#remove(item);
    });
    return undefined;
  }

  #batch(items, apply) {
    checkBatch(items);
    const successfulKeys = [];
    const failedKeys = [];
    for (const item of items) {
      const id = { key: item.key, ...(item.entityName !== undefined ? { entityName: item.entityName } : {}) };
      try {
        apply(item);
        successfulKeys.push(id);
      } catch (error) {
        if (!(error instanceof KvsError)) throw error;
        failedKeys.push({ ...id, error: { code: error.code, message: error.message } });
      }
    }
    return { successfulKeys, failedKeys };
  }

  #batchGet(items) {
    checkBatch(items);
    const successfulKeys = [];
    const failedKeys = [];
    for (const item of items) {
      const id = { key: item.key, ...(item.entityName !== undefined ? { entityName: item.entityName } : {}) };
      try {
        this.#target(item);
        const found = item.entityName !== undefined ? this.store.getEntity(item.entityName, item.key) : this.store.getRecord(item.key);
        if (!found) throw new KvsError(404, 'KEY_NOT_FOUND', 'Key not found');
        successfulKeys.push({ ...id, ...withMetadata(found, item.options?.metadataFields) });
      } catch (error) {
        if (!(error instanceof KvsError)) throw error;
        failedKeys.push({ ...id, error: { code: error.code, message: error.message } });
      }
    }
    return { successfulKeys, failedKeys };
  }
}

// --- Checks ---

/** Refuses a key Forge refuses: empty, longer than 500 characters, or outside the documented pattern. */
export function checkKey(key, allowSlash = false) {
  if (typeof key !== 'string' || key.length === 0) throw new KvsError(400, 'EMPTY_KEY', 'Key cannot be empty');
  if (key.length > L.KEY_MAX_LENGTH) throw new KvsError(400, 'KEY_TOO_LONG', `The key has ${key.length} characters; at most ${L.KEY_MAX_LENGTH} (${L.SOURCES.KVS_LIMITS})`);
  if (!L.KEY_PATTERN.test(allowSlash ? key.replaceAll('/', ':') : key)) throw new KvsError(400, 'INVALID_KEY', `The key ${JSON.stringify(key)} does not match ${L.KEY_PATTERN} (${L.SOURCES.KVS_LIMITS})`);
}

/** Refuses a value Forge refuses: absent, over 240 KiB as JSON, or nested deeper than 31 levels. */
export function checkValue(value) {
  if (value === undefined) throw new KvsError(400, 'INVALID_VALUE', 'A value is required');
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > L.VALUE_MAX_BYTES) throw new KvsError(400, 'MAX_SIZE', `The value is ${bytes} bytes; at most ${L.VALUE_MAX_BYTES} (${L.SOURCES.KVS_LIMITS})`);
  const d = depth(value);
  if (d > L.VALUE_MAX_DEPTH) throw new KvsError(400, 'MAX_DEPTH', `The value is nested ${d} levels deep; at most ${L.VALUE_MAX_DEPTH} (${L.SOURCES.KVS_LIMITS})`);
}

function depth(value) {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depth(child));
  return 1 + deepest;
}

function checkBatch(items) {
  if (!Array.isArray(items) || items.length === 0) throw new KvsError(400, 'EMPTY_BATCH', 'A batch needs at least one item');
  if (items.length > L.BATCH_MAX_ITEMS) throw new KvsError(400, 'TOO_MANY_ITEMS', `A batch holds at most ${L.BATCH_MAX_ITEMS} items (${L.SOURCES.BATCH})`);
  const ids = new Set(items.map((i) => `${i.entityName ?? ''}\u0000${i.key}`));
  if (ids.size !== items.length) throw new KvsError(400, 'DUPLICATE_KEY', 'A batch names one key twice');
}

function pageLimit(limit, code) {
  if (limit === undefined || limit === null) return L.QUERY_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > L.QUERY_MAX_LIMIT) {
    throw new KvsError(400, code, `The page limit must be set between 1 and ${L.QUERY_MAX_LIMIT} (${L.SOURCES.KVS_QUERY})`);
  }
  return limit;
}

function expireAt(ttl, now) {
  if (ttl === undefined || ttl === null) return null;
  const unit = TTL_SECONDS[ttl.unit];
  if (!unit || !Number.isInteger(ttl.value) || ttl.value <= 0) {
    throw new KvsError(400, 'INVALID_TTL', 'ttl is {value: a positive integer, unit: SECONDS, MINUTES, HOURS or DAYS}');
  }
  return Math.floor(now() / 1000) + ttl.value * unit;
}

function withMetadata(found, fields = []) {
  const out = { key: found.key, value: found.value };
  if (fields?.includes('CREATED_AT')) out.createdAt = found.createdAt;
  if (fields?.includes('UPDATED_AT')) out.updatedAt = found.updatedAt;
  if (fields?.includes('EXPIRE_TIME') && found.expireTime) out.expireTime = found.expireTime;
  return out;
}

// --- Cursors: opaque to the client, a position in key (and range) order here ---

function encodeCursor(position) {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(cursor) {
  try {
    const position = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8'));
    if (typeof position?.k === 'string') return { ...position, key: position.k, rng: position.r };
  } catch { /* refused below */ }
  throw new KvsError(400, 'INVALID_CURSOR', 'The cursor is not one this store gave');
}

// --- Conditions (query filters and transaction conditions) ---

const TWO_VALUES = new Set(['BETWEEN']);

function checkClause(clause) {
  const want = TWO_VALUES.has(clause.condition) ? 2 : 1;
  if (!Array.isArray(clause.values) || clause.values.length < want) {
    throw new KvsError(400, 'INSUFFICIENT_FILTER_VALUES', `${clause.condition} needs ${want} value(s)`);
  }
  if (!(clause.condition in MATCHERS)) throw new KvsError(400, 'INVALID_CONDITION', `Unknown condition ${clause.condition}`);
}

/** A predicate over an entity value (undefined: absent) from `{and: [...]}` or `{or: [...]}`. */
function compileFilter(filters) {
  const ops = Object.keys(filters).filter((k) => filters[k] !== undefined);
  if (ops.length > 1) throw new KvsError(400, 'INVALID_FILTER_OPERATORS_COMBINATION', 'Filter operators "and" and "or" cannot be present at the same level');
  const [op] = ops;
  const clauses = filters[op];
  if (!['and', 'or'].includes(op) || !Array.isArray(clauses) || clauses.length === 0) {
    throw new KvsError(400, 'EMPTY_FILTER_OPERATOR', 'Filter operators "and" and "or" cannot be empty');
  }
  for (const clause of clauses) checkClause(clause);
  const one = (value, c) => MATCHERS[c.condition](value?.[c.property], c.values);
  return op === 'and' ? (value) => clauses.every((c) => one(value, c)) : (value) => clauses.some((c) => one(value, c));
}

const comparable = (v, a) => v !== undefined && v !== null && typeof v === typeof a;
const MATCHERS = {
  EQUAL_TO: (v, [a]) => v === a,
  NOT_EQUAL_TO: (v, [a]) => v !== a,
  EXISTS: (v) => v !== undefined && v !== null,
  NOT_EXISTS: (v) => v === undefined || v === null,
  GREATER_THAN: (v, [a]) => comparable(v, a) && v > a,
  GREATER_THAN_EQUAL_TO: (v, [a]) => comparable(v, a) && v >= a,
  LESS_THAN: (v, [a]) => comparable(v, a) && v < a,
  LESS_THAN_EQUAL_TO: (v, [a]) => comparable(v, a) && v <= a,
  BETWEEN: (v, [a, b]) => comparable(v, a) && v >= a && v <= b,
  BEGINS_WITH: (v, [a]) => typeof v === 'string' && v.startsWith(String(a)),
  CONTAINS: (v, [a]) => (typeof v === 'string' || Array.isArray(v)) && v.includes(a),
  NOT_CONTAINS: (v, [a]) => !((typeof v === 'string' || Array.isArray(v)) && v.includes(a)),
};

// --- Storage rate per installation ---

/**
 * Forge's per-installation storage budget: requests per second, and read and
 * write units per minute where a request costs one unit per started 10 KB.
 * Fixed windows, like Forge's; going over answers 429 RATE_LIMIT_EXCEEDED.
 */
export class StorageRate {
  constructor(now) {
    this.now = now;
    this.second = { start: -1, n: 0 };
    this.minute = { start: -1, read: 0, write: 0 };
  }

  /** Counts one request of `bytes` of `kind` ('read' | 'write'), or throws when the budget is spent. */
  spend(kind, bytes) {
    const t = this.now();
    const second = Math.floor(t / 1000);
    const minute = Math.floor(t / 60_000);
    if (this.second.start !== second) this.second = { start: second, n: 0 };
    if (this.minute.start !== minute) this.minute = { start: minute, read: 0, write: 0 };
    const units = Math.max(1, Math.ceil(bytes / L.STORAGE_RATE_UNIT_BYTES));
    const budget = kind === 'write' ? L.STORAGE_WRITE_UNITS_PER_MINUTE : L.STORAGE_READ_UNITS_PER_MINUTE;
    if (this.second.n + 1 > L.STORAGE_REQUESTS_PER_SECOND) {
      throw new KvsError(429, 'RATE_LIMIT_EXCEEDED', `More than ${L.STORAGE_REQUESTS_PER_SECOND} storage requests in one second (${L.SOURCES.KVS_LIMITS})`);
    }
    if (this.minute[kind] + units > budget) {
      throw new KvsError(429, 'RATE_LIMIT_EXCEEDED', `More than ${budget} ${kind} units (10 KB each) in one minute (${L.SOURCES.KVS_LIMITS})`);
    }
    this.second.n += 1;
    this.minute[kind] += units;
  }
}
