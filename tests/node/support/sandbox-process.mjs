// Starts `node scripts/start.mjs --no-setup` as a user would (the build is
// already current under `npm test`), waits for its endpoints.json, and stops
// it again: bounded waits, clear failures, no process left behind.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const running = new Set();

// A failing test must not leave a sandbox (or its emulator) behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startSandboxProcess({ dataDir, env = {} }) {
  const endpointsFile = path.join(dataDir, 'endpoints.json');
  rmSync(endpointsFile, { force: true });
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), '--no-setup'], {
    cwd: ROOT,
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  exited.then(() => running.delete(child));

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!existsSync(endpointsFile)) {
    if (child.exitCode !== null) throw new Error(`The sandbox exited with ${child.exitCode} before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The sandbox wrote no ${endpointsFile} within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const endpoints = JSON.parse(readFileSync(endpointsFile, 'utf8'));
  return {
    endpoints,
    output: () => output,
    /** SIGINT, like Ctrl-C; SIGKILL if it does not stop in time. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) until `pid` has exited. */
export async function waitGone(pid, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !isAlive(pid);
}
