// The whole-run leak scan of `npm test`: every credential the Node test
// processes recorded (leak-recorder.mjs) against everything the run wrote
// (the TAP stream: each test's output and every log line the app printed).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads `credentials-*.txt` in `dir` and searches `output` (the run's text)
 * for each. Returns `{credentials, hits}`: how many distinct credentials
 * were recorded, and for each found one the line it is in with the value
 * masked.
 */
export function scanRun(dir, output) {
  const credentials = new Set();
  for (const name of readdirSync(dir).filter((n) => /^credentials-\d+\.txt$/.test(n))) {
    for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean)) {
      const value = JSON.parse(line);
      if (value.length >= 8) credentials.add(value);
    }
  }
  const hits = [];
  const lines = output.split('\n');
  for (const value of credentials) {
    // As written, and as it would read inside a JSON string.
    const forms = [value, JSON.stringify(value).slice(1, -1)];
    for (const line of lines) {
      if (forms.some((f) => line.includes(f))) {
        hits.push({ line: line.split(value).join('[CREDENTIAL]').slice(0, 300) });
      }
    }
  }
  return { credentials: credentials.size, hits };
}
