// Forge hosted storage for the local runtime on SQLite (better-sqlite3): the
// Key-Value Store, secret storage (a separate namespace) and the Custom Entity
// Store with its declared indexes. In memory by default; a file for the
// sandbox, so data survives restarts. Each write is one indexed row update,
// so it costs the same at 100 records as at 100,000 (bench/kvs-store.mjs).
//
// This layer stores and finds; it does not validate keys, values or limits
// (kvs-wire.mjs does, with forge-limits.mjs), so tests can inspect and seed
// it freely.
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS kvs (
    space TEXT NOT NULL,              -- 'value' or 'secret'
    key TEXT NOT NULL,
    value TEXT NOT NULL,              -- JSON
    created_at INTEGER NOT NULL,      -- Unix seconds
    updated_at INTEGER NOT NULL,
    expire_at INTEGER,                -- Unix seconds, NULL: never
    PRIMARY KEY (space, key)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS entity (
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expire_at INTEGER,
    PRIMARY KEY (entity, key)
  ) WITHOUT ROWID;
  -- One row per (entity value, declared index) it belongs to: the partition
  -- values as a JSON array and the range value with its own type, so SQLite
  -- orders numbers as numbers and strings as strings.
  CREATE TABLE IF NOT EXISTS entity_index (
    entity TEXT NOT NULL,
    idx TEXT NOT NULL,
    part TEXT NOT NULL,
    rng,                              -- no declared type: values keep theirs
    key TEXT NOT NULL,
    PRIMARY KEY (entity, idx, part, rng, key)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS entity_index_by_key ON entity_index (entity, key);
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

// Above every character a key may hold (keys are ASCII: forge-limits.mjs), so
// `prefix <= key < prefix + TOP` is exactly "key begins with prefix".
const TOP = '\u{10FFFF}';

export class KeyValueStore {
  /**
   * @param {object} [options]
   * @param {string} [options.file] SQLite database file; in memory when absent
   * @param {string} [options.importJson] a `kvs.json` from the earlier JSON-file store, imported once into an empty database and then renamed `*.imported`
   * @param {Map<string, import('./entity-declarations.mjs').EntityDeclaration>} [options.entities] declared entities, for their indexes
   * @param {() => number} [options.now] clock, Unix milliseconds
   */
  constructor({ file, importJson, entities = new Map(), now = Date.now } = {}) {
    if (file) mkdirSync(path.dirname(file), { recursive: true });
    this.file = file ?? ':memory:';
    this.db = new Database(this.file);
    // WAL: a write appends to the log instead of rewriting pages in place.
    if (file) this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.entities = entities;
    this.now = now;
    this.#prepare();
    if (importJson) this.importJsonOnce(importJson);
  }

  #prepare() {
    const db = this.db;
    this.sql = {
      get: db.prepare('SELECT key, value, created_at, updated_at, expire_at FROM kvs WHERE space = ? AND key = ?'),
      upsert: db.prepare(`INSERT INTO kvs (space, key, value, created_at, updated_at, expire_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (space, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, expire_at = excluded.expire_at`),
      delete: db.prepare('DELETE FROM kvs WHERE space = ? AND key = ?'),
      query: db.prepare(`SELECT key, value, created_at, updated_at, expire_at FROM kvs
        WHERE space = 'value' AND key >= ? AND key < ? AND key > ? AND (expire_at IS NULL OR expire_at > ?) ORDER BY key LIMIT ?`),
      all: db.prepare('SELECT key, value FROM kvs WHERE space = ? AND (expire_at IS NULL OR expire_at > ?) ORDER BY key'),
      entityGet: db.prepare('SELECT key, value, created_at, updated_at, expire_at FROM entity WHERE entity = ? AND key = ?'),
      entityUpsert: db.prepare(`INSERT INTO entity (entity, key, value, created_at, updated_at, expire_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (entity, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, expire_at = excluded.expire_at`),
      entityDelete: db.prepare('DELETE FROM entity WHERE entity = ? AND key = ?'),
      indexDelete: db.prepare('DELETE FROM entity_index WHERE entity = ? AND key = ?'),
      indexInsert: db.prepare('INSERT OR REPLACE INTO entity_index (entity, idx, part, rng, key) VALUES (?, ?, ?, ?, ?)'),
      count: db.prepare("SELECT (SELECT count(*) FROM kvs) + (SELECT count(*) FROM entity) AS n"),
      metaGet: db.prepare('SELECT value FROM meta WHERE name = ?'),
      metaSet: db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)'),
    };
  }

  #seconds() {
    return Math.floor(this.now() / 1000);
  }

  // --- Key-Value Store and secrets ---

  /** The value under `key`, or undefined (also once its TTL has passed). */
  get(key, { secret = false } = {}) {
    return this.getRecord(key, { secret })?.value;
  }

  /** `{ key, value, createdAt, updatedAt, expireTime? }` (seconds; expireTime ISO 8601), or undefined. */
  getRecord(key, { secret = false } = {}) {
    return this.#live(this.sql.get.get(space(secret), key));
  }

  /**
   * Stores `value` (any JSON) under `key`; `expireAt` in Unix seconds.
   * @returns {{previous: object|undefined, latest: object}} the records before and after
   */
  set(key, value, { secret = false, expireAt = null } = {}) {
    const previous = this.getRecord(key, { secret });
    const at = this.#seconds();
    // A key whose TTL passed is gone: writing it again creates it afresh.
    const created = previous ? previous.createdAt : at;
    this.sql.upsert.run(space(secret), key, JSON.stringify(value), created, at, expireAt);
    return { previous, latest: this.getRecord(key, { secret }) };
  }

  /** Removes `key`; true when it was there. */
  delete(key, { secret = false } = {}) {
    return this.sql.delete.run(space(secret), key).changes > 0;
  }

  /**
   * Plain keys beginning with `prefix`, ascending, after `after` (exclusive).
   * @returns {{records: object[], more: boolean}}
   */
  query({ prefix = '', after = '', limit }) {
    const rows = this.sql.query.all(prefix, prefix + TOP, after, this.#seconds(), limit + 1);
    return { records: rows.slice(0, limit).map(record), more: rows.length > limit };
  }

  /** Plain values (not secrets) as [key, value] pairs, for tests that inspect what was stored. */
  entries() {
    return this.sql.all.all('value', this.#seconds()).map((r) => [r.key, JSON.parse(r.value)]);
  }

  /** Secret keys (never their values). */
  secretKeys() {
    return this.sql.all.all('secret', this.#seconds()).map((r) => r.key);
  }

  /** Everything stored, for tests that check what never reaches storage: `{values, secrets, entities}`. */
  get data() {
    const values = Object.fromEntries(this.entries());
    const secrets = Object.fromEntries(this.sql.all.all('secret', this.#seconds()).map((r) => [r.key, JSON.parse(r.value)]));
    const entities = {};
    for (const r of this.db.prepare('SELECT entity, key, value FROM entity').all()) {
      (entities[r.entity] ??= {})[r.key] = JSON.parse(r.value);
    }
    return { values, secrets, entities };
  }

  /** Records in all namespaces together. */
  count() {
    return this.sql.count.get().n;
  }

  // --- Custom Entity Store ---

  /** `{ key, value, createdAt, updatedAt, expireTime? }` of entity `entity`'s `key`, or undefined. */
  getEntity(entity, key) {
    return this.#live(this.sql.entityGet.get(entity, key));
  }

  /** Stores an entity value and its index rows; see `set` for the answer. */
  setEntity(entity, key, value, { expireAt = null } = {}) {
    const previous = this.getEntity(entity, key);
    const at = this.#seconds();
    this.sql.entityUpsert.run(entity, key, JSON.stringify(value), previous ? previous.createdAt : at, at, expireAt);
    this.sql.indexDelete.run(entity, key);
    for (const index of this.entities.get(entity)?.indexes ?? []) {
      const entry = indexEntry(index, value);
      if (entry) this.sql.indexInsert.run(entity, index.name, entry.part, entry.rng, key);
    }
    return { previous, latest: this.getEntity(entity, key) };
  }

  /** Removes an entity value and its index rows; true when it was there. */
  deleteEntity(entity, key) {
    this.sql.indexDelete.run(entity, key);
    return this.sql.entityDelete.run(entity, key).changes > 0;
  }

  /**
   * Walks index `index` of `entity` in one partition, in range order (then
   * key order), from just after `after` ({rng, key}), yielding records.
   * `range` narrows it with a Forge where-condition on the range attribute.
   */
  *scanIndex({ entity, index, partition, range, sort = 'ASC', after }) {
    const desc = sort === 'DESC';
    const where = ['i.entity = ?', 'i.idx = ?', 'i.part = ?', '(e.expire_at IS NULL OR e.expire_at > ?)'];
    const args = [entity, index.name, JSON.stringify(partition), this.#seconds()];
    if (range) {
      const [a, b] = range.values;
      const ops = { EQUAL_TO: '= ?', GREATER_THAN: '> ?', GREATER_THAN_EQUAL_TO: '>= ?', LESS_THAN: '< ?', LESS_THAN_EQUAL_TO: '<= ?' };
      if (range.condition === 'BETWEEN') {
        where.push('i.rng >= ? AND i.rng <= ?');
        args.push(sqlValue(a), sqlValue(b));
      } else if (range.condition === 'BEGINS_WITH') {
        where.push('i.rng >= ? AND i.rng < ?');
        args.push(String(a), `${a}${TOP}`);
      } else {
        where.push(`i.rng ${ops[range.condition]}`);
        args.push(sqlValue(a));
      }
    }
    if (after) {
      where.push(desc ? '(i.rng, i.key) < (?, ?)' : '(i.rng, i.key) > (?, ?)');
      args.push(sqlValue(after.rng), after.key);
    }
    const order = desc ? 'DESC' : 'ASC';
    const stmt = this.#statement(`SELECT i.rng AS rng, e.key, e.value, e.created_at, e.updated_at, e.expire_at
      FROM entity_index i JOIN entity e ON e.entity = i.entity AND e.key = i.key
      WHERE ${where.join(' AND ')} ORDER BY i.rng ${order}, i.key ${order}`);
    for (const row of stmt.iterate(...args)) yield { rng: row.rng, ...record(row) };
  }

  // --- Transactions and housekeeping ---

  /** Runs `fn` all-or-nothing: if it throws, nothing it wrote stays. */
  transaction(fn) {
    return this.db.transaction(fn)();
  }

  /**
   * Imports a `kvs.json` written by the earlier JSON-file store
   * (`{values: {}, secrets: {}}`), once: only into an empty database, and
   * renames the file `kvs.json.imported` afterwards so a restart does not
   * import it again. Returns how many records it imported.
   */
  importJsonOnce(jsonFile) {
    if (!existsSync(jsonFile) || this.sql.metaGet.get('imported-json')) return 0;
    const { values = {}, secrets = {} } = JSON.parse(readFileSync(jsonFile, 'utf8'));
    let n = 0;
    this.transaction(() => {
      if (this.count() === 0) {
        for (const [key, value] of Object.entries(values)) { this.set(key, value); n += 1; }
        for (const [key, value] of Object.entries(secrets)) { this.set(key, value, { secret: true }); n += 1; }
      }
      this.sql.metaSet.run('imported-json', new Date(this.now()).toISOString());
    });
    renameSync(jsonFile, `${jsonFile}.imported`);
    return n;
  }

  /** Closes the database file. */
  close() {
    this.db.close();
  }

  // Index scans come in a handful of shapes: each is prepared once.
  #statement(sql) {
    this.statements ??= new Map();
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  #live(row) {
    if (!row) return undefined;
    if (row.expire_at !== null && row.expire_at <= this.#seconds()) return undefined;
    return record(row);
  }
}

function space(secret) {
  return secret ? 'secret' : 'value';
}

function record(row) {
  return {
    key: row.key,
    value: JSON.parse(row.value),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.expire_at !== null ? { expireTime: new Date(row.expire_at * 1000).toISOString() } : {}),
  };
}

// SQLite has no booleans: they are stored and compared as 0/1.
function sqlValue(v) {
  return typeof v === 'boolean' ? Number(v) : v;
}

/** The index row of `value` for `index`, or null when it lacks an attribute the index needs (Forge leaves such values out of it). */
export function indexEntry(index, value) {
  const part = [];
  for (const attribute of index.partition) {
    if (value?.[attribute] === undefined || value[attribute] === null) return null;
    part.push(value[attribute]);
  }
  const rng = value?.[index.range];
  if (rng === undefined || rng === null || typeof rng === 'object') return null;
  return { part: JSON.stringify(part), rng: sqlValue(rng) };
}
