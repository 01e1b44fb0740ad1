/**
 * `RedisStreamSource`: a replayable FLIP-27 source over Redis Streams. One split per stream key; a
 * split's position is the id of the last entry emitted, kept in checkpoints, so a restore continues
 * with XREAD right after it (no consumer groups, nothing acknowledged). Each reader has its own
 * connection and one pump that issues `XREAD COUNT n BLOCK 1000 STREAMS <its keys> <its positions>`
 * into a bounded queue drained by the task's loop. Bounded mode stops each stream at its last id at
 * the time the split is first read. Record timestamps are the entries' id times (ms).
 *
 * @example
 * env.fromSource(RedisStreamSource.of({ url: 'redis://127.0.0.1:6379', streams: ['clicks'], start: 'earliest',
 *   deserialize: (f) => JSON.parse(f.value) }), WatermarkStrategy.noWatermarks(), 'clicks')
 */
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
import { ConfigurationError, EddyError } from '../../core/index.ts';
import { PositionedQueue } from '../common/index.ts';
import { connectRedis, maskRedisUrl, type RedisClient } from './connection.ts';

export type RedisStreamStart = 'earliest' | 'latest' | { id: string };

export interface RedisStreamSourceOptions<T> {
  /** `redis://[user:password@]host:port[/db]` */
  url: string;
  streams: string[];
  /** Default `'earliest'`; `'latest'` starts after the stream's last id when the split is first read. */
  start?: RedisStreamStart;
  /** Stop each stream at its last entry at the time the split is first read (default false). */
  bounded?: boolean;
  /** Entry fields → record (default: the fields object). Runs outside the task loop. */
  deserialize?: (fields: Record<string, string>, entry: { stream: string; id: string }) => T;
  /** Entries per XREAD (default 512); the reader buffers at most 4 reads. */
  count?: number;
  /** CLIENT SETNAME of the readers' connections (default `eddy-redis-source`). */
  clientName?: string;
}

/** One stream with its position. Structured-clone-able. */
export interface RedisStreamSplit {
  stream: string;
  /** id of the last entry emitted ('0-0': none); undefined until resolved from `start` */
  after?: string;
  /** bounded: the last id to read (resolved when first read; '0-0' for an empty stream) */
  bound?: string;
}

const ID = /^\d+-\d+$/;

