// A Forge queue for tests: records what the app pushes through
// `@forge/events` (the local runtime's onQueuePush) and delivers each event
// to the bundled consumer the way Forge would, as an AsyncEvent.
export function recordQueue(runtime) {
  const pushes = [];
  runtime.onQueuePush = ({ body }) => pushes.push(body);
  let delivered = 0;
  return {
    pushes,
    /** Every pushed event so far, as the consumer receives it. */
    events: () => pushes.flatMap((push) => push.payload.map((event, i) => ({
      ...event, queueName: push.queueName, jobId: push.jobId, eventId: `${push.jobId}-${i}`,
    }))),
    /** Delivers each event once to `consumer`; returns what it answered. */
    async deliver(consumer, events) {
      const answers = [];
      for (const event of events) {
        answers.push(await consumer(event, { principal: null }));
        delivered += 1;
      }
      return answers;
    },
    delivered: () => delivered,
  };
}
