// Audit log: filter the records, open one for its plan and steps, export
// the same selection as CSV (built by the app, so escaping is in one place).
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, empty, lozenge, formatDate, planList, stepList } from '../shared/dom.js';
import { field, showFieldError, clearFieldErrors } from './form.js';

const OUTCOMES = [
  ['', 'Any outcome'], ['succeeded', 'Succeeded'], ['partiallyFailed', 'Partly failed'], ['failed', 'Failed'],
  ['refused', 'Refused'], ['awaitingApproval', 'Awaiting approval'], ['approvalDeclined', 'Declined'],
  ['planned', 'Dry run'], ['revealed', 'Revealed'], ['revealRefused', 'Reveal refused'],
  ['doneWithRemainders', 'Done with remainders'],
  ['started', 'Started, not finished'],
];
const OUTCOME_KIND = { succeeded: 'success', revealed: 'success', partiallyFailed: 'warning', failed: 'danger', refused: 'danger', revealRefused: 'danger', awaitingApproval: 'info', approvalDeclined: 'warning', doneWithRemainders: 'warning', started: 'warning' };
const OPERATIONS = ['user.create', 'user.update', 'user.disable', 'user.enable', 'user.revokeSessions', 'user.resetPassword', 'user.createTemporaryAccessPass', 'user.offboard', 'user.transfer', 'group.addMember', 'group.removeMember', 'credential.reveal'];

function select(id, label, path, options) {
  const input = h('select', { id, 'aria-describedby': `${id}-error` }, options.map(([value, text]) => h('option', { value }, text)));
  return { wrap: h('div', { class: 'field', dataset: { path } }, h('label', { for: id }, label), input, h('span', { class: 'error-text', id: `${id}-error`, 'aria-live': 'polite' })), input };
}

/** Start or end of a local day (yyyy-mm-dd) in ms, or null. */
function dayBound(value, end) {
  if (!value) return null;
  const [y, m, d] = value.split('-').map(Number);
  return end ? new Date(y, m - 1, d, 23, 59, 59, 999).getTime() : new Date(y, m - 1, d).getTime();
}

