// The sandbox page: a small JSM (queue, request view, portal, admin) beside a
// live view of the emulated Entra tenant. Talks only to /api/... on its server.
const state = { site: null, view: 'queue', selected: null, request: null, result: null, tenant: null, log: [], seedUserIds: null, filter: '', menuOpen: false, actionOpen: null };

const api = async (path, body) => {
  const response = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const value = await response.json();
  if (!response.ok) throw new Error(value.error ?? `${response.status}`);
  return value;
};

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}
const lozenge = (text) => h('span', { class: `lozenge ${String(text).toLowerCase().replace(/\s+/g, '-')}` }, text);
const person = (id) => state.site.people.find((p) => p.accountId === id)?.displayName ?? id ?? 'Entra ID Connect';
const page = (type) => state.site.app.pages.find((p) => p.type === type);

async function refreshSite() {
  state.site = await api('/api/state');
  renderSetup();
  renderQueue();
}

async function select(key) {
  if (state.selected !== key) Object.assign(state, { result: null, menuOpen: false, actionOpen: null });
  state.selected = key;
  state.view = 'queue';
  state.request = await api(`/api/requests/${encodeURIComponent(key)}`);
  render();
}

// Runs a page action, shows its answer, then refreshes what it may have changed.
async function act(label, fn) {
  try {
    state.result = { label, value: await fn() };
  } catch (error) {
    state.result = { label, value: { error: error.message } };
  }
  await refreshSite();
  if (state.selected) state.request = await api(`/api/requests/${encodeURIComponent(state.selected)}`);
  await refreshTenant();
  render();
}

function renderSetup() {
  const chips = state.site.setup.map((s) => h('span', { class: `chip ${s.state}`, title: s.message }, `${s.name}: ${s.state === 'missing' ? 'not in the app yet' : s.state}`));
  document.getElementById('setup').replaceChildren(...chips, ...state.site.notes.slice(2).map((n) => h('span', { class: 'muted' }, n)));
}

function renderQueue() {
  const items = state.site.requests.map((r) =>
    h('button', { class: `item ${r.key === state.selected ? 'selected' : ''}`, 'data-testid': `queue-${r.key}`, onclick: () => select(r.key) },
      h('div', {}, h('span', { class: 'key' }, r.key), lozenge(r.status)),
      h('div', {}, r.summary),
      h('div', { class: 'muted' }, state.site.requestTypes.find((t) => t.key === r.requestType)?.name)));
  document.getElementById('queue').replaceChildren(h('h3', {}, `Open requests · ${state.site.project.name}`), ...items);
}

function render() {
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.view === state.view));
  const content = document.getElementById('content');
  if (state.view === 'portal') content.replaceChildren(portalView());
  else if (state.view === 'admin') content.replaceChildren(adminView());
  else if (state.view === 'assets') content.replaceChildren(assetsView());
  else content.replaceChildren(state.request ? requestView(state.request) : h('div', { class: 'card empty' }, 'Pick a request from the queue, or raise one on the Portal tab.'));
  renderQueue();
  renderTenant();
}

