// A local stand-in for Atlassian's Forge Node runtime, enough to run the
// bundled handlers (build/forge/*.cjs) unchanged: it defines the two globals
// the Forge SDKs call (`__forge_runtime__`, `__forge_fetch__`) and answers
// their product calls: hosted storage (kvs-wire.mjs on kvs-store.mjs), the
// async events queue and a fake Jira, holding each to Forge's limits
// (forge-limits.mjs).
//
// Used by the Node tests and by the local sandbox (`npm start`).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { KeyValueStore } from './kvs-store.mjs';
import { KvsService } from './kvs-wire.mjs';
import { declareEntities } from './entity-declarations.mjs';
import * as L from './forge-limits.mjs';

// The process clock as it was before any advanceClock.
const REAL_NOW = Date.now.bind(Date);

const noopMetric = { incr() {}, measure: () => ({ stop() {} }) };
const metrics = { counter: () => noopMetric, timing: () => noopMetric, gauge: () => noopMetric };

/** The repository's manifest.yml, whose entity declarations and function timeouts the runtime uses unless told otherwise. */
export const DEFAULT_MANIFEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'manifest.yml');

/** An invocation that ran past its module kind's limit, as Forge stops it. */
export class InvocationTimeoutError extends Error {
  constructor(kind, seconds) {
    super(`Forge stopped this ${kind} invocation: it ran past its ${seconds} s limit (${L.SOURCES.INVOCATION})`);
    this.name = 'InvocationTimeoutError';
    this.kind = kind;
    this.limitSeconds = seconds;
  }
}

