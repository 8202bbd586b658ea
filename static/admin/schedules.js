// Schedules: each person's scheduled steps (a joiner's activation on the
// hire date, a leaver's offboarding on the leave date, the grace steps),
// with their lifecycle state, from `schedule.list`. Without a person: every
// step still to run, soonest first.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, empty } from '../shared/dom.js';

const STATUS = { pending: 'info', running: 'info', done: 'success', failed: 'error', cancelled: 'subtle' };

function personCard(person) {
  return h('section', { class: 'card stack', 'aria-label': `Scheduled steps of ${person.user}` },
    h('div', { class: 'row' }, h('strong', {}, person.user), h('span', { class: 'lozenge' }, person.state), h('code', { class: 'subtle' }, person.userId)),
    h('ul', { class: 'stack' }, person.steps.map((step) => h('li', { class: 'row' },
      h('span', { class: `lozenge ${STATUS[step.status] ?? ''}` }, step.status),
      h('span', {}, step.summary),
      h('time', { class: 'subtle', datetime: step.dueAt }, new Date(step.dueAtMs).toLocaleString())))));
}

export function schedulesTab(panel) {
  const list = h('div', { class: 'stack', 'aria-live': 'polite' });
  const person = h('input', { id: 'schedulePerson', type: 'text', placeholder: 'Entra object id (empty: everyone with a step to run)', 'aria-label': 'Person (Entra object id)' });
  async function refresh() {
    replace(list, loading('Loading the scheduled steps…'));
    try {
      const userId = person.value.trim();
      const { people } = await call('schedule.list', userId ? { userId } : {});
      replace(list, people.length
        ? people.map(personCard)
        : empty('Nothing scheduled', 'Joiners with a hire date beyond the lead time, leavers with a future leave date and grace steps appear here.'));
    } catch (error) {
      replace(list, errorMessage(error, refresh));
    }
  }
  replace(panel, h('div', { class: 'stack' },
    h('div', { class: 'row' }, h('h2', {}, 'Scheduled steps'), person, h('button', { class: 'btn small', type: 'button', onclick: refresh }, 'Show')),
    h('p', { class: 'subtle' }, 'The hourly run runs each step once when it is due.'),
    list));
  refresh();
}
