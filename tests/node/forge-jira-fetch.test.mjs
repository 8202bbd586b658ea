// What the app's `requestJira` gets back through the local Forge runtime: the
// `Response` of the Fetch standard, as on Forge. A 204, 205 or 304 carries no
// body (https://fetch.spec.whatwg.org/#null-body-status), so Node's `Response`
// refuses to build one with a body, even an empty string; Forge answers such a
// status with `body === null` and `text() === ''`. Jira answers 204 to e.g.
// DELETE /rest/api/3/issue/{key}/properties/{propertyKey}
// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-properties/#api-rest-api-3-issue-issueidorkey-properties-propertykey-delete),
// Assets to PUT .../importsource/{id}/mapping without `async=true`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import api, { route } from '@forge/api';
import { ForgeRuntime } from '../../sandbox/runtime/forge-runtime.mjs';
import { FakeJira } from '../../sandbox/runtime/fake-jira.mjs';
import { FakeAssets } from '../../sandbox/runtime/fake-assets.mjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './support/app.mjs';

function runtimeAnswering(answer) {
  return new ForgeRuntime({ jira: async () => answer }).install();
}

for (const status of [204, 205, 304]) {
  test(`a ${status} from Jira reaches requestJira with a null body, as on Forge`, async () => {
    // The fakes answer no content as an empty string; some answer no body at all.
    for (const body of ['', undefined, null]) {
      runtimeAnswering({ status, headers: {}, body });
      const res = await api.asApp().requestJira(route`/rest/api/3/issue/SD-1/properties/p`, { method: 'DELETE' });
      assert.equal(res.status, status);
      assert.equal(res.body, null);
      assert.equal(await res.text(), '');
    }
  });
}

test('a content-bearing status keeps its body, an empty one too', async () => {
  runtimeAnswering({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  assert.deepEqual(await (await api.asApp().requestJira(route`/rest/api/3/myself`)).json(), { a: 1 });
  runtimeAnswering({ status: 201, headers: {}, body: undefined });
  assert.equal(await (await api.asApp().requestJira(route`/rest/api/3/myself`)).text(), '');
});

test("the fake Assets site's 204 (a mapping saved synchronously) reaches the app as a 204", async () => {
  const assets = new FakeAssets({ workspaceId: 'ws-1', appModuleKey: 'entra-assets-import' });
  assets.addImportSource({ importId: 'imp-1', schemaId: '1', name: 'Entra' });
  const jira = new FakeJira({ assets });
  new ForgeRuntime({ jira: jira.handle }).install();
  const mapping = JSON.parse(readFileSync(path.join(ROOT, '..', 'shared', 'reference', 'assets', 'examples', 'entra-schema-and-mapping.json'), 'utf8'));
  const res = await api.asApp().requestJira(route`/jsm/assets/workspace/ws-1/v1/importsource/imp-1/mapping?async=false`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mapping),
  });
  assert.equal(res.status, 204, await res.text());
  assert.equal(res.body, null);
});
