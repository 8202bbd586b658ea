// Form fields that show the resolver's field errors beside the input.
import { h } from '../shared/dom.js';

/** A labelled field; `path` is the config path errors name (e.g. config.connection.tenantId). */
export function field({ id, label, path, value = '', type = 'text', help, placeholder, multiline = false, autocomplete = 'off' }) {
  const input = multiline
    ? h('textarea', { id, spellcheck: 'false', 'aria-describedby': `${id}-help ${id}-error` })
    : h('input', { id, type, placeholder, autocomplete, spellcheck: 'false', 'aria-describedby': `${id}-help ${id}-error` });
  input.value = value ?? '';
  const error = h('span', { class: 'error-text', id: `${id}-error`, 'aria-live': 'polite' });
  const wrap = h('div', { class: 'field', dataset: { path: path ?? id } }, h('label', { for: id }, label), input, help ? h('span', { class: 'help', id: `${id}-help` }, help) : null, error);
  return { wrap, input, error };
}

/** Puts `error.message` beside the field whose path is the longest prefix of `error.field`. */
export function showFieldError(container, error) {
  clearFieldErrors(container);
  if (!error?.field) return false;
  const fields = [...container.querySelectorAll('.field[data-path]')];
  const match = fields
    .filter((f) => error.field === f.dataset.path || error.field.startsWith(`${f.dataset.path}.`) || error.field.startsWith(`${f.dataset.path}[`))
    .sort((a, b) => b.dataset.path.length - a.dataset.path.length)[0];
  if (!match) return false;
  match.setAttribute('data-invalid', '');
  match.querySelector('.error-text').textContent = error.message;
  match.querySelector('input, textarea, select')?.setAttribute('aria-invalid', 'true');
  match.querySelector('input, textarea, select')?.focus();
  return true;
}

export function clearFieldErrors(container) {
  for (const f of container.querySelectorAll('.field[data-invalid]')) {
    f.removeAttribute('data-invalid');
    f.querySelector('.error-text').textContent = '';
    f.querySelector('[aria-invalid]')?.removeAttribute('aria-invalid');
  }
}
