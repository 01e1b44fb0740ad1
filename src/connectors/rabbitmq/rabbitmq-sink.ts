/**
 * `RabbitMQSink`: publishes records to an exchange (or a queue through the default exchange) with
 * publisher confirms. At-least-once: on each checkpoint barrier the writer blocks until the broker has
 * confirmed every message published so far, so a completed checkpoint implies its messages are durable
 * at the broker; messages published after it are published again after a restore (duplicates downstream,
 * which a consumer can drop by `messageId`, e.g. {@link RabbitMQSource} with `deduplicate`).
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Sink, SinkWriter, SinkWriterContext } from '../../api/index.ts';
import { SyncIoThread } from '../common/index.ts';
import type { PublishBatch, SinkIoInit } from './rabbitmq-sink-io.ts';

export interface RabbitMQSinkOptions<T> {
  url: string;
  /** Exchange to publish to; '' (the default exchange) routes by queue name. */
  exchange?: string;
  /** Routing key (or the queue, with the default exchange). */
  routingKey: string;
  /** Record → body (default: strings as UTF-8, anything else as JSON). */
  serializer?: (value: T) => Uint8Array | string;
  /** A message id per record (e.g. a key of the record), so consumers can de-duplicate. */
  messageId?: (value: T) => string;
  /** Per-record routing key. */
  routingKeyOf?: (value: T) => string;
  /** Persistent (delivery mode 2) messages (default true). */
  persistent?: boolean;
  /** Records per batch handed to the I/O thread (default 500). */
  batchSize?: number;
  /** How long open and a barrier's confirm may take, in ms (default 60000). */
  timeoutMs?: number;
}

export class RabbitMQSink<T> implements Sink<T> {
  readonly name = 'RabbitMQSink';
  /** @internal use {@link RabbitMQSink.of} */
  constructor(readonly o: Readonly<Required<Omit<RabbitMQSinkOptions<T>, 'messageId' | 'routingKeyOf'>> & Pick<RabbitMQSinkOptions<T>, 'messageId' | 'routingKeyOf'>>) {}

  static of<T>(options: RabbitMQSinkOptions<T>): RabbitMQSink<T> {
    const w = 'RabbitMQSink';
    const o = options ?? ({} as RabbitMQSinkOptions<T>);
    const known = ['url', 'exchange', 'routingKey', 'serializer', 'messageId', 'routingKeyOf', 'persistent', 'batchSize', 'timeoutMs'];
    for (const k of Object.keys(o)) if (!known.includes(k)) throw new ConfigurationError(`${w}: unknown option '${k}'`);
    if (typeof o.url !== 'string' || !/^amqps?:\/\//.test(o.url)) throw new ConfigurationError(`${w}: option 'url' must be an amqp:// URL`);
    if (typeof o.routingKey !== 'string') throw new ConfigurationError(`${w}: option 'routingKey' must be a string`);
    const batchSize = o.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigurationError(`${w}: option 'batchSize' must be an integer >= 1, got ${batchSize}`);
    const timeoutMs = o.timeoutMs ?? 60_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new ConfigurationError(`${w}: option 'timeoutMs' must be an integer >= 1`);
    return new RabbitMQSink<T>({
      url: o.url,
      exchange: o.exchange ?? '',
      routingKey: o.routingKey,
      serializer: o.serializer ?? ((v: T) => (typeof v === 'string' ? v : JSON.stringify(v))),
      messageId: o.messageId,
      routingKeyOf: o.routingKeyOf,
      persistent: o.persistent ?? true,
      batchSize,
      timeoutMs,
    });
  }

  createWriter(_ctx: SinkWriterContext): SinkWriter<T> {
    return new RabbitMQSinkWriter<T>(this.o);
  }
}

class RabbitMQSinkWriter<T> implements SinkWriter<T> {
  private readonly io: SyncIoThread;
  // the batch as parallel arrays (strings cross to the I/O thread as they are, encoded there)
  private bodies: (string | Uint8Array)[] = [];
  private keys: string[] | null;
  private ids: string[] | null;
  constructor(private readonly o: RabbitMQSink<T>['o']) {
    this.keys = o.routingKeyOf ? [] : null;
    this.ids = o.messageId ? [] : null;
    const init: SinkIoInit = { url: o.url, exchange: o.exchange, routingKey: o.routingKey, persistent: o.persistent };
    this.io = new SyncIoThread(new URL('./sink-io-worker.mjs', import.meta.url), init, 'RabbitMQSink', o.timeoutMs);
    try {
      this.io.call('open');
    } catch (e) {
      this.io.close();
      throw e;
    }
  }
  write(value: T): void {
    this.bodies.push(this.o.serializer(value));
    if (this.keys !== null) this.keys.push(this.o.routingKeyOf!(value));
    if (this.ids !== null) this.ids.push(this.o.messageId!(value));
    if (this.bodies.length >= this.o.batchSize) this.send();
  }
  private send(): void {
    if (this.bodies.length === 0) return;
    this.io.post('publish', { bodies: this.bodies, keys: this.keys, ids: this.ids } satisfies PublishBatch);
    this.bodies = [];
    if (this.keys !== null) this.keys = [];
    if (this.ids !== null) this.ids = [];
  }
  /** On the barrier and at the end: every message published so far is confirmed when this returns. */
  flush(): void {
    this.send();
    this.io.call('confirm');
  }
  close(): void {
    this.io.close();
  }
}
