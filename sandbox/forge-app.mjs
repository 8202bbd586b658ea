// The real bundled app (build/forge/*.cjs) as the sandbox drives it: reads
// manifest.yml to learn which entry points exist (web trigger, resolver,
// automation actions, product-event triggers, scheduled triggers, queue
// consumers, Custom UI pages) and calls their handlers the way Forge does.
// Everything is discovered from the manifest, so an entry point lights up in
// the sandbox as soon as the app declares it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { ForgeRuntime } from './runtime/forge-runtime.mjs';
import { ConcurrencySlots } from './runtime/queue-concurrency.mjs';

const PAGE_MODULES = {
  'jira:adminPage': 'Admin page',
  'jira:issueContext': 'Issue panel',
  'jira:issuePanel': 'Issue panel',
  'jiraServiceManagement:portalRequestDetail': 'Portal panel',
  'jiraServiceManagement:portalRequestDetailPanel': 'Portal panel',
  'jiraServiceManagement:assetsImportType': 'Assets import configuration',
};

export class ForgeApp {
  /**
   * @param {object} options
   * @param {string} options.bundleDir build/forge
   * @param {string} options.manifestFile manifest.yml
   * @param {import('./runtime/kvs-store.mjs').KeyValueStore} options.store
   * @param {import('./runtime/fake-jira.mjs').FakeJira} options.jira
   * @param {(line: string) => void} [options.log]
   */
  constructor({ bundleDir, manifestFile, store, jira, log = () => {} }) {
    if (!existsSync(path.join(bundleDir, 'index.cjs'))) {
      throw new Error(`No bundled app at ${bundleDir}: run 'npm run build' (npm start does this unless --no-setup).`);
    }
    this.bundleDir = bundleDir;
    this.jira = jira;
    this.log = log;
    this.manifest = YAML.parse(readFileSync(manifestFile, 'utf8'));
    this.manifestDir = path.dirname(manifestFile);
    this.pendingJobs = new Set();
    this.slots = new ConcurrencySlots();
    // allowSlashInKeys: a sandbox database may hold keys an older version of
    // the app wrote with '/' (imported from its kvs.json); the app moves
    // them to its current layout (src/maintenance/migrate.rs) and writes
    // none itself. The tests run the runtime strict.
    this.runtime = new ForgeRuntime({ store, manifestFile, allowSlashInKeys: true, jira: jira.handle, onQueuePush: (push) => this.#deliver(push) }).install();
    this.modules = this.#describeModules();
  }

  /** What the app declares, in a shape the web page can show. */
  #describeModules() {
    const m = this.manifest.modules ?? {};
    const fn = (key) => this.#functionHandler(key);
    return {
      webtriggers: (m.webtrigger ?? []).map((w) => ({ key: w.key, handler: fn(w.function), functionKey: w.function })),
      actions: (m.action ?? []).map((a) => ({ key: a.key, name: a.name ?? a.key, description: a.description, verb: a.actionVerb, inputs: inputsOf(a.inputs), handler: fn(a.function), functionKey: a.function })),
      triggers: (m.trigger ?? []).map((t) => ({ key: t.key, events: t.events ?? [], handler: fn(t.function ?? t.endpoint), functionKey: t.function })),
      scheduled: (m.scheduledTrigger ?? []).map((s) => ({ key: s.key, interval: s.interval, handler: fn(s.function), functionKey: s.function })),
      consumers: (m.consumer ?? []).map((c) => ({ key: c.key, queue: c.queue, handler: fn(c.function ?? c.resolver?.function), functionKey: c.function ?? c.resolver?.function })),
      pages: Object.entries(PAGE_MODULES).flatMap(([type, title]) =>
        (m[type] ?? []).map((p) => ({ type, title: p.title ?? title, key: p.key, resource: p.resource, resolver: fn(p.resolver?.function) }))),
      resources: (this.manifest.resources ?? []).map((r) => ({ key: r.key, path: path.join(this.manifestDir, r.path) })),
    };
  }

  /** `index.serviceApi` of a manifest function key, or null when the key is unknown. */
  #functionHandler(functionKey) {
    const entry = (this.manifest.modules?.function ?? []).find((f) => f.key === functionKey);
    return entry?.handler ?? null;
  }

  /** The exported function behind `module.export`, or null when the bundle lacks it. */
  handler(spec) {
    if (!spec) return null;
    const dot = spec.lastIndexOf('.');
    const [moduleName, exportName] = [spec.slice(0, dot), spec.slice(dot + 1)];
    if (!existsSync(path.join(this.bundleDir, `${moduleName}.cjs`))) return null;
    const exported = ForgeRuntime.loadBundle(this.bundleDir, moduleName)[exportName];
    return typeof exported === 'function' ? exported : null;
  }

