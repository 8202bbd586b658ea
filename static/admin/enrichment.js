// Enrichment: which of the reporter's Entra attributes are written to which
// Jira custom field when a request is created. Fields are picked from Jira
// (`jira.fields`), not typed; saved with the whole configuration, whose
// errors name `enrichment.fields.<attribute>` and land beside that control.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage } from '../shared/dom.js';
import { showFieldError, clearFieldErrors } from './form.js';

const ATTRIBUTES = [
  ['displayName', 'Display name'],
  ['userPrincipalName', 'User principal name'],
  ['accountEnabled', 'Account enabled'],
  ['department', 'Department'],
  ['jobTitle', 'Job title'],
  ['employeeId', 'Employee ID'],
  ['companyName', 'Company'],
  ['officeLocation', 'Office'],
  ['manager', 'Manager'],
];

/** A select of Jira's custom fields; the current id stays even if Jira no longer lists it. */
export function fieldPicker(id, fields, current, label) {
  const known = fields.some((f) => f.id === current);
  return h('select', { id, 'aria-label': label },
    h('option', { value: '' }, '— not written —'),
    current && !known ? h('option', { value: current, selected: true }, `${current} (not in Jira)`) : null,
    fields.map((f) => h('option', { value: f.id, selected: f.id === current }, `${f.name} (${f.id})`)));
}

export function enrichmentTab(panel, store) {
  replace(panel, loading('Loading Jira\u2019s fields…'));
  call('jira.fields').then(({ fields }) => render(panel, store, fields.filter((f) => f.custom)), (error) => replace(panel, errorMessage(error, () => enrichmentTab(panel, store))));
}

function render(panel, store, fields) {
  const current = store.config.enrichment ?? {};
  const pickers = ATTRIBUTES.map(([key, label]) => [key, label, fieldPicker(`enrich-${key}`, fields, current.fields?.[key] ?? '', `Jira field for ${label}`)]);
  const account = fieldPicker('enrich-account', fields, current.accountField ?? '', 'Jira field for the Entra account');
  const status = h('div', { 'aria-live': 'polite' });
  const row = (label, path, select) => h('div', { class: 'field', dataset: { path } }, h('label', { for: select.id }, label), select, h('span', { class: 'error-text', 'aria-live': 'polite' }));
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Enrichment' },
    h('h2', {}, 'Enrichment'),
    h('p', { class: 'subtle' }, 'When a request is raised, the app reads the reporter in Entra once and writes these attributes to the Jira fields picked here.'),
    h('div', { class: 'grid3' }, pickers.map(([key, label, select]) => row(label, `config.enrichment.fields.${key}`, select))),
    row('Entra account (user principal name)', 'config.enrichment.accountField', account),
    h('div', { class: 'row' }, h('button', { class: 'btn primary', type: 'submit' }, 'Save enrichment')), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const enrichment = { fields: Object.fromEntries(pickers.filter(([, , s]) => s.value).map(([key, , s]) => [key, s.value])) };
    if (account.value) enrichment.accountField = account.value;
    replace(status, loading('Saving…'));
    try {
      await store.save({ ...store.config, enrichment });
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, 'Enrichment saved.')));
    } catch (error) {
      if (!showFieldError(form, error)) replace(status, errorMessage(error)); else replace(status);
    }
  });
  replace(panel, form);
}
