// Plays JSM Assets for the app's `jiraServiceManagement:assetsImportType`
// module: calls its lifecycle functions the way Assets does (the payload
// shaped as Atlassian's fixtures, ../shared/reference/assets/
// forge-assets-import-fixtures/context/*.json) and then plays Forge's async
// events queue for the `assets-import` queue, delivering the consumer's
// events one at a time (the app asks for concurrency 1 per import) until
// the execution in the fake Assets site is DONE or CANCELLED.
//
// Delays: an event pushed with `delayInSeconds` is delivered at once, in
// push order, after the events already waiting; the delay asked for is
// added up in the answer (`delayedSeconds`), and, when the caller passes a
// `clock` with `advance(ms)`, the clock is moved on by it first, so code
// that reads the runtime's `now` sees the time pass.
//
// Retries: a consumer that answers Forge's `InvocationError` (serialised as
// `{_retry: true, retryOptions: {retryAfter, retryReason}}`) has its event
// delivered again after `retryAfter` seconds with `retryContext.retryCount`
// one higher, at most 4 times, as Forge does
// (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/);
// a thrown error is retried the same way.
//
// Used by tests/node/assets-import.test.mjs and the sandbox (POST /api/assets/run).
import { randomUUID } from 'node:crypto';
import { EXECUTION_STATUS } from './fake-assets.mjs';

/** The module key, queue and function keys fixed by the manifest (spec §1.3). */
export const ASSETS_MODULE = Object.freeze({
  moduleKey: 'entra-assets-import',
  type: 'jiraServiceManagement:assetsImportType',
  queue: 'assets-import',
  functions: {
    startImport: { key: 'fn-assets-start', handler: 'assetsStartImport' },
    stopImport: { key: 'fn-assets-stop', handler: 'assetsStopImport' },
    importStatus: { key: 'fn-assets-status', handler: 'assetsImportStatus' },
    onDeleteImport: { key: 'fn-assets-delete', handler: 'assetsDeleteImport' },
    consumer: { key: 'fn-assets-consumer', handler: 'assetsImportConsumer' },
  },
});

/** At most this many events per run; a run that needs more is stuck in a loop. */
const MAX_EVENTS = 10_000;
// Forge redelivers a failed event at most this many times.
const MAX_RETRIES = 4;

/**
 * The payload Forge gives a lifecycle function (Atlassian's fixtures:
 * context/startImport.json and the others).
 */
export function lifecyclePayload({ assets, importId, executionId = '', accountId = '557057:sandbox-assets-admin', cloudId = 'local' }) {
  const source = assets.sources.get(importId);
  if (!source) throw new Error(`The Assets site has no import source ${importId}`);
  const ids = { importId, workspaceId: assets.workspaceId, schemaId: source.schemaId };
  return {
    contextToken: 'local-context-token',
    ...ids,
    context: {
      accountId, cloudId, moduleKey: ASSETS_MODULE.moduleKey,
      localId: `ari:cloud:ecosystem::extension/local/static/${ASSETS_MODULE.moduleKey}`,
      extension: { ...ids, executionId, type: ASSETS_MODULE.type },
      userAccess: { enabled: false, hasAccess: true },
    },
  };
}

/**
 * Runs one import as Assets does when the admin presses "Import data":
 * `startImport`, then the queue until the execution finishes.
 * @param {object} options
 * @param {import('./forge-runtime.mjs').ForgeRuntime} options.runtime
 * @param {object} options.app the bundle's exports (`ForgeRuntime.loadBundle(dir, 'index')`) or the sandbox's ForgeApp
 * @param {import('./fake-assets.mjs').FakeAssets} options.assets
 * @param {string} options.importId
 * @param {{advance(ms: number): void}} [options.clock] moved on by each event's delayInSeconds
 * @param {(event: object, index: number) => (void | 'stop' | Promise<void | 'stop'>)} [options.beforeEvent] called before each delivery; answering 'stop' calls stopImport there
 * @returns {Promise<{started: object, execution: object|null, events: number, delayedSeconds: number, consumerErrors: string[], retries?: string[], stopped?: object}>}
 */