  #context(moduleKey, extra = {}) {
    return { installContext: 'ari:cloud:jira::site/local', moduleKey, cloudId: 'local', ...extra };
  }

  /** The Service API web trigger with a web trigger request. */
  async serviceApi(request) {
    const trigger = this.modules.webtriggers[0];
    const handle = this.handler(trigger?.handler);
    if (!handle) throw new Error('The app declares no web trigger');
    return this.runtime.invoke({ kind: 'webtrigger', functionKey: trigger.functionKey }, () => handle(request, this.#context(trigger.key)));
  }

  /** A Custom UI `invoke(functionKey, payload)` by `accountId`. */
  async resolver(accountId, functionKey, payload = {}, moduleKey = 'admin-page', extraContext = {}) {
    const page = this.modules.pages.find((p) => p.key === moduleKey);
    const handle = this.handler(page?.resolver ?? 'index.resolver');
    if (!handle) return { ok: false, error: { code: 'unknown_function', message: 'The app has no resolver' } };
    return this.jira.as(accountId, () => this.runtime.invoke({ kind: 'resolver' }, () =>
      handle({ call: { functionKey, payload }, context: { moduleKey, accountId, ...extraContext } }, { principal: { accountId } })));
  }

  /** Runs an automation action as the rule's actor, inputs as top-level keys. */
  async runAction(actionKey, inputs, accountId) {
    const action = this.modules.actions.find((a) => a.key === actionKey);
    const handle = this.handler(action?.handler);
    if (!handle) throw new Error(`The app has no automation action ${actionKey}`);
    return this.jira.as(accountId, () => this.runtime.invoke({ kind: 'action', functionKey: action.functionKey }, () =>
      handle({ ...inputs, context: this.#context(actionKey) }, this.#context(actionKey, { principal: { accountId } }))));
  }

  /** Delivers a product event to every trigger that listens to it; returns what each answered. */
  async fireEvent(eventType, event) {
    const listeners = this.modules.triggers.filter((t) => t.events.includes(eventType));
    const results = [];
    for (const trigger of listeners) {
      const handle = this.handler(trigger.handler);
      if (!handle) continue;
      const result = await this.runtime.invoke({ kind: 'trigger', functionKey: trigger.functionKey }, () => handle({ eventType, ...event }, this.#context(trigger.key)));
      results.push({ trigger: trigger.key, result });
    }
    return results;
  }

  /** Runs scheduled triggers now (all, or the one named). */
  async runScheduled(key) {
    const results = [];
    for (const trigger of this.modules.scheduled.filter((s) => !key || s.key === key)) {
      const handle = this.handler(trigger.handler);
      if (!handle) continue;
      const result = await this.runtime.invoke({ kind: 'scheduledTrigger', functionKey: trigger.functionKey }, () => handle({ context: this.#context(trigger.key) }, this.#context(trigger.key)));
      results.push({ trigger: trigger.key, result });
    }
    return results;
  }

  /** Resolves once every queue job pushed so far has been consumed. */
  async settle() {
    while (this.pendingJobs.size) await Promise.allSettled([...this.pendingJobs]);
  }

  // Forge runs a consumer after the push returns; so does the sandbox, on the
  // next tick. Each event is delivered as Forge would for its concurrency
  // setting (runtime/queue-concurrency.mjs): at most `limit` events with
  // the same key at once across all pushes, the others waiting; events
  // without one as they come.
  #deliver({ body }) {
    const consumer = this.modules.consumers.find((c) => c.queue === body?.queueName);
    const handle = this.handler(consumer?.handler);
    if (!handle) {
      this.log(`queue ${body?.queueName}: no consumer in the manifest; ${body?.payload?.length ?? 0} event(s) dropped`);
      return;
    }
    const job = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all((body.payload ?? []).map((event) => this.slots.run(event.concurrency, async () => {
        if (this.runtime.cancelledJobs.has(body.jobId)) return;
        try {
          await this.runtime.invoke({ kind: 'consumer', functionKey: consumer.functionKey }, () =>
            handle({ ...event, queueName: body.queueName, jobId: body.jobId, eventId: randomUUID(), retryContext: { retryCount: 0 } }, this.#context(consumer.key)));
        } catch (error) {
          this.log(`queue ${body.queueName}: consumer failed: ${error.message}`);
        }
      })));
    })();
    this.pendingJobs.add(job);
    job.finally(() => this.pendingJobs.delete(job));
  }
}

// The manifest gives inputs as a map (`inputs: {userPrincipalName: {title, type, required}}`);
// older examples use a list with `key`. The page wants a list.
function inputsOf(inputs) {
  if (!inputs) return [];
  if (Array.isArray(inputs)) return inputs.map((i) => ({ key: i.key, title: i.title ?? i.key, type: i.type ?? 'string', required: !!i.required }));
  return Object.entries(inputs).map(([key, i]) => ({ key, title: i?.title ?? key, type: i?.type ?? 'string', required: !!i?.required }));
}
