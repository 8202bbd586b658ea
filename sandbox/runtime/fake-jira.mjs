// A small fake of the Jira Cloud / JSM REST API for the local runtime: only
// what the app calls, answered the way Jira answers. Grows with the app.
//
// Without a `jsm` it answers permissions only (enough for the Node tests of
// the admin resolvers). With a `FakeJsm` (sandbox/fake-jsm.mjs) it also
// serves users, issues, JSM requests, comments, approvals and issue properties.
// With a `FakeAssets` (runtime/fake-assets.mjs) it serves the Assets import
// API and the AQL object search under /jsm/assets/...
export class FakeJira {
  /**
   * @param {object} [options]
   * @param {string[]} [options.admins] account ids holding ADMINISTER
   * @param {import('../fake-jsm.mjs').FakeJsm} [options.jsm] the site's requests and people
   * @param {import('./fake-assets.mjs').FakeAssets} [options.assets] the site's Assets workspace
   */
  constructor({ admins, jsm, assets } = {}) {
    this.jsm = jsm;
    this.assets = assets;
    this.admins = new Set(admins ?? jsm?.admins() ?? []);
    this.requests = [];
    this.currentAccountId = null;
  }

  /** Runs `fn` with `accountId` as the user behind asUser() calls. */
  async as(accountId, fn) {
    const previous = this.currentAccountId;
    this.currentAccountId = accountId;
    try {
      return await fn();
    } finally {
      this.currentAccountId = previous;
    }
  }

  handle = async ({ method, path, body, asUser }) => {
    this.requests.push({ method, path, body, asUser });
    const url = new URL(path, 'http://jira.local');
    const caller = asUser ? this.currentAccountId : null;
    if (this.assets && url.pathname.startsWith('/jsm/assets/')) return this.assets.handle({ method, path, body, asUser });
    if (method === 'GET' && url.pathname === '/rest/api/3/mypermissions') {
      const asked = (url.searchParams.get('permissions') ?? '').split(',').filter(Boolean);
      const isAdmin = asUser && this.admins.has(this.currentAccountId);
      // JSM's agents may edit the site's requests; customers may not.
      const isAgent = Boolean(asUser && url.searchParams.has('issueKey') && this.jsm?.person(this.currentAccountId)?.roles.includes('agent'));
      const have = (key) => (key === 'ADMINISTER' ? isAdmin : key === 'EDIT_ISSUES' ? isAgent : false);
      const permissions = Object.fromEntries(asked.map((key) => [key, { key, havePermission: have(key) }]));
      return json(200, { permissions });
    }
    if (this.jsm) {
      try {
        const answer = this.#jsmRoute(method, url, body ? JSON.parse(body) : undefined, caller);
        if (answer) return answer;
      } catch (error) {
        if (error.status) return json(error.status, { errorMessages: [error.message], errors: {} });
        throw error;
      }
    }
    return json(404, { errorMessages: [`The fake Jira does not serve ${method} ${url.pathname}`], errors: {} });
  };

