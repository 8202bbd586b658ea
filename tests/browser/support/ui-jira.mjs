// The fake Jira of the sandbox, extended for the pages' tests: issues with
// reporters, agents who may edit them, and portal requests their customers
// can see. Extends by subclassing; the sandbox owns the base class.
import { FakeJira, paged, serviceDesks, requestType } from '../../../sandbox/runtime/fake-jira.mjs';

/** The pages' service desk and its request types and fields, as the admin pickers read them. */
export const PROJECT = { id: '10000', key: 'ITSM', name: 'IT Service Desk', serviceDeskId: '1' };
export const REQUEST_TYPES = [
  { id: '10', name: 'Onboard a new hire' },
  { id: '11', name: 'Offboard a leaver' },
  { id: '12', name: 'Transfer to another team' },
];
export const FIELDS = [
  { id: 'summary', key: 'summary', name: 'Summary', custom: false, orderable: true, navigable: true, searchable: true, clauseNames: ['summary'], schema: { type: 'string', system: 'summary' } },
  { id: 'customfield_10100', key: 'customfield_10100', name: 'First name', custom: true, orderable: true, navigable: true, searchable: true, clauseNames: ['cf[10100]'], schema: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield', customId: 10100 } },
  { id: 'customfield_10200', key: 'customfield_10200', name: 'Entra department', custom: true, orderable: true, navigable: true, searchable: true, clauseNames: ['cf[10200]'], schema: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield', customId: 10200 } },
];

/** The Jira group the tests' policy lets act as agents. */
export const AGENT_GROUP = 'jira-servicedesk-agents';

export class UiFakeJira extends FakeJira {
  constructor({ admins = [], agents = [] } = {}) {
    super({ admins });
    this.agents = new Set(agents);
    /** issueKey -> { reporter: {accountId, displayName, emailAddress}, customers: Set } */
    this.issues = new Map();
    this.comments = [];
    // The base class's handler is an instance field, so it is kept here
    // and called for everything this class does not answer itself.
    const baseHandle = this.handle;
    this.handle = (request) => this.#handle(request, baseHandle);
  }

  addIssue(key, { reporter, customers = [] }) {
    this.issues.set(key, { reporter, customers: new Set(customers) });
  }

  async #handle(request, baseHandle) {
    const { method, path, asUser } = request;
    const url = new URL(path, 'http://jira.local');
    const caller = asUser ? this.currentAccountId : null;
    let match;
    if (method === 'GET' && (match = url.pathname.match(/^\/rest\/api\/3\/issue\/([^/]+)$/))) {
      const issue = this.issues.get(decodeURIComponent(match[1]));
      if (!issue || !(this.agents.has(caller) || this.admins.has(caller))) return json(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
      return json(200, { key: match[1], fields: { reporter: issue.reporter } });
    }
    if (method === 'GET' && url.pathname === '/rest/api/3/mypermissions' && url.searchParams.has('issueKey')) {
      this.requests.push(request);
      const asked = (url.searchParams.get('permissions') ?? '').split(',').filter(Boolean);
      const canEdit = this.agents.has(caller);
      return json(200, { permissions: Object.fromEntries(asked.map((k) => [k, { key: k, havePermission: k === 'EDIT_ISSUES' && canEdit }])) });
    }
    if (method === 'GET' && url.pathname === '/rest/api/3/user/groups') {
      const agent = this.agents.has(url.searchParams.get('accountId'));
      return json(200, agent ? [{ name: AGENT_GROUP, groupId: 'agents-group-id' }] : []);
    }
    // A test sets this to see the admin page without Jira's catalogue (typed ids).
    if (this.catalogUnavailable && method === 'GET' && (url.pathname.startsWith('/rest/servicedeskapi/servicedesk') || url.pathname === '/rest/api/3/field')) {
      return json(403, { errorMessages: ['The app is not allowed to read this.'] });
    }
    if (method === 'GET' && url.pathname === '/rest/servicedeskapi/servicedesk') return json(200, paged(serviceDesks(PROJECT), url));
    if (method === 'GET' && (match = url.pathname.match(/^\/rest\/servicedeskapi\/servicedesk\/([^/]+)\/requesttype$/))) {
      if (match[1] !== PROJECT.serviceDeskId) return json(404, { errorMessage: `No service desk ${match[1]}` });
      return json(200, paged(REQUEST_TYPES.map((t) => requestType(t, PROJECT.serviceDeskId)), url));
    }
    if (method === 'GET' && url.pathname === '/rest/api/3/field') return json(200, FIELDS);
    if (method === 'POST' && /^\/rest\/api\/3\/issue\/[^/]+\/comment$/.test(url.pathname)) {
      this.comments.push({ path: url.pathname, body: request.body });
      return json(201, { id: String(this.comments.length) });
    }
    if (method === 'GET' && (match = url.pathname.match(/^\/rest\/servicedeskapi\/request\/([^/]+)$/))) {
      const key = decodeURIComponent(match[1]);
      const issue = this.issues.get(key);
      if (!issue || !(issue.customers.has(caller) || this.agents.has(caller))) return json(404, { errorMessage: 'Request not found.' });
      return json(200, { issueKey: key, requestFieldValues: [{ fieldId: 'summary', value: `Request ${key}` }] });
    }
    return baseHandle(request);
  }
}

function json(status, value) {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