function requestView({ issue, requestType, operation, approved, actions }) {
  const pendingApproval = issue.approvals.some((a) => a.finalDecision === 'pending');
  const fields = h('table', { class: 'fields' }, requestType.fields.map((f) => h('tr', {}, h('td', {}, f.label), h('td', {}, issue.fields[f.id] ?? '—'))));
  const approvals = issue.approvals.map((a) => h('div', { class: 'row', 'data-testid': 'approval' },
    h('strong', {}, a.name), lozenge(a.finalDecision),
    h('span', { class: 'muted' }, a.approvers.map((x) => `${person(x.accountId)}: ${x.decision}`).join(', ')),
    a.finalDecision === 'pending' && h('button', { class: 'primary', 'data-testid': 'approve', onclick: () => act('Approve', () => api(`/api/requests/${issue.key}/approvals/${a.id}`, { decision: 'approve' })) }, 'Approve'),
    a.finalDecision === 'pending' && h('button', { 'data-testid': 'decline', onclick: () => act('Decline', () => api(`/api/requests/${issue.key}/approvals/${a.id}`, { decision: 'decline' })) }, 'Decline')));
  const run = (dryRun) => act(dryRun ? 'Service API (dry run)' : 'Service API', () => api(`/api/requests/${issue.key}/run`, { dryRun }));
  const issuePanel = page('jira:issueContext') ?? page('jira:issuePanel');
  // As in Jira's request view: the request on the left, the app's issue
  // panel in the right-hand column.
  return h('div', { class: 'request-view' },
    h('div', { class: 'request-main' },
      h('div', { class: 'card' },
        h('div', { class: 'muted' }, `${issue.key} · ${requestType.name} · raised by ${person(issue.reporter)}`),
        h('h1', { 'data-testid': 'request-title' }, issue.summary, ' ', lozenge(issue.status)),
        fields),
      issue.approvals.length > 0 && h('div', { class: 'card' }, h('h2', { class: 'section' }, 'Approvals'), approvals),
      h('div', { class: 'card' },
        h('h2', { class: 'section' }, 'Automation'),
        h('p', { class: 'muted' }, 'A "Send web request" rule posts route ', h('code', {}, operation.route), ` with this request's fields to the Service API${pendingApproval ? ', once the request is approved' : ''}.`),
        h('div', { class: 'row' },
          h('button', { 'data-testid': 'dry-run', onclick: () => run(true) }, 'Dry run (plan only)'),
          h('button', { class: 'primary', 'data-testid': 'run-service-api', disabled: !approved, onclick: () => run(false) }, 'Run via Service API'),
          actions.length > 0 && actionsMenu(actions)),
        actions.length === 0 && h('p', { class: 'muted' }, 'The app declares no automation actions yet.'),
        chosenAction(issue, actions),
        state.result && h('div', {}, h('h3', { style: 'margin-top:12px' }, `Result: ${state.result.label}`), h('pre', { class: 'result', 'data-testid': 'result', tabindex: '0' }, JSON.stringify(state.result.value, null, 2)))),
      h('div', { class: 'card' }, h('h2', { class: 'section' }, 'Activity'), commentsView(issue))),
    h('aside', { class: 'request-side', 'data-testid': 'request-side', 'aria-label': 'Apps' },
      issuePanel && h('div', { class: 'card' }, h('h2', { class: 'section' }, issuePanel.title), customUi(issuePanel, { issueKey: issue.key }))));
}

// The app's automation actions behind one menu button, as a rule author
// picks one: choosing an action shows its form.
function actionsMenu(actions) {
  const menu = h('ul', { class: 'menu', role: 'menu', id: 'actions-menu', 'aria-label': 'Automation actions of the app', hidden: !state.menuOpen },
    actions.map((a) => h('li', { role: 'none' }, h('button', {
      role: 'menuitem', type: 'button', 'data-testid': `menu-action-${a.key}`,
      onclick: () => { state.actionOpen = a.key; state.menuOpen = false; render(); document.querySelector(`[data-testid="action-${a.key}"] input`)?.focus(); },
    }, a.name))));
  menu.addEventListener('keydown', (event) => {
    const items = [...menu.querySelectorAll('[role=menuitem]')];
    const at = items.indexOf(document.activeElement);
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step) { event.preventDefault(); items[(at + step + items.length) % items.length].focus(); }
    if (event.key === 'Escape') { state.menuOpen = false; render(); document.querySelector('[data-testid=actions-menu-button]')?.focus(); }
  });
  const button = h('button', {
    type: 'button', 'data-testid': 'actions-menu-button', 'aria-haspopup': 'menu', 'aria-expanded': String(!!state.menuOpen), 'aria-controls': 'actions-menu',
    onclick: () => { state.menuOpen = !state.menuOpen; render(); if (state.menuOpen) document.querySelector('#actions-menu [role=menuitem]')?.focus(); },
  }, `More actions (${actions.length}) ▾`);
  return h('span', { class: 'menu-wrap' }, button, menu);
}

function chosenAction(issue, actions) {
  const action = actions.find((a) => a.key === state.actionOpen);
  return action ? actionForm(issue, action) : null;
}

function actionForm(issue, action) {
  const inputs = action.inputs.map((i) => h('label', { class: 'field' }, h('span', {}, i.title), h('input', { name: i.key, value: i.value ?? '' })));
  const form = h('form', { class: 'card action-form', 'data-testid': `action-${action.key}`, 'aria-label': action.name },
    h('div', { class: 'row' }, h('strong', {}, action.name), h('button', { type: 'button', class: 'link', onclick: () => { state.actionOpen = null; render(); } }, 'Close')),
    inputs, h('button', { type: 'submit', class: 'primary' }, 'Run action'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    act(`Action ${action.key}`, () => api(`/api/requests/${issue.key}/actions/${action.key}`, { inputs: values }));
  });
  return form;
}

