// Counting Graph traffic from the Entra emulator's request log
// (GET /_emulator/log, see emulator/README.md): one entry per HTTP request,
// `kind` "token" (login.microsoftonline.com), "graph" (one HTTP round trip to
// graph.microsoft.com; a `$batch` envelope is one) or "batch-item" (a request
// inside a `$batch`, logged on its own with `batchParentSeq`).

const isEnvelope = (entry) => entry.kind === 'graph' && /^\/v1\.0\/\$batch\/?$/i.test(entry.path);

/**
 * @param {Array<{kind: string, path: string, status: number}>} log entries
 * @returns {{roundTrips: number, requests: number, served: number, throttled: number, tokens: number}}
 *   roundTrips: HTTP round trips to Graph (a `$batch` counts once; tokens apart);
 *   requests: Graph requests (each `$batch` item counts, the envelope does not);
 *   served: those not answered 429; throttled: those answered 429;
 *   tokens: token requests.
 */
export function countGraph(log) {
  const requests = log.filter((e) => e.kind === 'batch-item' || (e.kind === 'graph' && !isEnvelope(e)));
  const throttled = requests.filter((e) => e.status === 429).length;
  return {
    roundTrips: log.filter((e) => e.kind === 'graph').length,
    requests: requests.length,
    served: requests.length - throttled,
    throttled,
    tokens: log.filter((e) => e.kind === 'token').length,
  };
}

/** Runs `fn` with the emulator's log cleared first; answers what it returned and the counts of its traffic. */
export async function counted(emulator, fn) {
  await emulator.clearLog();
  const value = await fn();
  const log = await emulator.log();
  return { value, log, ...countGraph(log) };
}
