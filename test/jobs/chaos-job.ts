// The self-checking job of the chaos suite. Records v = 0 … n-1 from one source subtask (so each key's
// records arrive in order); key k = v % keys, per-key sequence number seq = ⌊v / keys⌋. Checked in the job:
//  - sequence checker: each key's seq advances by exactly 1 (a loss or duplicate after recovery alerts);
//  - state machine: each key cycles A → B → C → A with event seq % 3 (an invalid transition alerts);
//  - running sum per key (recomputed from the committed output by the verifier);
//  - tumbling event-time windows of `window` ms over t = v, whose sums have a closed form.
// Output goes through the exactly-once FileSink: lines {"t":"r",k,seq,v,sum,alert} and {"t":"w",start,sum,count}.
// `inject=dup:<v>` or `inject=drop:<v>` corrupt the source on purpose, to show the checks catch it.
// With `--state-backend lmdb maxDeltas=<n>` it runs on lmdb with incremental checkpoints.
// `failAt=<v> failMark=<file>`: a user-function failure at record v, once (the file marks it done).
import { StreamEnvironment, KeyedProcessFunction, ValueStateDescriptor, WatermarkStrategy, TumblingEventTimeWindows, jobParameters } from 'eddy';
import type { Collector, KeyedProcessContext, ValueState } from 'eddy';
import { FileSink } from 'eddy/connectors/file';
import { existsSync, writeFileSync } from 'node:fs';

const { n = 100_000, keys = 10, out = 'out/chaos', interval = 200, pace = 0, window = 1000, p = 2, inject = '', tolerable = 10, state = '', maxDeltas = 0, failAt = -1, failMark = '' } = jobParameters<{
  failAt?: number;
  failMark?: string;
  tolerable?: number;
  state?: string;
  maxDeltas?: number;
  n?: number;
  keys?: number;
  out?: string;
  interval?: number;
  pace?: number;
  window?: number;
  p?: number;
  inject?: string;
}>();
const [injectKind, injectAt] = inject ? [inject.split(':')[0], Number(inject.split(':')[1])] : ['', -1];

interface Rec {
  k: number;
  seq: number;
  v: number;
}

class Checker extends KeyedProcessFunction<number, Rec, object> {
  private last!: ValueState<number>;
  private sum!: ValueState<number>;
  private state!: ValueState<number>;
  override open(): void {
    const rc = this.getRuntimeContext();
    this.last = rc.getState(new ValueStateDescriptor<number>('last-seq', { defaultValue: -1 }));
    this.sum = rc.getState(new ValueStateDescriptor<number>('sum', { defaultValue: 0 }));
    this.state = rc.getState(new ValueStateDescriptor<number>('fsm', { defaultValue: 0 }));
  }
  processElement(r: Rec, _ctx: KeyedProcessContext<number>, out: Collector<object>): void {
    const alerts: string[] = [];
    const last = this.last.value()!;
    if (r.seq !== last + 1) alerts.push(`sequence ${last} -> ${r.seq}`);
    this.last.update(r.seq);
    // state machine: event e = seq % 3 must leave state e (A=0 -B-> 1 -C-> 2 -A-> 0)
    const st = this.state.value()!;
    if (st !== r.seq % 3) alerts.push(`invalid transition from ${'ABC'[st]} on event ${r.seq % 3}`);
    this.state.update((r.seq + 1) % 3);
    const sum = this.sum.value()! + r.v;
    this.sum.update(sum);
    out.collect({ t: 'r', k: r.k, seq: r.seq, v: r.v, sum, ...(alerts.length ? { alert: alerts.join('; ') } : {}) });
  }
}

// `state`: working directory of the lmdb backend (`--state-backend lmdb`); `maxDeltas` > 0: incremental
// checkpoints, a new base copy after that many deltas (so that SIGKILLs also hit copies in flight).
const env = StreamEnvironment.create({ parallelism: p, ...(state ? { stateDir: state } : {}), ...(maxDeltas > 0 ? { incrementalCheckpoints: { maxDeltas } } : {}) });
env.enableCheckpointing(interval, { tolerableFailures: tolerable });
const records = env
  .fromSequence(0, n - 1)
  .setParallelism(1)
  .uid('source')
  .flatMap((v: number, o: Collector<number>) => {
    if (pace > 0 && v % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    if (injectKind === 'drop' && v === injectAt) return;
    // A failover in user code, once over all runs (the mark file remembers it): the job restarts in-process.
    if (failMark && v >= failAt && failAt >= 0 && !existsSync(failMark)) {
      writeFileSync(failMark, String(v));
      throw new Error(`injected failover at record ${v}`);
    }
    o.collect(v);
    if (injectKind === 'dup' && v === injectAt) o.collect(v);
  })
  .setParallelism(1)
  .uid('pace')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v))
  .setParallelism(1)
  .uid('timestamps');
const checked = records
  .map((v): Rec => ({ k: v % keys, seq: Math.floor(v / keys), v }))
  .setParallelism(1)
  .uid('to-record')
  .keyBy((r) => r.k)
  .process(new Checker())
  .uid('checker');
const windows = records
  .keyBy(() => 0)
  .window(TumblingEventTimeWindows.of(window))
  .aggregate(
    { createAccumulator: () => [0, 0] as [number, number], add: (v: number, a: [number, number]): [number, number] => [a[0] + v, a[1] + 1], getResult: (a: [number, number]) => a, merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]] },
    (_k: number, w: { start: number }, [r]: readonly [number, number][], o: Collector<object>) => o.collect({ t: 'w', start: w.start, sum: r![0], count: r![1] }),
  )
  .uid('windows');
checked.union(windows).sinkTo(FileSink.forRowFormat<object>(out).build()).uid('sink');
await env.execute('chaos');
