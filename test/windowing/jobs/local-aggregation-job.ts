// Windowed count-and-sum over seeded, out-of-order input with punctuated watermarks (each record may
// carry the watermark to emit just before it), for the local-aggregation runtime tests. One source
// subtask; `up=1` keeps the records on it (the local phase chains to it), `up=2` rebalances them over two
// subtasks first. `mode=off` turns the local phase off. Faults: `fault=throw` fails subtask 0 once, at
// record `failAt`, after a checkpoint completed. Every operator has a uid, so savepoints taken in one
// mode restore in the other.
import { StreamEnvironment, RichMapFunction, RestartStrategies, WatermarkStrategy, TumblingEventTimeWindows, SlidingEventTimeWindows, jobParameters } from 'eddy';
import type { CheckpointListener, Collector, TimeWindow } from 'eddy';
import { countSum, type Ev } from '../helpers.ts';
import { randomSteps } from '../local-aggregation-oracle.ts';

const params = jobParameters<{
  seed?: number;
  n?: number;
  disorder?: number;
  lag?: number;
  late?: number;
  mode?: string;
  p?: number;
  up?: number;
  size?: number;
  slide?: number;
  offset?: number;
  lateness?: number;
  fault?: string;
  failAt?: number;
  interval?: number;
  pace?: number;
}>();
const { seed = 1, n = 3000, disorder = 150, lag = 100, late = 0, mode = 'on', p = 2, up = 1, size = 100, slide = 0, offset = 0, lateness = 0 } = params;
const { fault = 'none', failAt = 1000, interval = 0, pace = 0 } = params;

type In = Ev & { ts: number; wm?: number };
const input: In[] = [];
let wm: number | undefined;
for (const s of randomSteps(seed, n, disorder, lag, late)) {
  if ('wm' in s) wm = s.wm;
  else {
    input.push(wm === undefined ? { ...s.e, ts: s.ts } : { ...s.e, ts: s.ts, wm });
    wm = undefined;
  }
}

/** Paces the input (so a job can be stopped half-way) and fails once on the first attempt when asked. */
class Fault extends RichMapFunction<In, In> implements CheckpointListener {
  private seen = 0;
  private completed = 0;
  notifyCheckpointComplete(): void {
    this.completed++;
  }
  map(v: In): In {
    this.seen++;
    if (pace > 0 && this.seen % 10 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const rc = this.getRuntimeContext();
    if (fault === 'throw' && rc.getAttemptNumber() === 0 && rc.getIndexOfThisSubtask() === 0 && this.seen >= failAt && this.completed > 0)
      throw new Error(`injected failure at record ${this.seen}`);
    return v;
  }
}

const env = StreamEnvironment.create({ parallelism: p });
if (interval > 0) env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
const stamped = env
  .fromCollection(input)
  .setParallelism(1)
  .uid('input')
  .assignTimestampsAndWatermarks(
    WatermarkStrategy.forGenerator<In>(() => ({
      onEvent: (e, _ts, out) => {
        if (e.wm !== undefined) out.emitWatermark(e.wm);
      },
      onPeriodicEmit: () => {},
    })).withTimestampAssigner((e) => e.ts),
  )
  .setParallelism(1)
  .uid('watermarks');
const events = (up === 1 ? stamped : stamped.rebalance()).map(new Fault()).setParallelism(up).uid('fault').name('events');
const assigner = slide > 0 ? SlidingEventTimeWindows.of(size, slide, offset) : TumblingEventTimeWindows.of(size, offset);
const windowed = events.keyBy((e) => e.key).window(assigner);
if (lateness > 0) windowed.allowedLateness(lateness);
await windowed
  .aggregate(
    countSum,
    (key: string, w: TimeWindow, [r]: readonly { count: number; sum: number }[], out: Collector<string>) => out.collect(`${key} ${w.start} ${w.end} ${r!.count} ${r!.sum}`),
    { localAggregation: mode === 'on' },
  )
  .uid('windows')
  .name('windows')
  .process({ processElement: (row: string, ctx, out) => out.collect(`${row} @${ctx.timestamp()}`) })
  .uid('stamp')
  .executeAndCollect('local-aggregation');
