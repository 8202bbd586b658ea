// Groups & policy: serviceable and protected groups (searched in Entra,
// with the reason a group cannot be serviceable), and the whole policy as
// JSON as an advanced fallback to the Policy tab, stored under config.policy.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, lozenge, empty } from '../shared/dom.js';
import { field, showFieldError, clearFieldErrors } from './form.js';

const LISTS = [
  ['serviceableGroups', 'Serviceable groups', 'Agents, rules and automation may add and remove members of these groups only.'],
  ['protectedGroups', 'Protected groups', 'Members of these groups are never reset, disabled or changed by the app.'],
];

export function groupsTab(panel, store) {
  const policy = () => store.config.policy ?? {};
  const ids = (key) => (Array.isArray(policy()[key]) ? policy()[key] : []);
  const status = h('div', { 'aria-live': 'polite' });

  async function saveList(key, next) {
    replace(status, loading('Saving…'));
    try {
      await store.save({ ...store.config, policy: { ...policy(), [key]: next } });
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, 'Saved.')));
      render();
    } catch (error) {
      replace(status, errorMessage(error));
    }
  }

  function listCard([key, title, help]) {
    const list = h('div', {}, loading('Loading…'));
    const current = ids(key);
    if (!current.length) replace(list, h('p', { class: 'subtle' }, 'None yet. Search below to add groups.'));
    else call('groups.describe', { ids: current }).then(({ groups, missing }) => {
      replace(list, h('ul', { class: 'plain' },
        groups.map((g) => h('li', {}, h('span', {}, g.displayName ?? g.id, ' ', key === 'serviceableGroups' && g.problems.length ? lozenge('Cannot be serviceable', 'danger') : null),
          h('button', { class: 'btn subtle small', type: 'button', 'aria-label': `Remove ${g.displayName} from ${title}`, onclick: () => saveList(key, current.filter((id) => id.toLowerCase() !== g.id.toLowerCase())) }, 'Remove'))),
        missing.map((id) => h('li', {}, h('span', {}, h('code', {}, id), ' ', lozenge('No longer in Entra', 'warning')), h('button', { class: 'btn subtle small', type: 'button', onclick: () => saveList(key, current.filter((x) => x !== id)) }, 'Remove')))));
    }, (error) => replace(list, errorMessage(error)));
    return h('div', { class: 'card stack' }, h('h3', {}, title), h('p', { class: 'subtle' }, help), list);
  }

  function searchCard() {
    const query = field({ id: 'group-search', label: 'Search Entra groups by name', path: 'query' });
    const results = h('div', { 'aria-live': 'polite' });
    const form = h('form', { class: 'card stack', role: 'search' }, query.wrap, h('button', { class: 'btn', type: 'submit' }, 'Search'), results);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      replace(results, loading('Searching…'));
      try {
        const { groups } = await call('groups.search', { query: query.input.value });
        if (!groups.length) { replace(results, empty('No groups found', 'Group names are matched from their start.')); return; }
        replace(results, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Group'), h('th', {}, 'Serviceable?'), h('th', {}, ''))), h('tbody', {}, groups.map((g) => h('tr', {},
          h('td', {}, g.displayName, g.description ? h('div', { class: 'subtlest' }, g.description) : null),
          h('td', {}, g.problems.length ? h('ul', { class: 'bad', style: 'margin:0;padding-left:16px' }, g.problems.map((p) => h('li', {}, p))) : lozenge('Can be serviceable', 'success')),
          h('td', {}, h('div', { class: 'row' },
            h('button', { class: 'btn small', type: 'button', disabled: g.serviceable || g.problems.length > 0, onclick: () => saveList('serviceableGroups', [...ids('serviceableGroups'), g.id]) }, g.serviceable ? 'Serviceable' : 'Make serviceable'),
            h('button', { class: 'btn small', type: 'button', disabled: g.protected, onclick: () => saveList('protectedGroups', [...ids('protectedGroups'), g.id]) }, g.protected ? 'Protected' : 'Protect'))))))));
      } catch (error) {
        if (!showFieldError(form, error)) replace(results, errorMessage(error));
        else replace(results);
      }
    });
    return form;
  }

  function policyCard() {
    const json = field({ id: 'policy-json', label: 'Policy (JSON)', path: 'config.policy', multiline: true, value: JSON.stringify(policy(), null, 2), help: 'Approvals per operation, secret recipients, protected users, self-service attributes and the other policy settings. Saved as config.policy; errors name the setting.' });
    const out = h('div', { 'aria-live': 'polite' });
    const form = h('form', { class: 'card stack', novalidate: true, 'aria-label': 'Policy settings' }, h('h3', {}, 'Advanced: the whole policy as JSON'), h('p', { class: 'subtle' }, 'The Policy tab edits these settings with controls; use this only for settings it does not show.'), json.wrap, h('button', { class: 'btn primary', type: 'submit' }, 'Save policy'), out);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      let parsed;
      try { parsed = JSON.parse(json.input.value || '{}'); } catch (e) {
        showFieldError(form, { field: 'config.policy', message: `Not valid JSON: ${e.message}` });
        return;
      }
      replace(out, loading('Saving…'));
      try {
        await store.save({ ...store.config, policy: parsed });
        replace(out, h('div', { class: 'message success', role: 'status' }, h('p', {}, 'Saved.')));
      } catch (error) {
        if (!showFieldError(form, error)) replace(out, errorMessage(error)); else replace(out);
      }
    });
    return form;
  }

  function render() {
    replace(panel, h('div', { class: 'stack' }, h('h2', {}, 'Groups & policy'), status, h('div', { class: 'grid2' }, LISTS.map(listCard)), searchCard(), policyCard()));
  }
  render();
}
