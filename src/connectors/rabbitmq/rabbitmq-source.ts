/**
 * `RabbitMQSource`: consumes a queue (durable, non-exclusive: several readers may share it) and
 * acknowledges a message only when the checkpoint that covers it completes, as Flink's RMQSource. With
 * `deduplicate` (the default) each message must carry a `messageId`; the ids of messages whose
 * checkpoint has not been acknowledged yet are kept in the checkpoint, and a redelivered message whose id
 * is known is dropped (and acknowledged) — so, although the broker delivers at least once, the job's
 * state sees each message once. I/O runs on the task's event loop: deliveries fill a bounded queue
 * (the channel's prefetch) that `pollNext` drains. A lost connection is reopened; unacknowledged
 * messages come back from the broker and are de-duplicated. A message emitted on a lost channel (or
 * restored from a checkpoint) keeps its id until its redelivered copy is seen and acknowledged, however
 * the checkpoints fall around the reconnect.
 */
import amqp from 'amqplib';
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
import { redactAmqpUrl } from './urls.ts';

export interface RabbitMQSourceOptions<T> {
  /** `amqp://user:password@host:5672/vhost` */
  url: string;
  queue: string;
  /** Bytes → record (default: the body as UTF-8 text). */
  deserializer?: (content: Buffer, properties: amqp.MessageProperties) => T;
  /** Drop redelivered messages by `messageId` (default true; every message must then have one). */
  deduplicate?: boolean;
  /** Unacknowledged messages the broker may hand this reader (default 1000): the bounded queue. */
  prefetch?: number;
  /** Reconnect attempts after the connection is lost, 1 s apart (default 30). */
  reconnectAttempts?: number;
  /** Bounded mode: the stream ends at the first record for which this returns true (not emitted). */
  isEndOfStream?: (value: T) => boolean;
}

/** One reader's split: its index and the message ids of checkpoints not yet acknowledged. */
export interface RabbitMQSplit {
  id: number;
  /** [checkpoint id, message ids] */
  pending: [number, string[]][];
}

interface Settings<T> {
  url: string;
  queue: string;
  deserializer: (content: Buffer, properties: amqp.MessageProperties) => T;
  deduplicate: boolean;
  prefetch: number;
  reconnectAttempts: number;
  isEndOfStream: ((value: T) => boolean) | undefined;
}

export class RabbitMQSource<T = string> implements Source<T, RabbitMQSplit, RabbitMQSplit[]> {
  readonly boundedness: 'bounded' | 'unbounded';
  readonly name = 'RabbitMQSource';
  /** @internal use {@link RabbitMQSource.of} */
  constructor(readonly settings: Readonly<Settings<T>>) {
    this.boundedness = settings.isEndOfStream ? 'bounded' : 'unbounded';
  }

  static of<T = string>(options: RabbitMQSourceOptions<T>): RabbitMQSource<T> {
    const w = 'RabbitMQSource';
    const o = options ?? ({} as RabbitMQSourceOptions<T>);
    for (const k of Object.keys(o))
      if (!['url', 'queue', 'deserializer', 'deduplicate', 'prefetch', 'reconnectAttempts', 'isEndOfStream'].includes(k)) throw new ConfigurationError(`${w}: unknown option '${k}'`);
    if (typeof o.url !== 'string' || !/^amqps?:\/\//.test(o.url)) throw new ConfigurationError(`${w}: option 'url' must be an amqp:// URL`);
    if (typeof o.queue !== 'string' || o.queue === '') throw new ConfigurationError(`${w}: option 'queue' must be a queue name`);
    const prefetch = o.prefetch ?? 1000;
    if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) throw new ConfigurationError(`${w}: option 'prefetch' must be an integer between 1 and 65535, got ${prefetch}`);
    const reconnectAttempts = o.reconnectAttempts ?? 30;
    if (!Number.isInteger(reconnectAttempts) || reconnectAttempts < 0) throw new ConfigurationError(`${w}: option 'reconnectAttempts' must be an integer >= 0`);
    return new RabbitMQSource<T>({
      url: o.url,
      queue: o.queue,
      deserializer: o.deserializer ?? ((b: Buffer) => b.toString('utf8') as T),
      deduplicate: o.deduplicate ?? true,
      prefetch,
      reconnectAttempts,
      isEndOfStream: o.isEndOfStream,
    });
  }

