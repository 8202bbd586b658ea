// The fake Assets site itself (sandbox/runtime/fake-assets.mjs), through
// FakeJira as the app reaches it: each behaviour names the Atlassian page
// or fixture it follows. Fixtures: ../shared/reference/assets/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeAssets } from '../../sandbox/runtime/fake-assets.mjs';
import { FakeJira } from '../../sandbox/runtime/fake-jira.mjs';
import { ROOT } from './support/app.mjs';

const REFERENCE = path.join(ROOT, '..', 'shared', 'reference', 'assets');
const reference = (file) => JSON.parse(readFileSync(path.join(REFERENCE, file), 'utf8'));
const WS = '514fd9bb-dedc-4512-b251-d72f56a09dc5';
const IMPORT = '176494de-845d-449e-83ae-532c6ed97524';

function site(options = {}) {
  const assets = new FakeAssets({ workspaceId: WS, appModuleKey: 'entra-assets-import', ...options });
  assets.addImportSource({ importId: IMPORT, schemaId: '75', name: 'Entra ID users and groups' });
  const jira = new FakeJira({ assets });
  const call = async (method, suffix, body, importId = IMPORT) => {
    const res = await jira.handle({ method, path: `/jsm/assets/workspace/${WS}/v1/importsource/${importId}${suffix}`, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, headers: res.headers, body: res.body ? JSON.parse(res.body) : null };
  };
  const aql = async (qlQuery) => {
    const res = await jira.handle({ method: 'POST', path: `/jsm/assets/workspace/${WS}/v1/object/aql?maxResults=1`, body: JSON.stringify({ qlQuery }) });
    return { status: res.status, body: JSON.parse(res.body) };
  };
  return { assets, jira, call, aql };
}

/** Starts an execution; answers its id, read from the submitResults link as the app does (contract). */
async function start(call) {
  const res = await call('POST', '/executions');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.links.submitResults.match(/\/executions\/([^/]+)\/data$/)[1];
}

const entraDoc = () => reference('examples/entra-schema-and-mapping.json');
const user = (id, displayName, extra = {}) => ({ id, displayName, userPrincipalName: `${displayName.split(' ')[0].toLowerCase()}@contoso.example`, accountEnabled: true, status: 'Enabled', ...extra });
const group = (id, displayName, extra = {}) => ({ id, displayName, kind: 'Security', status: 'Enabled', ...extra });
const IDS = { adele: 'u-adele', alex: 'u-alex', grace: 'u-grace', sales: 'g-sales', staff: 'g-staff', nested: 'g-nested' };

/** Runs one execution to DONE with the chunks given; answers the final status. */
async function importRun({ call, assets }, chunks) {
  const exec = await start(call);
  for (const [i, data] of chunks.entries()) {
    const res = await call('POST', `/executions/${exec}/data`, { data, clientGeneratedId: `run:${i}`, completed: i === chunks.length - 1 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  // REF: submitting the completed chunk ends ingestion; Assets processes afterwards.
  assert.equal((await call('GET', `/executions/${exec}/status`)).body.status, 'PROCESSING');
  const done = await call('GET', `/executions/${exec}/status`);
  assert.equal(done.body.status, 'DONE');
  assert.equal(assets.executions().at(-1).id, exec);
  return done.body;
}

const byName = (assets, type) => Object.fromEntries(assets.objects()[type].map((o) => [o.label, o]));
const labels = (refs) => (refs ?? []).map((r) => r.label).sort();

test('Atlassian\'s fixture mapping (payload/mapping-configuration.json) is accepted; its data chunk (payload/data-submission.json) becomes objects', async () => {
  const s = site({ acceptUnmappedKeys: true });
  // OPENAPI: configstatus is MISSING_MAPPING until a mapping is submitted.
  assert.deepEqual((await s.call('GET', '/configstatus')).body, { status: 'MISSING_MAPPING' });
  const put = await s.call('PUT', '/mapping', reference('forge-assets-import-fixtures/payload/mapping-configuration.json'));
  assert.equal(put.status, 204, JSON.stringify(put.body));
  assert.deepEqual((await s.call('GET', '/configstatus')).body, { status: 'IDLE' });
  assert.equal((await s.call('GET', '/schema-and-mapping')).body.mapping.objectTypeMappings[0].selector, 'products');
  const chunk = reference('forge-assets-import-fixtures/payload/data-submission.json');
  const exec = await start(s.call);
  assert.equal((await s.call('POST', `/executions/${exec}/data`, { ...chunk, completed: true })).status, 200);
  s.assets.settle();
  const products = s.assets.objects().Product;
  assert.equal(products.length, chunk.data.products.length);
  assert.equal(products[0].label, chunk.data.products[0].title);
  assert.equal(products[0].attributes.Price, chunk.data.products[0].price);
});

test('by the contract, keys the mapping does not name are refused (the same fixture chunk, strict)', async () => {
  const s = site();
  await s.call('PUT', '/mapping', reference('forge-assets-import-fixtures/payload/mapping-configuration.json'));
  const exec = await start(s.call);
  const res = await s.call('POST', `/executions/${exec}/data`, reference('forge-assets-import-fixtures/payload/data-submission.json'));
  assert.equal(res.status, 400);
  assert.match(res.body.errorMessages[0], /Unknown locator "discountPercentage" in data\.products\[0\]/);
});

test('our example document and chunks (examples/) are accepted and processed', async () => {
  const s = site();
  assert.equal((await s.call('PUT', '/mapping', entraDoc())).status, 204);
  const types = s.assets.objectTypes().map((t) => t.name);
  assert.deepEqual(types, ['Entra User', 'Entra Group']);
  const done = await importRun(s, [reference('examples/data-chunk-groups.json').data, reference('examples/data-chunk-users.json').data]);
  const results = Object.values(done.progressResult.objectTypeResultMap);
  assert.deepEqual(results.map((r) => [r.objectTypeName, r.objectsCreated]).sort(), [['Entra Group', 1], ['Entra User', 1]]);
  // The example's manager and second group are not in the import: Assets reports what it could not resolve.
  assert.ok(done.progressResult.errorMessages.some((m) => /Manager/.test(m)), JSON.stringify(done.progressResult.errorMessages));
  assert.equal(s.assets.objects()['Entra User'][0].attributes['Member Of'][0].label, 'SG-Service-Desk-Agents');
});

test('invalid documents are refused with the JSON Schema validator\'s message (imports-schema-and-mapping 2023_10_19)', async () => {
  const s = site();
  const noMapping = entraDoc();
  delete noMapping.mapping;
  let res = await s.call('PUT', '/mapping', noMapping);
  assert.equal(res.status, 400);
  assert.ok(res.body.errorMessages.some((m) => m === "/: must have required property 'mapping'"), JSON.stringify(res.body));
  assert.equal(res.body.schemaVersion, '2023_10_19');

  const userType = entraDoc();
  userType.schema.objectSchema.objectTypes[0].attributes[0].type = 'user';
  res = await s.call('PUT', '/mapping', userType);
  assert.equal(res.status, 400);
  assert.ok(res.body.errorMessages.some((m) => m.startsWith('/schema/objectSchema/objectTypes/0/attributes/0/type: must be equal to one of the allowed values')), JSON.stringify(res.body));

  // GUIDE: "either every Object Type and Object Type attribute to have an External Id set or none at all".
  const someIds = entraDoc();
  delete someIds.schema.objectSchema.objectTypes[1].attributes[2].externalId;
  res = await s.call('PUT', '/mapping', someIds);
  assert.equal(res.status, 400);
  assert.match(res.body.errorMessages.join('\n'), /every Object Type and Object Type attribute to have an External Id set or none at all/);
  assert.deepEqual((await s.call('GET', '/configstatus')).body, { status: 'MISSING_MAPPING' }, 'nothing was stored');
});

test('409 rules (OpenAPI): PUT twice is 409, PATCH updates, MISSING_MAPPING, IN_PROGRESS, DISABLED, INVALID_IMPORT_MODULE_KEY', async () => {
  const s = site();
  assert.deepEqual((await s.call('POST', '/executions')).body, { result: 'error', errorCode: 'MISSING_MAPPING' });
  assert.equal((await s.call('PUT', '/mapping', entraDoc())).status, 204);
  const again = await s.call('PUT', '/mapping', entraDoc());
  assert.equal(again.status, 409);
  assert.deepEqual(again.body.errorMessages, ['A mapping already exists for this import']);
  // GUIDE: PATCH may add attributes and overwrite mapping definitions...
  const patch = entraDoc();
  patch.schema.objectSchema.objectTypes[0].attributes.push({ externalId: `eidc/${IMPORT}/user/fax`, name: 'Fax', description: 'faxNumber', type: 'text' });
  patch.mapping.objectTypeMappings[1].attributesMapping.push({ attributeExternalId: `eidc/${IMPORT}/user/fax`, attributeName: 'Fax', attributeLocators: ['faxNumber'] });
  assert.equal((await s.call('PATCH', '/mapping', patch)).status, 204);
  assert.ok(s.assets.objectTypes()[0].attributes.some((a) => a.name === 'Fax'));
  // ...but not rename an object type.
  const rename = entraDoc();
  rename.schema.objectSchema.objectTypes[0].name = 'Entra Person';
  rename.mapping.objectTypeMappings[1].objectTypeName = 'Entra Person';
  const refused = await s.call('PATCH', '/mapping', rename);
  assert.equal(refused.status, 400);
  assert.match(refused.body.errorMessages.join(), /cannot be renamed/);

  const exec = await start(s.call);
  assert.deepEqual((await s.call('GET', '/configstatus')).body, { status: 'RUNNING' });
  assert.deepEqual((await s.call('POST', '/executions')).body, { result: 'error', errorCode: 'IN_PROGRESS' });
  assert.equal((await s.call('DELETE', `/executions/${exec}`)).status, 200);
  s.assets.setDisabled(IMPORT, true);
  assert.deepEqual((await s.call('POST', '/executions')).body, { result: 'error', errorCode: 'DISABLED' });
  s.assets.setDisabled(IMPORT, false);

  const other = s.assets.addImportSource({ importId: 'other-app-import', schemaId: '76', moduleKey: 'someone-elses-import' });
  assert.equal((await s.call('PUT', '/mapping', reference('forge-assets-import-fixtures/payload/mapping-configuration.json'), other.id)).status, 204);
  assert.deepEqual((await s.call('POST', '/executions', undefined, other.id)).body, { result: 'error', errorCode: 'INVALID_IMPORT_MODULE_KEY' });
});

test('async mapping (OpenAPI ?async=true): 303 to a progress resource that reports FINISHED / OK', async () => {
  const s = site();
  const res = await s.call('PUT', '/mapping?async=true', entraDoc());
  assert.equal(res.status, 303);
  const progressPath = new URL(res.headers.location).pathname.replace(`/jsm/assets/workspace/${WS}/v1/importsource/${IMPORT}`, '');
  assert.deepEqual((await s.call('GET', progressPath)).body, { progressStatus: 'FINISHED', result: 'OK', resultMessage: 'Schema and mapping successfully created' });
});

test('chunks are checked against the stored mapping: unknown selector, unknown locator, "Data" (the guide: payloads are case-sensitive)', async () => {
  const s = site();
  await s.call('PUT', '/mapping', entraDoc());
  const exec = await start(s.call);
  let res = await s.call('POST', `/executions/${exec}/data`, { data: { people: [user(IDS.adele, 'Adele Vance')] }, completed: false });
  assert.equal(res.status, 400);
  assert.match(res.body.errorMessages[0], /Unknown selector "people"/);
  res = await s.call('POST', `/executions/${exec}/data`, { data: { users: [user(IDS.adele, 'Adele Vance', { phone: '1' })] }, completed: false });
  assert.equal(res.status, 400);
  assert.match(res.body.errorMessages[0], /Unknown locator "phone" in data\.users\[0\]/);
  res = await s.call('POST', `/executions/${exec}/data`, { Data: { users: [] }, completed: true });
  assert.equal(res.status, 400);
  assert.equal(s.assets.executions()[0].chunks, 0, 'no refused chunk was kept');
});

test('references resolve by "Entra Object ID" after all objects are written (DC: references handled after objects): manager, member of, nesting', async () => {
  const s = site();
  await s.call('PUT', '/mapping', entraDoc());
  // Users first, groups later: the order of chunks does not matter within one execution.
  const done = await importRun(s, [
    { users: [user(IDS.adele, 'Adele Vance', { managerId: IDS.alex, memberOf: [IDS.sales, IDS.staff] }), user(IDS.alex, 'Alex Wilber', { memberOf: [IDS.staff] })] },
    { groups: [group(IDS.sales, 'Sales', { memberOf: [IDS.staff] }), group(IDS.staff, 'All Staff'), group(IDS.nested, 'Sales EMEA', { memberOf: [IDS.sales] })] },
  ]);
  assert.equal(done.progressResult.errorMessages, null);
  const users = byName(s.assets, 'Entra User');
  const groups = byName(s.assets, 'Entra Group');
  assert.deepEqual(labels(users['Adele Vance'].attributes.Manager), ['Alex Wilber']);
  assert.deepEqual(labels(users['Adele Vance'].attributes['Member Of']), ['All Staff', 'Sales']);
  assert.deepEqual(labels(groups.Sales.attributes['Member Of']), ['All Staff']);
  assert.deepEqual(labels(groups['Sales EMEA'].attributes['Member Of']), ['Sales']);
  const userResult = Object.values(done.progressResult.objectTypeResultMap).find((r) => r.objectTypeName === 'Entra User');
  assert.equal(userResult.objectsCreated, 2);
  assert.equal(userResult.objectsWithUpdatedReferences, 2);

  // The same data again: identical objects, no reference changes.
  const again = await importRun(s, [
    { users: [user(IDS.adele, 'Adele Vance', { managerId: IDS.alex, memberOf: [IDS.sales, IDS.staff] }), user(IDS.alex, 'Alex Wilber', { memberOf: [IDS.staff] })] },
    { groups: [group(IDS.sales, 'Sales', { memberOf: [IDS.staff] }), group(IDS.staff, 'All Staff'), group(IDS.nested, 'Sales EMEA', { memberOf: [IDS.sales] })] },
  ]);
  const second = Object.values(again.progressResult.objectTypeResultMap).find((r) => r.objectTypeName === 'Entra User');
  assert.deepEqual([second.objectsCreated, second.objectsUpdated, second.objectsIdentical, second.objectsWithUpdatedReferences], [0, 0, 2, 0]);
  assert.equal(s.assets.objects()['Entra User'].length, 2, 'nothing duplicated');
});

test('the contract\'s IN form of objectMappingIQL ("Entra Object ID" IN (${memberOf})) resolves every listed group', async () => {
  const s = site();
  const doc = entraDoc();
  for (const m of doc.mapping.objectTypeMappings) {
    for (const a of m.attributesMapping) if (a.attributeName === 'Member Of') a.objectMappingIQL = '"Entra Object ID" IN (${memberOf})';
  }
  await s.call('PUT', '/mapping', doc);
  await importRun(s, [{ groups: [group(IDS.sales, 'Sales'), group(IDS.staff, 'All Staff')], users: [user(IDS.adele, 'Adele Vance', { memberOf: [IDS.sales, IDS.staff] })] }]);
  assert.deepEqual(labels(byName(s.assets, 'Entra User')['Adele Vance'].attributes['Member Of']), ['All Staff', 'Sales']);
});

test('cancel (OpenAPI DELETE on the execution\'s cancel link): CANCELLED, its data never processed, the next execution can start', async () => {
  const s = site();
  await s.call('PUT', '/mapping', entraDoc());
  const exec = await start(s.call);
  await s.call('POST', `/executions/${exec}/data`, { data: { users: [user(IDS.adele, 'Adele Vance')] }, clientGeneratedId: 'r:users:0', completed: false });
  assert.equal((await s.call('DELETE', `/executions/${exec}`)).status, 200);
  assert.deepEqual((await s.call('GET', `/executions/${exec}/status`)).body, { status: 'CANCELLED' });
  const late = await s.call('POST', `/executions/${exec}/data`, { data: {}, completed: true });
  assert.equal(late.status, 400);
  assert.deepEqual(s.assets.objects()['Entra User'], []);
  assert.deepEqual((await s.call('GET', '/configstatus')).body, { status: 'IDLE' });
  await start(s.call);
});

test('missing objects (DC "Missing objects": Ignore by default, Update sets a value, Remove deletes) after a full run', async () => {
  const s = site();
  await s.call('PUT', '/mapping', entraDoc());
  const everyone = [user(IDS.adele, 'Adele Vance', { managerId: IDS.alex }), user(IDS.alex, 'Alex Wilber'), user(IDS.grace, 'Grace Liu')];
  await importRun(s, [{ users: everyone }]);
  // Ignore: Grace is left as she was.
  await importRun(s, [{ users: everyone.slice(0, 2) }]);
  assert.equal(byName(s.assets, 'Entra User')['Grace Liu'].attributes['Entra Status'], 'Enabled');
  // Update: the guidance the configuration view gives (Entra Status = Deleted).
  s.assets.setMissingObjects(IMPORT, 'Entra User', { action: 'UPDATE', attributeName: 'Entra Status', value: 'Deleted' });
  let done = await importRun(s, [{ users: everyone.slice(0, 2) }]);
  assert.equal(byName(s.assets, 'Entra User')['Grace Liu'].attributes['Entra Status'], 'Deleted');
  assert.equal(Object.values(done.progressResult.objectTypeResultMap).find((r) => r.objectTypeName === 'Entra User').objectsMissingUpdated, 1);
  // Remove: Alex goes, and so does Adele's reference to him.
  s.assets.setMissingObjects(IMPORT, 'Entra User', { action: 'REMOVE', threshold: 1 });
  done = await importRun(s, [{ users: [everyone[0]] }]);
  assert.deepEqual(Object.keys(byName(s.assets, 'Entra User')), ['Adele Vance']);
  assert.equal(Object.values(done.progressResult.objectTypeResultMap).find((r) => r.objectTypeName === 'Entra User').objectsMissingDeleted, 2);
  assert.deepEqual(byName(s.assets, 'Entra User')['Adele Vance'].attributes.Manager, []);
});

test('the issue panel\'s AQL lookup answers Assets\' object list shape; bad AQL is a 400', async () => {
  const s = site();
  await s.call('PUT', '/mapping', entraDoc());
  await importRun(s, [{ users: [user(IDS.adele, 'Adele Vance'), user(IDS.alex, 'Alex Wilber')] }]);
  const found = await s.aql(`objectType = "Entra User" AND "Entra Object ID" = "${IDS.adele}"`);
  assert.equal(found.status, 200);
  assert.equal(found.body.total, 1);
  const [entry] = found.body.values;
  assert.equal(entry.label, 'Adele Vance');
  assert.match(entry.objectKey, /^[A-Z]+-\d+$/);
  assert.deepEqual(entry.objectType.name, 'Entra User');
  assert.match(entry._links.self, /^https:\/\/.+objectId=\d+$/);
  assert.equal((await s.aql(`objectType = "Entra User" AND "Entra Object ID" = "nobody"`)).body.total, 0);
  assert.equal((await s.aql('objectType = "Entra User" AND "Entra Object ID" = "unterminated')).status, 400);
});

test('failNext injects faults; bodies over the request size limit are 413', async () => {
  const s = site({ maxBodyBytes: 2048 });
  const small = site();
  small.assets.failNext({ method: 'POST', path: '/executions', status: 503, times: 2 });
  await small.call('PUT', '/mapping', entraDoc());
  assert.equal((await small.call('POST', '/executions')).status, 503);
  assert.equal((await small.call('POST', '/executions')).status, 503);
  assert.equal((await small.call('POST', '/executions')).status, 200);
  // The big document is over 2 KiB: refused before it is read.
  const big = await s.call('PUT', '/mapping', entraDoc());
  assert.equal(big.status, 413);
  assert.match(big.body.errorMessages[0], /at most 2048 bytes/);
});
