// Forge's async events concurrency setting, as the local runtime and the
// test queue deliver events. A pushed event may carry `concurrency: {key,
// limit}` (@forge/events `PushEvent.concurrency`, documented with
// `Queue.push` at
// https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/):
// at most `limit` events with the same key run at once, across all pushes
// and jobs; the others wait and are delivered as running ones end (Forge
// postpones and retries their delivery internally, Atlassian's answer in
// https://community.developer.atlassian.com/t/questions-about-the-new-concurrency-limits-async-events/93837).
// Events without a concurrency setting are delivered as they come, side by
// side (https://community.developer.atlassian.com/t/the-async-events-queue-is-not-a-queue/74415).
// Here the waiting ones start in push order, without Forge's backoff.

/** Concurrency slots by key, for one app installation. */
export class ConcurrencySlots {
  #running = new Map();
  #waiting = new Map();
  /** Highest number of events seen in flight at once, by key. */
  peak = new Map();

  /**
   * Runs `task` once `concurrency` (an event's `{key, limit}`, or nothing)
   * admits it, and frees its slot when it settles. Resolves to its result.
   * @template T
   * @param {{key: string, limit: number} | undefined} concurrency
   * @param {() => Promise<T>} task
   * @returns {Promise<T>}
   */
  async run(concurrency, task) {
    if (!concurrency?.key) return task();
    const { key } = concurrency;
    const limit = Math.max(1, Number(concurrency.limit) || 1);
    if ((this.#running.get(key) ?? 0) >= limit) {
      await new Promise((resolve) => {
        const queue = this.#waiting.get(key) ?? [];
        queue.push({ limit, resolve });
        this.#waiting.set(key, queue);
      });
    } else {
      this.#take(key);
    }
    try {
      return await task();
    } finally {
      this.#release(key);
    }
  }

  /** Events with `key` in flight now. */
  running(key) {
    return this.#running.get(key) ?? 0;
  }

  #take(key) {
    const n = (this.#running.get(key) ?? 0) + 1;
    this.#running.set(key, n);
    this.peak.set(key, Math.max(this.peak.get(key) ?? 0, n));
  }

  // A waiting event starts in the slot just freed (the first in push order
  // whose own limit admits it).
  #release(key) {
    this.#running.set(key, this.#running.get(key) - 1);
    const queue = this.#waiting.get(key) ?? [];
    while (queue.length && this.running(key) < queue[0].limit) {
      this.#take(key);
      queue.shift().resolve();
    }
    if (!queue.length) this.#waiting.delete(key);
  }
}