  createEnumerator(ctx: SplitEnumeratorContext<RabbitMQSplit>, restored?: RabbitMQSplit[]): SplitEnumerator<RabbitMQSplit, RabbitMQSplit[]> {
    return new StaticSplitEnumerator(ctx, restored ?? Array.from({ length: ctx.parallelism }, (_, i) => ({ id: i, pending: [] })));
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, RabbitMQSplit> {
    return new RabbitMQReader<T>(ctx, this.settings);
  }
}

class RabbitMQReader<T> implements SourceReader<T, RabbitMQSplit> {
  private conn: amqp.ChannelModel | undefined;
  private ch: amqp.Channel | undefined;
  /** Channel generation: delivery tags are valid only on the channel that gave them. */
  private gen = 0;
  private queue: amqp.ConsumeMessage[] = [];
  private head = 0;
  private error: Error | undefined;
  private closed = false;
  private ended = false;
  private attempts = 0;
  private splitIds: number[] = [];
  /**
   * Message id → sequence number of its latest delivery. An id stays here until that delivery has been
   * acknowledged on the channel it came from and the checkpoint covering it completed; a delivery whose
   * channel was lost (sequence below `genStartSeq`) stays until its redelivered copy arrives (it was not
   * acknowledged, so the broker sends it again); one restored from a checkpoint (sequence 0) stays until
   * its copy arrives or the restored ids expire (see `expireAt`): it may have been acknowledged before the
   * crash and never come back.
   */
  private readonly known = new Map<string, number>();
  private seq = 0;
  /** First delivery sequence of the current channel: lower ones carry void delivery tags. */
  private genStartSeq = 1;
  /** A message the broker had not delivered before arrived on this channel (requeued ones precede it). */
  private sawFresh = false;
  /** Restored ids not seen again (sequence 0) are forgotten when checkpoint `expireAt` completes. */
  private expireAt = -1;
  private session: string[] = [];
  private sessionSeqs: number[] = [];
  private sessionTags: number[] = [];
  private readonly pending = new Map<number, { ids: string[]; seqs: number[]; tags: number[]; gen: number }>();
  private readonly where: string;

  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly s: Readonly<Settings<T>>,
  ) {
    this.where = `RabbitMQSource (queue '${s.queue}', ${redactAmqpUrl(s.url)}, subtask ${ctx.subtaskIndex})`;
  }

  start(): void {}

  addSplits(splits: RabbitMQSplit[]): void {
    for (const sp of splits) {
      this.splitIds.push(sp.id);
      // ids of checkpoints restored: their messages are in the state already; if they come back, drop them
      for (const [, ids] of sp.pending) for (const id of ids) this.known.set(id, 0);
    }
    if (!this.conn && !this.ch) this.connect();
  }

  notifyNoMoreSplits(): void {}

  private fail(e: Error): void {
    if (this.closed) return;
    this.error ??= e;
    this.ctx.wakeup();
  }

  private connect(): void {
    if (this.closed) return;
    const gen = ++this.gen;
    this.sessionTags = []; // tags of the old channel are void; its unacknowledged messages come back
    this.genStartSeq = this.seq + 1;
    this.sawFresh = false;
    if (this.expireAt !== Number.MAX_SAFE_INTEGER) this.expireAt = -1;
    this.queue = [];
    this.head = 0;
    const lost = (e: unknown): void => {
      if (this.closed || gen !== this.gen || this.conn === undefined) return;
      const c = this.conn;
      this.conn = undefined;
      this.ch = undefined;
      void c.close().catch(() => undefined);
      if (this.attempts++ >= this.s.reconnectAttempts) {
        this.fail(new EddyError(`${this.where}: connection lost (${(e as Error)?.message ?? e}); gave up after ${this.s.reconnectAttempts} reconnect attempts`, { domain: 'external', retriable: true, cause: e }));
        return;
      }
      const t = setTimeout(() => this.connect(), 1_000);
      t.unref?.();
    };
    void (async () => {
      let conn: amqp.ChannelModel;
      try {
        conn = await amqp.connect(this.s.url);
      } catch (e) {
        const m = (e as Error).message;
        if (/ACCESS_REFUSED|403/.test(m)) throw new ConfigurationError(`${this.where}: the broker refused the credentials (${m})`, e);
        if (this.gen === gen && this.attempts > 0) {
          this.conn = { close: async () => undefined } as unknown as amqp.ChannelModel;
          return lost(e);
        }
        throw new EddyError(`${this.where}: cannot connect: ${m}`, { domain: 'external', retriable: true, cause: e });
      }
      if (this.closed || gen !== this.gen) return void conn.close().catch(() => undefined);
      this.conn = conn;
      conn.on('error', lost);
      conn.on('close', lost);
      const ch = await conn.createChannel();
      ch.on('error', () => undefined); // the connection's close follows
      try {
        await ch.checkQueue(this.s.queue);
      } catch (e) {
        throw new ConfigurationError(`${this.where}: queue '${this.s.queue}' does not exist (declare it durable, e.g. with rabbitmqadmin or channel.assertQueue)`, e);
      }
      await ch.prefetch(this.s.prefetch);
      this.ch = ch;
      await ch.consume(
        this.s.queue,
        (m) => {
          if (m === null) return lost(new Error('the broker cancelled the consumer'));
          if (gen !== this.gen) return;
          this.queue.push(m);
          this.ctx.wakeup();
        },
        { noAck: false },
      );
      this.attempts = 0;
    })().catch((e: unknown) => this.fail(e instanceof EddyError ? e : new EddyError(`${this.where}: ${(e as Error)?.message ?? e}`, { domain: 'external', retriable: true, cause: e })));
  }

