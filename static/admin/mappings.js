// Request types: which JSM request type runs which operation, and which
// Jira field fills each input. Routes and their inputs come from
// config.options; request types and fields are picked from Jira
// (jira.requestTypes, jira.fields; typed ids when Jira cannot be read); saved with the whole configuration through config.save,
// whose errors name `requestTypes[i]...` and land beside that control.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, empty } from '../shared/dom.js';
import { showFieldError, clearFieldErrors } from './form.js';

let nextId = 0;
const uid = (prefix) => `${prefix}-${(nextId += 1)}`;

function control(label, path, input, help) {
  const id = input.id || (input.id = uid('f'));
  return h('div', { class: 'field', dataset: { path } }, h('label', { for: id }, label), input, help ? h('span', { class: 'help' }, help) : null, h('span', { class: 'error-text', 'aria-live': 'polite' }));
}

export function mappingsTab(panel, store) {
  replace(panel, loading('Loading the operations and Jira\u2019s request types…'));
  // The pickers are a convenience: if Jira cannot be read, ids are typed.
  const catalog = Promise.all([call('jira.requestTypes'), call('jira.fields')])
    .then(([types, fields]) => ({ requestTypes: types.requestTypes, fields: fields.fields }), (error) => ({ error }));
  Promise.all([call('config.options'), catalog])
    .then(([options, jira]) => render(panel, store, options, jira), (error) => replace(panel, errorMessage(error, () => mappingsTab(panel, store))));
}

function requestTypePicker(i, m, jira, onPick) {
  const known = jira.requestTypes.some((t) => t.id === m.requestTypeId);
  const select = h('select', { id: `rt-${i}-id` },
    h('option', { value: '' }, 'Pick a request type…'),
    m.requestTypeId && !known ? h('option', { value: m.requestTypeId, selected: true }, `${m.requestTypeId} (not in Jira)`) : null,
    jira.requestTypes.map((t) => h('option', { value: t.id, selected: t.id === m.requestTypeId }, `${t.name} \u00b7 ${t.projectKey ?? t.serviceDeskId}`)));
  select.addEventListener('change', () => onPick(select.value, jira.requestTypes.find((t) => t.id === select.value)));
  return select;
}

function sourcePicker(id, label, source, options, jira) {
  const known = options.reporterSources.includes(source) || jira.fields.some((f) => f.id === source);
  return h('select', { id, 'aria-label': label },
    h('option', { value: '' }, 'Pick a field…'),
    source && !known ? h('option', { value: source, selected: true }, `${source} (not in Jira)`) : null,
    h('optgroup', { label: 'The person who raised it' }, options.reporterSources.map((r) => h('option', { value: r, selected: r === source }, r))),
    h('optgroup', { label: 'Jira fields' }, jira.fields.map((f) => h('option', { value: f.id, selected: f.id === source }, `${f.name} (${f.id})`))));
}

