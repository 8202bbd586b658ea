// Forge KVS and secret storage for the local runtime: in memory, or persisted
// to a JSON file so the sandbox keeps its data across restarts.
import { readFileSync, writeFileSync, renameSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';

export class KeyValueStore {
  constructor({ file } = {}) {
    this.file = file;
    this.data = { values: {}, secrets: {} };
    if (file && existsSync(file)) this.data = JSON.parse(readFileSync(file, 'utf8'));
  }

  get(key, { secret = false } = {}) {
    const value = this.#space(secret)[key];
    return value === undefined ? undefined : structuredClone(value);
  }

  set(key, value, { secret = false } = {}) {
    this.#space(secret)[key] = structuredClone(value);
    this.#persist();
  }

  delete(key, { secret = false } = {}) {
    delete this.#space(secret)[key];
    this.#persist();
  }

  /** Plain values (not secrets), for tests that inspect what was stored. */
  entries() {
    return Object.entries(this.data.values);
  }

  secretKeys() {
    return Object.keys(this.data.secrets);
  }

  #space(secret) {
    return secret ? this.data.secrets : this.data.values;
  }

  #persist() {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 1));
    renameSync(tmp, this.file);
  }
}
