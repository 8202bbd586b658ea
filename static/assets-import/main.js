// The Assets import's configuration view ("Configure App" in Assets): the
// Entra connection it uses, full or incremental mode, the schedule, which
// users to import, what to set for missing objects, and the last run.
// Assets gives the import source's ids in the view's context extension;
// everything is read and saved through the assets.config.* resolvers.
import { getContext } from '@forge/bridge/out/view/getContext.js';
import { call, enableTheme } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, lozenge } from '../shared/dom.js';
import { lastRunView, runStateView } from '../shared/assets-run.js';

const root = document.getElementById('app');
const DEFAULTS = { mode: 'full', schedule: 'daily', dailyHourUtc: 2, includeGuests: true, includeDisabled: true };
const STATUS = {
  IDLE: ['Ready', 'success'], RUNNING: ['Running', 'info'], DISABLED: ['Disabled in Assets', 'warning'], MISSING_MAPPING: ['Not configured', 'warning'],
};

async function start() {
  replace(root, loading('Loading the import configuration…'));
  let source;
  try {
    const { workspaceId, importId, schemaId } = (await getContext())?.extension ?? {};
    source = { workspaceId, importId, schemaId };
    render(source, await call('assets.config.get', source));
  } catch (error) {
    replace(root, errorMessage(error, start));
  }
}

function radios(name, legend, options, value) {
  return h('fieldset', { class: 'field', dataset: { path: `config.${name}` } }, h('legend', {}, legend),
    h('div', { class: 'checks' }, options.map(([v, label]) => h('label', { class: 'check' },
      h('input', { type: 'radio', name, value: v, checked: v === value }), label))),
    h('span', { class: 'error-text', 'aria-live': 'polite' }));
}

function check(id, label, checked) {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', id, checked }), label);
}

function render(source, view) {
  const config = { ...DEFAULTS, ...(view.config ?? {}) };
  const [statusText, statusKind] = STATUS[view.configStatus] ?? ['Not configured', 'warning'];
  const hour = h('select', { id: 'dailyHourUtc', 'aria-describedby': 'dailyHourUtc-help' },
    Array.from({ length: 24 }, (_, i) => h('option', { value: String(i), selected: i === config.dailyHourUtc }, `${String(i).padStart(2, '0')}:00 UTC`)));
  const status = h('div', { 'aria-live': 'polite' });
  const save = h('button', { class: 'btn primary', type: 'submit' }, 'Save configuration');
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Import configuration' },
    h('section', { class: 'card stack', 'aria-labelledby': 'what-title' },
      h('h2', { id: 'what-title' }, 'What is imported'),
      h('p', {}, 'Entra users and groups become objects of the types Entra User and Entra Group in this schema, with each user\u2019s manager and direct group memberships, and each group\u2019s parent groups, as references.'),
      radios('mode', 'Mode', [['full', 'Full: every user and group on every run (recommended)'], ['incremental', 'Incremental: only what changed in Entra since the last run']], config.mode),
      h('p', { class: 'subtlest' }, 'Incremental runs read Graph\u2019s changes only. Use them only with Missing objects set to Ignore in Assets: objects not sent in a run would otherwise count as missing.'),
      h('fieldset', { class: 'field' }, h('legend', {}, 'Users'),
        h('div', { class: 'checks' }, check('includeGuests', 'Include guest accounts', config.includeGuests), check('includeDisabled', 'Include disabled accounts', config.includeDisabled)))),
    h('section', { class: 'card stack', 'aria-labelledby': 'schedule-title' },
      h('h2', { id: 'schedule-title' }, 'Schedule'),
      radios('schedule', 'Run', [['off', 'Only when started from Assets or the app\u2019s admin page'], ['hourly', 'Every hour'], ['daily', 'Every day']], config.schedule),
      h('div', { class: 'field', dataset: { path: 'config.dailyHourUtc' } }, h('label', { for: 'dailyHourUtc' }, 'Daily at'), hour,
        h('span', { class: 'help', id: 'dailyHourUtc-help' }, 'Used when the schedule is daily.'), h('span', { class: 'error-text', 'aria-live': 'polite' }))),
    h('section', { class: 'message warning', 'aria-labelledby': 'missing-title' },
      h('h3', { id: 'missing-title' }, 'Missing objects'),
      h('p', {}, 'When a user or group is deleted in Entra, a full run no longer sends it. What Assets does then is set in Assets, not here: open this import\u2019s mapping (Edit mapping), pick each object type mapping, and under Missing objects choose Update with Entra Status set to Deleted, so deleted accounts stay visible and searchable (AQL: "Entra Status" = Deleted). Remove deletes them; Ignore leaves them as they were, which is what incremental mode needs.')),
    h('div', { class: 'row' }, save, status));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const f of form.querySelectorAll('[data-invalid]')) { f.removeAttribute('data-invalid'); f.querySelector('.error-text').textContent = ''; }
    const next = {
      mode: form.querySelector('input[name=mode]:checked')?.value ?? 'full',
      schedule: form.querySelector('input[name=schedule]:checked')?.value ?? 'daily',
      dailyHourUtc: Number(hour.value),
      includeGuests: form.querySelector('#includeGuests').checked,
      includeDisabled: form.querySelector('#includeDisabled').checked,
    };
    save.disabled = true;
    replace(status, loading('Saving the schema and mapping to Assets…'));
    try {
      const saved = await call('assets.config.save', { ...source, config: next });
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, saved.mapping === 'created' ? 'Saved. The object types Entra User and Entra Group are in this schema; start the import with Import data.' : 'Saved. The schema and mapping are up to date.')));
    } catch (error) {
      const fieldBox = error.field && [...form.querySelectorAll('[data-path]')].find((f) => error.field === f.dataset.path || error.field.startsWith(`${f.dataset.path}.`));
      if (fieldBox) {
        fieldBox.setAttribute('data-invalid', '');
        fieldBox.querySelector('.error-text').textContent = error.message;
        replace(status);
      } else {
        replace(status, errorMessage(error));
      }
    } finally {
      save.disabled = false;
    }
  });

  replace(root, h('div', { class: 'stack' },
    h('div', { class: 'row' }, h('h1', {}, 'Entra ID users and groups'), lozenge(statusText, statusKind)),
    connection(view),
    runStateView(view.run),
    form,
    h('section', { class: 'card', 'aria-label': 'Last run' }, lastRunView(view.lastRun, { headingLevel: 'h2' }))));
}

function connection(view) {
  if (view.config || view.configStatus && view.configStatus !== 'MISSING_MAPPING') {
    return h('p', { class: 'subtle' }, 'The import reads Entra ID through the app\u2019s connection (Jira settings \u203a Apps \u203a Entra ID Connect \u203a Connection), with the User.Read.All and GroupMember.Read.All application permissions.');
  }
  return h('div', { class: 'message', role: 'note' }, h('h3', {}, 'Not configured yet'),
    h('p', {}, 'Check the settings below and save: the app then creates its object types in this schema. The Entra connection is the one set on the app\u2019s admin page (Jira settings \u203a Apps \u203a Entra ID Connect).'));
}

enableTheme();
start();
