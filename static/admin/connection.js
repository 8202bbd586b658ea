// Connection: tenant, app registration, write-only client secret, test.
import { call } from '../shared/bridge.js';
import { h, replace, loading, errorMessage, lozenge } from '../shared/dom.js';
import { field, showFieldError, clearFieldErrors } from './form.js';

export function connectionTab(panel, store) {
  const connection = store.config.connection ?? {};
  const tenant = field({ id: 'tenantId', label: 'Directory (tenant) id', path: 'config.connection.tenantId', value: connection.tenantId, help: 'The tenant GUID or a verified domain, from the app registration\u2019s Overview.' });
  const client = field({ id: 'clientId', label: 'Application (client) id', path: 'config.connection.clientId', value: connection.clientId });
  const secret = field({
    id: 'clientSecret', label: 'Client secret', path: 'clientSecret', type: 'password', autocomplete: 'new-password',
    placeholder: store.clientSecretSet ? 'Set \u2014 type a new value to replace it' : 'Not set',
    help: 'Write-only: it is stored in Forge secret storage and never shown again. Paste the secret\u2019s Value, not its ID.',
  });
  const status = h('div', { 'aria-live': 'polite' });
  const save = h('button', { class: 'btn primary', type: 'submit' }, 'Save');
  const test = h('button', { class: 'btn', type: 'button' }, 'Test connection');
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-label': 'Entra connection' },
    h('h2', {}, 'Entra connection'), tenant.wrap, client.wrap, secret.wrap, h('div', { class: 'row' }, save, test, store.clientSecretSet ? lozenge('Secret set', 'success') : lozenge('Secret not set', 'warning')), status);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    save.disabled = true;
    replace(status, loading('Saving…'));
    try {
      const next = { ...store.config, connection: { ...(store.config.connection ?? {}), tenantId: tenant.input.value.trim(), clientId: client.input.value.trim() } };
      await store.save(next);
      if (secret.input.value) {
        await call('connection.setClientSecret', { clientSecret: secret.input.value });
        secret.input.value = '';
        store.clientSecretSet = true;
        secret.input.placeholder = 'Set \u2014 type a new value to replace it';
      }
      replace(status, h('div', { class: 'message success', role: 'status' }, h('p', {}, 'Saved.')));
    } catch (error) {
      if (!showFieldError(form, error)) replace(status, errorMessage(error));
      else replace(status);
    } finally {
      save.disabled = false;
    }
  });

  test.addEventListener('click', async () => {
    replace(status, loading('Signing in to Entra ID…'));
    try {
      const result = await call('connection.test');
      replace(status, result.connected
        ? h('div', { class: 'message success', role: 'status' }, h('h3', {}, 'Connected'), h('p', {}, `Signed in to tenant ${result.tenantId ?? ''}. The token grants ${result.roles.length} application permissions; see Permissions for what is missing.`))
        : h('div', { class: 'message error', role: 'alert' }, h('h3', {}, 'Not connected'), h('p', {}, result.problem)));
    } catch (error) {
      replace(status, errorMessage(error));
    }
  });
  replace(panel, form);
}
