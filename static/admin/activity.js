// Activity: operations per day by outcome (done, refused, failed,
// throttled) over the last 14 or 30 days, drawn as a stacked bar chart in
// inline SVG, and the slowest operations, from `activity.summary`.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, empty } from '../shared/dom.js';

const SVG = 'http://www.w3.org/2000/svg';
export const OUTCOMES = [
  ['done', 'Done'],
  ['refused', 'Refused'],
  ['failed', 'Failed'],
  ['throttled', 'Throttled'],
];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** The chart: one stacked bar per day, a y axis with a few round ticks. */
export function chart(days) {
  const width = 720;
  const height = 220;
  const pad = { left: 36, right: 8, top: 8, bottom: 28 };
  const max = Math.max(1, ...days.map((d) => OUTCOMES.reduce((n, [k]) => n + d[k], 0)));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const plotH = height - pad.top - pad.bottom;
  const slot = (width - pad.left - pad.right) / days.length;
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const ticks = [];
  for (let v = 0; v <= top; v += step) {
    ticks.push(s('line', { class: 'grid', x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      s('text', { class: 'tick', x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, v));
  }
  const bars = days.map((d, i) => {
    let base = 0;
    const x = pad.left + i * slot + slot * 0.15;
    const parts = OUTCOMES.filter(([k]) => d[k] > 0).map(([k, label]) => {
      const rect = s('rect', { class: `bar-${k}`, x, width: slot * 0.7, y: y(base + d[k]), height: y(base) - y(base + d[k]) }, s('title', {}, `${d.date}: ${d[k]} ${label.toLowerCase()}`));
      base += d[k];
      return rect;
    });
    const showDate = days.length <= 14 || i % 3 === 0 || i === days.length - 1;
    return s('g', { 'data-date': d.date, 'data-total': base }, parts,
      showDate ? s('text', { class: 'tick', x: x + slot * 0.35, y: height - 10, 'text-anchor': 'middle' }, d.date.slice(5)) : null);
  });
  const total = days.reduce((n, d) => n + OUTCOMES.reduce((m, [k]) => m + d[k], 0), 0);
  return s('svg', { class: 'activity-chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'activity-chart-title' },
    s('title', { id: 'activity-chart-title' }, `Operations per day, ${days[0]?.date} to ${days[days.length - 1]?.date}: ${total} in all`),
    ticks, bars);
}

function niceStep(max) {
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw) ?? power * 10;
}

function legend() {
  return h('ul', { class: 'legend', 'aria-label': 'Outcomes' }, OUTCOMES.map(([k, label]) => h('li', {}, h('span', { class: `swatch bar-${k}`, 'aria-hidden': 'true' }), label)));
}

function slowestTable(slowest) {
  if (!slowest.length) return h('p', { class: 'subtle' }, 'No timed operations in this period.');
  return h('table', { 'aria-label': 'Slowest operations' },
    h('thead', {}, h('tr', {}, ['Duration', 'Operation', 'Target', 'Request', 'Outcome', 'When'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, slowest.map((r) => h('tr', {},
      h('td', {}, `${(r.durationMs / 1000).toFixed(1)} s`), h('td', {}, h('code', {}, r.operation)), h('td', {}, r.target ?? '—'),
      h('td', {}, r.issueKey ?? '—'), h('td', {}, r.outcome), h('td', {}, new Date(r.atMs).toLocaleString())))));
}

function totals(days) {
  return h('dl', { class: 'totals' }, OUTCOMES.flatMap(([k, label]) => [h('dt', {}, label), h('dd', { 'data-total': k }, days.reduce((n, d) => n + d[k], 0))]));
}

export function activityTab(panel) {
  let period = 14;
  const body = h('div', { class: 'stack' });
  const buttons = [14, 30].map((d) => h('button', { class: 'btn small', type: 'button', 'aria-pressed': String(d === period), onclick: () => { period = d; buttons.forEach((b, i) => b.setAttribute('aria-pressed', String([14, 30][i] === d))); load(); } }, `${d} days`));
  async function load() {
    replace(body, loading('Reading the audit trail…'));
    try {
      const summary = await call('activity.summary', { days: period });
      const any = summary.days.some((d) => OUTCOMES.some(([k]) => d[k] > 0));
      replace(body,
        any ? [legend(), h('figure', { class: 'chart-box' }, chart(summary.days)), totals(summary.days)] : empty('No operations in this period', 'Operations the app runs appear here by day and outcome.'),
        summary.capped ? h('p', { class: 'subtle' }, 'Some days had more operations than one read covers; their bars show the newest 200.') : null,
        h('h3', {}, 'Slowest operations'), slowestTable(summary.slowest));
    } catch (error) {
      replace(body, errorMessage(error, load));
    }
  }
  replace(panel, h('div', { class: 'stack' },
    h('div', { class: 'row' }, h('h2', {}, 'Activity'), h('div', { class: 'row', role: 'group', 'aria-label': 'Period' }, buttons)),
    h('p', { class: 'subtle' }, 'Operations per day (UTC) by outcome, from the audit trail. Dry runs and requests still waiting for approval are not counted.'),
    body));
  load();
}