export class ForgeRuntime {
  /**
   * @param {object} options
   * @param {KeyValueStore} [options.store] hosted storage (in memory unless given a file-backed store)
   * @param {string} [options.manifestFile] manifest to read `app.storage.entities` and function `timeoutSeconds` from (default: the repository's)
   * @param {object[]} [options.entities] entity declarations in the manifest's shape, instead of the manifest's
   * @param {() => number} [options.now] clock, Unix milliseconds (storage metadata, TTLs, rate windows, invocation time)
   * @param {boolean} [options.enforceStorageRate] count the installation's storage rate (default on)
   * @param {boolean} [options.allowSlashInKeys] accept '/' in storage keys. Forge refuses them
   *   (forge-limits.mjs KEY_PATTERN), but the app still writes `config/app`,
   *   `graph/client-secret`, `service-api/*`, `job/*` and `ui/panel/*`: the
   *   app's tests and the sandbox set this until those keys use ':' instead.
   * @param {(request: {method, path, headers, body, asUser}) => Promise<{status, headers?, body?}>} [options.jira]
   * @param {(event) => void} [options.onQueuePush]
   */
  constructor({ store, manifestFile = DEFAULT_MANIFEST, entities, now, enforceStorageRate = true, allowSlashInKeys = false, jira, onQueuePush, webTriggerUrls = {} } = {}) {
    this.manifest = existsSync(manifestFile) ? YAML.parse(readFileSync(manifestFile, 'utf8')) ?? {} : {};
    this.entities = declareEntities(entities ?? this.manifest.app?.storage?.entities ?? []);
    // Without a clock of the caller's, the process clock moved by advanceClock.
    this.clockOffsetMs = 0;
    now ??= () => REAL_NOW() + this.clockOffsetMs;
    this.now = now;
    // Web trigger module key -> URL, as Forge's createWebTriggerUrl answers.
    this.webTriggerUrls = webTriggerUrls;
    this.store = store ?? new KeyValueStore({ now });
    // The store keeps index rows for the declared entities: one source of truth.
    this.store.entities = this.entities;
    this.kvs = new KvsService({ store: this.store, entities: this.entities, now, enforceRate: enforceStorageRate, allowSlashInKeys });
    this.jira = jira ?? (async () => ({ status: 404, body: JSON.stringify({ errorMessages: ['No fake Jira configured'] }) }));
    this.onQueuePush = onQueuePush ?? (() => {});
    // Jobs cancelled through `Queue.getJob(jobId).cancel()`: their events not yet delivered are dropped by whoever delivers.
    this.cancelledJobs = new Set();
    this.pushedJobs = new Set();
    this.queueMinute = { start: -1, events: 0 };
    this.calls = [];
    this.appId = 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000';
    this.deadline = null;
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
      // Honest: the time left of the invocation in progress (see invoke);
      // outside one, a resolver's allowance.
      lambdaContext: { getRemainingTimeInMillis: () => this.remainingMillis() },
      metrics,
      tracing: { traceId: randomUUID(), spanId: randomUUID() },
      proxy: { token: 'local', url: 'http://localhost' },
    };
    globalThis.__forge_fetch__ = (context, urlPath, init = {}) => this.#fetch(context, urlPath, init);
    return this;
  }

  /**
   * Moves this runtime's clock forward by `ms` milliseconds, and with it the
   * process's `Date.now`, which the app's host reads as on Forge (its
   * `now()`): storage TTLs, the app's schedules and its Graph deadlines all
   * see the same time. For the sandbox's `POST /api/clock` and the tests;
   * Forge has no such thing. Answers the new time.
   */
  advanceClock(ms) {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new TypeError('advanceClock takes a non-negative whole number of milliseconds');
    this.clockOffsetMs += ms;
    const offset = () => this.clockOffsetMs;
    Date.now = () => REAL_NOW() + offset();
    return this.now();
  }

  /** Milliseconds left of the invocation in progress. */
  remainingMillis() {
    const deadline = this.deadline ?? this.now() + L.INVOCATION_SECONDS.resolver * 1000;
    return Math.max(0, deadline - this.now());
  }

  /**
   * The run-time limit of one invocation, in seconds: the module kind's
   * (forge-limits.mjs INVOCATION_SECONDS), or for consumers and scheduled
   * triggers the function's `timeoutSeconds` from the manifest.
   * @param {keyof typeof L.INVOCATION_SECONDS} kind
   * @param {string} [functionKey] the manifest function key
   */
  timeLimitSeconds(kind, functionKey) {
    const base = L.INVOCATION_SECONDS[kind];
    if (base === undefined) throw new Error(`Unknown module kind ${kind}: one of ${Object.keys(L.INVOCATION_SECONDS).join(', ')}`);
    const declared = this.#function(functionKey)?.timeoutSeconds;
    if (declared === undefined || !L.EXTENDABLE_KINDS.includes(kind)) return base;
    if (!Number.isInteger(declared) || declared < 1 || declared > L.INVOCATION_MAX_TIMEOUT_SECONDS) {
      throw new Error(`Function ${functionKey}: timeoutSeconds is 1..${L.INVOCATION_MAX_TIMEOUT_SECONDS} (${L.SOURCES.INVOCATION})`);
    }
    return declared;
  }

  /**
   * Runs one invocation of a handler as Forge would: `getRemainingTimeInMillis`
   * counts down from the kind's limit, and an invocation that has not
   * finished by then fails with InvocationTimeoutError (also one that
   * finished late: Forge would have stopped it).
   * @param {{kind: keyof typeof L.INVOCATION_SECONDS, functionKey?: string}} module
   * @param {() => Promise<unknown>} run
   */
  async invoke({ kind, functionKey }, run) {
    const seconds = this.timeLimitSeconds(kind, functionKey);
    const outer = this.deadline;
    const started = this.now();
    this.deadline = started + seconds * 1000;
    let timer;
    const timeout = new Promise((_, reject) => {
      // Not unref'd: an invocation in progress keeps the process alive, as it would on Forge.
      timer = setTimeout(() => reject(new InvocationTimeoutError(kind, seconds)), seconds * 1000);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(run), timeout]);
      if (this.now() - started > seconds * 1000) throw new InvocationTimeoutError(kind, seconds);
      return result;
    } finally {
      clearTimeout(timer);
      this.deadline = outer;
    }
  }

  /** Loads a bundled handler module the way Forge does: by file, from anywhere. */
  static loadBundle(bundleDir, moduleName) {
    const require = createRequire(path.join(bundleDir, 'package.json'));
    return require(path.join(bundleDir, `${moduleName}.cjs`));
  }

  #function(functionKey) {
    return (this.manifest.modules?.function ?? []).find((f) => f.key === functionKey);
  }

  async #fetch(context, urlPath, init) {
    const body = init.body === undefined ? undefined : String(init.body);
    this.calls.push({ context, path: urlPath, method: init.method ?? 'GET' });
    if (context?.type === 'kvs') {
      let request;
      try {
        request = body ? JSON.parse(body) : {};
      } catch {
        return json(400, { code: 'INVALID_REQUEST', message: 'The request body is not JSON' });
      }
      const answer = this.kvs.handle(urlPath, request);
      return answer.body === undefined ? response(answer.status) : json(answer.status, answer.body);
    }
    if (context?.type === 'fpp' && context.remote === 'jira') {
      const res = await this.jira({ method: init.method ?? 'GET', path: urlPath, headers: init.headers ?? {}, body, asUser: context.provider === 'user' });
      return response(res.status, res.body, res.headers ?? { 'content-type': 'application/json' });
    }
    if (context?.remote === 'stargate' && urlPath === '/graphql' && body?.includes('createWebTriggerUrl')) {
      const key = JSON.parse(body).variables?.input?.triggerKey;
      const url = this.webTriggerUrls[key];
      return url ? json(200, { data: { createWebTriggerUrl: { url } } }) : json(200, { data: null, errors: [{ message: `No web trigger ${key}` }] });
    }
    if (urlPath.startsWith('/webhook/queue/publish/')) {
      const push = body ? JSON.parse(body) : {};
      const refusal = this.#queueRefusal(push);
      if (refusal) return refusal;
      this.pushedJobs.add(push.jobId);
      this.onQueuePush({ path: urlPath, body: push });
      return response(201, '{}');
    }
    // @forge/events JobProgress.cancel(): 204, or 404 for a job never pushed (JobDoesNotExistError).
    if (urlPath.startsWith('/webhook/queue/cancel/')) {
      const { jobId } = body ? JSON.parse(body) : {};
      if (!this.pushedJobs.has(jobId)) return json(404, { message: `No job ${jobId}` });
      this.cancelledJobs.add(jobId);
      return response(204);
    }
    return json(404, { code: 'NOT_FOUND', message: `The local Forge runtime does not serve ${urlPath}` });
  }

  // Forge's async events limits, answered as the events service does: 413
  // (PayloadTooBigError) for size, 429 (RateLimitError) for the per-minute
  // count, 400 otherwise.
  #queueRefusal(push) {
    const events = push.payload ?? [];
    if (events.length > L.QUEUE_MAX_EVENTS_PER_PUSH) {
      return json(400, { message: `At most ${L.QUEUE_MAX_EVENTS_PER_PUSH} events per push; this one has ${events.length} (${L.SOURCES.ASYNC_EVENTS})` });
    }
    const bytes = Buffer.byteLength(JSON.stringify(events));
    if (bytes > L.QUEUE_MAX_PUSH_BYTES) {
      return json(413, { errorMessage: `The events of one push total ${bytes} bytes; at most ${L.QUEUE_MAX_PUSH_BYTES} (${L.SOURCES.ASYNC_EVENTS})` });
    }
    if (this.#consumerTimeout(push.queueName) > 55) {
      const largest = Math.max(0, ...events.map((e) => Buffer.byteLength(JSON.stringify(e))));
      if (largest > L.QUEUE_MAX_EVENT_BYTES_LONG_RUNNING) {
        return json(413, { errorMessage: `An event for a consumer with timeoutSeconds above 55 is at most ${L.QUEUE_MAX_EVENT_BYTES_LONG_RUNNING} bytes; one is ${largest} (${L.SOURCES.ASYNC_EVENTS})` });
      }
    }
    const minute = Math.floor(this.now() / 60_000);
    if (this.queueMinute.start !== minute) this.queueMinute = { start: minute, events: 0 };
    if (this.queueMinute.events + events.length > L.QUEUE_MAX_EVENTS_PER_MINUTE) {
      return json(429, { message: `More than ${L.QUEUE_MAX_EVENTS_PER_MINUTE} events pushed in one minute (${L.SOURCES.ASYNC_EVENTS})` });
    }
    this.queueMinute.events += events.length;
    return null;
  }

  #consumerTimeout(queueName) {
    const consumer = (this.manifest.modules?.consumer ?? []).find((c) => c.queue === queueName);
    return this.#function(consumer?.function ?? consumer?.resolver?.function)?.timeoutSeconds ?? 55;
  }
}

function json(status, value) {
  return response(status, JSON.stringify(value), { 'content-type': 'application/json' });
}

// A 101, 103, 204, 205 or 304 has no body (https://fetch.spec.whatwg.org/#null-body-status):
// Node's Response refuses one with a body, even '', and Forge's fetch answers
// such a status with `body === null`. Every Response of this runtime is built here.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** A fetch Response as Forge's would be: no body for a null-body status, '' for none otherwise. */
function response(status, body, headers) {
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body ?? '', { status, headers });
}
