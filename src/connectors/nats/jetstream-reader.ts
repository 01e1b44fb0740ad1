/**
 * The reader of {@link JetStreamSource}: one asynchronous pump per split fetches from an ordered
 * consumer into a bounded queue (parallel arrays: values, sequences, owning split, times); the task's
 * loop drains it in `pollNext` without allocating per record. A pump waits while the queue holds more
 * than four fetches. Positions move only when a record is emitted, so a snapshot names exactly what
 * the task has seen. Connection losses are retried (the ordered consumer is recreated at the next
 * sequence to fetch); a missing stream or a failing deserializer fails the task with the error.
 */
import { jetstream, jetstreamManager, DeliverPolicy, type Consumer, type JetStreamClient, type JetStreamManager, type OrderedConsumerOptions } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { InputStatus, type ReaderOutput, type SourceReader, type SourceReaderContext } from '../../api/index.ts';
import { EddyError } from '../../core/index.ts';
import { PositionedQueue } from '../common/index.ts';
import { acquireNats, describeServers, releaseNats } from './connection.ts';
import type { JetStreamSourceOptions, JetStreamSplit } from './jetstream-source.ts';

interface SplitState {
  split: JetStreamSplit;
  /** next sequence to fetch (ahead of `split.next` by what is queued) */
  cursor: number | undefined;
  /** records of this split in the queue */
  queued: number;
  /** the pump has fetched everything this split will ever give (bounded mode) */
  fetchDone: boolean;
}

const decoder = new TextDecoder();
const RETRY_MS = 250;

export function isMissingStream(e: unknown): boolean {
  const name = (e as Error)?.name ?? '';
  const msg = (e as Error)?.message ?? '';
  return name === 'StreamNotFoundError' || /stream not found/i.test(msg);
}

