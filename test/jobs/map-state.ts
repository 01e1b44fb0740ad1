// Keyed MapState in a checkpointed job that fails once and restarts from a checkpoint.
// A paced sequence 1…n (one source subtask, so each key sees its records in order) is keyed by user
// v % 7 at parallelism 2. Per user, a MapState<item, { sum, n }> with item = floor(v / 3) % 5:
//   v % 13 == 0: remove every key (keys() first), then isEmpty();
//   v % 5 == 0:  contains / remove / contains of the record's item;
//   otherwise:   get + put of the record's item.
// Each record emits one line with the action and the whole map (entries, keys, values, isEmpty); an
// event-time timer at the end of input emits the final map of each user with the subtask that held it.
// `failAt`: on attempt 0 the source side throws at that record once a checkpoint completed.
import {
  StreamEnvironment,
  MapStateDescriptor,
  RichMapFunction,
  KeyedProcessFunction,
  RestartStrategies,
  jobParameters,
  type CheckpointListener,
  type Collector,
  type KeyedProcessContext,
  type MapState,
  type OnTimerContext,
} from 'eddy';

const { n = 4000, failAt = 0, pace = 5, interval = 20 } = jobParameters<{ n?: number; failAt?: number; pace?: number; interval?: number }>();

interface Acc {
  sum: number;
  n: number;
}

/** Paces the source (so checkpoints complete during the run) and fails once, on attempt 0. */
class Fault extends RichMapFunction<number, number> implements CheckpointListener {
  private completed = 0;
  private seen = 0;
  notifyCheckpointComplete(): void {
    this.completed++;
  }
  map(v: number): number {
    if (++this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    if (failAt > 0 && this.seen >= failAt && this.completed > 0 && this.getRuntimeContext().getAttemptNumber() === 0) throw new Error(`injected failure at record ${v}`);
    return v;
  }
}

function dump(m: MapState<number, Acc>): string {
  const entries = [...m.entries()].sort((a, b) => a[0] - b[0]).map(([k, a]) => `${k}=${a.sum}/${a.n}`);
  const keys = [...m.keys()].sort((a, b) => a - b);
  const values = [...m.values()].map((a) => a.sum).sort((a, b) => a - b);
  return `{${entries.join(',')}} keys=${keys.join(',')} values=${values.join(',')} empty=${m.isEmpty()}`;
}

class Items extends KeyedProcessFunction<number, number, string> {
  private items!: MapState<number, Acc>;
  override open(): void {
    this.items = this.getRuntimeContext().getMapState(new MapStateDescriptor<number, Acc>('items'));
  }
  processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const m = this.items;
    const item = Math.floor(v / 3) % 5;
    let action: string;
    if (v % 13 === 0) {
      const keys = [...m.keys()];
      for (const k of keys) m.remove(k);
      action = `clear ${keys.length}`;
    } else if (v % 5 === 0) {
      const had = m.contains(item);
      m.remove(item);
      action = `remove ${item} had=${had} now=${m.contains(item)}`;
    } else {
      const a = m.get(item) ?? { sum: 0, n: 0 };
      m.put(item, { sum: a.sum + v, n: a.n + 1 });
      action = `put ${item}`;
    }
    ctx.timerService().registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
    out.collect(`${ctx.getCurrentKey()} ${v} ${action} ${dump(m)}`);
  }
  override onTimer(_ts: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()} end ${dump(this.items)} @${this.getRuntimeContext().getIndexOfThisSubtask()}`);
  }
}

const env = StreamEnvironment.create({ parallelism: 2 });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
await env
  .fromSequence(1, n)
  .setParallelism(1)
  .uid('numbers')
  .map(new Fault())
  .setParallelism(1)
  .uid('fault')
  .keyBy((v) => v % 7)
  .process(new Items())
  .uid('items')
  .executeAndCollect('map-state');