export async function runImport({ runtime, app, assets, importId, clock, beforeEvent }) {
  const queue = captureQueue(runtime);
  try {
    const started = await call(runtime, app, 'startImport', lifecyclePayload({ assets, importId }));
    const answer = { started, execution: null, events: 0, delayedSeconds: 0, consumerErrors: [] };
    while (queue.pending.length) {
      if (answer.events >= MAX_EVENTS) throw new Error(`The import needed more than ${MAX_EVENTS} queue events`);
      const event = queue.pending.shift();
      if (runtime.cancelledJobs?.has(event.jobId)) continue;
      if ((await beforeEvent?.(event, answer.events)) === 'stop') {
        answer.stopped = await stopImport({ runtime, app, assets, importId });
        continue;
      }
      if (event.delayInSeconds) {
        answer.delayedSeconds += event.delayInSeconds;
        clock?.advance(event.delayInSeconds * 1000);
      }
      answer.events += 1;
      let retry;
      try {
        const result = await deliver(runtime, app, event);
        if (result?._retry) retry = { seconds: Number(result.retryOptions?.retryAfter ?? 0), reason: result.retryOptions?.retryReason ?? 'retry asked' };
      } catch (error) {
        // Forge retries a failed event; the app's checkpoints make that safe.
        answer.consumerErrors.push(error.message);
        if (answer.consumerErrors.length > 20) throw new Error(`The consumer failed 20 times: ${answer.consumerErrors.at(-1)}`);
        retry = { seconds: 0, reason: error.message };
      }
      if (retry) {
        const retryCount = (event.retryContext?.retryCount ?? 0) + 1;
        answer.retries = [...(answer.retries ?? []), retry.reason];
        if (retryCount > MAX_RETRIES) throw new Error(`Forge would drop the event after ${MAX_RETRIES} retries: ${retry.reason}`);
        queue.pending.push({ ...event, delayInSeconds: retry.seconds, retryContext: { retryCount } });
      }
    }
    answer.execution = latestExecution(assets, importId);
    return answer;
  } finally {
    queue.release();
  }
}

/** Assets' cancel button: `stopImport` with the running execution's id. */
export async function stopImport({ runtime, app, assets, importId }) {
  const execution = latestExecution(assets, importId);
  return call(runtime, app, 'stopImport', lifecyclePayload({ assets, importId, executionId: execution?.id ?? '' }));
}

/** What the Assets UI asks when it shows the import: `{status: "READY" | "NOT_CONFIGURED"}`. */
export async function importStatus({ runtime, app, assets, importId }) {
  return call(runtime, app, 'importStatus', lifecyclePayload({ assets, importId }));
}

/** The admin deletes the import source: `onDeleteImport`, then the source is gone from the site. */
export async function deleteImport({ runtime, app, assets, importId }) {
  const answer = await call(runtime, app, 'onDeleteImport', lifecyclePayload({ assets, importId }));
  assets.sources.delete(importId);
  return answer;
}

/** The newest execution of an import source, as `FakeAssets.executions()` lists it, or null. */
export function latestExecution(assets, importId) {
  return assets.executions().filter((e) => e.importId === importId).at(-1) ?? null;
}

/** True when an execution has finished (DONE or CANCELLED). */
export function finished(execution) {
  return execution?.status === EXECUTION_STATUS.DONE || execution?.status === EXECUTION_STATUS.CANCELLED;
}

// The lifecycle functions run as Forge runs a function module: a 25 s
// invocation (forge-limits.mjs INVOCATION_SECONDS.trigger, the UI-invoked kind).
async function call(runtime, app, name, payload) {
  const fn = handlerOf(app, ASSETS_MODULE.functions[name].handler);
  return runtime.invoke({ kind: 'trigger', functionKey: ASSETS_MODULE.functions[name].key }, () => fn(payload, { principal: { accountId: payload.context.accountId } }));
}

async function deliver(runtime, app, event) {
  const consumer = handlerOf(app, ASSETS_MODULE.functions.consumer.handler);
  return runtime.invoke({ kind: 'consumer', functionKey: ASSETS_MODULE.functions.consumer.key }, () =>
    consumer({ ...event, eventId: randomUUID(), retryContext: event.retryContext ?? { retryCount: 0 } }, { principal: null }));
}

function handlerOf(app, exportName) {
  const fn = typeof app?.handler === 'function' && !app[exportName] ? app.handler(`index.${exportName}`) : app?.[exportName];
  if (typeof fn !== 'function') throw new Error(`The app exports no ${exportName}: is the Assets import module in manifest.yml and the bundle built?`);
  return fn;
}

// Takes the `assets-import` queue's pushes while a run is driven; every
// other queue's pushes go where they went before.
function captureQueue(runtime) {
  const previous = runtime.onQueuePush;
  const pending = [];
  runtime.onQueuePush = (push) => {
    if (push.body?.queueName !== ASSETS_MODULE.queue) return previous(push);
    for (const event of push.body.payload ?? []) pending.push({ ...event, queueName: push.body.queueName, jobId: push.body.jobId });
    return undefined;
  };
  return { pending, release: () => { runtime.onQueuePush = previous; } };
}
