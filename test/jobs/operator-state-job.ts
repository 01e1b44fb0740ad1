// Operator state through CheckpointedFunction: each subtask counts its records in list state, restored
// after a failure (and redistributed on rescale); a union-list state gives every subtask all entries.
import { StreamEnvironment, RichMapFunction, RestartStrategies, ListStateDescriptor, jobParameters } from 'eddy';
import type { CheckpointedFunction, FunctionInitializationContext, ListState } from 'eddy';

const { n = 6000, failAt = 2000 } = jobParameters<{ n?: number; failAt?: number }>();

class Counter extends RichMapFunction<number, string> implements CheckpointedFunction {
  private count = 0;
  private state!: ListState<number>;
  private union!: ListState<string>;
  private restoredUnion: string[] = [];
  initializeState(ctx: FunctionInitializationContext): void {
    this.state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('count'));
    this.union = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<string>('seen-by'));
    if (ctx.isRestored()) {
      for (const c of this.state.get()) this.count += c;
      this.restoredUnion = this.union.get();
    }
  }
  snapshotState(): void {
    this.state.update([this.count]);
    this.union.update([`subtask-${this.getRuntimeContext().getIndexOfThisSubtask()}`]);
  }
  map(v: number): string {
    this.count++;
    const rc = this.getRuntimeContext();
    if (rc.getAttemptNumber() === 0 && rc.getIndexOfThisSubtask() === 0 && this.count === failAt) throw new Error('injected');
    const until = performance.now() + 0.05;
    while (performance.now() < until);
    return `${rc.getIndexOfThisSubtask()}:${this.count}:${rc.getAttemptNumber() > 0 ? this.restoredUnion.sort().join('+') : ''}`;
  }
}

const env = StreamEnvironment.create({ parallelism: 2 });
env.enableCheckpointing(50);
env.setRestartStrategy(RestartStrategies.fixedDelay(1, 0));
await env.fromSequence(1, n).map(new Counter()).uid('counter').executeAndCollect('operator-state');