function render(panel, store, options, jira) {
  const picking = !jira.error;
  // Editable copy; written back only by Save.
  let mappings = structuredClone(store.config.requestTypes ?? []).map((m) => ({ ...m, pairs: Object.entries(m.fields ?? {}) }));
  const list = h('div', { class: 'stack' });
  const status = h('div', { 'aria-live': 'polite' });
  const routeOf = (name) => options.routes.find((r) => r.route === name);

  function draw() {
    replace(list, mappings.length ? mappings.map(card) : empty('No request types mapped', 'Map a JSM request type to an operation so requests of that type run it when they are raised.'));
  }

  function card(m, i) {
    const base = `config.requestTypes[${i}]`;
    const name = h('input', { id: `rt-${i}-name`, autocomplete: 'off', value: m.name ?? '' });
    let id;
    if (picking) {
      id = requestTypePicker(i, m, jira, (value, type) => {
        m.requestTypeId = value;
        // The name follows the picked type unless the admin wrote one.
        if (type && !m.name) { m.name = type.name; name.value = type.name; }
      });
    } else {
      id = h('input', { id: `rt-${i}-id`, inputmode: 'numeric', autocomplete: 'off', value: m.requestTypeId ?? '' });
      id.addEventListener('input', () => { m.requestTypeId = id.value.trim(); });
    }
    name.addEventListener('input', () => { m.name = name.value; });
    const route = h('select', { id: `rt-${i}-route` }, options.routes.map((r) => h('option', { value: r.route, selected: r.route === m.route }, r.route)));
    route.addEventListener('change', () => { m.route = route.value; m.pairs = m.pairs.filter(([input]) => routeOf(m.route)?.inputs.some((x) => x.name === input)); draw(); });
    const inputs = routeOf(m.route)?.inputs ?? [];
    const pairs = m.pairs.map(([input, source], j) => {
      const pick = h('select', { id: `rt-${i}-in-${j}`, 'aria-label': 'Operation input' }, inputs.map((x) => h('option', { value: x.name, selected: x.name === input }, `${x.name}${x.required ? ' (required)' : ''}`)));
      pick.addEventListener('change', () => { m.pairs[j][0] = pick.value; });
      const from = picking
        ? sourcePicker(`rt-${i}-src-${j}`, `Jira field for ${input}`, source, options, jira)
        : h('input', { id: `rt-${i}-src-${j}`, 'aria-label': `Jira field for ${input}`, value: source, placeholder: 'customfield_10100', list: 'reporter-sources', autocomplete: 'off' });
      from.addEventListener(picking ? 'change' : 'input', () => { m.pairs[j][1] = from.value.trim(); });
      return h('div', { class: 'pair field', dataset: { path: `${base}.fields.${input}` } },
        h('div', { class: 'row' }, pick, h('span', { 'aria-hidden': 'true' }, '\u2190'), from,
          h('button', { class: 'btn subtle small', type: 'button', 'aria-label': `Remove input ${input}`, onclick: () => { m.pairs.splice(j, 1); draw(); } }, 'Remove')),
        h('span', { class: 'error-text', 'aria-live': 'polite' }));
    });
    const unused = inputs.find((x) => !m.pairs.some(([input]) => input === x.name));
    return h('section', { class: 'card stack mapping', 'aria-label': `Request type ${m.name || m.requestTypeId || i + 1}` },
      h('div', { class: 'grid3' },
        control(picking ? 'Request type' : 'Request type id', `${base}.requestTypeId`, id, picking ? null : 'The number in the request type\u2019s URL.'),
        control('Name', `${base}.name`, name),
        control('Operation', `${base}.route`, route, routeOf(m.route)?.summary)),
      h('div', { class: 'field', dataset: { path: `${base}.fields` } },
        h('span', { class: 'label' }, 'Inputs \u2190 Jira fields'),
        pairs.length ? pairs : h('p', { class: 'subtle' }, 'No inputs mapped yet.'),
        h('span', { class: 'error-text', 'aria-live': 'polite' })),
      h('div', { class: 'row' },
        unused ? h('button', { class: 'btn small', type: 'button', onclick: () => { m.pairs.push([unused.name, unused.name === 'user' ? 'reporter.emailAddress' : '']); draw(); } }, 'Add an input') : null,
        h('button', { class: 'btn subtle small', type: 'button', onclick: () => { mappings.splice(i, 1); draw(); } }, 'Remove this request type')));
  }

  const add = h('button', { class: 'btn', type: 'button', onclick: () => { mappings.push({ requestTypeId: '', name: '', route: options.routes[0].route, pairs: [['user', 'reporter.emailAddress']] }); draw(); list.lastChild.querySelector('select, input')?.focus(); } }, 'Add a request type');
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Request type mappings' },
    h('h2', {}, 'Request types'),
    h('p', { class: 'subtle' }, 'A request of a mapped type runs its operation when it is raised, through the same policy, approvals and audit as every other entry point. ', h('code', {}, 'reporter.emailAddress'), ' and ', h('code', {}, 'reporter.accountId'), ' take the value from the person who raised it.'),
    picking ? null : h('div', { class: 'message warning', role: 'status' }, h('p', {}, `Jira\u2019s request types and fields could not be read (${jira.error.message}); type their ids instead.`)),
    h('datalist', { id: 'reporter-sources' }, options.reporterSources.map((s) => h('option', { value: s }))),
    list, h('div', { class: 'row' }, add, h('button', { class: 'btn primary', type: 'submit' }, 'Save request types')), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const requestTypes = mappings.map(({ pairs, ...m }) => ({ requestTypeId: m.requestTypeId, ...(m.name ? { name: m.name } : {}), route: m.route, fields: Object.fromEntries(pairs) }));
    replace(status, loading('Saving…'));
    try {
      await store.save({ ...store.config, requestTypes });
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, 'Request types saved.')));
    } catch (error) {
      if (!showFieldError(form, error)) replace(status, errorMessage(error)); else replace(status);
    }
  });
  draw();
  replace(panel, form);
}
