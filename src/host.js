// The `host` object handed to the Rust core: Forge capabilities, one method
// each, no decisions. Its shape is documented in src/wasm/js_host.rs.
import api, { assumeTrustedRoute, webTrigger } from '@forge/api';
import { kvs } from '@forge/kvs';
import { Queue } from '@forge/events';

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

export function forgeHost() {
  return {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (level, message) => console[LEVELS.has(level) ? level : 'log'](message),
    kvsGet: (key) => kvs.get(key),
    kvsSet: (key, value) => kvs.set(key, value),
    kvsDelete: (key) => kvs.delete(key),
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
