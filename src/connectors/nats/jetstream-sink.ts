/**
 * `JetStreamSink`: exactly-once publishing to NATS JetStream by two-phase commit on the Sink SPI, with
 * JetStream's message deduplication making the commit idempotent.
 *
 * - **write** buffers the record's subject and payload (nothing is published yet);
 * - **prepareCommit** (checkpoint barrier) hands the epoch's messages over as one committable, which
 *   goes into the checkpoint; each message's `Nats-Msg-Id` is fixed there:
 *   `<idPrefix>.<writer>.<subtask>.<checkpoint>.<index>` (`writer` is random per writer instance, so
 *   ids never repeat across runs or attempts, and `index` numbers the epoch's messages in order);
 * - **commit** (checkpoint complete) publishes them with those ids and waits for every ack;
 * - **recovery**: the restored checkpoint's committables are committed again; messages JetStream already
 *   stored are recognised by id and dropped — as long as the re-commit happens within the stream's
 *   `duplicate_window` of the first publish. The sink checks that window at start (see
 *   `minDuplicateWindowMs`) and refuses a stream whose window is shorter.
 *
 * Because ids are fixed in the checkpoint (not derived from the replayed input), exactly-once does not
 * depend on the upstream order being deterministic. The price: a checkpoint holds the epoch's payloads,
 * and output appears one checkpoint later.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { Committer, Sink, SinkWriter, SinkWriterContext } from '../../api/index.ts';
import { ConfigurationError, EddyError } from '../../core/index.ts';
import { acquireNats, describeServers, releaseNats, type NatsConnectionOptions } from './connection.ts';
import { checkNatsConnectionOptions } from './jetstream-source.ts';

export type JetStreamPayload = string | Uint8Array;

export interface JetStreamSinkOptions<T> extends NatsConnectionOptions {
  /** The subject of every record… */
  subject?: string;
  /** …or one per record. */
  subjectOf?: (record: T) => string;
  /** Record → payload (default: strings as they are, anything else as JSON). */
  serialize?: (record: T) => JetStreamPayload;
  /**
   * The stream's `duplicate_window` must be at least this long (ms, default 120 000 — NATS's default
   * window): the longest time between a checkpoint's commit and its re-commit after a failure, i.e. the
   * checkpoint interval plus the time a checkpoint takes, the restart delay and the restart itself.
   */
  minDuplicateWindowMs?: number;
  /** First part of every `Nats-Msg-Id` (default: the job name). */
  idPrefix?: string;
  /** Publishes awaiting their ack at once, per commit (default 1024). */
  maxInFlight?: number;
}

/** One writer's messages of one checkpoint. Structured-clone-able (it goes into the checkpoint). */
export interface JetStreamCommittable {
  /** `Nats-Msg-Id` of message i is `${idBase}.${i}` */
  idBase: string;
  checkpointId: number;
  /** one subject for all messages, or one per message */
  subject: string | string[];
  payloads: JetStreamPayload[];
}

const SUBJECT = /^[^\s*>]+$/;

