/**
 * `MqttSource`: subscribes at QoS 1 with a persistent session (`clean: false` and a fixed client id), so
 * the broker keeps messages published while the client is disconnected and delivers them after the
 * client's own reconnect. mqtt.js acknowledges (PUBACK) a message when it is received — it handles
 * packets one at a time, so holding an acknowledgement would stall the connection — and MQTT has no
 * positions to replay from: delivery is at-least-once across reconnects, but messages received after the
 * last completed checkpoint are lost if the job fails. Messages received and not yet emitted at a
 * checkpoint go into it and are emitted again after a restore. Parallelism 1 per client id.
 */
import mqtt from 'mqtt';
import { ConfigurationError, EddyError } from '../../core/index.ts';
import {
  InputStatus,
  StaticSplitEnumerator,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../api/index.ts';

export interface MqttSourceOptions<T> {
  /** `mqtt://user:password@host:1883` */
  url: string;
  /** Topic filter(s) to subscribe to at QoS 1. */
  topics: string | string[];
  /** Client id of the persistent session (one reader per id). */
  clientId: string;
  /** Payload → record (default: UTF-8 text). */
  deserializer?: (payload: Buffer, topic: string) => T;
  /** Bounded mode: ends at the first record for which this returns true (not emitted). */
  isEndOfStream?: (value: T) => boolean;
  /** Reconnect period of the client in ms (default 1000). */
  reconnectPeriodMs?: number;
}

/** Messages received and not yet emitted at the checkpoint. */
export interface MqttSplit {
  id: 'mqtt';
  buffered: [string, Uint8Array][];
}

export const redactMqttUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

export class MqttSource<T = string> implements Source<T, MqttSplit, MqttSplit[]> {
  readonly name = 'MqttSource';
  readonly maxSourceParallelism = 1;
  readonly boundedness: 'bounded' | 'unbounded';
  /** @internal use {@link MqttSource.of} */
  constructor(readonly o: Readonly<Required<Omit<MqttSourceOptions<T>, 'isEndOfStream'>> & { topics: string[]; isEndOfStream?: (v: T) => boolean }>) {
    this.boundedness = o.isEndOfStream ? 'bounded' : 'unbounded';
  }

  static of<T = string>(options: MqttSourceOptions<T>): MqttSource<T> {
    const w = 'MqttSource';
    const o = options ?? ({} as MqttSourceOptions<T>);
    for (const k of Object.keys(o))
      if (!['url', 'topics', 'clientId', 'deserializer', 'isEndOfStream', 'reconnectPeriodMs'].includes(k)) throw new ConfigurationError(`${w}: unknown option '${k}'`);
    if (typeof o.url !== 'string' || !/^(mqtts?|wss?|tcp):\/\//.test(o.url)) throw new ConfigurationError(`${w}: option 'url' must be an mqtt:// URL`);
    const topics = typeof o.topics === 'string' ? [o.topics] : o.topics;
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === '')) throw new ConfigurationError(`${w}: option 'topics' must name at least one topic filter`);
    if (typeof o.clientId !== 'string' || o.clientId === '') throw new ConfigurationError(`${w}: option 'clientId' is required (the broker keeps the session under it)`);
    const reconnectPeriodMs = o.reconnectPeriodMs ?? 1000;
    if (!Number.isInteger(reconnectPeriodMs) || reconnectPeriodMs < 1) throw new ConfigurationError(`${w}: option 'reconnectPeriodMs' must be an integer >= 1`);
    return new MqttSource<T>({
      url: o.url,
      topics,
      clientId: o.clientId,
      deserializer: o.deserializer ?? ((b: Buffer) => b.toString('utf8') as T),
      isEndOfStream: o.isEndOfStream,
      reconnectPeriodMs,
    });
  }

  createEnumerator(ctx: SplitEnumeratorContext<MqttSplit>, restored?: MqttSplit[]): SplitEnumerator<MqttSplit, MqttSplit[]> {
    return new StaticSplitEnumerator(ctx, restored ?? [{ id: 'mqtt', buffered: [] }]);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, MqttSplit> {
    return new MqttReader<T>(ctx, this.o);
  }
}

class MqttReader<T> implements SourceReader<T, MqttSplit> {
  private client: mqtt.MqttClient | undefined;
  private topicsQ: string[] = [];
  private payloadsQ: Buffer[] = [];
  private head = 0;
  private error: Error | undefined;
  private ended = false;
  private everConnected = false;
  private readonly where: string;
  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly o: MqttSource<T>['o'],
  ) {
    this.where = `MqttSource (client '${o.clientId}', ${redactMqttUrl(o.url)})`;
  }
  start(): void {}
  addSplits(splits: MqttSplit[]): void {
    for (const s of splits)
      for (const [t, p] of s.buffered) {
        this.topicsQ.push(t);
        this.payloadsQ.push(Buffer.from(p));
      }
    if (this.client) return;
    const c = mqtt.connect(this.o.url, { clientId: this.o.clientId, clean: false, reconnectPeriod: this.o.reconnectPeriodMs, connectTimeout: 10_000 });
    this.client = c;
    c.on('connect', (ack) => {
      this.everConnected = true;
      // a resumed session keeps its subscriptions; subscribing again is harmless and covers a new session
      if (!ack.sessionPresent) c.subscribe(this.o.topics, { qos: 1 }, (e) => e && this.fail(e));
    });
    c.on('message', (topic, payload) => {
      this.topicsQ.push(topic);
      this.payloadsQ.push(payload);
      this.ctx.wakeup();
    });
    c.on('error', (e) => {
      const m = e.message;
      if (/Not authorized|Bad username or password|code 4|code 5|135|134/.test(m) || (e as { code?: number }).code === 5 || (e as { code?: number }).code === 4)
        this.fail(new ConfigurationError(`${this.where}: the broker refused the connection (${m})`, e));
      else if (!this.everConnected) this.fail(new EddyError(`${this.where}: cannot connect: ${m}`, { domain: 'external', retriable: true, cause: e }));
      // later errors: the client reconnects by itself
    });
  }
  private fail(e: Error): void {
    this.error ??= e;
    this.ctx.wakeup();
  }
  notifyNoMoreSplits(): void {}
  pollNext(out: ReaderOutput<T>, max: number): InputStatus {
    if (this.error) throw this.error;
    if (this.ended) return InputStatus.EndOfInput;
    const end = Math.min(this.payloadsQ.length, this.head + max);
    for (let i = this.head; i < end; i++) {
      const v = this.o.deserializer(this.payloadsQ[i]!, this.topicsQ[i]!);
      if (this.o.isEndOfStream !== undefined && this.o.isEndOfStream(v)) {
        this.ended = true;
        return InputStatus.EndOfInput;
      }
      this.head = i + 1;
      out.collect(v);
    }
    if (this.head === this.payloadsQ.length) {
      this.topicsQ = [];
      this.payloadsQ = [];
      this.head = 0;
      return InputStatus.NothingAvailable;
    }
    return InputStatus.MoreAvailable;
  }
  snapshotState(): MqttSplit[] {
    const buffered: [string, Uint8Array][] = [];
    for (let i = this.head; i < this.payloadsQ.length; i++) buffered.push([this.topicsQ[i]!, new Uint8Array(this.payloadsQ[i]!)]);
    return [{ id: 'mqtt', buffered }];
  }
  close(): void {
    this.client?.end(true);
    this.client = undefined;
  }
}
