// Preloaded (`node --import`) into every Node test process by `npm test`
// when ENTRA_LEAK_RECORD names a directory: records every credential that
// crosses the wire to or from Entra during the run (a password the app
// sets, a Temporary Access Pass Entra issues, the client secret of a token
// request, whoever sent it), one JSON string a line, in
// `credentials-<pid>.txt` there. scripts/test.mjs then scans the whole
// run's output for each (run-leak-scan.mjs). The app reaches Entra through
// the runtime's global fetch, which this wraps; nothing else changes.
import { appendFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.ENTRA_LEAK_RECORD;
/** Property names whose string values are credentials. */
const CREDENTIAL_KEYS = new Set(['password', 'temporaryAccessPass', 'client_secret', 'clientSecret']);

if (dir) {
  const file = path.join(dir, `credentials-${process.pid}.txt`);
  const keep = (value) => {
    // Shorter values would match by chance (the scan refuses them too);
    // the emulator's log shows a password as [REDACTED].
    if (typeof value === 'string' && value.length >= 8 && value !== '[REDACTED]') appendFileSync(file, `${JSON.stringify(value)}\n`);
  };
  const walk = (value) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (CREDENTIAL_KEYS.has(key)) keep(inner);
        walk(inner);
      }
    }
  };
  const inspect = (text) => {
    if (typeof text !== 'string' || !/password|temporaryAccessPass|client_?secret/i.test(text)) return;
    try {
      walk(JSON.parse(text));
    } catch {
      for (const [key, value] of new URLSearchParams(text)) if (CREDENTIAL_KEYS.has(key)) keep(value);
    }
  };
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init = {}) => {
    // The core's fetch (wasm-bindgen) passes one Request, body included.
    if (input instanceof Request) inspect(await input.clone().text());
    inspect(init.body);
    const response = await original(input, init);
    if (/json/.test(response.headers.get('content-type') ?? '')) {
      inspect(await response.clone().text());
    }
    return response;
  };
}