function checkOptions<T>(o: JetStreamSinkOptions<T>): void {
  const call = 'JetStreamSink.of';
  if (o === null || typeof o !== 'object') throw new ConfigurationError(`${call}: expected an options object`);
  const known = new Set(['servers', 'user', 'pass', 'token', 'connectTimeoutMs', 'subject', 'subjectOf', 'serialize', 'minDuplicateWindowMs', 'idPrefix', 'maxInFlight']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ConfigurationError(`${call}: unknown option '${k}'`);
  checkNatsConnectionOptions(call, o);
  if ((o.subject === undefined) === (o.subjectOf === undefined)) throw new ConfigurationError(`${call}: give exactly one of 'subject' and 'subjectOf'`);
  if (o.subject !== undefined && (typeof o.subject !== 'string' || !SUBJECT.test(o.subject)))
    throw new ConfigurationError(`${call}: option 'subject' must be a subject without spaces or wildcards, got ${JSON.stringify(o.subject)}`);
  if (o.subjectOf !== undefined && typeof o.subjectOf !== 'function') throw new ConfigurationError(`${call}: option 'subjectOf' must be a function`);
  if (o.serialize !== undefined && typeof o.serialize !== 'function') throw new ConfigurationError(`${call}: option 'serialize' must be a function`);
  if (o.minDuplicateWindowMs !== undefined && !(Number.isInteger(o.minDuplicateWindowMs) && o.minDuplicateWindowMs >= 0))
    throw new ConfigurationError(`${call}: option 'minDuplicateWindowMs' must be an integer ≥ 0 of milliseconds, got ${o.minDuplicateWindowMs}`);
  if (o.idPrefix !== undefined && (typeof o.idPrefix !== 'string' || o.idPrefix.length === 0)) throw new ConfigurationError(`${call}: option 'idPrefix' must be a non-empty string`);
  if (o.maxInFlight !== undefined && !(Number.isInteger(o.maxInFlight) && o.maxInFlight >= 1)) throw new ConfigurationError(`${call}: option 'maxInFlight' must be an integer ≥ 1`);
}

function defaultSerialize(r: unknown): JetStreamPayload {
  return typeof r === 'string' ? r : r instanceof Uint8Array ? r : JSON.stringify(r);
}

function randomId(): string {
  return Math.floor(Math.random() * 2 ** 48).toString(36);
}

/**
 * Checks, once per stream per sink instance and thread, that the stream capturing `subject` exists
 * and keeps ids long enough. Returns the stream's name.
 */
class StreamChecks {
  private readonly bySubject = new Map<string, Promise<string>>();
  constructor(private readonly o: JetStreamSinkOptions<unknown>) {}
  check(jsm: JetStreamManager, subject: string): Promise<string> {
    let p = this.bySubject.get(subject);
    if (!p) {
      p = this.run(jsm, subject);
      this.bySubject.set(subject, p);
      p.catch(() => this.bySubject.delete(subject));
    }
    return p;
  }
  private async run(jsm: JetStreamManager, subject: string): Promise<string> {
    const at = describeServers(this.o.servers);
    let stream: string;
    try {
      stream = await jsm.streams.find(subject);
    } catch (e) {
      throw new EddyError(`JetStreamSink: no JetStream stream captures subject '${subject}' at ${at} (${(e as Error)?.message ?? e})`, { domain: 'user', retriable: false, cause: e });
    }
    const info = await jsm.streams.info(stream);
    const windowMs = Math.floor((info.config.duplicate_window ?? 0) / 1e6);
    const need = this.o.minDuplicateWindowMs ?? 120_000;
    if (windowMs < need)
      throw new EddyError(
        `JetStreamSink: stream '${stream}' at ${at} has duplicate_window ${windowMs} ms, shorter than minDuplicateWindowMs ${need} ms: a commit repeated after a failure could publish duplicates. ` +
          `Raise the stream's duplicate_window (e.g. nats stream edit ${stream} --dupe-window ${Math.ceil(need / 1000)}s) or lower minDuplicateWindowMs to what the checkpoint interval and restart delay need`,
        { domain: 'user', retriable: false },
      );
    return stream;
  }
}

export class JetStreamSinkWriter<T> implements SinkWriter<T, JetStreamCommittable, never> {
  private subjects: string[] = [];
  private payloads: JetStreamPayload[] = [];
  private checkError: Error | undefined;
  private readonly idBase: string;
  private readonly serialize: (r: T) => JetStreamPayload;
  private closed = false;
  constructor(
    private readonly o: JetStreamSinkOptions<T>,
    checks: StreamChecks,
    private readonly ctx: SinkWriterContext,
  ) {
    this.serialize = o.serialize ?? defaultSerialize;
    this.idBase = `${o.idPrefix ?? ctx.jobName}.${randomId()}.${ctx.subtaskIndex}`;
    const where = `JetStreamSink (subtask ${ctx.subtaskIndex})`;
    const nc = acquireNats(o, where);
    // the stream check starts at open; its failure fails the task at the next record or barrier
    if (o.subject !== undefined) {
      nc.then((c) => jetstreamManager(c))
        .then((jsm) => checks.check(jsm, o.subject!))
        .catch((e: unknown) => (this.checkError = e as Error));
    } else nc.catch((e: unknown) => (this.checkError = e as Error));
  }
  write(value: T, _timestamp?: number): void {
    if (this.checkError !== undefined) throw this.checkError;
    if (this.o.subjectOf !== undefined) {
      const s = this.o.subjectOf(value);
      if (typeof s !== 'string' || !SUBJECT.test(s)) throw new EddyError(`JetStreamSink (subtask ${this.ctx.subtaskIndex}): subjectOf returned an invalid subject ${JSON.stringify(s)}`, { domain: 'user' });
      this.subjects.push(s);
    }
    this.payloads.push(this.serialize(value));
  }
  flush(): void {
    if (this.checkError !== undefined) throw this.checkError;
  }
  prepareCommit(checkpointId: number): JetStreamCommittable[] {
    if (this.checkError !== undefined) throw this.checkError;
    if (this.payloads.length === 0) return [];
    const c: JetStreamCommittable = {
      idBase: `${this.idBase}.${checkpointId}`,
      checkpointId,
      subject: this.o.subjectOf !== undefined ? this.subjects : this.o.subject!,
      payloads: this.payloads,
    };
    this.subjects = [];
    this.payloads = [];
    return [c];
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    releaseNats(this.o);
  }
}

/** Publishes committables with their message ids; commits run one after another, in checkpoint order. */
export class JetStreamCommitter implements Committer<JetStreamCommittable> {
  private tail: Promise<void> = Promise.resolve();
  /** Messages acknowledged as new / as duplicates (dropped by JetStream) by this committer. */
  published = 0;
  duplicates = 0;
  constructor(
    private readonly o: JetStreamSinkOptions<unknown>,
    private readonly checks: StreamChecks,
  ) {}
  commit(committables: JetStreamCommittable[]): Promise<void> {
    const run = this.tail.catch(() => undefined).then(() => this.publishAll(committables));
    this.tail = run;
    return run;
  }
  private async publishAll(cs: JetStreamCommittable[]): Promise<void> {
    const nc = await acquireNats(this.o, 'JetStreamSink committer');
    try {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      for (const c of [...cs].sort((a, b) => a.checkpointId - b.checkpointId)) await this.publishOne(js, jsm, c);
    } finally {
      releaseNats(this.o);
    }
  }
  private async publishOne(js: JetStreamClient, jsm: JetStreamManager, c: JetStreamCommittable): Promise<void> {
    const subjects = typeof c.subject === 'string' ? [c.subject] : [...new Set(c.subject)];
    for (const s of subjects) await this.checks.check(jsm, s);
    const max = this.o.maxInFlight ?? 1024;
    const fixed = typeof c.subject === 'string' ? c.subject : undefined;
    const n = c.payloads.length;
    for (let from = 0; from < n; from += max) {
      const to = Math.min(n, from + max);
      const acks = [];
      for (let i = from; i < to; i++) acks.push(js.publish(fixed ?? (c.subject as string[])[i]!, c.payloads[i], { msgID: `${c.idBase}.${i}` }));
      for (const a of await Promise.all(acks)) {
        if (a.duplicate) this.duplicates++;
        else this.published++;
      }
    }
  }
}

export class JetStreamSink<T> implements Sink<T, JetStreamCommittable, never> {
  readonly name = 'JetStream';
  private readonly checks: StreamChecks;
  private constructor(private readonly o: JetStreamSinkOptions<T>) {
    this.checks = new StreamChecks(o as JetStreamSinkOptions<unknown>);
  }
  static of<T>(options: JetStreamSinkOptions<T>): JetStreamSink<T> {
    checkOptions(options);
    return new JetStreamSink<T>({ ...options });
  }
  createWriter(ctx: SinkWriterContext): JetStreamSinkWriter<T> {
    return new JetStreamSinkWriter<T>(this.o, this.checks, ctx);
  }
  createCommitter(): JetStreamCommitter {
    return new JetStreamCommitter(this.o as JetStreamSinkOptions<unknown>, this.checks);
  }
}
