/**
 * `MqttSource`: subscribes at QoS 1 over MQTT 5 with a persistent session (clean start off, a fixed
 * client id, a session expiry) and acknowledges (PUBACK) a message only when the checkpoint that covers
 * its emission completes. Until then the broker keeps it in the session: after a job failure, a SIGKILL
 * and `--resume`, or a reconnect, the broker delivers every unacknowledged message again — at-least-once
 * (a message emitted after the last completed checkpoint comes twice).
 *
 * mqtt.js sends the PUBACK right after it emitted the message and waits for that write before it parses
 * the next packet, so the reader takes the PUBACK packets out of the client's send path (the client goes
 * on reading at once) and writes them itself, in the order the messages arrived, when the checkpoint
 * completes. Acknowledgements of a lost connection are void: the broker resends those messages after the
 * reconnect. The client's Receive Maximum (`receiveMaximum`, default 65535) lets the broker keep that
 * many unacknowledged messages in flight; messages arriving faster than `receiveMaximum` per checkpoint
 * interval wait on the broker, queued (Mosquitto drops what exceeds `max_queued_messages`, 1000 by
 * default: see docs/connectors.md). Parallelism 1 per client id.
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
  /**
   * MQTT 5 Receive Maximum: unacknowledged messages the broker may send before it waits (1–65535,
   * default 65535). Messages are acknowledged at checkpoints, so this bounds the messages read per
   * checkpoint interval.
   */
  receiveMaximum?: number;
  /** Seconds the broker keeps the session while the job is down (default 0xFFFFFFFF: never expires). */
  sessionExpirySec?: number;
}

/**
 * The source's one split. `buffered` is empty in checkpoints written now (unacknowledged messages stay on
 * the broker); messages found there (checkpoints of earlier versions) are emitted after a restore.
 */
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
  constructor(readonly o: Readonly<Required<Omit<MqttSourceOptions<T>, 'isEndOfStream' | 'topics'>> & { topics: string[]; isEndOfStream?: (v: T) => boolean }>) {
    this.boundedness = o.isEndOfStream ? 'bounded' : 'unbounded';
  }

  static of<T = string>(options: MqttSourceOptions<T>): MqttSource<T> {
    const w = 'MqttSource';
    const o = options ?? ({} as MqttSourceOptions<T>);
    for (const k of Object.keys(o))
      if (!['url', 'topics', 'clientId', 'deserializer', 'isEndOfStream', 'reconnectPeriodMs', 'receiveMaximum', 'sessionExpirySec'].includes(k)) throw new ConfigurationError(`${w}: unknown option '${k}'`);
    if (typeof o.url !== 'string' || !/^(mqtts?|wss?|tcp):\/\//.test(o.url)) throw new ConfigurationError(`${w}: option 'url' must be an mqtt:// URL`);
    const topics = typeof o.topics === 'string' ? [o.topics] : o.topics;
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === '')) throw new ConfigurationError(`${w}: option 'topics' must name at least one topic filter`);
    if (typeof o.clientId !== 'string' || o.clientId === '') throw new ConfigurationError(`${w}: option 'clientId' is required (the broker keeps the session under it)`);
    const reconnectPeriodMs = o.reconnectPeriodMs ?? 1000;
    if (!Number.isInteger(reconnectPeriodMs) || reconnectPeriodMs < 1) throw new ConfigurationError(`${w}: option 'reconnectPeriodMs' must be an integer >= 1`);
    const receiveMaximum = o.receiveMaximum ?? 65535;
    if (!Number.isInteger(receiveMaximum) || receiveMaximum < 1 || receiveMaximum > 65535) throw new ConfigurationError(`${w}: option 'receiveMaximum' must be an integer between 1 and 65535, got ${receiveMaximum}`);
    const sessionExpirySec = o.sessionExpirySec ?? 0xffffffff;
    if (!Number.isInteger(sessionExpirySec) || sessionExpirySec < 1 || sessionExpirySec > 0xffffffff)
      throw new ConfigurationError(`${w}: option 'sessionExpirySec' must be an integer between 1 and 4294967295 (0 would end the session, and its unacknowledged messages, at each disconnect), got ${sessionExpirySec}`);
    return new MqttSource<T>({
      url: o.url,
      topics,
      clientId: o.clientId,
      deserializer: o.deserializer ?? ((b: Buffer) => b.toString('utf8') as T),
      isEndOfStream: o.isEndOfStream,
      reconnectPeriodMs,
      receiveMaximum,
      sessionExpirySec,
    });
  }

  createEnumerator(ctx: SplitEnumeratorContext<MqttSplit>, restored?: MqttSplit[]): SplitEnumerator<MqttSplit, MqttSplit[]> {
    return new StaticSplitEnumerator(ctx, restored ?? [{ id: 'mqtt', buffered: [] }]);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, MqttSplit> {
    return new MqttReader<T>(ctx, this.o);
  }
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (e?: Error) => void, cbStorePut?: unknown, noStore?: boolean) => void;

