// Each built Custom UI page (build/static/<page>: index.html, main.js and
// style.css, as the manifest ships them) stays under 150 KB gzip, so a page
// opens fast in Jira's frame. Sizes, not timings: a budget that holds on
// any machine. The figures are in BENCHMARKS.md ("Custom UI").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UI_OUT, PAGES, measure } from '../../scripts/build-ui.mjs';

const BUDGET_GZIP_BYTES = 150 * 1024;

test('every Custom UI page is under 150 KB gzip', () => {
  for (const page of PAGES) {
    const dir = path.join(UI_OUT, page);
    assert.ok(existsSync(path.join(dir, 'main.js')), `${dir} is not built: run 'npm run build'`);
    const { gzip } = measure(dir);
    assert.ok(gzip < BUDGET_GZIP_BYTES, `${page}: ${gzip} bytes gzip, over the ${BUDGET_GZIP_BYTES}-byte budget`);
  }
});

test('the Assets import configuration view is one of the built pages, with its icon', () => {
  assert.ok(PAGES.includes('assets-import'));
  assert.ok(existsSync(path.join(UI_OUT, 'assets-import', 'icon.svg')), 'build/static/assets-import/icon.svg');
});
