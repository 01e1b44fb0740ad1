/**
 * The RabbitMQ sink's I/O thread: one connection with a confirm channel. `publish` (posted) sends a
 * batch; `confirm` (called on the barrier) resolves when the broker has confirmed every message published
 * so far, or fails if it nacked one or the connection broke.
 */
import amqp from 'amqplib';
import { serveSync } from '../common/index.ts';
import { redactAmqpUrl } from './urls.ts';

export interface SinkIoInit {
  url: string;
  exchange: string;
  routingKey: string;
  persistent: boolean;
}

export interface PublishBatch {
  /** [body, routing key or null, message id or null] */
  messages: [Uint8Array, string | null, string | null][];
}

serveSync((raw) => {
  const init = raw as SinkIoInit;
  let conn: amqp.ChannelModel | undefined;
  let ch: amqp.ConfirmChannel | undefined;
  let broken: Error | undefined;
  const where = `RabbitMQSink (${redactAmqpUrl(init.url)}, exchange '${init.exchange}')`;
  return {
    async open() {
      try {
        conn = await amqp.connect(init.url);
      } catch (e) {
        const m = (e as Error).message;
        throw new Error(/ACCESS_REFUSED|403/.test(m) ? `${where}: the broker refused the credentials (${m})` : `${where}: cannot connect: ${m}`);
      }
      conn.on('error', (e: Error) => (broken ??= e));
      conn.on('close', () => (broken ??= new Error('connection closed')));
      ch = await conn.createConfirmChannel();
      ch.on('error', (e: Error) => (broken ??= e));
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
      if (broken) throw new Error(`${where}: ${broken.message}`);
      for (const [body, key, id] of (data as PublishBatch).messages) {
        const ok = ch!.publish(init.exchange, key ?? init.routingKey, Buffer.from(body.buffer, body.byteOffset, body.byteLength), {
          persistent: init.persistent,
          ...(id !== null ? { messageId: id } : {}),
        });
        if (!ok) await new Promise((r) => ch!.once('drain', r));
      }
    },
    async confirm() {
      if (broken) throw new Error(`${where}: ${broken.message}; unconfirmed messages are published again after the restart`);
      await ch!.waitForConfirms();
      const after = broken as Error | undefined;
      if (after) throw new Error(`${where}: ${after.message}`);
      return true;
    },
    async close() {
      await conn?.close().catch(() => undefined);
    },
  };
});
