// The shipped OpenAPI description validates against the OpenAPI 3 schema,
// and names every route the app implements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ROOT } from './support/app.mjs';

const document = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'service-api.openapi.json'), 'utf8'));

test('docs/service-api.openapi.json is a valid OpenAPI 3 document', async () => {
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1));
  assert.equal(validator.version, '3.0');
});

test('it documents the nineteen operation routes and the two job routes of the Service API', () => {
  const routes = Object.keys(document.components.schemas.Call.discriminator.mapping).sort();
  assert.deepEqual(routes, [
    'group.addMember', 'group.removeMember', 'guest.invite', 'job.status', 'jobs.submit', 'user.create', 'user.createTemporaryAccessPass', 'user.delete', 'user.disable', 'user.enable',
    'user.get', 'user.groups', 'user.offboard', 'user.resetMfa', 'user.resetPassword', 'user.restore', 'user.revokeSessions', 'user.transfer', 'user.update',
    'user.assignLicenses', 'user.removeLicenses',
  ].sort());
  for (const ref of Object.values(document.components.schemas.Call.discriminator.mapping)) {
    assert.ok(document.components.schemas[ref.split('/').pop()], ref);
  }
});
