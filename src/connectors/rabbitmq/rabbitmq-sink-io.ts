/**
 * The RabbitMQ sink's I/O thread: one connection with a confirm channel. `publish` (posted) sends a
 * batch; `confirm` (called on the barrier) resolves when the broker has confirmed every message published
 * so far, or fails if it nacked one or the connection broke.
 *
 * Every message is published with one shared confirm callback that counts confirms, so the thread knows
 * how many are outstanding without a promise per message. At most {@link MAX_UNCONFIRMED} are: amqplib
 * keeps unconfirmed messages in an array that each (multiple) ack splices from the front, so a window of
 * tens of thousands makes every ack cost as much as the window; a full window holds back the batch, which
 * in turn blocks the writer once its posts queue up.
 */
import amqp from 'amqplib';
import { AckWindow, serveSync } from '../common/index.ts';
import { redactAmqpUrl } from './urls.ts';

/** Unconfirmed messages at most; publishing resumes at half of it. */
export const MAX_UNCONFIRMED = 4096;

export interface SinkIoInit {
  url: string;
  exchange: string;
  routingKey: string;
  persistent: boolean;
}

/** A batch of messages as parallel arrays (cheap to clone across threads): message i is `bodies[i]`, … */
export interface PublishBatch {
  /** Strings are sent as UTF-8. */
  bodies: (string | Uint8Array)[];
  /** Per-message routing keys, or null for the sink's. */
  keys: string[] | null;
  /** Per-message ids, or null for none. */
  ids: string[] | null;
}

serveSync((raw) => {
  const init = raw as SinkIoInit;
  let conn: amqp.ChannelModel | undefined;
  let ch: amqp.ConfirmChannel | undefined;
  let broken: Error | undefined;
  let nacked: Error | undefined;
  const window = new AckWindow(MAX_UNCONFIRMED);
  /** Resolved when the channel's buffer drains. */
  let unblocked: (() => void) | undefined;
  const where = `RabbitMQSink (${redactAmqpUrl(init.url)}, exchange '${init.exchange}')`;
  const plain: amqp.Options.Publish = { persistent: init.persistent };
  const onConfirm = (err: unknown): void => {
    // amqplib calls this with null (ack), an error (nack) or a 'channel closed' error (connection lost)
    if (err) nacked ??= err instanceof Error ? err : new Error(String(err));
    window.ack();
  };
  const failure = (): Error | undefined => broken ?? nacked;
  const wake = (): void => {
    // a broken connection confirms (with an error) what amqplib still held; wake waiters regardless
    window.wake();
    unblocked?.();
    unblocked = undefined;
  };
  return {
    async open() {
      try {
        conn = await amqp.connect(init.url);
      } catch (e) {
        const m = (e as Error).message;
        throw new Error(/ACCESS_REFUSED|403/.test(m) ? `${where}: the broker refused the credentials (${m})` : `${where}: cannot connect: ${m}`);
      }
      conn.on('error', (e: Error) => ((broken ??= e), wake()));
      conn.on('close', () => ((broken ??= new Error('connection closed')), wake()));
      ch = await conn.createConfirmChannel();
      ch.on('error', (e: Error) => ((broken ??= e), wake()));
      ch.on('close', () => ((broken ??= new Error('channel closed')), wake()));
      if (init.exchange !== '') {
        try {
          await ch.checkExchange(init.exchange);
        } catch {
          throw new Error(`${where}: exchange '${init.exchange}' does not exist (declare it first)`);
        }
      }
      return true;
    },
    async publish(data) {
      const { bodies, keys, ids } = data as PublishBatch;
      const c = ch!;
      let i = 0;
      while (i < bodies.length) {
        const f = failure();
        if (f) throw new Error(`${where}: ${f.message}`);
        if (window.free <= 0) {
          await window.waitForRoom();
          continue;
        }
        const end = Math.min(bodies.length, i + window.free);
        let ok = true;
        for (; i < end; i++) {
          const b = bodies[i]!;
          const body = typeof b === 'string' ? Buffer.from(b) : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
          const opts = ids === null ? plain : { persistent: init.persistent, messageId: ids[i] };
          window.add();
          ok = c.publish(init.exchange, keys === null ? init.routingKey : keys[i]!, body, opts, onConfirm);
          if (!ok) {
            i++;
            break;
          }
        }
        if (!ok) {
          await new Promise<void>((r) => {
            unblocked = r;
            c.once('drain', () => {
              unblocked = undefined;
              r();
            });
          });
        }
      }
    },
    async confirm() {
      const f0 = failure();
      if (f0) throw new Error(`${where}: ${f0.message}; unconfirmed messages are published again after the restart`);
      await window.waitForAll();
      const f = failure();
      if (f) throw new Error(`${where}: ${f.message}`);
      return true;
    },
    async close() {
      await conn?.close().catch(() => undefined);
    },
  };
});
