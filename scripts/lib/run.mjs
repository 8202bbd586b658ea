// Small helpers shared by the project's scripts: run a command, find tools.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = path.join(ROOT, 'build');

export function run(cmd, args, options = {}) {
  const shown = [cmd, ...args].join(' ');
  if (!options.quiet) console.log(`$ ${shown}`);
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: options.capture ? 'pipe' : 'inherit', encoding: 'utf8', env: { ...process.env, ...options.env } });
  if (result.error) throw new Error(`${shown}: ${result.error.message}`);
  if (result.status !== 0 && !options.allowFailure) {
    if (options.capture) process.stderr.write(result.stdout + result.stderr);
    throw new Error(`${shown} exited with ${result.status}`);
  }
  return result;
}

export function has(cmd, args = ['--version']) {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

export function cargoBin(name) {
  const home = process.env.CARGO_HOME ?? path.join(process.env.HOME ?? '/root', '.cargo');
  const candidate = path.join(home, 'bin', name);
  return existsSync(candidate) ? candidate : name;
}

export function step(title) {
  console.log(`\n== ${title}`);
}
