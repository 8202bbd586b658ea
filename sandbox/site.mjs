// What the web page acts on: the fake JSM site wired to the app. Each method
// is one thing a person does on a real site (raise a request on the portal,
// approve it, comment, let automation call the Service API or an action, let
// the scheduler run) and triggers what Jira would trigger in the app.
import { SANDBOX_ADMIN } from './sample-data.mjs';
import { runImport, latestExecution } from './runtime/assets-driver.mjs';

export class Site {
  constructor({ app, jsm, emulator, endpoints, setup, notes, assets, assetsImportId }) {
    this.app = app;
    this.assets = assets;
    this.assetsImportId = assetsImportId;
    this.jsm = jsm;
    this.emulator = emulator;
    this.endpoints = endpoints;
    this.setup = setup;
    this.notes = notes;
  }

  state() {
    const { modules } = this.app;
    return {
      project: this.jsm.project,
      people: this.jsm.people,
      admin: SANDBOX_ADMIN,
      requestTypes: this.jsm.requestTypes,
      requests: this.jsm.issues().map((i) => ({ key: i.key, summary: i.summary, status: i.status, requestType: i.requestType, reporter: i.reporter, updated: i.updated })),
      app: {
        actions: modules.actions.map(({ key, name, description, verb, inputs }) => ({ key, name, description, verb, inputs })),
        triggers: modules.triggers.map(({ key, events }) => ({ key, events })),
        scheduled: modules.scheduled.map(({ key, interval }) => ({ key, interval })),
        pages: modules.pages.map(({ type, title, key, resource }) => ({ type, title, key, resource })),
      },
      setup: this.setup,
      endpoints: this.endpoints,
      notes: this.notes,
    };
  }

  requestView(key) {
    const issue = this.#issue(key);
    const operation = this.jsm.operationOf(issue);
    return {
      issue,
      requestType: this.jsm.requestType(issue.requestType),
      operation,
      approved: this.jsm.isApproved(issue),
      actions: this.app.modules.actions.map((action) => ({ key: action.key, name: action.name, inputs: action.inputs.map((input) => ({ ...input, value: prefill(input.key, operation, issue) })) })),
    };
  }

  /** A customer raises a request on the portal: Jira fires `avi:jira:created:issue`. */
  async raiseRequest({ requestType, summary, fields, reporter, approvers }) {
    const type = this.jsm.requestType(requestType);
    if (!type) throw httpError(400, `No request type ${requestType}`);
    const issue = this.jsm.createRequest({ requestType: type.key, summary, fields, reporter: reporter ?? 'customer-emily', approvers: approvers ?? (type.needsApproval ? ['customer-debra'] : []) });
    const triggered = await this.#fire('avi:jira:created:issue', issue, { atlassianId: issue.reporter });
    return { issue, triggered };
  }

  /**
   * Raises each sample request as a customer would on the portal, so the
   * app hears of it through its trigger (plan comment, waiting approval, or
   * the change itself). Returns one setup step for the page and console.
   */
  async raiseSamples(samples) {
    const raised = [];
    for (const sample of samples) {
      const { issue, triggered } = await this.raiseRequest(sample);
      raised.push(`${issue.key} (${triggered.length ? 'trigger ran' : 'no trigger'})`);
    }
    return { name: 'sample requests', state: 'done', message: `raised through the app's avi:jira:created:issue trigger: ${raised.join(', ')}` };
  }

  comment(key, { body, public: isPublic = false, author = SANDBOX_ADMIN }) {
    if (!body) throw httpError(400, 'A comment needs a body');
    return this.jsm.addComment(key, { author, body: String(body), isPublic: !!isPublic });
  }

