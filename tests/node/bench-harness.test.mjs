// The benchmark harness (npm run bench) in a tiny configuration: the shape of
// build/bench/results.json and that its round-trip counters count what the
// emulator's request log holds. Never timings: those are measured, not
// asserted (BENCHMARKS.md).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/app.mjs';
import { startEmulator } from './support/emulator.mjs';
import { countGraph, counted } from '../../bench/lib/graph-log.mjs';
import * as naiveGraph from '../../bench/naive/graph.mjs';
import * as naive from '../../bench/naive/flows.mjs';

let emulator;
after(() => emulator?.stop());

test('countGraph: a $batch is one round trip of several requests, tokens apart, 429s apart', () => {
  const log = [
    { kind: 'token', path: '/tenant/oauth2/v2.0/token', status: 200 },
    { kind: 'graph', path: '/v1.0/users/a', status: 200 },
    { kind: 'graph', path: '/v1.0/$batch', status: 200 },
    { kind: 'batch-item', path: '/v1.0/users/b', status: 200 },
    { kind: 'batch-item', path: '/v1.0/groups/g/members/$ref', status: 429 },
    { kind: 'batch-item', path: '/v1.0/users/c', status: 204 },
  ];
  assert.deepEqual(countGraph(log), { roundTrips: 2, requests: 4, served: 3, throttled: 1, tokens: 1 });
  assert.deepEqual(countGraph([]), { roundTrips: 0, requests: 0, served: 0, throttled: 0, tokens: 0 });
});

test('the counters agree with the emulator log for a known scenario: the naive lookup and one $batch', async () => {
  emulator = await startEmulator();
  const accessToken = await naiveGraph.token(emulator);
  const graph = naiveGraph.webRequest(emulator, accessToken);
  const lookup = await counted(emulator, () => naive.lookup(graph, { upn: 'adele.vance@contoso.example' }));
  assert.equal(lookup.value.manager.userPrincipalName, 'alex.wilber@contoso.example');
  assert.deepEqual(lookup.log.map((e) => `${e.kind} ${e.method} ${decodeURIComponent(e.path)}`), [
    'graph GET /v1.0/users/adele.vance@contoso.example',
    'graph GET /v1.0/users/adele.vance@contoso.example/manager',
  ]);
  assert.equal(lookup.roundTrips, 2);
  assert.equal(lookup.tokens, 0);

  const batch = await counted(emulator, async () => {
    const response = await fetch(`${emulator.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests: ['adele.vance', 'alex.wilber', 'megan.bowen'].map((u, i) => ({ id: String(i), method: 'GET', url: `/users/${u}@contoso.example` })) }),
    });
    assert.equal(response.status, 200);
  });
  assert.equal(batch.log.length, 4, 'the envelope and its three items');
  assert.deepEqual({ roundTrips: batch.roundTrips, requests: batch.requests }, { roundTrips: 1, requests: 3 });
});

test('npm run bench (tiny) writes results.json with every key issue 19 names, counted from the emulator log', { timeout: 600_000 }, async () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'entra-connect-bench-')), 'results.json');
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'bench', 'run.mjs'), '--no-build', '--tiny', '--out', out], { cwd: ROOT, maxBuffer: 1 << 24 });
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const flows = ['onboarding', 'offboarding', 'transfer', 'lookup', 'panelLoad'];
  const count = (x) => Number.isInteger(x) && x >= 0;
  for (const flow of flows) {
    assert.ok(count(r.roundTrips[flow]) && r.roundTrips[flow] >= 1, `roundTrips.${flow}: ${r.roundTrips[flow]}`);
  }
  // Token requests are counted apart, per flow, never as round trips.
  for (const side of ['ours', 'naive']) for (const flow of flows) assert.ok(count(r.tokenRequests[side][flow]), `tokenRequests.${side}.${flow}`);
  assert.equal(r.tokenRequests.naive.lookup, 0, 'the naive rule fetched its token before');
  // A lookup with manager is one round trip (tests/it/core_ops.rs holds the app to it).
  assert.equal(r.roundTrips.lookup, 1);
  // The naive way makes exactly the calls bench/naive/flows.mjs argues for.
  assert.deepEqual(r.naive.roundTrips, { onboarding: 15, offboarding: 12, transfer: 12, lookup: 2, panelLoad: 3 });
  for (const key of ['oursMs', 'naiveMs']) assert.equal(typeof r.latency.onboarding[key], 'number', key);
  assert.equal(r.latency.onboarding.latencyMs, 80);
  for (const key of ['hires', 'budgetRps', 'achievedRps', 'budgetUtilization', 'roundTripsPerHire', 'duplicates', 'lost', 'seconds']) {
    assert.equal(typeof r.bulk[key], 'number', `bulk.${key}`);
  }
  assert.equal(r.bulk.hires, 4);
  assert.equal(r.bulk.duplicates, 0, 'no hire created twice');
  assert.equal(r.bulk.lost, 0, 'every hire created');
  assert.ok(r.bulk.roundTripsPerHire > 0);
  assert.equal(typeof r.coldStart.medianMs, 'number');
  assert.ok(count(r.wasm.rawBytes) && count(r.wasm.gzipBytes) && r.wasm.gzipBytes < r.wasm.rawBytes);
  // The Assets import, with the size it ran at (tiny: 200 users, 30 groups).
  assert.deepEqual([r.assetsImport.inputs.users, r.assetsImport.inputs.groups], [200, 30]);
  assert.equal(r.assetsImport.tenant.users, 200);
  assert.equal(r.assetsImport.first.status, 'DONE', JSON.stringify(r.assetsImport.first));
  assert.ok(count(r.assetsImport.first.graphRequests) && r.assetsImport.first.graphRequests >= 1);
  assert.equal(r.assetsImport.graphRequestsPer1000Users, r.assetsImport.first.graphRequestsPer1000Users);
  assert.equal(r.assetsImport.graphRequestsPer1000Users, Number((r.assetsImport.first.graphRequests * 1000 / 200).toFixed(1)));
  assert.ok(r.assetsImport.first.records >= 200, 'every user imported');
  assert.ok(count(r.assetsImport.incremental.graphRequests) && r.assetsImport.incremental.usersChanged >= 1);
  assert.match(r.run.command, /^node bench\/run\.mjs/);
});
