// The Assets import's runs as the configuration view and the admin page's
// "Assets import" tab show them: the last run (when, how long, objects,
// Graph requests, errors, Assets' per object type results) and the run in
// progress. Shapes: `LastRun` and `RunState` of the assets.* resolvers.
import { h, lozenge } from './dom.js';

const OUTCOME = { done: ['Done', 'success'], cancelled: ['Stopped', 'warning'], failed: ['Failed', 'danger'] };
const PHASE = { groups: 'Reading groups from Entra ID', users: 'Reading users from Entra ID', finish: 'Sending the last data to Assets', await: 'Assets is processing the data' };

/** "1 h 2 min", "3 min 4 s", "12 s" from milliseconds. */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const when = (ms) => (ms ? new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '—');

/** The outcome of a run as a lozenge. */
export function outcomeLozenge(outcome) {
  const [text, kind] = OUTCOME[outcome] ?? [outcome ?? 'Unknown', ''];
  return lozenge(text, kind);
}

/** The last run's facts, or a line saying there was none. */
export function lastRunView(lastRun, { headingLevel = 'h3' } = {}) {
  if (!lastRun) return h('p', { class: 'subtle', 'data-testid': 'last-run' }, 'No import has run yet.');
  const counts = lastRun.counts ?? {};
  return h('section', { class: 'stack', 'aria-label': 'Last run', 'data-testid': 'last-run' },
    h('div', { class: 'row' }, h(headingLevel, {}, 'Last run'), outcomeLozenge(lastRun.outcome), lozenge(lastRun.mode === 'incremental' ? 'Incremental' : 'Full'), lozenge(`By ${lastRun.trigger ?? '—'}`)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Started'), h('dd', {}, when(lastRun.startedAtMs)),
      h('dt', {}, 'Took'), h('dd', {}, duration(lastRun.durationMs ?? (lastRun.finishedAtMs - lastRun.startedAtMs))),
      h('dt', {}, 'Objects'), h('dd', {}, `${counts.users ?? 0} users, ${counts.groups ?? 0} groups, ${counts.removed ?? 0} removed in Entra`),
      h('dt', {}, 'Graph requests'), h('dd', {}, String(lastRun.graphRequests ?? 0)),
      h('dt', {}, 'Data chunks'), h('dd', {}, String(lastRun.chunks ?? 0)),
      lastRun.error ? [h('dt', {}, 'Error'), h('dd', { class: 'error-text', role: 'note' }, lastRun.error)] : null),
    objectTypeResults(lastRun.objectTypeResults));
}

/** Assets' results per object type (created, updated, identical, deleted as missing). */
function objectTypeResults(results) {
  const rows = Object.entries(results ?? {});
  if (!rows.length) return null;
  return h('table', { 'aria-label': 'Assets results per object type' },
    h('thead', {}, h('tr', {}, ['Object type', 'Created', 'Updated', 'Identical', 'Missing, deleted'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(([name, r]) => h('tr', {}, h('th', { scope: 'row' }, name), [r.created, r.updated, r.identical, r.missingDeleted].map((n) => h('td', {}, String(n ?? 0)))))));
}

/** The run in progress, or null. */
export function runStateView(run) {
  if (!run) return null;
  const counts = run.counts ?? {};
  return h('div', { class: 'message', role: 'status', 'data-testid': 'run-state' },
    h('h3', {}, 'Import running'),
    h('p', {}, `${PHASE[run.phase] ?? run.phase}. So far ${counts.users ?? 0} users and ${counts.groups ?? 0} groups, ${run.graphRequests ?? 0} Graph requests, ${run.chunks ?? 0} chunks sent. Started ${when(run.startedAtMs)}.`));
}
