// Audit log: not recorded by this version of the app.
import { h, replace, empty } from '../shared/dom.js';

export function auditTab(panel) {
  replace(panel, h('div', { class: 'card' }, empty('Audit trail is not enabled in this version', 'When it is, every change and refusal appears here with who asked, on which request, and what Entra answered.')));
}
