// A small fake of the Jira Cloud / JSM REST API for the local runtime: only
// what the app calls, answered the way Jira answers. Grows with the app.
export class FakeJira {
  constructor({ admins = [] } = {}) {
    this.admins = new Set(admins);
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
    if (method === 'GET' && url.pathname === '/rest/api/3/mypermissions') {
      const asked = (url.searchParams.get('permissions') ?? '').split(',').filter(Boolean);
      const isAdmin = asUser && this.admins.has(this.currentAccountId);
      const permissions = Object.fromEntries(asked.map((key) => [key, { key, havePermission: key === 'ADMINISTER' ? isAdmin : false }]));
      return json(200, { permissions });
    }
    return json(404, { errorMessages: [`The fake Jira does not serve ${method} ${url.pathname}`], errors: {} });
  };
}

function json(status, value) {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
