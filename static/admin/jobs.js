// Jobs: the newest bulk jobs (jobs.submit) with a progress bar, counts and
// the time left at the rate so far, from `jobs.recent` (each job's
// job.status progress). Refreshes itself while a job is still running.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, empty } from '../shared/dom.js';

const REFRESH_MS = 3000;

/** "about 2 min", "45 s", or a dash before the first item finishes. */
export function timeLeft(seconds) {
  if (seconds === null || seconds === undefined) return 'estimating…';
  if (seconds === 0) return 'finished';
  if (seconds < 90) return `about ${seconds} s left`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${Math.round(seconds / 3600)} h left`;
}

/** A progress bar with its counts, for one job's `progress`. */
export function progressBar(progress, label) {
  const { total, done, failed, remaining, percent, etaSeconds } = progress;
  const width = (n) => `${total ? (n * 100) / total : 0}%`;
  return h('div', { class: 'job-progress' },
    h('div', {
      class: 'bar', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(percent),
      'aria-valuetext': `${percent}%: ${done} done, ${failed} failed, ${remaining} remaining of ${total}`,
    },
    h('span', { class: 'bar-done', style: `width:${width(done)}` }),
    h('span', { class: 'bar-failed', style: `width:${width(failed)}` })),
    h('div', { class: 'row subtle small-text' },
      h('span', { 'data-count': 'done' }, `${done} done`), h('span', { 'data-count': 'failed' }, `${failed} failed`),
      h('span', { 'data-count': 'remaining' }, `${remaining} remaining of ${total}`), h('span', { class: 'eta' }, `${percent}% · ${timeLeft(etaSeconds)}`)));
}

export function jobsTab(panel) {
  let timer = null;
  const list = h('div', { class: 'stack', 'aria-live': 'polite' });
  async function refresh() {
    clearTimeout(timer);
    // Another tab replaced this one: stop refreshing.
    if (!list.isConnected) return;
    try {
      const { jobs } = await call('jobs.recent');
      replace(list, jobs.length
        ? jobs.map((job) => h('section', { class: 'card stack job', 'aria-label': `Job ${job.jobId}` },
          h('div', { class: 'row' }, h('strong', {}, `${job.items} calls`), h('span', { class: 'subtle' }, new Date(job.createdAtMs).toLocaleString()),
            h('span', { class: `lozenge ${job.complete ? 'success' : 'info'}` }, job.complete ? 'Complete' : 'Running'),
            h('code', { class: 'subtle' }, job.jobId)),
          progressBar(job.progress, `Job ${job.jobId}`)))
        : empty('No bulk jobs yet', 'Jobs submitted to the Service API with jobs.submit appear here with their progress.'));
      if (jobs.some((j) => !j.complete)) timer = setTimeout(refresh, REFRESH_MS);
    } catch (error) {
      replace(list, errorMessage(error, refresh));
    }
  }
  replace(panel, h('div', { class: 'stack' },
    h('div', { class: 'row' }, h('h2', {}, 'Bulk jobs'), h('button', { class: 'btn small', type: 'button', onclick: refresh }, 'Refresh')),
    h('p', { class: 'subtle' }, 'The newest 20 jobs. The time left is estimated from the rate so far.'),
    list));
  replace(list, loading('Loading the jobs…'));
  refresh();
}
