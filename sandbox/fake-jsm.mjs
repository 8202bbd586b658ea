// The fake JSM site's state: people, request types, requests with fields,
// comments (public/internal) and approvals. Persisted as one JSON file in the
// sandbox data folder so requests survive a restart. The fake Jira REST API
// (runtime/fake-jira.mjs) and the web page both read and change it here.
import { readFileSync, writeFileSync, renameSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PEOPLE, REQUEST_TYPES } from './sample-data.mjs';

export const PROJECT = { id: '10000', key: 'ITSM', name: 'IT Service Desk', serviceDeskId: '1' };
const FIRST_FIELD_NUMBER = 10100;
// New requests land in this agent's queue, as a JSM queue rule would do.
const DEFAULT_ASSIGNEE = 'agent-lynne';

export class FakeJsm {
  constructor({ file } = {}) {
    this.file = file;
    this.people = PEOPLE;
    this.requestTypes = REQUEST_TYPES;
    this.project = PROJECT;
    if (file && existsSync(file)) {
      this.data = JSON.parse(readFileSync(file, 'utf8'));
      this.restored = true;
    } else {
      // A new site starts empty: the sandbox raises its sample requests
      // through the app's triggers (Site.raiseSamples), as a customer would.
      this.data = { nextIssue: 1, nextId: 1, issues: [] };
      this.restored = false;
    }
  }

  // --- people ---------------------------------------------------------------
  person(accountId) {
    return this.people.find((p) => p.accountId === accountId);
  }

  admins() {
    return this.people.filter((p) => p.roles.includes('admin')).map((p) => p.accountId);
  }

  // --- fields: each request field is a Jira custom field ----------------------
  fieldIds() {
    const names = [...new Set(this.requestTypes.flatMap((t) => t.fields.map((f) => f.id)))];
    return Object.fromEntries(names.map((name, i) => [name, `customfield_${FIRST_FIELD_NUMBER + i}`]));
  }

  fieldLabel(name) {
    for (const type of this.requestTypes) {
      const field = type.fields.find((f) => f.id === name);
      if (field) return field.label;
    }
    return name;
  }

  // --- requests ---------------------------------------------------------------
  requestType(keyOrId) {
    return this.requestTypes.find((t) => t.key === keyOrId || t.id === keyOrId);
  }

  issues() {
    return this.data.issues;
  }

  issue(key) {
    return this.data.issues.find((i) => i.key === key || i.id === key);
  }

  createRequest({ requestType, summary, reporter, fields, approvers = [], assignee = DEFAULT_ASSIGNEE }) {
    const type = this.requestType(requestType);
    if (!type) throw new Error(`No request type ${requestType}`);
    const now = new Date().toISOString();
    const issue = {
      id: String(10000 + this.data.nextIssue),
      key: `${PROJECT.key}-${this.data.nextIssue++}`,
      requestType: type.key,
      summary: summary ?? type.name,
      status: type.needsApproval && approvers.length ? 'Waiting for approval' : 'Open',
      reporter,
      assignee,
      created: now,
      updated: now,
      fields: { ...fields },
      comments: [],
      approvals: type.needsApproval && approvers.length
        ? [{ id: String(this.data.nextId++), name: 'Manager approval', finalDecision: 'pending', approvers: approvers.map((accountId) => ({ accountId, decision: 'pending' })) }]
        : [],
      properties: {},
      history: [],
    };
    this.data.issues.push(issue);
    this.#save();
    return issue;
  }

  addComment(key, { author, body, isPublic, adf }) {
    const issue = this.#must(key);
    const comment = { id: String(this.data.nextId++), author, body, adf, public: isPublic, created: new Date().toISOString() };
    issue.comments.push(comment);
    this.#touch(issue);
    return comment;
  }

  /** Records an approver's decision; the approval is final once anyone declines or all approve. */
  decide(key, approvalId, accountId, decision) {
    const issue = this.#must(key);
    const approval = issue.approvals.find((a) => a.id === String(approvalId));
    if (!approval) throw new JsmError(404, `No approval ${approvalId} on ${key}`);
    if (approval.finalDecision !== 'pending') throw new JsmError(400, `Approval ${approvalId} is already ${approval.finalDecision}`);
    const approver = approval.approvers.find((a) => a.accountId === accountId);
    if (!approver) throw new JsmError(403, `${accountId} is not an approver of ${key}`);
    approver.decision = decision === 'approve' ? 'approved' : 'declined';
    if (approver.decision === 'declined') approval.finalDecision = 'declined';
    else if (approval.approvers.every((a) => a.decision === 'approved')) approval.finalDecision = 'approved';
    if (approval.finalDecision !== 'pending') {
      issue.status = approval.finalDecision === 'approved' ? 'Approved' : 'Declined';
      approval.completedDate = new Date().toISOString();
    }
    this.#touch(issue);
    return approval;
  }

  isApproved(issue) {
    return issue.approvals.every((a) => a.finalDecision === 'approved');
  }

  update(key, { fields, status, property, history }) {
    const issue = this.#must(key);
    if (fields) Object.assign(issue.fields, fields);
    if (status) issue.status = status;
    if (property) issue.properties[property.key] = property.value;
    if (history) issue.history.push({ at: new Date().toISOString(), ...history });
    this.#touch(issue);
    return issue;
  }

  deleteProperty(key, propertyKey) {
    const issue = this.#must(key);
    delete issue.properties[propertyKey];
    this.#touch(issue);
  }

  /** The Service API call this request stands for. */
  operationOf(issue) {
    const type = this.requestType(issue.requestType);
    const data = {};
    for (const [name, value] of Object.entries(issue.fields)) {
      if (type.changes?.includes(name)) (data.changes ??= {})[name] = value;
      else data[name] = value;
    }
    return { route: type.route, data, issueKey: issue.key, idempotencyKey: `${issue.key}:${type.route}` };
  }

  #must(key) {
    const issue = this.issue(key);
    if (!issue) throw new JsmError(404, `Issue does not exist: ${key}`);
    return issue;
  }

  #touch(issue) {
    issue.updated = new Date().toISOString();
    this.#save();
  }

  #save() {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.data, null, 1));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

export class JsmError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
