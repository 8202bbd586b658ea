// Service API: the key (rotated and shown once) and how to call it.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, formatDate, openDialog } from '../shared/dom.js';

export function serviceApiTab(panel) {
  const info = h('div', { 'aria-live': 'polite' }, loading('Loading…'));
  const show = async () => {
    try {
      const key = await call('serviceKey.info');
      replace(info, key ? h('p', {}, 'Current key ', h('code', {}, key.fingerprint), ` issued ${formatDate(new Date(key.createdAtMs).toISOString())}.`) : h('p', { class: 'subtle' }, 'No key yet: the Service API refuses every call until one is issued.'));
    } catch (error) { replace(info, errorMessage(error)); }
  };
  const rotate = h('button', { class: 'btn primary', type: 'button' }, 'Issue a new key');
  rotate.addEventListener('click', () => openDialog('Issue a new Service API key?', (body, actions, close) => {
    replace(body, h('p', {}, 'The current key stops working at once. Callers (automation rules, the HR system) need the new key.'));
    const go = h('button', { class: 'btn danger', type: 'button' }, 'Issue new key');
    replace(actions, h('button', { class: 'btn subtle', type: 'button', onclick: () => close() }, 'Cancel'), go);
    go.addEventListener('click', async () => {
      go.disabled = true;
      try {
        const issued = await call('serviceKey.rotate');
        replace(body, h('div', { class: 'message warning' }, h('h3', {}, 'Shown once'), h('p', {}, 'Copy the key now; only its fingerprint is kept.')), h('p', { class: 'secret', tabindex: '0', 'aria-label': 'Service API key' }, issued.key));
        const done = h('button', { class: 'btn primary', type: 'button', onclick: () => close() }, 'Done');
        replace(actions, done);
        done.focus();
      } catch (error) { replace(body, errorMessage(error)); }
    });
  }).then(show));
  replace(panel, h('div', { class: 'stack' },
    h('div', { class: 'card stack' }, h('h2', {}, 'Service API key'), info, rotate),
    h('div', { class: 'card stack' }, h('h2', {}, 'Calling the Service API'),
      h('p', {}, 'Send POST requests with ', h('code', {}, 'Authorization: Bearer <key>'), ' to the app\u2019s web trigger URL. Print the URL with ', h('code', {}, 'forge webtrigger'), '; this version cannot show it here.'),
      h('p', { class: 'subtle' }, 'An OpenAPI description is not part of this version.'))));
  show();
}
