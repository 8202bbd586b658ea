// Assets import: each import source of the app's import type (assets.imports.list)
// with its mode, schedule, the run in progress and the last run (when, how
// long, objects, Graph requests, errors), and Run now / Stop.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, empty, lozenge } from '../shared/dom.js';
import { lastRunView, runStateView } from '../shared/assets-run.js';

const REFRESH_MS = 3000;
const SCHEDULE = { off: 'Manual only', hourly: 'Every hour', daily: 'Every day' };

export function assetsTab(panel) {
  let timer = null;
  const list = h('div', { class: 'stack', 'aria-live': 'polite' });
  const status = h('div', { 'aria-live': 'polite' });

  async function act(fn, importId, label) {
    replace(status, loading(`${label}…`));
    try {
      const answer = await call(fn, { importId });
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, answer.result === 'already running' ? 'An import is already running.' : `${label}: ${answer.result}.`)));
    } catch (error) {
      replace(status, errorMessage(error));
    }
    refresh();
  }

  function card({ importSource, config, lastRun, run }) {
    const id = importSource.importId;
    const schedule = config ? (config.schedule === 'daily' ? `${SCHEDULE.daily} at ${String(config.dailyHourUtc).padStart(2, '0')}:00 UTC` : SCHEDULE[config.schedule] ?? config.schedule) : 'Not configured';
    return h('section', { class: 'card stack', 'aria-label': `Import ${id}`, 'data-import': id },
      h('div', { class: 'row' }, h('h3', {}, 'Entra ID users and groups'), run ? lozenge('Running', 'info') : lozenge(config ? 'Idle' : 'Not configured', config ? '' : 'warning'),
        config ? lozenge(config.mode === 'incremental' ? 'Incremental' : 'Full') : null),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Schedule'), h('dd', {}, schedule),
        h('dt', {}, 'Users'), h('dd', {}, config ? `${config.includeGuests ? 'with' : 'without'} guests, ${config.includeDisabled ? 'with' : 'without'} disabled accounts` : '—'),
        h('dt', {}, 'Object schema'), h('dd', {}, h('code', {}, importSource.schemaId ?? '—')),
        h('dt', {}, 'Import source'), h('dd', {}, h('code', {}, id))),
      runStateView(run),
      lastRunView(lastRun, { headingLevel: 'h4' }),
      h('div', { class: 'row' },
        h('button', { class: 'btn primary', type: 'button', disabled: !config || !!run, onclick: () => act('assets.run', id, 'Run now') }, 'Run now'),
        run ? h('button', { class: 'btn danger', type: 'button', onclick: () => act('assets.stop', id, 'Stop') }, 'Stop') : null));
  }

  async function refresh() {
    clearTimeout(timer);
    // Another tab replaced this one: stop refreshing.
    if (!list.isConnected) return;
    try {
      const { imports } = await call('assets.imports.list');
      replace(list, imports.length
        ? imports.map(card)
        : empty('No Assets import yet', 'In Assets, open an object schema\u2019s Import tab, create an import of the type \u201cEntra ID users and groups\u201d and configure it; it then appears here.'));
      if (imports.some((i) => i.run)) timer = setTimeout(refresh, REFRESH_MS);
    } catch (error) {
      replace(list, errorMessage(error, refresh));
    }
  }

  replace(panel, h('div', { class: 'stack' },
    h('div', { class: 'row' }, h('h2', {}, 'Assets import'), h('button', { class: 'btn small', type: 'button', onclick: refresh }, 'Refresh')),
    h('p', { class: 'subtle' }, 'Entra users and groups imported into JSM Assets, with managers and group memberships as references. Mode, schedule and users are set in each import\u2019s configuration in Assets.'),
    status, list));
  replace(list, loading('Loading the imports…'));
  refresh();
}