  pollNext(out: ReaderOutput<T>, max: number): InputStatus {
    if (this.error) throw this.error;
    if (this.ended) return InputStatus.EndOfInput;
    const q = this.queue;
    const end = Math.min(q.length, this.head + max);
    const dedupe = this.s.deduplicate;
    for (let i = this.head; i < end; i++) {
      const m = q[i]!;
      if (!m.fields.redelivered) this.sawFresh = true;
      this.sessionTags.push(m.fields.deliveryTag);
      if (dedupe) {
        const id = m.properties.messageId as string | undefined;
        if (id === undefined || id === null || id === '')
          throw new EddyError(`${this.where}: a message has no messageId; de-duplication needs one per message (publish with messageId, or set deduplicate: false)`, { domain: 'user' });
        const dup = this.known.has(id);
        // this delivery is now the id's latest: the id is forgotten once this delivery's ack is covered
        this.known.set(id, ++this.seq);
        this.session.push(id);
        this.sessionSeqs.push(this.seq);
        if (dup) continue; // redelivered: its effect is in the state already
      }
      const v = this.s.deserializer(m.content, m.properties);
      if (this.s.isEndOfStream !== undefined && this.s.isEndOfStream(v)) {
        this.ended = true;
        this.head = q.length;
        return InputStatus.EndOfInput;
      }
      out.collect(v);
    }
    this.head = end;
    if (end === q.length) {
      this.queue = [];
      this.head = 0;
      return InputStatus.NothingAvailable;
    }
    return InputStatus.MoreAvailable;
  }

  snapshotState(checkpointId: number): RabbitMQSplit[] {
    this.pending.set(checkpointId, { ids: this.session, seqs: this.sessionSeqs, tags: this.sessionTags, gen: this.gen });
    this.session = [];
    this.sessionSeqs = [];
    this.sessionTags = [];
    // RabbitMQ requeues unacknowledged messages at their old place, ahead of every message not yet
    // delivered: once one of those arrived here, a checkpoint taken now covers every redelivery of the
    // restored ids that was coming to this reader; when it completes, those that did not come back (they
    // had been acknowledged before the crash, or went to another consumer) are forgotten. Ids of a lost
    // channel are never expired this way: they were not acknowledged, so they do come back (a late
    // requeue after the reconnect would otherwise slip past the rule).
    if (this.sawFresh && this.expireAt < 0) this.expireAt = checkpointId;
    // every id not yet forgotten travels; a restore treats them all as orphans
    const all: [number, string[]][] = this.known.size > 0 ? [[checkpointId, [...this.known.keys()]]] : [];
    // one split per reader keeps the ids; the others (more splits than readers after a rescale) travel empty
    return this.splitIds.map((id, i) => ({ id, pending: i === 0 ? all : [] }));
  }

  /**
   * The checkpoint is durable: acknowledge its messages, and forget the ids whose latest delivery that
   * acknowledges — once the broker has processed the acknowledgements. AMQP acknowledgements get no
   * reply, and one written while the connection is going down is lost (the message comes back), so the
   * ids are forgotten only when a synchronous method sent after them (basic.qos with the same prefetch;
   * the broker handles a channel's methods in order) is answered on the same channel.
   */
  notifyCheckpointComplete(checkpointId: number): void {
    const done: { ids: string[]; seqs: number[] }[] = [];
    const ch = this.ch;
    for (const [cp, p] of this.pending) {
      if (cp > checkpointId) continue;
      this.pending.delete(cp);
      // tags of an earlier channel are void: those messages come back and are dropped (and acked) as duplicates
      if (p.gen !== this.gen || !ch) continue;
      for (const tag of p.tags) ch.ack({ fields: { deliveryTag: tag } } as amqp.Message);
      done.push(p);
    }
    if (done.length > 0 && ch) {
      const gen = this.gen;
      ch.prefetch(this.s.prefetch).then(
        () => {
          if (gen !== this.gen) return; // the reply came, but the channel was replaced meanwhile: keep them (harmless)
          for (const { ids, seqs } of done)
            for (let i = 0; i < ids.length; i++) {
              const s = seqs[i]!;
              if (s >= this.genStartSeq && this.known.get(ids[i]!) === s) this.known.delete(ids[i]!);
            }
        },
        () => undefined, // the channel is gone: the acknowledgements may be lost, the ids stay
      );
    }
    if (this.expireAt >= 0 && checkpointId >= this.expireAt) {
      for (const [id, s] of this.known) if (s === 0) this.known.delete(id);
      this.expireAt = Number.MAX_SAFE_INTEGER; // restored ids are read once, at the start
    }
  }

  close(): void {
    this.closed = true;
    const c = this.conn;
    this.conn = undefined;
    if (c) void c.close().catch(() => undefined);
  }
}