export class JetStreamReader<T> implements SourceReader<T, JetStreamSplit> {
  private readonly active: SplitState[] = [];
  /** Fetched records with their sequences; emitting one moves its split's `next` past it. */
  private readonly queue = new PositionedQueue<T, SplitState, number>((s, seq) => {
    s.split.next = seq + 1;
  });
  private noMore = false;
  private closed = false;
  private error: Error | undefined;
  private roomWaiter: (() => void) | undefined;
  private nc: Promise<NatsConnection> | undefined;
  private clients: Promise<{ js: JetStreamClient; jsm: JetStreamManager }> | undefined;
  private readonly fetchSize: number;
  private readonly highWater: number;
  private readonly where: string;

  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly o: JetStreamSourceOptions<T>,
  ) {
    this.fetchSize = o.fetchSize ?? 512;
    this.highWater = this.fetchSize * 4;
    this.where = `JetStreamSource (stream '${o.stream}' at ${describeServers(o.servers)}, subtask ${ctx.subtaskIndex})`;
  }

  start(): void {
    this.connect();
  }

  private connect(): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
    if (this.clients) return this.clients;
    this.nc = acquireNats(this.o, this.where);
    this.clients = this.nc.then(async (nc) => ({ js: jetstream(nc), jsm: await jetstreamManager(nc) }));
    this.clients.catch((e: unknown) => this.fail(e));
    return this.clients;
  }

  addSplits(splits: JetStreamSplit[]): void {
    for (const split of splits) {
      const s: SplitState = { split: { ...split }, cursor: split.next, queued: 0, fetchDone: false };
      this.active.push(s);
      void this.pump(s);
    }
    this.ctx.wakeup();
  }

  notifyNoMoreSplits(): void {
    this.noMore = true;
    this.ctx.wakeup();
  }

  pollNext(out: ReaderOutput<T>, max: number): InputStatus {
    if (this.error) throw this.error;
    this.queue.drain(out, max);
    if (this.roomWaiter !== undefined && this.queue.size < this.highWater) {
      const w = this.roomWaiter;
      this.roomWaiter = undefined;
      w();
    }
    for (let i = this.active.length - 1; i >= 0; i--) {
      const s = this.active[i]!;
      if (s.fetchDone && s.queued === 0) this.active.splice(i, 1);
    }
    if (this.queue.size > 0) return InputStatus.MoreAvailable;
    return this.noMore && this.active.length === 0 ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
  }

  snapshotState(): JetStreamSplit[] {
    return this.active.filter((s) => !(s.fetchDone && s.queued === 0)).map((s) => ({ ...s.split }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.roomWaiter?.();
    this.roomWaiter = undefined;
    if (this.nc) releaseNats(this.o);
  }

  private fail(e: unknown): void {
    if (this.closed || this.error) return;
    this.error = e instanceof EddyError ? e : new EddyError(`${this.where}: ${(e as Error)?.message ?? e}`, { domain: 'external', retriable: true, cause: e });
    this.ctx.wakeup();
  }

  private room(): Promise<void> | undefined {
    if (this.queue.size < this.highWater) return undefined;
    return new Promise<void>((r) => (this.roomWaiter = r));
  }

  private consumerOptions(s: SplitState): Partial<OrderedConsumerOptions> {
    const opts: Partial<OrderedConsumerOptions> = {};
    if (s.split.filter !== undefined) opts.filter_subjects = s.split.filter;
    const st = this.o.start ?? 'earliest';
    if (s.cursor !== undefined) {
      opts.deliver_policy = DeliverPolicy.StartSequence;
      opts.opt_start_seq = s.cursor;
    } else if (typeof st === 'object' && 'time' in st) {
      opts.deliver_policy = DeliverPolicy.StartTime;
      opts.opt_start_time = new Date(st.time).toISOString();
    } else opts.deliver_policy = DeliverPolicy.All;
    return opts;
  }

  /** Resolves the split's start and bound (once: both are then kept in checkpoints). */
  private async resolve(s: SplitState, jsm: JetStreamManager): Promise<void> {
    const sp = s.split;
    const st = this.o.start ?? 'earliest';
    const needInfo = (this.o.bounded && sp.bound === undefined) || (sp.next === undefined && st === 'latest');
    if (!needInfo) {
      if (sp.next === undefined && typeof st === 'object' && 'sequence' in st) s.cursor = sp.next = st.sequence;
      return;
    }
    const info = await jsm.streams.info(sp.stream);
    const last = info.state.last_seq;
    if (this.o.bounded && sp.bound === undefined) sp.bound = last;
    // an empty stream: nothing up to the bound (the pump ends the split without fetching)
    if (this.o.bounded && info.state.messages === 0 && sp.next === undefined) sp.next = last + 1;
    if (sp.next === undefined) {
      if (st === 'latest') sp.next = last + 1;
      else if (typeof st === 'object' && 'sequence' in st) sp.next = st.sequence;
    }
    if (sp.next !== undefined) s.cursor = sp.next;
  }

  private push(s: SplitState, value: T, seq: number, time: number): void {
    this.queue.push(s, value, seq, time);
    s.cursor = seq + 1;
  }

  private async pump(s: SplitState): Promise<void> {
    const deserialize = this.o.deserialize;
    const bounded = this.o.bounded === true;
    let consumer: Consumer | undefined;
    let resolved = false;
    while (!this.closed && !this.error) {
      try {
        const { js, jsm } = await this.connect();
        if (!resolved) {
          await this.resolve(s, jsm);
          resolved = true;
        }
        if (bounded && s.cursor !== undefined && s.cursor > s.split.bound!) break;
        consumer ??= await js.consumers.get(s.split.stream, this.consumerOptions(s));
        const wait = this.room();
        if (wait) await wait;
        if (this.closed) return;
        let got = 0;
        let done = false;
        const it = await consumer.fetch({ max_messages: this.fetchSize, expires: 1_000 });
        for await (const m of it) {
          const seq = m.seq;
          if (bounded && seq > s.split.bound!) {
            done = true;
            break;
          }
          let value: T;
          try {
            value = deserialize ? deserialize(m.data, { subject: m.subject, seq, time: Math.floor(m.info.timestampNanos / 1e6) }) : (decoder.decode(m.data) as T);
          } catch (e) {
            throw new EddyError(`${this.where}: deserialize failed on the message at stream sequence ${seq} (subject '${m.subject}'): ${(e as Error)?.message ?? e}`, {
              domain: 'user',
              retriable: true,
              cause: e,
            });
          }
          this.push(s, value, seq, Math.floor(m.info.timestampNanos / 1e6));
          got++;
          if (bounded && (seq >= s.split.bound! || m.info.pending === 0)) {
            done = true;
            break;
          }
        }
        if (got > 0) this.ctx.wakeup();
        // bounded: an empty fetch means nothing is pending for this filter, so nothing up to the bound is left
        if (done || (bounded && got === 0)) break;
      } catch (e) {
        if (this.closed) return;
        if (e instanceof EddyError) return this.fail(e);
        if (isMissingStream(e)) return this.fail(new EddyError(`${this.where}: stream '${s.split.stream}' not found`, { domain: 'user', retriable: false, cause: e }));
        const nc = await this.nc!.catch(() => undefined);
        if (!nc || nc.isClosed()) return this.fail(e);
        // connection trouble: recreate the consumer at the next sequence to fetch, after a pause
        consumer = undefined;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    s.fetchDone = true;
    this.ctx.wakeup();
  }
}
