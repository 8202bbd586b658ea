// One-time reveal of a generated credential (password or Temporary Access
// Pass). The secret is fetched only when the allowed viewer asks, shown in
// the page, and never stored by the page.
import { call } from './bridge.js';
import { h, replace, loading, errorMessage } from './dom.js';

/** Credential references an answer carries (ids only, never the secret). */
export function credentialRefs(answer) {
  const refs = [];
  const visit = (value) => {
    if (!value || typeof value !== 'object') return;
    if (typeof value.credentialId === 'string') refs.push({ id: value.credentialId, kind: value.kind ?? value.credentialKind, expiresAt: value.expiresAt ?? value.expiresAtMs });
    for (const child of Object.values(value)) visit(child);
  };
  visit(answer?.result);
  return refs.filter((r, i) => refs.findIndex((x) => x.id === r.id) === i);
}

export function revealBox(ref) {
  const box = h('div', { class: 'message warning stack' });
  const button = h('button', { class: 'btn primary', type: 'button' }, 'Reveal once');
  replace(box,
    h('h3', {}, ref.kind === 'temporaryAccessPass' ? 'Temporary Access Pass ready' : 'Temporary password ready'),
    h('p', {}, 'It can be shown once, to you only. Give it to the person directly; it is never written to the request.'),
    button);
  button.addEventListener('click', async () => {
    replace(box, loading('Revealing…'));
    try {
      const value = await call('secret.reveal', { credentialId: ref.id });
      replace(box,
        h('h3', {}, 'Shown once'),
        h('p', { class: 'secret', tabindex: '0', 'aria-label': 'Credential' }, value.secret ?? value.value ?? ''),
        h('p', { class: 'subtlest' }, 'Copy it now: it cannot be shown again.'));
    } catch (error) {
      replace(box, errorMessage(error));
    }
  });
  return box;
}