function commentsView(issue) {
  const list = issue.comments.length
    ? issue.comments.map((c) => h('div', { class: `comment ${c.public ? '' : 'internal'}`, 'data-testid': 'comment' }, h('div', { class: 'meta' }, `${person(c.author)} · ${c.public ? 'Reply to customer' : 'Internal note'} · ${new Date(c.created).toLocaleString()}`), c.body))
    : [h('p', { class: 'empty' }, 'No comments yet.')];
  const body = h('textarea', { name: 'body', rows: 2, placeholder: 'Add a comment…', 'aria-label': 'Comment' });
  const isPublic = h('select', { name: 'public', 'aria-label': 'Visibility' }, h('option', { value: 'false' }, 'Internal note'), h('option', { value: 'true' }, 'Reply to customer'));
  const form = h('form', {}, body, h('div', { class: 'row', style: 'margin-top:4px' }, isPublic, h('button', { type: 'submit' }, 'Save')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act('Comment', () => api(`/api/requests/${issue.key}/comments`, { body: body.value, public: isPublic.value === 'true' }));
  });
  const history = issue.history.map((x) => h('div', { class: 'muted' }, `${new Date(x.at).toLocaleTimeString()} · ${x.kind} ${x.route ?? x.action ?? ''}${x.dryRun ? ' (dry run)' : ''} → ${x.statusCode ?? ''} ${x.ok ? 'ok' : x.error ?? 'failed'}`));
  return h('div', {}, list, form, history.length > 0 && h('div', { style: 'margin-top:8px' }, history));
}

function portalView() {
  const type = h('select', { name: 'requestType', 'data-testid': 'portal-type' }, state.site.requestTypes.map((t) => h('option', { value: t.key }, t.name)));
  const reporter = h('select', { name: 'reporter' }, state.site.people.map((p) => h('option', { value: p.accountId }, p.displayName)));
  const fieldsBox = h('div', {});
  const summary = h('input', { name: 'summary', placeholder: 'Summary' });
  const showFields = () => {
    const t = state.site.requestTypes.find((x) => x.key === type.value);
    fieldsBox.replaceChildren(...t.fields.map((f) => h('label', { class: 'field' }, h('span', {}, f.label), h('input', { name: f.id, 'data-testid': `portal-field-${f.id}` }))));
  };
  type.addEventListener('change', showFields);
  showFields();
  const form = h('form', { class: 'card', 'data-testid': 'portal-form' },
    h('h1', {}, 'Raise a request'), h('p', { class: 'muted' }, 'As on the customer portal: the app hears about it through its avi:jira:created:issue trigger, when it has one.'),
    h('label', { class: 'field' }, h('span', {}, 'Request type'), type),
    h('label', { class: 'field' }, h('span', {}, 'Raise on behalf of'), reporter),
    h('label', { class: 'field' }, h('span', {}, 'Summary'), summary), fieldsBox,
    h('button', { class: 'primary', type: 'submit', 'data-testid': 'portal-submit' }, 'Send'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries([...fieldsBox.querySelectorAll('input')].filter((i) => i.value).map((i) => [i.name, i.value]));
    try {
      const { issue, triggered } = await api('/api/requests', { requestType: type.value, reporter: reporter.value, summary: summary.value || undefined, fields });
      await refreshSite();
      await select(issue.key);
      state.result = { label: `Portal request ${issue.key}`, value: { triggered } };
      render();
    } catch (error) {
      alert(error.message);
    }
  });
  return form;
}

function adminView() {
  const { endpoints, app } = state.site;
  const adminPage = page('jira:adminPage');
  const curl = `curl -s ${endpoints.serviceApi} \\\n  -H "Authorization: Bearer ${endpoints.serviceKey}" \\\n  -d '{"route":"user.get","data":{"user":"adele.vance@contoso.example"}}'`;
  return h('div', {},
    h('div', { class: 'card' }, h('h1', {}, 'App admin'),
      h('table', { class: 'fields' },
        h('tr', {}, h('td', {}, 'Service API'), h('td', {}, h('code', {}, endpoints.serviceApi))),
        h('tr', {}, h('td', {}, 'Service key'), h('td', {}, h('code', { 'data-testid': 'service-key' }, endpoints.serviceKey ?? 'not issued'))),
        h('tr', {}, h('td', {}, 'Graph (emulator)'), h('td', {}, h('code', {}, endpoints.graph))),
        h('tr', {}, h('td', {}, 'Emulator control'), h('td', {}, h('code', {}, endpoints.emulatorControl)))),
      h('pre', { class: 'result' }, curl)),
    h('div', { class: 'card' }, h('h3', {}, 'Configured at start'), state.site.setup.map((s) => h('div', {}, lozenge(s.state), ' ', h('strong', {}, s.name), ' ', h('span', { class: 'muted' }, s.message))), state.site.notes.map((n) => h('p', { class: 'muted' }, n))),
    h('div', { class: 'card' }, h('h3', {}, 'Scheduled triggers'),
      app.scheduled.length
        ? h('div', { class: 'row' }, app.scheduled.map((s) => h('button', { 'data-testid': `scheduled-${s.key}`, onclick: () => act(`Scheduled ${s.key}`, () => api('/api/scheduled/run', { key: s.key })) }, `Run ${s.key} now (${s.interval})`)))
        : h('p', { class: 'muted' }, 'The app has no scheduled trigger yet (the scheduled offboarding appears here when it does).'),
      state.result && h('pre', { class: 'result' }, JSON.stringify(state.result.value, null, 2))),
    h('div', { class: 'card' }, h('h3', {}, adminPage?.title ?? 'Admin page'), adminPage ? customUi(adminPage, {}) : h('p', { class: 'muted' }, 'The app has no admin page yet.')));
}

