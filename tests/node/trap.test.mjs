// A panic in the Rust core aborts the wasm instance. The shim must answer a
// clean 500 with a correlation id and rebuild the instance for the next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadApp, webRequest, parse } from './support/app.mjs';

test('a trap becomes a 500 with a correlation id, and the next call works', async () => {
  const { app } = loadApp();
  const errors = [];
  const original = console.error;
  console.error = (line) => errors.push(String(line));
  let trapped;
  try {
    trapped = await app.diagnosticTrap();
  } finally {
    console.error = original;
  }
  assert.equal(trapped.statusCode, 500);
  const body = JSON.parse(trapped.body);
  assert.equal(body.ok, false);
  assert.equal(body.error.code, 'internal_error');
  const [, correlationId] = body.error.message.match(/correlation id ([0-9a-f-]{36})/);
  assert.ok(errors.some((line) => line.includes(correlationId)), 'the log carries the same correlation id');

  // The rebuilt instance serves normally, twice in a row.
  for (let i = 0; i < 2; i++) {
    const res = parse(await app.serviceApi(webRequest({ method: 'GET', body: '' })));
    assert.equal(res.status, 405);
  }
});
