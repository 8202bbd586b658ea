// Installs what the build and tests need, skipping what is already there:
// the wasm32 target, the wasm-bindgen CLI at exactly the version in
// Cargo.lock, npm packages (scripts ignored: see README) and the one native
// module the local Forge runtime needs (better-sqlite3), and, with
// --browser, Debian's chromium for the browser tests.
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, run, has, cargoBin, step } from './lib/run.mjs';

export function lockedVersion(crate) {
  const lock = readFileSync(path.join(ROOT, 'Cargo.lock'), 'utf8');
  const match = lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`));
  if (!match) throw new Error(`Cargo.lock has no ${crate}`);
  return match[1];
}

export function setup({ browser = false } = {}) {
  step('setup');
  const targets = run('rustup', ['target', 'list', '--installed'], { capture: true, quiet: true }).stdout;
  if (!targets.split('\n').includes('wasm32-unknown-unknown')) {
    run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
  }
  const wanted = lockedVersion('wasm-bindgen');
  const installed = has(cargoBin('wasm-bindgen'));
  if (installed !== `wasm-bindgen ${wanted}`) {
    console.log(`wasm-bindgen CLI ${wanted} needed (found: ${installed ?? 'none'}); installing (a few minutes, once)`);
    run('cargo', ['install', 'wasm-bindgen-cli', '--version', wanted, '--force']);
  }
  if (!packagesMatchLock()) {
    // Forge's CLI packages pull keytar, whose install script downloads a
    // binary; nothing here needs it, so scripts stay off.
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund']);
  }
  buildSqlite();
  if (browser && !existsSync('/usr/bin/chromium')) {
    if (process.getuid?.() !== 0) {
      throw new Error("The browser tests need Debian's chromium: run 'sudo apt-get install -y chromium' once.");
    }
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', 'chromium'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

// The local Forge runtime's storage is SQLite through better-sqlite3, a
// native module. With scripts off, npm ci leaves it unbuilt; its prebuilt
// binaries come from GitHub, which set-up may not reach, so it is compiled
// here from source with node-gyp (npm's own) against the running Node's
// headers, once: skipped when the module already loads.
export function sqliteLoads() {
  const probe = "new (require('better-sqlite3'))(':memory:').close()";
  return spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, stdio: 'ignore' }).status === 0;
}

export function buildSqlite() {
  if (sqliteLoads()) return;
  console.log('better-sqlite3: compiling the native module from source (a few minutes, once)');
  // Node's own headers when it was installed with them (Debian's nodejs,
  // official tarballs): node-gyp then needs no download.
  const prefix = path.dirname(path.dirname(process.execPath));
  const headers = existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? { npm_config_nodedir: prefix } : {};
  run('npm', ['rebuild', 'better-sqlite3', '--foreground-scripts'], { env: headers });
  if (!sqliteLoads()) throw new Error('better-sqlite3 did not build: see the compiler output above (it needs make, a C++ compiler and python3)');
}

// npm writes node_modules/.package-lock.json on install; if it lists the same
// packages at the same versions as package-lock.json, the tree is current.
function packagesMatchLock() {
  try {
    const wanted = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages;
    const have = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '.package-lock.json'), 'utf8')).packages;
    // A package counts only when its folder is really there: the hidden lock
    // can list a package that was never unpacked (npm --package-lock-only).
    const present = (name) => existsSync(path.join(ROOT, name, 'package.json'));
    return Object.entries(wanted).every(
      ([name, meta]) => name === '' || (have[name]?.version === meta.version && present(name)) || meta.peer || meta.optional,
    );
  } catch {
    return false;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setup({ browser: process.argv.includes('--browser') });
}