/** Compares two stream ids `ms-seq`. */
export function compareIds(a: string, b: string): number {
  const i = a.indexOf('-');
  const j = b.indexOf('-');
  const ma = Number(a.slice(0, i));
  const mb = Number(b.slice(0, j));
  if (ma !== mb) return ma < mb ? -1 : 1;
  const sa = Number(a.slice(i + 1));
  const sb = Number(b.slice(j + 1));
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

export function checkRedisUrl(call: string, url: unknown): void {
  let ok = false;
  try {
    ok = typeof url === 'string' && /^rediss?:$/.test(new URL(url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigurationError(`${call}: option 'url' must be a redis:// or rediss:// URL, got ${JSON.stringify(typeof url === 'string' ? maskRedisUrl(url) : url)}`);
}

function checkOptions<T>(o: RedisStreamSourceOptions<T>): void {
  const call = 'RedisStreamSource.of';
  if (o === null || typeof o !== 'object') throw new ConfigurationError(`${call}: expected an options object`);
  const known = new Set(['url', 'streams', 'start', 'bounded', 'deserialize', 'count', 'clientName']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ConfigurationError(`${call}: unknown option '${k}'`);
  checkRedisUrl(call, o.url);
  if (!Array.isArray(o.streams) || o.streams.length === 0 || o.streams.some((s) => typeof s !== 'string' || s.length === 0))
    throw new ConfigurationError(`${call}: option 'streams' must be a non-empty list of stream keys`);
  if (new Set(o.streams).size !== o.streams.length) throw new ConfigurationError(`${call}: option 'streams' lists a key twice (its entries would be read twice)`);
  const st = o.start;
  if (st !== undefined && st !== 'earliest' && st !== 'latest' && !(typeof st === 'object' && typeof st.id === 'string' && ID.test(st.id)))
    throw new ConfigurationError(`${call}: option 'start' must be 'earliest', 'latest' or { id: '<ms>-<seq>' } (reading starts after that id), got ${JSON.stringify(st)}`);
  if (o.bounded !== undefined && typeof o.bounded !== 'boolean') throw new ConfigurationError(`${call}: option 'bounded' must be a boolean`);
  if (o.deserialize !== undefined && typeof o.deserialize !== 'function') throw new ConfigurationError(`${call}: option 'deserialize' must be a function`);
  if (o.count !== undefined && !(Number.isInteger(o.count) && o.count >= 1 && o.count <= 100_000)) throw new ConfigurationError(`${call}: option 'count' must be an integer between 1 and 100000`);
  if (o.clientName !== undefined && (typeof o.clientName !== 'string' || !/^\S+$/.test(o.clientName))) throw new ConfigurationError(`${call}: option 'clientName' must be a string without spaces`);
}

interface SplitState {
  split: RedisStreamSplit;
  /** id of the last entry fetched (ahead of `split.after` by what is queued) */
  cursor: string;
  queued: number;
  fetchDone: boolean;
}

const RETRY_MS = 250;

class RedisStreamReader<T> implements SourceReader<T, RedisStreamSplit> {
  private readonly active: SplitState[] = [];
  private readonly fresh: SplitState[] = [];
  /** Fetched entries with their ids; emitting one moves its split's `after` to it. */
  private readonly queue = new PositionedQueue<T, SplitState, string>((s, id) => {
    s.split.after = id;
  });
  private noMore = false;
  private closed = false;
  private error: Error | undefined;
  private client: RedisClient | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  private readonly count: number;
  private readonly where: string;
  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly o: RedisStreamSourceOptions<T>,
  ) {
    this.count = o.count ?? 512;
    this.where = `RedisStreamSource (${maskRedisUrl(o.url)}, subtask ${ctx.subtaskIndex})`;
  }
  start(): void {
    this.ensurePump();
  }
  addSplits(splits: RedisStreamSplit[]): void {
    for (const s of splits) this.fresh.push({ split: { ...s }, cursor: s.after ?? '', queued: 0, fetchDone: false });
    this.ensurePump();
    this.poke();
  }
  notifyNoMoreSplits(): void {
    this.noMore = true;
    this.ctx.wakeup();
  }
  pollNext(out: ReaderOutput<T>, max: number): InputStatus {
    if (this.error) throw this.error;
    this.queue.drain(out, max);
    if (this.queue.size < this.count * 4) this.poke();
    for (let i = this.active.length - 1; i >= 0; i--) {
      const s = this.active[i]!;
      if (s.fetchDone && s.queued === 0) this.active.splice(i, 1);
    }
    if (this.queue.size > 0) return InputStatus.MoreAvailable;
    return this.noMore && this.active.length === 0 && this.fresh.length === 0 ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
  }
  snapshotState(): RedisStreamSplit[] {
    return [...this.active, ...this.fresh].filter((s) => !(s.fetchDone && s.queued === 0)).map((s) => ({ ...s.split }));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poke();
    this.client?.destroy();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }
  private fail(e: unknown): void {
    if (this.closed || this.error) return;
    this.error = e instanceof EddyError ? e : new EddyError(`${this.where}: ${(e as Error)?.message ?? e}`, { domain: 'external', retriable: true, cause: e });
    this.ctx.wakeup();
  }
  private ensurePump(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.pump().catch((e: unknown) => this.fail(e));
  }

  /** Resolves a new split's start and bound; a missing key fails the task. */
  private async resolve(c: RedisClient, s: SplitState): Promise<void> {
    const sp = s.split;
    const st = this.o.start ?? 'earliest';
    if (sp.after === undefined || (this.o.bounded && sp.bound === undefined)) {
      let info: Record<string, unknown>;
      try {
        info = (await c.sendCommand(['XINFO', 'STREAM', sp.stream])) as unknown as Record<string, unknown>;
      } catch (e) {
        const msg = (e as Error)?.message ?? String(e);
        if (/no such key/i.test(msg)) throw new EddyError(`${this.where}: stream '${sp.stream}' does not exist`, { domain: 'user', retriable: false, cause: e });
        if (/WRONGTYPE/.test(msg)) throw new EddyError(`${this.where}: key '${sp.stream}' is not a stream`, { domain: 'user', retriable: false, cause: e });
        throw e;
      }
      const lastGenerated = String(info['last-generated-id'] ?? '0-0');
      const lastEntry = info['last-entry'] as [string, unknown] | null | undefined;
      if (this.o.bounded && sp.bound === undefined) sp.bound = lastEntry ? String(lastEntry[0]) : '0-0';
      if (sp.after === undefined) sp.after = st === 'earliest' ? '0-0' : st === 'latest' ? lastGenerated : st.id;
    }
    s.cursor = sp.after;
  }

  private push(s: SplitState, value: T, id: string): void {
    this.queue.push(s, value, id, parseInt(id, 10)); // the id's milliseconds: parseInt stops at the '-' (no substring)
    s.cursor = id;
  }

  private async pump(): Promise<void> {
    const bounded = this.o.bounded === true;
    const deserialize = this.o.deserialize;
    while (!this.closed && !this.error) {
      try {
        this.client ??= await connectRedis(this.o.url, this.where, this.o.clientName ?? 'eddy-redis-source');
        const c = this.client;
        while (this.fresh.length > 0) {
          const s = this.fresh[0]!;
          await this.resolve(c, s);
          this.fresh.shift();
          if (bounded && compareIds(s.cursor, s.split.bound!) >= 0) s.fetchDone = true;
          this.active.push(s);
        }
        const reading = this.active.filter((s) => !s.fetchDone);
        if (reading.length === 0 || this.queue.size >= this.count * 4) {
          if (reading.length === 0) this.ctx.wakeup();
          await this.sleep(1_000);
          continue;
        }
        const res = (await c.xRead(
          reading.map((s) => ({ key: s.split.stream, id: s.cursor })),
          bounded ? { COUNT: this.count } : { COUNT: this.count, BLOCK: 1_000 },
        )) as { name: string; messages: { id: string; message: Record<string, string> }[] }[] | null;
        const got = new Set<SplitState>();
        for (const r of res ?? []) {
          const s = reading.find((x) => x.split.stream === r.name)!;
          got.add(s);
          const ms = r.messages;
          // bounded: ids grow, so only a batch whose last id passes the bound needs a comparison per entry
          const straddles = bounded && ms.length > 0 && compareIds(ms[ms.length - 1]!.id, s.split.bound!) >= 0;
          for (const m of ms) {
            if (straddles && compareIds(m.id, s.split.bound!) > 0) {
              s.fetchDone = true;
              break;
            }
            let value: T;
            try {
              value = deserialize ? deserialize(m.message, { stream: r.name, id: m.id }) : (m.message as T);
            } catch (e) {
              throw new EddyError(`${this.where}: deserialize failed on entry ${m.id} of stream '${r.name}': ${(e as Error)?.message ?? e}`, { domain: 'user', retriable: true, cause: e });
            }
            this.push(s, value, m.id);
            if (straddles && compareIds(m.id, s.split.bound!) >= 0) {
              s.fetchDone = true;
              break;
            }
          }
        }
        // bounded: a stream with nothing after its cursor has nothing up to its bound left
        if (bounded) for (const s of reading) if (!got.has(s)) s.fetchDone = true;
        this.ctx.wakeup();
      } catch (e) {
        if (this.closed) return;
        if (e instanceof EddyError) return this.fail(e);
        // connection trouble (the client reconnects): read again from the cursors after a pause
        await this.sleep(RETRY_MS);
      }
    }
  }
}

export class RedisStreamSource<T = Record<string, string>> implements Source<T, RedisStreamSplit, RedisStreamSplit[]> {
  readonly boundedness: 'bounded' | 'unbounded';
  readonly name = 'RedisStreams';
  private constructor(private readonly o: RedisStreamSourceOptions<T>) {
    this.boundedness = o.bounded ? 'bounded' : 'unbounded';
  }
  static of<T = Record<string, string>>(options: RedisStreamSourceOptions<T>): RedisStreamSource<T> {
    checkOptions(options);
    return new RedisStreamSource<T>({ ...options, streams: [...options.streams] });
  }
  createEnumerator(ctx: SplitEnumeratorContext<RedisStreamSplit>, restored?: RedisStreamSplit[]): SplitEnumerator<RedisStreamSplit, RedisStreamSplit[]> {
    return new StaticSplitEnumerator(ctx, restored ?? this.o.streams.map((stream) => ({ stream })));
  }
  createReader(ctx: SourceReaderContext): SourceReader<T, RedisStreamSplit> {
    return new RedisStreamReader<T>(ctx, this.o);
  }
}
