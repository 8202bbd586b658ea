// Service API: the key and the HR signing secret (each rotated and shown
// once), how to call it, and its OpenAPI document.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, formatDate, openDialog } from '../shared/dom.js';

export function serviceApiTab(panel) {
  const info = h('div', { 'aria-live': 'polite' }, loading('Loading…'));
  const url = h('p', { 'aria-live': 'polite' }, loading('Loading…'));
  const showUrl = async () => {
    try {
      const answer = await call('serviceApi.url');
      replace(url, answer.url ? h('code', {}, answer.url) : h('span', { class: 'subtle' }, answer.problem));
    } catch (error) { replace(url, errorMessage(error)); }
  };
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
  const rotateHmac = h('button', { class: 'btn', type: 'button' }, 'Issue a new signing secret');
  rotateHmac.addEventListener('click', () => openDialog('Issue a new HR signing secret?', (body, actions, close) => {
    replace(body, h('p', {}, 'Signed calls from the HR system made with the current secret stop being accepted at once.'));
    const go = h('button', { class: 'btn danger', type: 'button' }, 'Issue new secret');
    replace(actions, h('button', { class: 'btn subtle', type: 'button', onclick: () => close() }, 'Cancel'), go);
    go.addEventListener('click', async () => {
      go.disabled = true;
      try {
        const issued = await call('hmacSecret.rotate');
        replace(body, h('div', { class: 'message warning' }, h('h3', {}, 'Shown once'), h('p', {}, 'Give it to the HR system now; the app cannot show it again.')), h('p', { class: 'secret', tabindex: '0', 'aria-label': 'HR signing secret' }, issued.secret));
        const done = h('button', { class: 'btn primary', type: 'button', onclick: () => close() }, 'Done');
        replace(actions, done);
        done.focus();
      } catch (error) { replace(body, errorMessage(error)); }
    });
  }));
  replace(panel, h('div', { class: 'stack' },
    h('div', { class: 'card stack' }, h('h2', {}, 'Service API key'), info, rotate),
    h('div', { class: 'card stack' }, h('h2', {}, 'HR signing secret'),
      h('p', {}, 'The HR system signs its calls with this shared secret (HMAC-SHA256); signed calls may do what the policy allows only for them.'), h('div', { class: 'row' }, rotateHmac)),
    h('div', { class: 'card stack' }, h('h2', {}, 'Calling the Service API'),
      h('p', {}, 'Send POST requests with ', h('code', {}, 'Authorization: Bearer <key>'), ' to the app\u2019s web trigger URL:'),
      url,
      h('p', {}, h('a', { href: './service-api.openapi.json', download: 'entra-connect-service-api.openapi.json' }, 'Download the OpenAPI description'), h('span', { class: 'subtle' }, ' (OpenAPI 3, every route and its inputs)')))));
  show();
  showUrl();
}
