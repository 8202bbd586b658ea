// A local stand-in for Atlassian's Forge Node runtime, enough to run the
// bundled handlers (build/forge/*.cjs) unchanged: it defines the two globals
// the Forge SDKs call (`__forge_runtime__`, `__forge_fetch__`) and answers
// their product calls with a KVS + secret store and a fake Jira.
//
// Used by the Node tests and by the local sandbox (`npm start`).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { KeyValueStore } from './kvs-store.mjs';

const noopMetric = { incr() {}, measure: () => ({ stop() {} }) };
const metrics = { counter: () => noopMetric, timing: () => noopMetric, gauge: () => noopMetric };

export class ForgeRuntime {
  /**
   * @param {object} options
   * @param {KeyValueStore} [options.store] KVS and secrets (in memory unless given a file-backed store)
   * @param {(request: {method, path, headers, body, asUser}) => Promise<{status, headers?, body?}>} [options.jira]
   * @param {(event) => void} [options.onQueuePush]
   */
  constructor({ store = new KeyValueStore(), jira, onQueuePush, webTriggerUrls = {} } = {}) {
    // Web trigger module key -> URL, as Forge's createWebTriggerUrl answers.
    this.webTriggerUrls = webTriggerUrls;
    this.store = store;
    this.jira = jira ?? (async () => ({ status: 404, body: JSON.stringify({ errorMessages: ['No fake Jira configured'] }) }));
    this.onQueuePush = onQueuePush ?? (() => {});
    this.calls = [];
    this.appId = 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000';
  }

  /** Defines the Forge globals for the current process. */
  install() {
    globalThis.__forge_runtime__ = {
      appContext: {
        appId: this.appId,
        appVersion: '1.0.0',
        environmentId: 'local',
        environmentType: 'DEVELOPMENT',
        invocationId: randomUUID(),
        installationId: 'local-installation',
        moduleKey: 'local',
        permissions: { scopes: [], external: {} },
      },
      contextAri: 'ari:cloud:jira::site/local',
      lambdaContext: { getRemainingTimeInMillis: () => 55_000 },
      metrics,
      tracing: { traceId: randomUUID(), spanId: randomUUID() },
      proxy: { token: 'local', url: 'http://localhost' },
    };
    globalThis.__forge_fetch__ = (context, urlPath, init = {}) => this.#fetch(context, urlPath, init);
    return this;
  }

  /** Loads a bundled handler module the way Forge does: by file, from anywhere. */
  static loadBundle(bundleDir, moduleName) {
    const require = createRequire(path.join(bundleDir, 'package.json'));
    return require(path.join(bundleDir, `${moduleName}.cjs`));
  }

  async #fetch(context, urlPath, init) {
    const body = init.body === undefined ? undefined : String(init.body);
    this.calls.push({ context, path: urlPath, method: init.method ?? 'GET' });
    if (context?.type === 'kvs') return this.#kvs(urlPath, body ? JSON.parse(body) : {});
    if (context?.type === 'fpp' && context.remote === 'jira') {
      const res = await this.jira({ method: init.method ?? 'GET', path: urlPath, headers: init.headers ?? {}, body, asUser: context.provider === 'user' });
      return new Response(res.body ?? '', { status: res.status, headers: res.headers ?? { 'content-type': 'application/json' } });
    }
    if (context?.remote === 'stargate' && urlPath === '/graphql' && body?.includes('createWebTriggerUrl')) {
      const key = JSON.parse(body).variables?.input?.triggerKey;
      const url = this.webTriggerUrls[key];
      return url ? json(200, { data: { createWebTriggerUrl: { url } } }) : json(200, { data: null, errors: [{ message: `No web trigger ${key}` }] });
    }
    if (urlPath.startsWith('/webhook/queue/publish/')) {
      this.onQueuePush({ path: urlPath, body: body ? JSON.parse(body) : undefined });
      return new Response('{}', { status: 201 });
    }
    return json(404, { code: 'NOT_FOUND', message: `The local Forge runtime does not serve ${urlPath}` });
  }

  async #kvs(urlPath, request) {
    const secret = urlPath.startsWith('/api/v1/secret/');
    const op = urlPath.replace('/api/v1/secret/', '').replace('/api/v1/', '');
    const { key } = request;
    switch (op) {
      case 'get': {
        const value = this.store.get(key, { secret });
        return value === undefined ? json(404, { code: 'KEY_NOT_FOUND', message: 'Key not found' }) : json(200, { key, value });
      }
      case 'set':
        this.store.set(key, request.value, { secret });
        return new Response(null, { status: 204 });
      case 'delete':
        this.store.delete(key, { secret });
        return new Response(null, { status: 204 });
      default:
        return json(400, { code: 'UNSUPPORTED', message: `The local KVS does not implement ${urlPath}` });
    }
  }
}

function json(status, value) {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}
