/**
 * Base class for operators: keeps the context and output, wires rich functions (runtime context,
 * open/close), fires event-time timers on watermarks, and forwards watermarks. Subclasses implement
 * `processElement`.
 */
import { EddyError } from '../../core/index.ts';
import { OperatorMetricGroup } from '../../metrics/index.ts';
import { STDERR_USER_LOGGER } from '../user-logger.ts';
import type { OperatorContext, OperatorSnapshot, Output, StreamOperator } from '../operator.ts';
import type { RichFunctionLifecycle, RuntimeContext, CheckpointedFunction, CheckpointListener, FunctionInitializationContext } from '../functions.ts';

function isListener(f: unknown): f is CheckpointListener {
  return f !== null && typeof f === 'object' && typeof (f as CheckpointListener).notifyCheckpointComplete === 'function';
}

function isCheckpointed(f: unknown): f is CheckpointedFunction {
  return f !== null && typeof f === 'object' && typeof (f as CheckpointedFunction).initializeState === 'function' && typeof (f as CheckpointedFunction).snapshotState === 'function';
}
import type { KeyedStateBackend } from '../../state/index.ts';

export abstract class AbstractStreamOperator<IN, OUT> implements StreamOperator<IN, OUT> {
  protected ctx!: OperatorContext;
  protected output!: Output<OUT>;
  /** The user functions this operator calls; opened and closed with it. */
  protected functions: unknown[] = [];
  private readonly fireEventTimer = (key: unknown, ns: string | number, ts: number): void => this.onEventTime(key, ns, ts);

  setup(context: OperatorContext, output: Output<OUT>): void {
    this.ctx = context;
    this.output = output;
  }

  /** Calls `initializeState` of user functions that are {@link CheckpointedFunction}s. */
  initializeState(restored: OperatorSnapshot | undefined): void {
    const ctx: FunctionInitializationContext = {
      isRestored: () => restored !== undefined,
      getOperatorStateStore: () => this.ctx.operatorState,
    };
    const rc = this.runtimeContext();
    for (const f of this.functions) {
      // Flink sets the runtime context before initializeState
      if (f && typeof f === 'object' && typeof (f as RichFunctionLifecycle).setRuntimeContext === 'function') (f as RichFunctionLifecycle).setRuntimeContext!(rc);
      if (isCheckpointed(f)) f.initializeState(ctx);
    }
  }

  /** Calls `snapshotState` of user functions that are {@link CheckpointedFunction}s. */
  snapshotFunctionState(checkpointId: number): void {
    for (const f of this.functions) if (isCheckpointed(f)) f.snapshotState({ getCheckpointId: () => checkpointId });
  }

  open(): void {
    const rc = this.runtimeContext();
    for (const f of this.functions) {
      if (f && typeof f === 'object') {
        const rf = f as RichFunctionLifecycle;
        if (typeof rf.setRuntimeContext === 'function') rf.setRuntimeContext(rc);
        if (typeof rf.open === 'function') rf.open();
      }
    }
  }

  abstract processElement(value: IN, timestamp: number): void;

  processWatermark(watermark: number): void {
    const timers = this.ctx.timerService;
    if (timers) timers.advanceWatermark(watermark, this.fireEventTimer);
    this.output.emitWatermark(watermark);
  }

  /** Tells user functions that are {@link CheckpointListener}s. */
  notifyCheckpointComplete(checkpointId: number): void {
    for (const f of this.functions) if (isListener(f)) f.notifyCheckpointComplete(checkpointId);
  }
  notifyCheckpointAborted(checkpointId: number): void {
    for (const f of this.functions) if (isListener(f)) f.notifyCheckpointAborted?.(checkpointId);
  }

  onEventTime(_key: unknown, _namespace: string | number, _timestamp: number): void {}
  onProcessingTime(_key: unknown, _namespace: string | number, _timestamp: number): void {}

  finish(): void {}

  close(): void {
    for (const f of this.functions) {
      if (f && typeof f === 'object' && typeof (f as RichFunctionLifecycle).close === 'function') (f as RichFunctionLifecycle).close!();
    }
  }

  protected keyedState(): KeyedStateBackend {
    const ks = this.ctx.keyedState;
    if (!ks)
      throw new EddyError(`keyed state used outside a keyed context in operator '${this.ctx.operatorName}': call keyBy() first`, {
        domain: 'user',
      });
    return ks;
  }

  /** The context a rich function sees. */
  protected runtimeContext(): RuntimeContext {
    const ctx = this.ctx;
    const keyed = () => this.keyedState();
    // outside the runtime (a bare harness) metrics go to a group nobody reads
    const group = ctx.metricGroup ?? new OperatorMetricGroup();
    return {
      getIndexOfThisSubtask: () => ctx.subtaskIndex,
      getNumberOfParallelSubtasks: () => ctx.parallelism,
      getMaxNumberOfParallelSubtasks: () => ctx.maxParallelism,
      getJobName: () => ctx.jobName,
      getTaskName: () => ctx.operatorName,
      getAttemptNumber: () => ctx.attemptNumber,
      getMetricGroup: () => group,
      getLogger: () => ctx.logger ?? STDERR_USER_LOGGER,
      getState: (d) => keyed().getState(d),
      getListState: (d) => keyed().getListState(d),
      getMapState: (d) => keyed().getMapState(d),
      getReducingState: (d) => keyed().getReducingState(d),
      getAggregatingState: (d) => keyed().getAggregatingState(d),
    };
  }
}
