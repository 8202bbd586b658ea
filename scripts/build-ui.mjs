// Builds the Custom UI pages: static/<page>/main.js bundled with
// @forge/bridge by esbuild, the shared and page CSS joined into style.css,
// and index.html copied, into build/static/<page>/ (what the manifest's
// `resources` point at). No framework: each page is a few KB.
import { build as esbuild } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, rmSync, copyFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATIC = path.join(ROOT, 'static');
export const UI_OUT = path.join(ROOT, 'build', 'static');
export const PAGES = ['issue-panel', 'portal-panel', 'admin', 'assets-import'];
const SHARED_CSS = ['tokens.css', 'components.css'].map((f) => path.join(STATIC, 'shared', f));

// @forge/bridge's package exports name only its index; importing the two
// modules the pages use directly keeps the rest of the bridge out of the
// bundles. This resolves those deep imports to the package's files.
const bridgeDeepImports = {
  name: 'forge-bridge-deep-imports',
  setup(build) {
    build.onResolve({ filter: /^@forge\/bridge\/out\// }, (args) => ({
      path: path.join(ROOT, 'node_modules', args.path),
    }));
  },
};

export async function buildUi() {
  rmSync(UI_OUT, { recursive: true, force: true });
  const sizes = {};
  for (const page of PAGES) {
    const src = path.join(STATIC, page);
    const out = path.join(UI_OUT, page);
    mkdirSync(out, { recursive: true });
    await esbuild({
      entryPoints: [path.join(src, 'main.js')],
      outfile: path.join(out, 'main.js'),
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2020'],
      legalComments: 'none',
      logLevel: 'warning',
      plugins: [bridgeDeepImports],
    });
    const css = [...SHARED_CSS, path.join(src, 'style.css')].map((f) => readFileSync(f, 'utf8')).join('\n');
    writeFileSync(path.join(out, 'style.css'), css);
    copyFileSync(path.join(src, 'index.html'), path.join(out, 'index.html'));
    sizes[page] = measure(out);
  }
  // The Assets import type's icon (manifest `icon`) is a file of its resource.
  copyFileSync(path.join(STATIC, 'assets-import', 'icon.svg'), path.join(UI_OUT, 'assets-import', 'icon.svg'));
  // The admin page links the Service API's OpenAPI document for download.
  copyFileSync(path.join(ROOT, 'docs', 'service-api.openapi.json'), path.join(UI_OUT, 'admin', 'service-api.openapi.json'));
  for (const [page, s] of Object.entries(sizes)) console.log(`ui: ${page}: ${s.raw} bytes, ${s.gzip} bytes gzip`);
  return sizes;
}

/** Raw and gzip bytes of a page's three files together. */
export function measure(dir) {
  let raw = 0;
  let gzip = 0;
  for (const file of ['index.html', 'main.js', 'style.css']) {
    const bytes = readFileSync(path.join(dir, file));
    raw += statSync(path.join(dir, file)).size;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildUi();
}