  // Each route: [method, pattern, (match groups, url, body, caller) => response].
  #routes = [
    ['GET', /^\/rest\/api\/3\/myself$/, (_m, _u, _b, caller) => (caller ? json(200, this.#user(caller)) : json(401, { errorMessages: ['Not a user call'] }))],
    ['GET', /^\/rest\/api\/3\/user$/, (_m, url) => this.#userOr404(url.searchParams.get('accountId'))],
    ['GET', /^\/rest\/api\/3\/field$/, () => json(200, this.#fields())],
    ['GET', /^\/rest\/api\/3\/user\/search$/, (_m, url) => json(200, this.#search(url.searchParams.get('query') ?? ''))],
    ['GET', /^\/rest\/api\/3\/user\/groups$/, (_m, url) => this.#groups(url.searchParams.get('accountId'))],
    ['GET', /^\/rest\/api\/3\/issue\/([^/]+)$/, ([key], url) => json(200, this.#issue(key, url))],
    ['PUT', /^\/rest\/api\/3\/issue\/([^/]+)$/, ([key], _u, body) => this.#updateFields(key, body)],
    ['POST', /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/, ([key], _u, body, caller) => this.#adfComment(key, body, caller)],
    ['GET', /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/, ([key]) => json(200, { comments: this.#must(key).comments.map((c) => this.#comment(c)) })],
    ['GET', /^\/rest\/api\/3\/issue\/([^/]+)\/properties\/([^/]+)$/, ([key, prop]) => this.#property(key, prop)],
    ['PUT', /^\/rest\/api\/3\/issue\/([^/]+)\/properties\/([^/]+)$/, ([key, prop], _u, body) => {
      this.jsm.update(key, { property: { key: prop, value: body } });
      return json(200, {});
    }],
    ['DELETE', /^\/rest\/api\/3\/issue\/([^/]+)\/properties\/([^/]+)$/, ([key, prop]) => {
      this.jsm.deleteProperty(key, prop);
      return empty(204);
    }],
    ['GET', /^\/rest\/servicedeskapi\/request\/([^/]+)$/, ([key]) => json(200, this.#request(key))],
    ['POST', /^\/rest\/servicedeskapi\/request\/([^/]+)\/comment$/, ([key], _u, body, caller) => {
      const comment = this.jsm.addComment(key, { author: caller ?? 'app', body: String(body?.body ?? ''), isPublic: body?.public !== false });
      return json(201, this.#comment(comment));
    }],
    ['GET', /^\/rest\/servicedeskapi\/request\/([^/]+)\/approval$/, ([key]) => json(200, page(this.#must(key).approvals.map((a) => this.#approval(a))))],
    ['POST', /^\/rest\/servicedeskapi\/request\/([^/]+)\/approval\/([^/]+)$/, ([key, id], _u, body, caller) =>
      json(200, this.#approval(this.jsm.decide(key, id, caller, body?.decision)))],
    // JSM's paged lists: `start` and `limit` (default 50, at most 100) in, `size`, `isLastPage` out.
    ['GET', /^\/rest\/servicedeskapi\/servicedesk$/, (_m, url) => json(200, paged(serviceDesks(this.jsm.project), url))],
    ['GET', /^\/rest\/servicedeskapi\/servicedesk\/([^/]+)\/requesttype$/, ([id], url) => {
      if (id !== this.jsm.project.serviceDeskId) return json(404, { errorMessage: `No service desk ${id}`, i18nErrorMessage: { i18nKey: 'sd.error.servicedesk.notfound', parameters: [] } });
      return json(200, paged(this.jsm.requestTypes.map((t) => requestType(t, id)), url));
    }],
  ];

  #jsmRoute(method, url, body, caller) {
    for (const [routeMethod, pattern, answer] of this.#routes) {
      const match = routeMethod === method && url.pathname.match(pattern);
      if (match) return answer(match.slice(1).map(decodeURIComponent), url, body, caller);
    }
    return null;
  }

  #must(key) {
    const issue = this.jsm.issue(key);
    if (!issue) throw Object.assign(new Error(`Issue does not exist or you do not have permission to see it: ${key}`), { status: 404 });
    return issue;
  }

  #user(accountId) {
    const person = this.jsm.person(accountId);
    return person && { accountId, accountType: person.roles.includes('customer') ? 'customer' : 'atlassian', displayName: person.displayName, emailAddress: person.emailAddress, active: true };
  }

  // Jira's user search matches the start of names and emails.
  #search(query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    return this.jsm.people
      .filter((p) => p.emailAddress.toLowerCase().startsWith(q) || p.displayName.toLowerCase().startsWith(q))
      .map((p) => this.#user(p.accountId));
  }

  // Agents are in JSM's agent group; admins also in site-admins.
  #groups(accountId) {
    const person = this.jsm.person(accountId);
    if (!person) return json(404, { errorMessages: [`No user ${accountId}`], errors: {} });
    const groups = [];
    if (person.roles.includes('agent')) groups.push({ name: 'jira-servicemanagement-users', groupId: 'group-jsm-agents' });
    if (person.roles.includes('admin')) groups.push({ name: 'site-admins', groupId: 'group-site-admins' });
    return json(200, groups);
  }

  #userOr404(accountId) {
    const user = this.#user(accountId);
    return user ? json(200, user) : json(404, { errorMessages: [`No user ${accountId}`], errors: {} });
  }

  #fields() {
    const system = [{ id: 'summary', name: 'Summary', custom: false }, { id: 'status', name: 'Status', custom: false }];
    return [...system, ...Object.entries(this.jsm.fieldIds()).map(([name, id]) => ({ id, key: id, name: this.jsm.fieldLabel(name), custom: true }))];
  }

  #issue(key, url) {
    const issue = this.#must(key);
    const ids = this.jsm.fieldIds();
    const fields = {
      summary: issue.summary,
      status: { name: issue.status },
      created: issue.created,
      updated: issue.updated,
      reporter: this.#user(issue.reporter),
      assignee: issue.assignee ? this.#user(issue.assignee) : null,
      project: { id: this.jsm.project.id, key: this.jsm.project.key, name: this.jsm.project.name },
      issuetype: { name: 'Service Request' },
    };
    for (const [name, value] of Object.entries(issue.fields)) fields[ids[name] ?? name] = value;
    const answer = { id: issue.id, key: issue.key, fields };
    if ((url.searchParams.get('expand') ?? '').includes('names')) {
      answer.names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, this.jsm.fieldLabel(name)]));
    }
    return answer;
  }

  #updateFields(key, body) {
    const byId = Object.fromEntries(Object.entries(this.jsm.fieldIds()).map(([name, id]) => [id, name]));
    const fields = Object.fromEntries(Object.entries(body?.fields ?? {}).map(([id, value]) => [byId[id] ?? id, value]));
    this.jsm.update(key, { fields });
    return empty(204);
  }

  #adfComment(key, body, caller) {
    const internal = (body?.properties ?? []).some((p) => p.key === 'sd.public.comment' && p.value?.internal);
    const comment = this.jsm.addComment(key, { author: caller ?? 'app', body: adfText(body?.body), adf: body?.body, isPublic: !internal });
    return json(201, this.#comment(comment));
  }

  #property(key, prop) {
    const issue = this.#must(key);
    return prop in issue.properties ? json(200, { key: prop, value: issue.properties[prop] }) : json(404, { errorMessages: [`No property ${prop}`], errors: {} });
  }

  #request(key) {
    const issue = this.#must(key);
    const type = this.jsm.requestType(issue.requestType);
    return {
      issueId: issue.id,
      issueKey: issue.key,
      requestTypeId: type.id,
      serviceDeskId: this.jsm.project.serviceDeskId,
      reporter: this.#user(issue.reporter),
      currentStatus: { status: issue.status },
      requestFieldValues: [
        { fieldId: 'summary', label: 'Summary', value: issue.summary },
        ...type.fields.map((f) => ({ fieldId: this.jsm.fieldIds()[f.id], label: f.label, value: issue.fields[f.id] ?? null })),
      ],
    };
  }

  #comment(c) {
    return { id: c.id, body: c.body, public: c.public, author: this.#user(c.author) ?? { displayName: 'Entra ID Connect' }, created: { iso8601: c.created } };
  }

  #approval(a) {
    return {
      id: a.id,
      name: a.name,
      finalDecision: a.finalDecision,
      canAnswerApproval: a.finalDecision === 'pending',
      approvers: a.approvers.map((x) => ({ approver: this.#user(x.accountId), approverDecision: x.decision })),
      completedDate: a.completedDate ? { iso8601: a.completedDate } : undefined,
    };
  }
}

/** Plain text of an ADF document (what a person would read). */
function adfText(node) {
  if (typeof node === 'string') return node;
  if (!node || typeof node !== 'object') return '';
  if (node.type === 'text') return node.text ?? '';
  const inner = (node.content ?? []).map(adfText).join(node.type === 'doc' ? '\n' : '');
  return node.type === 'paragraph' ? inner : inner;
}

/** The service desk of a fake JSM project, shaped as JSM's `ServiceDeskDTO`. */
export function serviceDesks(project) {
  return [{ id: project.serviceDeskId, projectId: project.id, projectKey: project.key, projectName: project.name, _links: { self: `/rest/servicedeskapi/servicedesk/${project.serviceDeskId}` } }];
}

/** A sandbox request type shaped as JSM's `RequestTypeDTO`. */
export function requestType(type, serviceDeskId) {
  return { id: type.id, name: type.name, description: type.description ?? '', helpText: '', issueTypeId: '10004', serviceDeskId, groupIds: [], _links: { self: `/rest/servicedeskapi/servicedesk/${serviceDeskId}/requesttype/${type.id}` } };
}

/** One page of `values` as JSM's `PagedDTO`, from the request's `start` and `limit`. */
export function paged(values, url) {
  const start = Math.max(0, Number.parseInt(url.searchParams.get('start') ?? '0', 10) || 0);
  const limit = Math.min(100, Math.max(1, Number.parseInt(url.searchParams.get('limit') ?? '50', 10) || 50));
  const slice = values.slice(start, start + limit);
  return { size: slice.length, start, limit, isLastPage: start + limit >= values.length, values: slice };
}

function page(values) {
  return { size: values.length, start: 0, limit: 50, isLastPage: true, values };
}

function json(status, value) {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

// No content: no body at all, as Jira and Assets answer a 204.
function empty(status) {
  return { status, headers: {}, body: null };
}
