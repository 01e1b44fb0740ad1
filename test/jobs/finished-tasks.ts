// A job whose parts end at different times, for checkpoints after tasks finished (Flink's FLIP-147):
// - rules: a bounded broadcast side input (3 rules from a collection) that finishes at once; the keyed
//   broadcast operator keeps them in broadcast state and says so once per rule (`rule:<name>`);
// - main: a paced sequence 1…n keyed by v % 4; each record comes out as `v:<v>:<rules known>`;
// - early: a bounded branch (`early` records) into its own FileSink (`early=DIR`), which finishes at once;
//   the last main record reports how many of its part files were committed by then (`early-committed:<n>`).
// `failAt`: on attempt 0 the main branch throws at that record, once 2 checkpoints completed (`restarts=0`: for good).
import { readdirSync } from 'node:fs';
import { StreamEnvironment, MapStateDescriptor, RichMapFunction, RestartStrategies, jobParameters } from 'eddy';
import type { BroadcastContext, CheckpointListener, Collector, KeyedReadOnlyBroadcastContext } from 'eddy';
import { FileSink } from 'eddy/connectors/file';

const { n = 3000, pace = 1, failAt = 0, early = '', p = 2, restarts = 2 } = jobParameters<{ n?: number; pace?: number; failAt?: number; early?: string; p?: number; restarts?: number }>();
const rules = new MapStateDescriptor<string, boolean>('rules');

class Paced extends RichMapFunction<number, number> implements CheckpointListener {
  private completed = 0;
  notifyCheckpointComplete(): void {
    this.completed++;
  }
  map(v: number): number {
    const until = performance.now() + pace;
    while (performance.now() < until);
    if (failAt > 0 && v >= failAt && this.completed >= 2 && this.getRuntimeContext().getAttemptNumber() === 0) throw new Error(`injected failure at record ${v}`);
    return v;
  }
}

const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(50);
env.setRestartStrategy(restarts > 0 ? RestartStrategies.fixedDelay(restarts, 0) : RestartStrategies.noRestart());
const ruleStream = env.fromCollection(['a', 'b', 'c']).setParallelism(1).uid('rules').broadcast(rules);
if (early) env.fromSequence(1, 100).setParallelism(1).uid('early').map((v) => String(v)).setParallelism(1).sinkTo(FileSink.forRowFormat<string>(early).build()).setParallelism(1).uid('early-sink');
await env
  .fromSequence(1, n)
  .setParallelism(1)
  .uid('main')
  .map(new Paced())
  .setParallelism(1)
  .uid('paced')
  .keyBy((v) => v % 4)
  .connect(ruleStream)
  .process({
    processElement(v: number, ctx: KeyedReadOnlyBroadcastContext<number>, out: Collector<string>) {
      out.collect(`v:${v}:${[...ctx.getBroadcastState(rules).keys()].length}`);
      if (v === n && early) out.collect(`early-committed:${readdirSync(early).filter((f) => !f.startsWith('.')).length}`);
    },
    processBroadcastElement(r: string, ctx: BroadcastContext, out: Collector<string>) {
      ctx.getBroadcastState(rules).put(r, true);
      out.collect(`rule:${r}`);
    },
  })
  .uid('apply')
  .executeAndCollect('finished-tasks');
