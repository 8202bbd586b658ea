// Customer portal panel: what was done for this request, in plain words,
// and the one-time reveal when the viewer is the allowed recipient.
import { call, enableTheme } from '../shared/bridge.js';
import { h, replace, loading, empty, errorMessage } from '../shared/dom.js';
import { revealBox } from '../shared/reveal.js';

const root = document.getElementById('app');

async function load() {
  replace(root, loading('Loading…'));
  try {
    const view = await call('portal.load');
    const changes = view.changes ?? [];
    replace(root, h('div', { class: 'stack' },
      changes.length
        ? h('ul', { class: 'plain', 'aria-label': 'What was done' }, changes.map((c) => h('li', {}, c.text ?? c.summary)))
        : empty('Nothing to show yet', 'When your account request has been handled, what was done appears here.'),
      view.credential ? revealBox(view.credential) : null));
  } catch (error) {
    replace(root, errorMessage(error, load));
  }
}

enableTheme();
load();
