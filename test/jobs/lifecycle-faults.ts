// Faults in the lifecycle of user functions: in snapshotState, in initializeState on restore, in close,
// and a checkpoint that times out; output through the exactly-once FileSink.
import { StreamEnvironment, RichMapFunction, RestartStrategies, ListStateDescriptor, jobParameters } from 'eddy';
import type { CheckpointedFunction, FunctionInitializationContext, FunctionSnapshotContext, ListState } from 'eddy';
import { FileSink } from 'eddy/connectors/file';

const { fault = 'none', out, n = 4000 } = jobParameters<{ fault?: string; out: string; n?: number }>();

class Faulty extends RichMapFunction<number, string> implements CheckpointedFunction {
  private state!: ListState<number>;
  private snapshots = 0;
  initializeState(ctx: FunctionInitializationContext): void {
    this.state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('s'));
    if (fault === 'restore' && ctx.isRestored() && this.getRuntimeContext().getAttemptNumber() === 1) throw new Error('injected failure in initializeState');
  }
  snapshotState(_ctx: FunctionSnapshotContext): void {
    this.snapshots++;
    if ((fault === 'snapshot' || fault === 'restore') && this.getRuntimeContext().getAttemptNumber() === 0 && this.snapshots === 3) throw new Error('injected failure in snapshotState');
    this.state.update([this.snapshots]);
  }
  map(v: number): string {
    const until = performance.now() + (fault === 'timeout' && v % 500 === 0 ? 120 : 0.1);
    while (performance.now() < until);
    return String(v);
  }
  override close(): void {
    if (fault === 'close') throw new Error('injected failure in close');
  }
}

const env = StreamEnvironment.create({ parallelism: 2 });
env.enableCheckpointing(fault === 'timeout' ? 40 : 60, fault === 'timeout' ? { timeoutMs: 60, tolerableFailures: 1000 } : {});
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
env.fromSequence(1, n).map(new Faulty()).uid('faulty').sinkTo(FileSink.forRowFormat<string>(out).build());
await env.execute('lifecycle');