class MqttReader<T> implements SourceReader<T, MqttSplit> {
  private client: mqtt.MqttClient | undefined;
  /** The client's own packet writer: PUBACKs go through it when their checkpoint completes. */
  private send: SendPacket | undefined;
  /** Received, not yet emitted: topic, payload, packet id (0: restored, nothing to acknowledge). */
  private topicsQ: string[] = [];
  private payloadsQ: Buffer[] = [];
  private idsQ: number[] = [];
  private head = 0;
  /** Connection generation: packet ids are acknowledged only on the connection that received them. */
  private gen = 0;
  /** Packet ids of the messages emitted since the last checkpoint, in arrival order. */
  private sessionAcks: number[] = [];
  private readonly pending = new Map<number, { acks: number[]; gen: number }>();
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
        this.idsQ.push(0);
      }
    if (this.client) return;
    const c = mqtt.connect(this.o.url, {
      clientId: this.o.clientId,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: this.o.sessionExpirySec, receiveMaximum: this.o.receiveMaximum },
      reconnectPeriod: this.o.reconnectPeriodMs,
      connectTimeout: 10_000,
    });
    this.client = c;
    // PUBACKs are held back: the client is told its write is done (so it parses the next packet) and
    // the reader writes them when the checkpoint covering the message completes
    const internal = c as unknown as { _sendPacket: SendPacket };
    const send = internal._sendPacket.bind(c) as SendPacket;
    if (typeof send !== 'function') throw new EddyError(`${this.where}: this mqtt.js version has no _sendPacket; acknowledgements cannot be held until checkpoints`, { domain: 'internal' });
    this.send = send;
    internal._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd === 'puback') return void cb?.();
      send(packet, cb, cbStorePut, noStore);
    };
    c.on('connect', (ack) => {
      this.gen++;
      // packet ids of the lost connection are void: the emitted messages not yet acknowledged come again
      this.sessionAcks = [];
      if (this.everConnected && ack.sessionPresent) {
        // the broker resends every unacknowledged message: what was received and not yet emitted comes again
        this.topicsQ = this.topicsQ.slice(0, this.head);
        this.payloadsQ = this.payloadsQ.slice(0, this.head);
        this.idsQ = this.idsQ.slice(0, this.head);
      } else for (let i = this.head; i < this.idsQ.length; i++) this.idsQ[i] = 0; // a new session: nothing comes again
      this.everConnected = true;
      // a resumed session keeps its subscriptions; subscribing again covers a new (or expired) session
      if (!ack.sessionPresent) c.subscribe(this.o.topics, { qos: 1 }, (e) => e && this.fail(new EddyError(`${this.where}: subscribe failed: ${e.message}`, { domain: 'external', retriable: true, cause: e })));
    });
    c.on('message', (topic, payload, packet) => {
      this.topicsQ.push(topic);
      this.payloadsQ.push(payload);
      this.idsQ.push(packet.qos > 0 ? (packet.messageId ?? 0) : 0);
      this.ctx.wakeup();
    });
    c.on('error', (e) => {
      const m = e.message;
      const code = (e as { code?: number }).code;
      if (/Not authorized|Bad username or password|code 4|code 5|135|134/.test(m) || code === 5 || code === 4 || code === 134 || code === 135)
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
    const acks = this.sessionAcks;
    for (let i = this.head; i < end; i++) {
      const v = this.o.deserializer(this.payloadsQ[i]!, this.topicsQ[i]!);
      const id = this.idsQ[i]!;
      if (id !== 0) acks.push(id);
      this.head = i + 1;
      if (this.o.isEndOfStream !== undefined && this.o.isEndOfStream(v)) {
        this.ended = true;
        return InputStatus.EndOfInput;
      }
      out.collect(v);
    }
    if (this.head === this.payloadsQ.length) {
      this.topicsQ = [];
      this.payloadsQ = [];
      this.idsQ = [];
      this.head = 0;
      return InputStatus.NothingAvailable;
    }
    return InputStatus.MoreAvailable;
  }
  snapshotState(checkpointId: number): MqttSplit[] {
    // the messages emitted so far are covered by this checkpoint; those received and not yet emitted
    // stay unacknowledged on the broker, which resends them after a restore
    this.pending.set(checkpointId, { acks: this.sessionAcks, gen: this.gen });
    this.sessionAcks = [];
    return [{ id: 'mqtt', buffered: [] }];
  }
  /** The checkpoint is durable: acknowledge its messages, in arrival order (MQTT requires it). */
  notifyCheckpointComplete(checkpointId: number): void {
    const c = this.client;
    for (const [cp, p] of this.pending) {
      if (cp > checkpointId) break;
      this.pending.delete(cp);
      // acknowledgements of a lost connection are void: the broker resends those messages
      if (p.gen !== this.gen || !c?.connected || !this.send) continue;
      for (const messageId of p.acks) this.send({ cmd: 'puback', messageId }, undefined, undefined, true);
    }
  }
  close(): void {
    this.client?.end(true);
    this.client = undefined;
  }
}
