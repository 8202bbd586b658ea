// Runs the Entra emulator binary as a child process for the sandbox: spawns
// it, reads the credentials it prints as its first stdout line, and stops it
// (and only it) again.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import readline from 'node:readline';

const FIRST_LINE_TIMEOUT_MS = 30_000;

/**
 * @param {object} options
 * @param {string} options.binary path of `entra-emulator`
 * @param {number} [options.port] 0 or omitted: a free port
 * @param {string} [options.seed] seed file; omitted: the demo tenant
 * @returns {Promise<EmulatorProcess>}
 */
export async function startEmulator({ binary, port = 0, seed }) {
  if (!existsSync(binary)) {
    throw new Error(`No Entra emulator at ${binary}: run 'cargo build --release -p entra-emulator' (npm start does this unless --no-setup).`);
  }
  const args = ['--port', String(port)];
  if (seed) args.push('--seed', seed);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (chunk) => stderr.push(chunk));

  const credentials = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const fail = (message) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(new Error(`${message}${stderr.length ? `\nemulator stderr:\n${Buffer.concat(stderr).toString().trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`The Entra emulator printed nothing within ${FIRST_LINE_TIMEOUT_MS / 1000} s`), FIRST_LINE_TIMEOUT_MS);
    child.once('error', (error) => fail(`Could not start the Entra emulator: ${error.message}`));
    child.once('exit', (code) => fail(`The Entra emulator exited with ${code} before it was ready`));
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        resolve(JSON.parse(line));
      } catch {
        fail(`The Entra emulator's first line is not JSON: ${line.slice(0, 200)}`);
      }
    });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout.resume();
  return new EmulatorProcess(child, credentials);
}

export class EmulatorProcess {
  constructor(child, { url, tenantId, clientId, clientSecret }) {
    this.child = child;
    this.pid = child.pid;
    this.url = url;
    this.tenantId = tenantId;
    this.clientId = clientId;
    // Handed to the app's secret store only; never printed.
    this.clientSecret = clientSecret;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code, signal) => resolve(code ?? signal));
    });
  }

  /** Calls a control endpoint (`/_emulator/...`); throws on a non-2xx answer. */
  async control(path, { method = 'GET', body } = {}) {
    const response = await fetch(`${this.url}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} /_emulator/${path}: ${response.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : null;
  }

  tenant() {
    return this.control('tenant');
  }

  log() {
    return this.control('log');
  }

  clearLog() {
    return this.control('log', { method: 'DELETE' });
  }

  /** Replaces the fault injection settings (`{}` clears them); see emulator/README.md. */
  setFaults(faults) {
    return this.control('faults', { method: 'POST', body: faults });
  }

  reset() {
    return this.control('reset', { method: 'POST' });
  }

  /** Runs one Entra Connect sync cycle: synced users' AD-mastered properties go back to AD's values. */
  syncCycle() {
    return this.control('sync', { method: 'POST' });
  }

  /** Stops the child and waits until it is gone (SIGKILL after a grace period). */
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
