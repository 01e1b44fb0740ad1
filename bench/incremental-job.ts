// The job of the job-level incremental-checkpoint bench (bench/incremental.ts): lmdb state, incremental
// checkpoints every `interval` ms, two phases.
//  - build: records 1 … keys, each a new key with a value of ~`bytes` bytes, as fast as the job goes;
//  - update: `seconds` × `rate` more records at `rate` per second (wall clock), each rewriting one
//    pseudo-random existing key: a small fraction of the state changes between checkpoints.
// The sink appends JSON lines to `out` (epoch ms): `first` (first record a writer sees, i.e. first output
// after a (re)start), `update` (first record of the update phase) and `progress` every second, so the
// bench observes the job from outside, across a SIGKILL.
//
//   node bin/eddy.mjs run bench/incremental-job.ts --state-backend lmdb --incremental --checkpoint-dir D --resume out=F keys=4000000
import { appendFileSync } from 'node:fs';
import {
  StreamEnvironment,
  KeyedProcessFunction,
  ValueStateDescriptor,
  StaticSplitEnumerator,
  InputStatus,
  WatermarkStrategy,
  jobParameters,
  type Collector,
  type KeyedProcessContext,
  type ReaderOutput,
  type Sink,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  type ValueState,
} from 'eddy';

const {
  keys = 4_000_000,
  bytes = 200,
  rate = 20_000,
  seconds = 30,
  interval = 1000,
  p = 1,
  out = '/tmp/eddy-incremental-job.out',
  state = '.eddy/state',
  maxDeltas = 8,
  ratio = 0.05,
} = jobParameters<{ keys?: number; bytes?: number; rate?: number; seconds?: number; interval?: number; p?: number; out?: string; state?: string; maxDeltas?: number; ratio?: number }>();

const total = keys + rate * seconds;

/** Record i (1-based) → its key: 1 … keys in the build phase, then a pseudo-random existing key. */
const keyOf = (i: number): number => (i <= keys ? i : (Math.imul(i, 2654435761) >>> 0) % keys + 1);

interface Split {
  id: number;
  /** next record to emit */
  next: number;
  /** last record (inclusive) */
  to: number;
}

/** One split 1 … total: the build phase unpaced, the update phase at `rate`/s from when a reader reaches it. */
class UpdateReader implements SourceReader<number, Split> {
  private split: Split | undefined;
  private noMore = false;
  private paceFrom = 0;
  private paceStart = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ctx: SourceReaderContext) {}
  start(): void {}
  addSplits(s: Split[]): void {
    this.split = s[0];
    this.ctx.wakeup();
  }
  notifyNoMoreSplits(): void {
    this.noMore = true;
    this.ctx.wakeup();
  }
  pollNext(o: ReaderOutput<number>, max: number): InputStatus {
    const s = this.split;
    if (s === undefined || s.next > s.to) return this.noMore ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
    let end = Math.min(s.to, s.next + max - 1);
    if (end > keys) {
      // update phase: paced by the wall clock from the first update record this reader emits
      if (this.paceStart === 0) {
        this.paceStart = performance.now();
        this.paceFrom = Math.max(s.next, keys + 1);
      }
      const allowed = this.paceFrom + Math.floor(((performance.now() - this.paceStart) * rate) / 1000);
      end = Math.min(end, Math.max(keys, allowed));
      if (end < s.next) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.ctx.wakeup();
        }, 5);
        return InputStatus.NothingAvailable;
      }
    }
    for (let v = s.next; v <= end; v++) o.collect(v);
    s.next = end + 1;
    return s.next > s.to && this.noMore ? InputStatus.EndOfInput : InputStatus.MoreAvailable;
  }
  snapshotState(): Split[] {
    return this.split && this.split.next <= this.split.to ? [{ ...this.split }] : [];
  }
  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

const source: Source<number, Split, Split[]> = {
  boundedness: 'bounded',
  name: 'BuildThenUpdate',
  maxSourceParallelism: 1,
  createEnumerator(ctx: SplitEnumeratorContext<Split>, restored?: Split[]): SplitEnumerator<Split, Split[]> {
    return new StaticSplitEnumerator(ctx, restored ?? [{ id: 0, next: 1, to: total }]);
  },
  createReader: (ctx) => new UpdateReader(ctx),
};

/** ~`bytes` bytes per value: a counter and a string that differs per key (no compression in lmdb anyway). */
const filler = Array.from({ length: bytes + 64 }, (_, j) => String.fromCharCode(97 + ((j * 7) % 26))).join('');

class Upsert extends KeyedProcessFunction<number, number, number> {
  private v!: ValueState<[number, string]>;
  override open(): void {
    this.v = this.getRuntimeContext().getState(new ValueStateDescriptor<[number, string]>('v'));
  }
  processElement(i: number, _ctx: KeyedProcessContext<number>, o: Collector<number>): void {
    const k = keyOf(i);
    const old = this.v.value();
    this.v.update([(old?.[0] ?? 0) + 1, filler.substring(k % 64, k % 64 + bytes - 12)]);
    if (i > keys || i % 1000 === 0) o.collect(i);
  }
}

const line = (ev: string, extra: Record<string, unknown>) => appendFileSync(out, JSON.stringify({ t: Date.now(), ev, ...extra }) + '\n');

const marker: Sink<number> = {
  name: 'Marker',
  createWriter: (ctx) => {
    let count = 0;
    let updates = 0;
    let last = 0;
    let first = true;
    return {
      write(i: number) {
        count++;
        if (i > keys) updates++;
        if (first) {
          first = false;
          line('first', { subtask: ctx.subtaskIndex, attempt: ctx.attemptNumber, i });
        }
        if (updates === 1 && i > keys) line('update', { subtask: ctx.subtaskIndex, i });
        const now = Date.now();
        if (now - last >= 1000) {
          last = now;
          line('progress', { subtask: ctx.subtaskIndex, i, count, updates });
        }
      },
      flush() {},
      close() {},
    };
  },
};

const env = StreamEnvironment.create({ parallelism: p, stateBackend: 'lmdb', incrementalCheckpoints: { maxDeltas, materializeRatio: ratio }, stateDir: state });
env.enableCheckpointing(interval);
env
  .fromSource(source, WatermarkStrategy.noWatermarks<number>(), 'build-then-update')
  .uid('source')
  .keyBy(keyOf)
  .process(new Upsert())
  .uid('upsert')
  .sinkTo(marker)
  .uid('marker');
await env.execute('incremental-bench');
