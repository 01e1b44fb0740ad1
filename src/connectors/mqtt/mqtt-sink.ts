/**
 * `MqttSink`: publishes records at QoS 1 from an I/O thread. At-least-once: on each checkpoint barrier
 * the writer blocks until every message published so far has been acknowledged (PUBACK), so a completed
 * checkpoint implies its messages reached the broker; messages after it are published again after a
 * restore.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Sink, SinkWriter, SinkWriterContext } from '../../api/index.ts';
import { SyncIoThread } from '../common/index.ts';

export interface MqttSinkOptions<T> {
  url: string;
  /** Topic to publish to (or per record with `topicOf`). */
  topic: string;
  topicOf?: (value: T) => string;
  /** Record → payload (default: strings as UTF-8, anything else as JSON). */
  serializer?: (value: T) => Uint8Array | string;
  retain?: boolean;
  /** Client id prefix (default `eddy-sink`); the subtask and attempt are appended. */
  clientIdPrefix?: string;
  batchSize?: number;
  timeoutMs?: number;
}

const encoder = new TextEncoder();

export class MqttSink<T> implements Sink<T> {
  readonly name = 'MqttSink';
  /** @internal use {@link MqttSink.of} */
  constructor(readonly o: Readonly<Required<Omit<MqttSinkOptions<T>, 'topicOf'>> & Pick<MqttSinkOptions<T>, 'topicOf'>>) {}

  static of<T>(options: MqttSinkOptions<T>): MqttSink<T> {
    const w = 'MqttSink';
    const o = options ?? ({} as MqttSinkOptions<T>);
    for (const k of Object.keys(o))
      if (!['url', 'topic', 'topicOf', 'serializer', 'retain', 'clientIdPrefix', 'batchSize', 'timeoutMs'].includes(k)) throw new ConfigurationError(`${w}: unknown option '${k}'`);
    if (typeof o.url !== 'string' || !/^(mqtts?|wss?|tcp):\/\//.test(o.url)) throw new ConfigurationError(`${w}: option 'url' must be an mqtt:// URL`);
    if (typeof o.topic !== 'string' || o.topic === '' || /[#+]/.test(o.topic)) throw new ConfigurationError(`${w}: option 'topic' must be a topic name without wildcards, got '${o.topic}'`);
    const batchSize = o.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigurationError(`${w}: option 'batchSize' must be an integer >= 1, got ${batchSize}`);
    return new MqttSink<T>({
      url: o.url,
      topic: o.topic,
      topicOf: o.topicOf,
      serializer: o.serializer ?? ((v: T) => (typeof v === 'string' ? v : JSON.stringify(v))),
      retain: o.retain ?? false,
      clientIdPrefix: o.clientIdPrefix ?? 'eddy-sink',
      batchSize,
      timeoutMs: o.timeoutMs ?? 60_000,
    });
  }

  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    return new MqttSinkWriter<T>(this.o, ctx);
  }
}

class MqttSinkWriter<T> implements SinkWriter<T> {
  private readonly io: SyncIoThread;
  private batch: [string | null, Uint8Array][] = [];
  constructor(
    private readonly o: MqttSink<T>['o'],
    ctx: SinkWriterContext,
  ) {
    const clientId = `${o.clientIdPrefix}-${ctx.subtaskIndex}-${ctx.attemptNumber}-${process.pid}`;
    this.io = new SyncIoThread(new URL('./sink-io-worker.mjs', import.meta.url), { url: o.url, topic: o.topic, clientId, retain: o.retain }, 'MqttSink', o.timeoutMs);
    try {
      this.io.call('open');
    } catch (e) {
      this.io.close();
      throw e;
    }
  }
  write(value: T): void {
    const p = this.o.serializer(value);
    this.batch.push([this.o.topicOf ? this.o.topicOf(value) : null, typeof p === 'string' ? encoder.encode(p) : p]);
    if (this.batch.length >= this.o.batchSize) this.send();
  }
  private send(): void {
    if (this.batch.length === 0) return;
    this.io.post('publish', this.batch);
    this.batch = [];
  }
  flush(): void {
    this.send();
    this.io.call('confirm');
  }
  close(): void {
    this.io.close();
  }
}