export function auditTab(panel) {
  const target = field({ id: 'audit-target', label: 'Target (UPN or object id)', path: 'target' });
  const requester = field({ id: 'audit-requester', label: 'Requester account id', path: 'requesterAccountId' });
  const issue = field({ id: 'audit-issue', label: 'Request', path: 'issueKey', placeholder: 'ITSM-12' });
  const operation = select('audit-operation', 'Operation', 'operation', [['', 'Any operation'], ...OPERATIONS.map((o) => [o, o])]);
  const outcome = select('audit-outcome', 'Outcome', 'outcome', OUTCOMES);
  const from = field({ id: 'audit-from', label: 'From', path: 'fromMs', type: 'date' });
  const to = field({ id: 'audit-to', label: 'To', path: 'toMs', type: 'date' });
  const limit = select('audit-limit', 'Show', 'limit', [['50', 'Newest 50'], ['200', 'Newest 200']]);
  const results = h('div', { 'aria-live': 'polite' });
  const detail = h('div', { 'aria-live': 'polite' });
  const exportButton = h('button', { class: 'btn', type: 'button' }, 'Export CSV');
  const form = h('form', { class: 'card stack', role: 'search', 'aria-label': 'Filter the audit log', novalidate: true },
    h('div', { class: 'filters' }, target.wrap, requester.wrap, issue.wrap, operation.wrap, outcome.wrap, from.wrap, to.wrap, limit.wrap),
    h('div', { class: 'row' }, h('button', { class: 'btn primary', type: 'submit' }, 'Search'), exportButton));

  const filters = () => {
    const value = {
      target: target.input.value.trim() || null,
      requesterAccountId: requester.input.value.trim() || null,
      issueKey: issue.input.value.trim().toUpperCase() || null,
      operation: operation.input.value || null,
      outcome: outcome.input.value || null,
      fromMs: dayBound(from.input.value, false),
      toMs: dayBound(to.input.value, true),
      limit: Number(limit.input.value),
    };
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
  };

  async function search() {
    clearFieldErrors(form);
    replace(detail);
    replace(results, loading('Reading the audit log…'));
    try {
      const { records } = await call('audit.query', filters());
      replace(results, records.length ? table(records) : empty('No records match', 'Every change, refusal and reveal the app handles is recorded here. Widen the filters or the dates.'));
    } catch (error) {
      if (!showFieldError(form, error)) replace(results, errorMessage(error, search)); else replace(results);
    }
  }

  function table(records) {
    return h('table', { class: 'audit-table' },
      h('caption', { class: 'subtlest' }, `${records.length} record(s), newest first. Choose a row for its details.`),
      h('thead', {}, h('tr', {}, ['Time', 'Operation', 'Target', 'Request', 'Requester', 'Outcome'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, records.map((r) => {
        const row = h('tr', { tabindex: '0', class: 'clickable', dataset: { id: r.id }, 'aria-label': `${r.operation} ${r.target?.label ?? ''} ${r.outcome}` },
          h('td', {}, formatDate(new Date(r.atMs).toISOString())),
          h('td', {}, h('code', {}, r.operation), r.dryRun ? h('span', { class: 'subtlest' }, ' (dry run)') : null),
          h('td', {}, r.target?.label ?? '—'),
          h('td', {}, r.issueKey ?? '—'),
          h('td', {}, r.requester?.displayName ?? r.requester?.accountId),
          h('td', {}, lozenge(OUTCOMES.find(([v]) => v === r.outcome)?.[1] ?? r.outcome, OUTCOME_KIND[r.outcome])));
        const open = () => showDetail(r);
        row.addEventListener('click', open);
        row.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); open(); } });
        return row;
      })));
  }

  function showDetail(r) {
    replace(detail, h('div', { class: 'card stack audit-detail', tabindex: '-1' },
      h('h3', {}, `${r.operation} \u2014 ${r.target?.label ?? 'no target'}`),
      h('dl', { class: 'facts' }, [
        ['When', formatDate(new Date(r.atMs).toISOString())],
        ['Outcome', r.outcomeText],
        ['Requester', `${r.requester?.displayName ?? ''} (${r.requester?.accountId})`],
        ['Entry point', r.entryPoint],
        ['Request', r.issueKey],
        ['Target id', r.target?.id],
        ['Groups', r.groups?.join(', ')],
        ['Credential', r.credential ? `${r.credential.kind === 'temporaryAccessPass' ? 'Temporary Access Pass' : 'Temporary password'} issued, expires ${formatDate(new Date(r.credential.expiresAtMs).toISOString())} (the value is never recorded)` : null],
        ['Graph request ids', r.graphRequestIds?.length ? r.graphRequestIds.map((id) => h('code', {}, id, ' ')) : null],
        ['Record id', h('code', {}, r.id)],
      ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')])),
      h('h4', {}, 'Plan'), r.plan ? planList(Array.isArray(r.plan) ? r.plan : r.plan.changes) : h('p', { class: 'subtle' }, 'No plan was made (refused or failed before planning).'),
      r.steps?.length ? [h('h4', {}, 'Steps'), stepList(r.steps)] : null));
    detail.firstChild.focus();
  }

  exportButton.addEventListener('click', async () => {
    clearFieldErrors(form);
    exportButton.disabled = true;
    try {
      const { filename, csv } = await call('audit.csv', filters());
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = h('a', { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      if (!showFieldError(form, error)) replace(results, errorMessage(error));
    } finally {
      exportButton.disabled = false;
    }
  });
  form.addEventListener('submit', (event) => { event.preventDefault(); search(); });
  replace(panel, h('div', { class: 'stack' }, h('h2', {}, 'Audit log'), form, results, detail));
  search();
}