  /** An approver decides; when the approval completes, the status change is an issue update. */
  async decide(key, approvalId, { decision, accountId }) {
    if (!['approve', 'decline'].includes(decision)) throw httpError(400, 'decision must be approve or decline');
    const before = this.#issue(key).status;
    const approver = accountId ?? this.#issue(key).approvals.find((a) => a.id === approvalId)?.approvers.find((x) => x.decision === 'pending')?.accountId;
    const approval = this.jsm.decide(key, approvalId, approver, decision);
    const issue = this.#issue(key);
    const triggered = issue.status === before ? [] : await this.#fire('avi:jira:updated:issue', issue, {
      atlassianId: approver,
      changelog: { items: [{ field: 'status', fieldId: 'status', fromString: before, toString: issue.status }] },
    });
    return { approval, issue, triggered };
  }

  /** What a "Send web request" automation rule does: POST the request's operation to the Service API. */
  async runOperation(key, { dryRun = false } = {}) {
    const issue = this.#issue(key);
    const operation = this.jsm.operationOf(issue);
    const envelope = { route: operation.route, data: operation.data, issueKey: issue.key, idempotencyKey: operation.idempotencyKey, dryRun: !!dryRun };
    const response = await this.app.serviceApi({
      method: 'POST',
      path: '/',
      headers: { authorization: [`Bearer ${this.endpoints.serviceKey}`], 'content-type': ['application/json'] },
      queryParameters: {},
      body: JSON.stringify(envelope),
    });
    await this.app.settle();
    const body = parseJson(response.body);
    this.jsm.update(key, {
      history: { kind: 'service-api', route: operation.route, dryRun: !!dryRun, statusCode: response.statusCode, ok: body?.ok === true, error: body?.error?.code },
      status: body?.ok === true && !dryRun ? 'Done' : undefined,
    });
    return { request: envelope, statusCode: response.statusCode, body };
  }

  /** What an automation rule with the app's action does. */
  async runAction(key, actionKey, { inputs = {}, accountId = SANDBOX_ADMIN } = {}) {
    this.#issue(key);
    const result = await this.app.runAction(actionKey, { issueKey: key, ...inputs }, accountId);
    await this.app.settle();
    this.jsm.update(key, { history: { kind: 'action', action: actionKey, ok: !result?.errors?.length } });
    return { result };
  }

  async runScheduled(key) {
    if (!this.app.modules.scheduled.length) return { results: [], message: 'The app has no scheduled trigger yet' };
    const results = await this.app.runScheduled(key);
    await this.app.settle();
    return { results };
  }

  /**
   * The Assets workspace: `{importSource, objectTypes, objects: {<object type name>: [object]}, executions}`,
   * each object with its attributes by name (references as `{objectKey, label}` lists).
   */
  assetsState() {
    if (!this.assets) throw httpError(404, 'The sandbox has no Assets workspace');
    const source = this.assets.sources.get(this.assetsImportId);
    return {
      importSource: source ? { workspaceId: this.assets.workspaceId, importId: source.id, schemaId: source.schemaId, name: source.name } : null,
      objectTypes: this.assets.objectTypes(),
      objects: this.assets.objects(),
      executions: this.assets.executions().map(({ clientGeneratedIds, ...e }) => e),
    };
  }

  /**
   * The Assets admin presses "Import data": Assets calls the app's
   * `startImport`, and the queue runs until the execution is DONE or
   * CANCELLED (runtime/assets-driver.mjs). Answers the execution.
   */
  async runAssetsImport() {
    if (!this.assets) throw httpError(404, 'The sandbox has no Assets workspace');
    if (!this.app.manifest?.modules?.['jiraServiceManagement:assetsImportType']?.length) throw httpError(409, 'The app declares no jiraServiceManagement:assetsImportType module yet');
    // Events the app queued outside a run (the hourly schedule) finish first.
    await this.app.settle();
    let run;
    try {
      run = await runImport({ runtime: this.app.runtime, app: this.app, assets: this.assets, importId: this.assetsImportId });
    } catch (error) {
      // startImport throws an Error an Assets admin can act on; the page shows it.
      throw httpError(409, error.message);
    }
    const execution = latestExecution(this.assets, this.assetsImportId);
    return { started: run.started, events: run.events, delayedSeconds: run.delayedSeconds, execution: execution && (({ clientGeneratedIds, ...e }) => e)(execution) };
  }

  /**
   * `POST /api/clock {"advanceMs"}`: moves the app's clock (the local Forge
   * runtime's, which the app's host reads) and the emulator's together, then
   * runs the app's scheduled triggers once and waits for the queue to settle,
   * so work that came due runs as it would on the hour. Answers `{"nowMs"}`
   * (and the triggers' results); a bad `advanceMs` answers `{"error"}`.
   */
  async advanceClock(body) {
    const ms = body?.advanceMs;
    if (!Number.isSafeInteger(ms) || ms < 0) return { error: 'advanceMs must be a whole number of milliseconds, 0 or more' };
    const nowMs = this.app.runtime.advanceClock(ms);
    await this.emulator.control('time', { method: 'POST', body: { advanceMs: ms } });
    const { results } = await this.runScheduled();
    return { nowMs, results };
  }

  /** `invoke()` from an embedded Custom UI page (the fake @forge/bridge). */
  async bridgeInvoke({ moduleKey, functionKey, payload = {}, accountId = SANDBOX_ADMIN, issueKey }) {
    const issue = issueKey ? this.#issue(issueKey) : null;
    const extension = issue ? { issue: { id: issue.id, key: issue.key }, project: { id: this.jsm.project.id, key: this.jsm.project.key }, request: { key: issue.key } }
      : moduleKey === 'entra-assets-import' && this.assets ? this.#assetsExtension() : {};
    return this.app.resolver(accountId, functionKey, payload, moduleKey, { extension });
  }

  // What Assets gives its "Configure App" view of the import source.
  #assetsExtension() {
    const source = this.assets.sources.get(this.assetsImportId);
    return { workspaceId: this.assets.workspaceId, importId: this.assetsImportId, schemaId: source?.schemaId, type: 'jiraServiceManagement:assetsImportType' };
  }

  async #fire(eventType, issue, extra) {
    const event = {
      issue: {
        id: issue.id,
        key: issue.key,
        fields: {
          summary: issue.summary,
          status: { name: issue.status },
          issuetype: { name: 'Service Request' },
          project: { id: this.jsm.project.id, key: this.jsm.project.key },
          reporter: { accountId: issue.reporter },
        },
      },
      ...extra,
    };
    const results = await this.app.fireEvent(eventType, event);
    await this.app.settle();
    return results;
  }

  #issue(key) {
    const issue = this.jsm.issue(key);
    if (!issue) throw httpError(404, `No request ${key}`);
    return issue;
  }
}

// An action input named like a request field (or one of the usual aliases
// for the person the request is about) starts with that field's value.
function prefill(inputKey, operation, issue) {
  if (inputKey === 'issueKey') return issue.key;
  if (inputKey in operation.data) return operation.data[inputKey];
  if (['userPrincipalName', 'upn', 'userId', 'target'].includes(inputKey)) return operation.data.user ?? '';
  return '';
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function httpError(status, message) {
  return Object.assign(new Error(message), { status });
}
