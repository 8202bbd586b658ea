import { ConcurrencySlots } from '../../../sandbox/runtime/queue-concurrency.mjs';

// A Forge queue for tests: records what the app pushes through
// `@forge/events` (the local runtime's onQueuePush) and delivers each event
// to the bundled consumer the way Forge would, as an AsyncEvent.
export function recordQueue(runtime) {
  const pushes = [];
  runtime.onQueuePush = ({ body }) => pushes.push(body);
  let delivered = 0;
  // Forge's concurrency slots for this installation (deliverAll).
  const slots = new ConcurrencySlots();
  return {
    pushes,
    slots,
    /** Every pushed event so far, as the consumer receives it (with its push's `concurrency`). */
    events: () => pushes.flatMap((push) => push.payload.map((event, i) => ({
      ...event, queueName: push.queueName, jobId: push.jobId, eventId: `${push.jobId}-${i}`,
    }))),
    /** Delivers each event once to `consumer`, one after another; returns what it answered. */
    async deliver(consumer, events) {
      const answers = [];
      for (const event of events) {
        answers.push(await consumer(event, { principal: null }));
        delivered += 1;
      }
      return answers;
    },
    /**
     * Delivers `events` as Forge does: side by side within each event's
     * concurrency setting (at most `limit` with the same key in flight),
     * and again after `retryOptions.retryAfter` seconds for as long as the
     * consumer asks for a retry (`_retry`), with `retryContext.retryCount`
     * counting up; a waiting redelivery holds no slot. `onAnswer({event,
     * answer, startedMs, endedMs})` sees every delivery. Resolves to each
     * event's last answer, in order.
     */
    async deliverAll(consumer, events, { onAnswer = () => {} } = {}) {
      return Promise.all(events.map(async (event) => {
        for (let retryCount = 0; ; retryCount++) {
          let startedMs;
          const answer = await slots.run(event.concurrency, () => {
            startedMs = performance.now();
            return consumer({ ...event, retryContext: { retryCount } }, { principal: null });
          });
          delivered += 1;
          onAnswer({ event, answer, startedMs, endedMs: performance.now() });
          if (!answer?._retry) return answer;
          await new Promise((resolve) => setTimeout(resolve, (answer.retryOptions?.retryAfter ?? 1) * 1000));
        }
      }));
    },
    delivered: () => delivered,
  };
}