// Assets: the workspace's import source (the app's configuration view),
// "Import data" as the Assets admin presses it, the executions, and the
// objects per object type with their attributes and references.
async function loadAssets() {
  try {
    state.assets = await api('/api/assets');
  } catch (error) {
    state.assets = { error: error.message };
  }
  if (state.view === 'assets') document.getElementById('content').replaceChildren(assetsView());
}

function assetsValue(value) {
  if (Array.isArray(value)) return value.map((r) => r.label ?? r).join(', ') || '—';
  if (value === null || value === undefined || value === '') return '—';
  return String(value);
}

function assetsView() {
  const a = state.assets;
  if (!a) {
    loadAssets();
    return h('div', { class: 'card' }, 'Loading the Assets workspace…');
  }
  if (a.error) return h('div', { class: 'card' }, `Assets: ${a.error}`);
  const configPage = page('jiraServiceManagement:assetsImportType');
  const run = () => act('Assets import', () => api('/api/assets/run', {})).then(loadAssets);
  const executions = h('table', { class: 'fields', 'data-testid': 'assets-executions' },
    h('tr', {}, h('th', {}, 'Execution'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Chunks'), h('th', {}, 'Records')),
    [...a.executions].reverse().map((e) => h('tr', {}, h('td', {}, h('code', {}, e.id.slice(0, 8))), h('td', {}, lozenge(e.status)), h('td', {}, e.startedAt), h('td', {}, String(e.chunks)), h('td', {}, String(e.records)))));
  const types = a.objectTypes.map((t) => {
    const objects = a.objects[t.name] ?? [];
    const columns = t.attributes.map((x) => x.name).filter((name) => objects.some((o) => name in o.attributes));
    return h('div', { class: 'card', 'data-testid': `assets-type-${t.name}` },
      h('h3', {}, `${t.name} · ${objects.length} objects`),
      objects.length
        ? h('div', { class: 'list wide', tabindex: '0', role: 'region', 'aria-label': `${t.name} objects` },
          h('table', { class: 'fields' },
            h('tr', {}, h('th', {}, 'Key'), columns.map((c) => h('th', {}, c))),
            objects.map((o) => h('tr', {}, h('td', {}, h('code', {}, o.objectKey)), columns.map((c) => h('td', {}, assetsValue(o.attributes[c])))))))
        : h('p', { class: 'muted' }, 'No objects yet: run the import.'));
  });
  return h('div', {},
    h('div', { class: 'card' }, h('h1', {}, 'Assets'),
      h('p', { class: 'muted' }, a.importSource ? `Import source "${a.importSource.name}" (${a.importSource.importId}) in workspace ${a.importSource.workspaceId}, object schema ${a.importSource.schemaId}.` : 'No import source.'),
      h('div', { class: 'row' }, h('button', { 'data-testid': 'assets-run', onclick: run }, 'Import data'), h('button', { onclick: loadAssets }, 'Refresh')),
      state.result && h('pre', { class: 'result' }, JSON.stringify(state.result.value, null, 2)),
      h('h3', {}, 'Executions'), a.executions.length ? executions : h('p', { class: 'muted' }, 'No execution yet.')),
    ...types,
    h('div', { class: 'card' }, h('h3', {}, configPage?.title ?? 'Assets import configuration'),
      configPage && a.importSource ? customUi(configPage, { assets: a.importSource }) : h('p', { class: 'muted' }, 'The app declares no Assets import type yet.')));
}

// A Custom UI resource in an iframe; /custom-ui/ injects the sandbox bridge.
function customUi(pageModule, { issueKey, assets }) {
  const query = new URLSearchParams({ moduleKey: pageModule.key, ...(issueKey ? { issueKey } : {}), ...(assets ? { importId: assets.importId, workspaceId: assets.workspaceId, schemaId: assets.schemaId } : {}) });
  return h('iframe', { class: 'custom-ui', src: `/custom-ui/${pageModule.resource}/?${query}`, title: pageModule.title, 'data-testid': `custom-ui-${pageModule.key}` });
}

async function refreshTenant() {
  try {
    [state.tenant, state.log] = await Promise.all([api('/api/tenant'), api('/api/emulator-log')]);
    state.seedUserIds ??= new Set(state.tenant.users.map((u) => u.id));
  } catch (error) {
    state.tenant = { error: error.message };
  }
}

function renderTenant() {
  const box = document.getElementById('tenant');
  const t = state.tenant;
  if (!t) return;
  if (t.error) return box.replaceChildren(h('div', { class: 'card' }, `Emulator unavailable: ${t.error}`));
  const users = t.users.filter((u) => !state.filter || JSON.stringify(u).toLowerCase().includes(state.filter.toLowerCase()));
  const filter = h('input', { placeholder: 'Filter users', 'aria-label': 'Filter users', value: state.filter, 'data-testid': 'tenant-filter' });
  filter.addEventListener('input', () => {
    state.filter = filter.value;
    renderTenant();
    const again = document.querySelector('[data-testid=tenant-filter]');
    again.focus();
    again.setSelectionRange(again.value.length, again.value.length);
  });
  // Accounts created since the page opened first, newest on top.
  const isNew = (u) => !state.seedUserIds.has(u.id);
  const sorted = [...users.filter(isNew), ...users.filter((u) => !isNew(u))];
  box.replaceChildren(
    h('div', { class: 'card' },
      h('h3', {}, `Entra tenant · ${t.users.length} users`), filter,
      h('div', { class: 'list', 'data-testid': 'tenant-users', tabindex: '0', role: 'region', 'aria-label': 'Users in the tenant' }, sorted.map((u) => h('div', { class: `user ${isNew(u) ? 'changed' : ''}`, 'data-upn': u.userPrincipalName },
        h('strong', {}, u.displayName), ' ', u.accountEnabled ? '' : lozenge('disabled'), isNew(u) ? lozenge('new') : '',
        h('div', { class: 'muted' }, `${u.userPrincipalName} · ${u.department ?? '—'} · ${u.jobTitle ?? '—'} · ${u.groupIds?.length ?? 0} groups`))))),
    h('div', { class: 'card' }, h('h3', {}, `Groups · ${t.groups.length}`),
      h('div', { class: 'list', tabindex: '0', role: 'region', 'aria-label': 'Groups in the tenant' }, t.groups.map((g) => h('div', { class: 'user' }, h('strong', {}, g.displayName), h('span', { class: 'muted' }, ` · ${g.memberIds?.length ?? 0} members`))))),
    h('div', { class: 'card' }, h('h3', {}, `Graph request log · ${state.log.length}`),
      h('div', { class: 'list log', 'data-testid': 'emulator-log', tabindex: '0', role: 'region', 'aria-label': 'Graph requests, newest first' }, [...state.log].reverse().slice(0, 40).map((e) => h('div', {}, `${e.status} ${e.method} ${e.path}`)))));
}

// Custom UI frames size to their content, as in Forge: each frame's bridge
// (bridge-shim.js) reports its content height.
window.addEventListener('message', (event) => {
  if (event.origin !== location.origin || event.data?.type !== 'sandbox:resize') return;
  const frame = [...document.querySelectorAll('iframe.custom-ui')].find((f) => f.contentWindow === event.source);
  const height = Number(event.data.height);
  // The iframe's own border adds to the content height (border-box sizing).
  if (frame && Number.isFinite(height) && height > 0) frame.style.height = `${height + frame.offsetHeight - frame.clientHeight}px`;
});

document.getElementById('tabs').addEventListener('click', (event) => {
  const view = event.target.dataset?.view;
  if (!view) return;
  state.view = view;
  state.result = null;
  if (view === 'assets') state.assets = null;
  render();
});

await refreshSite();
await refreshTenant();
render();
// The tenant view follows the emulator live; skip a tick while the user types.
setInterval(async () => {
  if (document.activeElement?.dataset?.testid === 'tenant-filter') return;
  await refreshTenant();
  renderTenant();
}, 2000);
