// Event-time windows over a source with two splits (one per subtask), one of which goes quiet without
// ending, for `WatermarkStrategy.withIdleness` tests.
//   split 0: b@500, a@1000 … a@9000 (one per second), then a heartbeat (ts 9500) every 5 ms, filtered out
//            before the windows: it keeps split 0 active and its watermark at 9499;
//   split 1: nothing (as a Kafka partition without traffic): no watermark unless it is marked idle.
// (Split 1 has no records of its own: any record it sent could come after it was marked idle, when the
// job starts slowly, and be late; the emitter tests cover an input that goes quiet after records.)
// Tumbling 3 s windows count per key. Every window that fires on a finite watermark (not the final one)
// counts itself in `fired` (an Int32Array over a SharedArrayBuffer the test passes). A reader ends once
// `expectEarly` windows fired so, or after `deadlineMs`; before it ends, split 1 emits a `status` event
// with the count it saw, which goes around the windows straight to the output (so it can never be late).
// While neither split has ended, a window can only fire if split 1 is marked idle, so the status says
// whether windows fired thanks to idleness, whatever the order in which the splits end.
import {
  StreamEnvironment,
  WatermarkStrategy,
  TumblingEventTimeWindows,
  InputStatus,
  jobParameters,
  type Collector,
  type ProcessWindowContext,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  type TimeWindow,
} from 'eddy';

const { idleMs = 0, fired: firedBuffer, expectEarly = 4, deadlineMs = 1000 } = jobParameters<{ idleMs?: number; fired: SharedArrayBuffer; expectEarly?: number; deadlineMs?: number }>();
const fired = new Int32Array(firedBuffer);

interface Ev {
  key: string;
  ts: number;
  /** status events: how many windows had fired early when split 1 ended */
  seen?: number;
}
type Split = { id: number };

class Enumerator implements SplitEnumerator<Split, Split[]> {
  constructor(private readonly ctx: SplitEnumeratorContext<Split>) {}
  start(): void {}
  handleSplitRequest(subtask: number): void {
    this.addReader(subtask);
  }
  addReader(subtask: number): void {
    this.ctx.assignSplit({ id: subtask }, subtask);
    this.ctx.signalNoMoreSplits(subtask);
  }
  addSplitsBack(): void {}
  snapshotState(): Split[] {
    return [];
  }
  close(): void {}
}

class Reader implements SourceReader<Ev, Split> {
  private split: Split | undefined;
  private pending: Ev[] = [];
  private deadline = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly ctx: SourceReaderContext) {}
  start(): void {
    this.deadline = Date.now() + deadlineMs;
  }
  addSplits(splits: Split[]): void {
    this.split = splits[0];
    if (this.split?.id === 0) {
      this.pending.push({ key: 'b', ts: 500 });
      for (let t = 1000; t <= 9000; t += 1000) this.pending.push({ key: 'a', ts: t });
    }
    this.ctx.wakeup();
  }
  notifyNoMoreSplits(): void {}
  pollNext(out: ReaderOutput<Ev>): InputStatus {
    for (const e of this.pending) out.collect(e);
    this.pending = [];
    const seen = Atomics.load(fired, 0);
    if (this.split !== undefined && (seen >= expectEarly || Date.now() >= this.deadline)) {
      if (this.split.id === 1) out.collect({ key: 'status', ts: 500, seen });
      return InputStatus.EndOfInput;
    }
    if (this.split?.id === 0) out.collect({ key: 'beat', ts: 9500 });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.ctx.wakeup(), 5);
    return InputStatus.NothingAvailable;
  }
  snapshotState(): Split[] {
    return this.split ? [this.split] : [];
  }
  close(): void {
    clearTimeout(this.timer);
  }
}

const source: Source<Ev, Split, Split[]> = {
  boundedness: 'unbounded',
  name: 'two splits',
  createEnumerator: (ctx) => new Enumerator(ctx),
  createReader: (ctx) => new Reader(ctx),
};

let strategy = WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts);
if (idleMs > 0) strategy = strategy.withIdleness(idleMs);

const env = StreamEnvironment.create({ parallelism: 2, autoWatermarkInterval: 10 });
const events = env.fromSource(source, strategy, 'events');
const windows = events
  .filter((e) => e.key === 'a' || e.key === 'b')
  .keyBy((e) => e.key)
  .window(TumblingEventTimeWindows.of(3000))
  .process({
    process(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: readonly Ev[], out: Collector<string>) {
      const w = ctx.window();
      out.collect(`${key} ${w.start}-${w.end} n=${elements.length}`);
      if (Number.isFinite(ctx.currentWatermark())) Atomics.add(fired, 0, 1);
    },
  });
const status = events.filter((e) => e.key === 'status').map((e) => `status seen=${e.seen}`);
await windows.union(status).executeAndCollect('idleness');
