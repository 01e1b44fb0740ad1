// Helpers for tests that need RabbitMQ: the URL (EDDY_TEST_AMQP, default the local broker), whether it is
// reachable (in CI an unreachable broker is a failure, elsewhere the test is skipped with the reason),
// queues that are deleted afterwards, and publishing with message ids.
import amqp from 'amqplib';

export const AMQP_URL = process.env.EDDY_TEST_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672';

let probe: Promise<string | undefined> | undefined;

export async function amqpSkipReason(): Promise<string | undefined> {
  probe ??= (async () => {
    try {
      const c = await amqp.connect(AMQP_URL);
      await c.close();
      return undefined;
    } catch (e) {
      return `RabbitMQ is not reachable at ${AMQP_URL}: ${(e as Error).message}`;
    }
  })();
  const why = await probe;
  if (why && process.env.CI === 'true') throw new Error(`${why} (CI requires RabbitMQ)`);
  return why;
}

/** A durable queue unique to this call, deleted after `fn`. */
export async function withQueue<R>(fn: (queue: string, ch: amqp.ConfirmChannel) => Promise<R>): Promise<R> {
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createConfirmChannel();
  const queue = `eddy_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  await ch.assertQueue(queue, { durable: true });
  try {
    return await fn(queue, ch);
  } finally {
    await ch.deleteQueue(queue).catch(() => undefined);
    await conn.close().catch(() => undefined);
  }
}

/** Publishes `bodies` (message id = body unless given) and waits for the broker's confirms. */
export async function publish(ch: amqp.ConfirmChannel, queue: string, bodies: string[], ids: string[] = bodies): Promise<void> {
  bodies.forEach((b, i) => ch.sendToQueue(queue, Buffer.from(b), { persistent: true, messageId: ids[i] }));
  await ch.waitForConfirms();
}

/** Messages ready in the queue (not delivered, or delivered and returned unacknowledged). */
export async function ready(ch: amqp.ConfirmChannel, queue: string): Promise<number> {
  return (await ch.checkQueue(queue)).messageCount;
}
