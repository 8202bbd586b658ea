// Provisioning: naming template with a live preview, the site time zone
// zone-less date-times are read in, group rules with a preview against a
// sample user, licence rules, first credential.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage } from '../shared/dom.js';
import { field, showFieldError, clearFieldErrors } from './form.js';

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

export function provisioningTab(panel, store) {
  const p = store.config.provisioning ?? {};
  const template = field({ id: 'namingTemplate', label: 'Naming template', path: 'config.provisioning.namingTemplate', value: p.namingTemplate, help: 'Placeholders: {given}, {surname}, {initial}, {employeeId}, {domain}.' });
  const domain = field({ id: 'defaultDomain', label: 'Domain', path: 'config.provisioning.defaultDomain', value: p.defaultDomain, help: 'A verified domain of the tenant.' });
  const namingPreview = h('p', { class: 'subtle', 'aria-live': 'polite', id: 'naming-preview' });
  const rules = field({ id: 'groupRules', label: 'Group rules (JSON)', path: 'config.provisioning.groupRules', multiline: true, value: JSON.stringify(p.groupRules ?? [], null, 2), help: 'A list of {"name", "when": [{"attribute": "department", "equals": "Sales"}], "groups": ["<object id>"]}.' });
  const licenceRules = field({ id: 'licenceRules', label: 'Licence rules (JSON)', path: 'config.provisioning.licenceRules', multiline: true, value: JSON.stringify(p.licenceRules ?? [], null, 2), help: 'A list of {"name", "when": [{"attribute": "department", "equals": "Finance"}], "skus": ["ENTERPRISEPACK"], "disabledPlans": ["TEAMS1"]}. Assigned on create, diffed on transfer; names are checked against the tenant\u2019s subscriptions when a rule is used.' });
  const sampleDept = field({ id: 'sampleDepartment', label: 'Sample department', path: 'sample.department', value: 'Sales' });
  const sampleTitle = field({ id: 'sampleJobTitle', label: 'Sample job title', path: 'sample.jobTitle', value: '' });
  const rulesPreview = h('div', { 'aria-live': 'polite' });
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const siteTimeZone = field({ id: 'siteTimeZone', label: 'Site time zone', path: 'config.siteTimeZone', value: store.config.siteTimeZone ?? '', placeholder: 'UTC', help: 'An IANA time zone such as Europe/Berlin. A date-time without a zone (2026-12-31T17:00:00 from an HR system) is read in it; the plan says so. Empty: UTC.' });
  siteTimeZone.input.setAttribute('list', 'site-time-zones');
  const zoneList = h('datalist', { id: 'site-time-zones' }, zones.map((z) => h('option', { value: z })));
  const usageLocation = field({ id: 'defaultUsageLocation', label: 'Default usage location', path: 'config.provisioning.defaultUsageLocation', value: p.defaultUsageLocation ?? '', placeholder: 'US', help: 'ISO 3166-1 alpha-2 code set on a user who has none before licences are assigned (Entra needs one). Empty: such a request is refused.' });
  const graceDays = field({ id: 'licenceRemovalGraceDays', label: 'Days before a leaver\u2019s licences are removed', path: 'config.provisioning.licenceRemovalGraceDays', value: String(p.licenceRemovalGraceDays ?? 0), help: '0: offboarding removes directly assigned licences at once. More: the offboarding lists the removal, with its date, as left for a person.' });
  const leadDays = field({ id: 'joinerLeadDays', label: 'Days ahead that make a joiner wait for the hire date', path: 'config.provisioning.joinerLeadDays', value: p.joinerLeadDays == null ? '' : String(p.joinerLeadDays), placeholder: 'never', help: 'A hire date further ahead creates the account disabled, with no credential, and enables it with its first credential on the hire date. Empty: accounts are usable at once.' });
  const activationHour = field({ id: 'activationHour', label: 'Hour scheduled steps on a date run (site time zone)', path: 'config.provisioning.activationHour', value: String(p.activationHour ?? 8), help: '0 to 23: the hour on the hire date at which a waiting joiner is enabled.' });
  const deletionDays = field({ id: 'accountDeletionGraceDays', label: 'Days before a leaver\u2019s account is deleted', path: 'config.provisioning.accountDeletionGraceDays', value: p.accountDeletionGraceDays == null ? '' : String(p.accountDeletionGraceDays), placeholder: 'never', help: 'After the leave date; the account stays restorable for 30 days after. Empty: the app never deletes it.' });
  const optionalDays = (input) => (input.value.trim() === '' ? null : Number(input.value));
  const status = h('div', { 'aria-live': 'polite' });
  // Opt-in, off by default: the doctor says it needs Group.ReadWrite.All.
  const ownership = h('input', { type: 'checkbox', id: 'handOverGroupOwnership', checked: p.handOverGroupOwnership === true });
  ownership.addEventListener('change', () => { p.handOverGroupOwnership = ownership.checked; });
  const ownershipField = h('div', { class: 'field', 'data-path': 'config.provisioning.handOverGroupOwnership' },
    h('label', { for: 'handOverGroupOwnership' }, ownership, ' Hand a leaver\u2019s groups over to the successor'),
    h('p', { class: 'help' }, 'Off: offboarding lists the groups the leaver owned for a person to hand over. On: the successor (or the leaver\u2019s manager) becomes an owner and the leaver is removed; this needs Group.ReadWrite.All (see the permission doctor).'));
  // Opt-in, off by default: leave dates HR sets directly in Entra.
  const leaveScan = h('input', { type: 'checkbox', id: 'scanEntraLeaveDates', checked: p.scanEntraLeaveDates === true });
  leaveScan.addEventListener('change', () => { p.scanEntraLeaveDates = leaveScan.checked; });
  const leaveScanField = h('div', { class: 'field', 'data-path': 'config.provisioning.scanEntraLeaveDates' },
    h('label', { for: 'scanEntraLeaveDates' }, leaveScan, ' Offboard accounts whose leave date HR set in Entra has passed'),
    h('p', { class: 'help' }, 'Every hour, enabled accounts whose employeeLeaveDateTime has passed are offboarded as user.offboard would, each audited; protected accounts are refused and audited. Needs User-LifeCycleInfo.Read.All (the offboarding\u2019s ReadWrite permission covers it).'));

  const previewNaming = debounce(async () => {
    try {
      const r = await call('preview.naming', { template: template.input.value, domain: domain.input.value || null, sample: { givenName: 'Adele', surname: 'Vance', employeeId: 'E1004' } });
      replace(namingPreview, 'Adele Vance becomes ', h('code', {}, r.userPrincipalName), '; the next Adele Vance ', h('code', {}, r.onCollision), '.');
    } catch (error) {
      replace(namingPreview, h('span', { class: 'bad' }, error.message));
    }
  }, 250);
  const previewRules = async () => {
    let parsed;
    try { parsed = JSON.parse(rules.input.value || '[]'); } catch (e) { replace(rulesPreview, h('p', { class: 'bad' }, `Not valid JSON: ${e.message}`)); return; }
    try {
      const r = await call('preview.rules', { rules: parsed, sample: { department: sampleDept.input.value || null, jobTitle: sampleTitle.input.value || null } });
      replace(rulesPreview, r.groups.length ? h('p', {}, `${r.groups.length} group(s): `, r.groups.map((g) => h('code', {}, g, ' '))) : h('p', { class: 'subtle' }, 'No rule matches this sample.'));
    } catch (error) {
      replace(rulesPreview, h('p', { class: 'bad' }, error.message));
    }
  };
  template.input.addEventListener('input', previewNaming);
  domain.input.addEventListener('input', previewNaming);

  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Provisioning settings' },
    h('div', { class: 'card stack' }, h('h2', {}, 'Naming'), template.wrap, domain.wrap, namingPreview),
    h('div', { class: 'card stack' }, h('h2', {}, 'Dates'), siteTimeZone.wrap, zoneList, leadDays.wrap, activationHour.wrap, deletionDays.wrap),
    h('div', { class: 'card stack' }, h('h2', {}, 'Licences'), usageLocation.wrap, graceDays.wrap, licenceRules.wrap),
    h('div', { class: 'card stack' }, h('h2', {}, 'Leavers'), ownershipField, leaveScanField),
    h('div', { class: 'card stack' }, h('h2', {}, 'Group rules'), rules.wrap, h('div', { class: 'grid2' }, sampleDept.wrap, sampleTitle.wrap), h('button', { class: 'btn', type: 'button', onclick: previewRules }, 'Preview for the sample'), rulesPreview),
    h('div', { class: 'row' }, h('button', { class: 'btn primary', type: 'submit' }, 'Save provisioning')), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    let groupRules;
    try { groupRules = JSON.parse(rules.input.value || '[]'); } catch (e) {
      showFieldError(form, { field: 'config.provisioning.groupRules', message: `Not valid JSON: ${e.message}` });
      return;
    }
    let parsedLicenceRules;
    try { parsedLicenceRules = JSON.parse(licenceRules.input.value || '[]'); } catch (e) {
      showFieldError(form, { field: 'config.provisioning.licenceRules', message: `Not valid JSON: ${e.message}` });
      return;
    }
    replace(status, loading('Saving…'));
    try {
      await store.save({ ...store.config, siteTimeZone: siteTimeZone.input.value.trim() || null, provisioning: { ...p, namingTemplate: template.input.value, defaultDomain: domain.input.value || null, groupRules, licenceRules: parsedLicenceRules, defaultUsageLocation: usageLocation.input.value.trim() || null, licenceRemovalGraceDays: Number(graceDays.input.value || 0), joinerLeadDays: optionalDays(leadDays.input), activationHour: Number(activationHour.input.value || 8), accountDeletionGraceDays: optionalDays(deletionDays.input) } });
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, 'Saved.')));
    } catch (error) {
      if (!showFieldError(form, error)) replace(status, errorMessage(error)); else replace(status);
    }
  });
  replace(panel, form);
  previewNaming();
}
