/**
 * `JetStreamSource`: a replayable FLIP-27 source over a NATS JetStream stream, read by stream sequence
 * with ordered (ephemeral, unacknowledged) consumers. A split's position is the next stream sequence to
 * read, kept in checkpoints: after a failure every split resumes right after the last record it had
 * emitted before the restored checkpoint; nothing is acknowledged on the server.
 *
 * Splits: one per entry of `subjects` (each a subject filter of its own consumer, wildcards allowed);
 * without `subjects`, a single split reads the whole stream. Splits are spread over the subtasks
 * (split i → subtask i mod parallelism), so parallel readers need several subject filters. NATS 2.9
 * has no multi-subject `filter_subjects`, so each split is one consumer with one filter. Filters must
 * not overlap (a message matching two filters would be read twice).
 *
 * @example
 * env.fromSource(JetStreamSource.of({ servers: 'nats://127.0.0.1:4222', stream: 'ORDERS',
 *   subjects: ['orders.eu', 'orders.us'], start: 'earliest', deserialize: (d) => JSON.parse(new TextDecoder().decode(d)) }),
 *   WatermarkStrategy.noWatermarks(), 'orders')
 */
import {
  StaticSplitEnumerator,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../api/index.ts';
import { ConfigurationError } from '../../core/index.ts';
import type { NatsConnectionOptions } from './connection.ts';
import { JetStreamReader } from './jetstream-reader.ts';

/** Where a split starts when no checkpoint says otherwise. */
export type JetStreamStart = 'earliest' | 'latest' | { sequence: number } | { time: number | Date };

/** What a deserializer sees besides the payload. */
export interface JetStreamMessageInfo {
  subject: string;
  /** stream sequence */
  seq: number;
  /** the time JetStream stored the message (ms since the epoch) */
  time: number;
}

export interface JetStreamSourceOptions<T> extends NatsConnectionOptions {
  stream: string;
  /** One split per subject filter (see the module docs); default: one split for the whole stream. */
  subjects?: string[];
  /** Default `'earliest'`. `'latest'` starts after the stream's last message when the split is first read. */
  start?: JetStreamStart;
  /** Stop at the stream's last sequence at the time each split is first read (default false). */
  bounded?: boolean;
  /** Payload → record (default: the payload as a UTF-8 string). Runs outside the task loop. */
  deserialize?: (data: Uint8Array, info: JetStreamMessageInfo) => T;
  /** Messages fetched per request (default 512); the reader buffers at most 4 fetches per subtask. */
  fetchSize?: number;
}

/** A split: one subject filter of one stream, with its position. Structured-clone-able. */
export interface JetStreamSplit {
  id: string;
  stream: string;
  /** subject filter; undefined: the whole stream */
  filter?: string;
  /** next stream sequence to emit; undefined until resolved from `start` or the first record */
  next?: number;
  /** bounded mode: the last stream sequence to read, resolved when the split is first read */
  bound?: number;
}

const STREAM_NAME = /^[^\s.*>/\\]+$/;
const SUBJECT = /^[^\s]+$/;

export function checkNatsConnectionOptions(call: string, o: NatsConnectionOptions): void {
  const list = Array.isArray(o.servers) ? o.servers : [o.servers];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0))
    throw new ConfigurationError(`${call}: option 'servers' must be a NATS URL or a non-empty list of them (e.g. 'nats://127.0.0.1:4222'), got ${JSON.stringify(o.servers)}`);
  for (const k of ['user', 'pass', 'token'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new ConfigurationError(`${call}: option '${k}' must be a string`);
  if (o.connectTimeoutMs !== undefined && !(Number.isInteger(o.connectTimeoutMs) && o.connectTimeoutMs > 0))
    throw new ConfigurationError(`${call}: option 'connectTimeoutMs' must be a positive integer of milliseconds, got ${o.connectTimeoutMs}`);
}

function checkOptions<T>(o: JetStreamSourceOptions<T>): void {
  const call = 'JetStreamSource.of';
  if (o === null || typeof o !== 'object') throw new ConfigurationError(`${call}: expected an options object`);
  const known = new Set(['servers', 'user', 'pass', 'token', 'connectTimeoutMs', 'stream', 'subjects', 'start', 'bounded', 'deserialize', 'fetchSize']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ConfigurationError(`${call}: unknown option '${k}'`);
  checkNatsConnectionOptions(call, o);
  if (typeof o.stream !== 'string' || !STREAM_NAME.test(o.stream))
    throw new ConfigurationError(`${call}: option 'stream' must be a JetStream stream name (no spaces, '.', '*', '>', '/'), got ${JSON.stringify(o.stream)}`);
  if (o.subjects !== undefined) {
    if (!Array.isArray(o.subjects) || o.subjects.length === 0) throw new ConfigurationError(`${call}: option 'subjects' must be a non-empty list of subject filters`);
    const seen = new Set<string>();
    for (const s of o.subjects) {
      if (typeof s !== 'string' || !SUBJECT.test(s)) throw new ConfigurationError(`${call}: option 'subjects' has an invalid subject filter ${JSON.stringify(s)}`);
      if (seen.has(s)) throw new ConfigurationError(`${call}: option 'subjects' lists '${s}' twice (its messages would be read twice)`);
      seen.add(s);
    }
  }
  const st = o.start;
  if (st !== undefined && st !== 'earliest' && st !== 'latest') {
    const seq = (st as { sequence?: unknown }).sequence;
    const time = (st as { time?: unknown }).time;
    const okSeq = typeof st === 'object' && seq !== undefined && Number.isInteger(seq) && (seq as number) >= 1;
    const okTime = typeof st === 'object' && time !== undefined && (time instanceof Date ? !Number.isNaN(time.getTime()) : Number.isFinite(time));
    if (!okSeq && !okTime)
      throw new ConfigurationError(`${call}: option 'start' must be 'earliest', 'latest', { sequence: n ≥ 1 } or { time: ms | Date }, got ${JSON.stringify(st)}`);
  }
  if (o.bounded !== undefined && typeof o.bounded !== 'boolean') throw new ConfigurationError(`${call}: option 'bounded' must be a boolean`);
  if (o.deserialize !== undefined && typeof o.deserialize !== 'function') throw new ConfigurationError(`${call}: option 'deserialize' must be a function`);
  if (o.fetchSize !== undefined && !(Number.isInteger(o.fetchSize) && o.fetchSize >= 1 && o.fetchSize <= 10_000))
    throw new ConfigurationError(`${call}: option 'fetchSize' must be an integer between 1 and 10000, got ${o.fetchSize}`);
}

export class JetStreamSource<T = string> implements Source<T, JetStreamSplit, JetStreamSplit[]> {
  readonly boundedness: 'bounded' | 'unbounded';
  readonly name = 'JetStream';
  private constructor(private readonly o: JetStreamSourceOptions<T>) {
    this.boundedness = o.bounded ? 'bounded' : 'unbounded';
  }

  static of<T = string>(options: JetStreamSourceOptions<T>): JetStreamSource<T> {
    checkOptions(options);
    return new JetStreamSource<T>({ ...options });
  }

  createEnumerator(ctx: SplitEnumeratorContext<JetStreamSplit>, restored?: JetStreamSplit[]): SplitEnumerator<JetStreamSplit, JetStreamSplit[]> {
    if (restored) return new StaticSplitEnumerator(ctx, restored);
    const filters = this.o.subjects ?? [undefined];
    const splits = filters.map((f): JetStreamSplit => ({ id: f ?? '>', stream: this.o.stream, ...(f !== undefined ? { filter: f } : {}) }));
    return new StaticSplitEnumerator(ctx, splits);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, JetStreamSplit> {
    return new JetStreamReader<T>(ctx, this.o);
  }
}
