/**
 * The operators of one vertex in one subtask, wired together: chained operators call each other
 * directly through {@link ChainingOutput}; the chain's exits are {@link RecordWriter}s. Each
 * operator gets its context (keyed state and timers when its input is keyed).
 *
 * Per-record cost of a chain link: one counter increment and two stores (the index of the operator
 * running, so a failure can name it) around a direct call.
 */
import { ElementKind, type Clock } from '../core/index.ts';
import type { Output, OutputTag, StreamOperator, TwoInputStreamOperator, OperatorContext, UserLogger } from '../api/index.ts';
import type { JobVertex, JobEdge, StreamNode } from '../graph/index.ts';
import { isChainable } from '../graph/index.ts';
import type { RecordWriter } from './record-writer.ts';
import { RecordWriterOutput } from './record-writer.ts';
import { createOperatorStateServices, type OperatorStateServices } from './state-services.ts';
import type { ChannelState, OperatorSubtaskState } from '../checkpoint/index.ts';
import type { KeyedStateBackendOptions, KeyedStateSnapshot, OperatorStateSnapshot, PendingKeyedSnapshot, TimerServiceSnapshot } from '../state/index.ts';

/** What one operator subtask gets back on restore (already redistributed for its parallelism). */
export interface RestoredOperatorState {
  keyed?: KeyedStateSnapshot[];
  timers?: TimerServiceSnapshot[];
  operator?: OperatorStateSnapshot;
  custom?: unknown[];
  splits?: unknown[];
  /** In-flight data of an unaligned checkpoint (head operator; same parallelism only): restored by the slot. */
  channels?: ChannelState;
  /** The subtask had finished when the checkpoint was taken: it is restored finished. */
  finished?: boolean;
}

export interface OperatorStats {
  recordsIn: number;
  recordsOut: number;
  /** The last watermark the operator received / emitted (metrics; written per watermark, not per record). */
  inputWatermark: number;
  outputWatermark: number;
}

/** Which operator of a chain is running (for error messages). */
export interface RunningMarker {
  currentOp: number;
}

export class ChainingOutput implements Output<unknown> {
  constructor(
    private readonly op: StreamOperator<unknown, unknown>,
    private readonly marker: RunningMarker,
    private readonly index: number,
    private readonly stats: OperatorStats,
  ) {}
  collect(value: unknown, timestamp: number): void {
    const m = this.marker;
    const prev = m.currentOp;
    m.currentOp = this.index;
    this.stats.recordsIn++;
    this.op.processElement(value, timestamp);
    m.currentOp = prev;
  }
  collectSide<X>(): void {}
  emitWatermark(watermark: number): void {
    const m = this.marker;
    const prev = m.currentOp;
    m.currentOp = this.index;
    this.stats.inputWatermark = watermark;
    this.op.processWatermark(watermark);
    m.currentOp = prev;
  }
}

/** An operator's output: its main consumers, and consumers per side-output tag. */
export class OperatorOutput implements Output<unknown> {
  private readonly single: Output<unknown> | undefined;
  constructor(
    private readonly main: Output<unknown>[],
    private readonly side: Map<string, Output<unknown>[]>,
    private readonly stats: OperatorStats,
    private readonly writers: RecordWriter[],
  ) {
    this.single = main.length === 1 ? main[0] : undefined;
  }
  collect(value: unknown, timestamp: number): void {
    this.stats.recordsOut++;
    const s = this.single;
    if (s !== undefined) s.collect(value, timestamp);
    else for (let i = 0; i < this.main.length; i++) this.main[i]!.collect(value, timestamp);
  }
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    const list = this.side.get(tag.id);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) list[i]!.collect(value, timestamp);
  }
  emitWatermark(watermark: number): void {
    this.stats.outputWatermark = watermark;
    for (const o of this.main) o.emitWatermark(watermark);
    for (const l of this.side.values()) for (const o of l) o.emitWatermark(watermark);
  }
  markIdle(): void {
    for (const w of this.writers) w.broadcastControl({ k: ElementKind.Idle });
  }
  markActive(): void {
    for (const w of this.writers) w.broadcastControl({ k: ElementKind.Active });
  }
}

export interface ChainEnv {
  jobName: string;
  subtask: number;
  attempt: number;
  clock: Clock;
  stateBackend: 'heap' | 'lmdb';
  stateDir: string;
  /** This slot's working directory (the lmdb environment lives here). */
  workDir: string;
  /** Incremental lmdb checkpoints (shared directory and tuning), when on. */
  incremental?: KeyedStateBackendOptions['incremental'];
  /** Writers for the vertex's outgoing job edges, by edge index. */
  writers: Map<number, RecordWriter>;
  requestWakeup(opIndex: number, at: number): void;
  /** Operator `opIndex` asked for mail (an asynchronous completion): flag it and wake the slot. */
  requestMail(opIndex: number): void;
  sendToCoordinator(operatorId: string, message: unknown): void;
  checkpointing: boolean;
  reportAsyncError(e: unknown): void;
  /** The logger of an operator subtask (`getRuntimeContext().getLogger()`); absent: records go to stderr. */
  userLogger?(operatorId: string, operatorName: string): UserLogger;
}

export interface ChainedOperator {
  node: StreamNode;
  op: StreamOperator<unknown, unknown> & Partial<TwoInputStreamOperator<unknown, unknown, unknown>>;
  stats: OperatorStats;
  ctx: OperatorContext;
  state: OperatorStateServices;
  wakeupAt: number;
  /** Mail requested (see `OperatorContext.requestMail`), not yet processed. */
  mail: boolean;
}

export class OperatorChain {
  readonly operators: ChainedOperator[] = [];
  readonly head: ChainedOperator;
  /** Output of the head (sources emit into it). */
  readonly headOutput: Output<unknown>;
  readonly marker: RunningMarker = { currentOp: 0 };
  readonly writers: RecordWriter[];

  constructor(
    readonly vertex: JobVertex,
    env: ChainEnv,
  ) {
    this.writers = [...env.writers.values()];
    const byNode = new Map<StreamNode, ChainedOperator>();
    const outputs = new Map<StreamNode, Output<unknown>>();
    // Create operators in chain order (head first) so indices follow the chain.
    vertex.nodes.forEach((node, index) => {
      const stats: OperatorStats = { recordsIn: 0, recordsOut: 0, inputWatermark: -Infinity, outputWatermark: -Infinity };
      const op = (node.factory ? node.factory() : undefined) as ChainedOperator['op'] | undefined;
      const state = createOperatorStateServices(node, vertex, env);
      const entry: ChainedOperator = { node, op: op!, stats, ctx: undefined as unknown as OperatorContext, state, wakeupAt: Infinity, mail: false };
      entry.ctx = {
        operatorId: node.operatorId,
        operatorName: node.name,
        jobName: env.jobName,
        subtaskIndex: env.subtask,
        parallelism: vertex.parallelism,
        maxParallelism: vertex.maxParallelism,
        attemptNumber: env.attempt,
        clock: env.clock,
        keyedState: state.keyed,
        timerService: state.timers,
        operatorState: state.operatorState,
        metrics: state.metrics,
        metricGroup: state.metrics,
        logger: env.userLogger?.(node.operatorId, node.name),
        requestProcessingTimeWakeup: (at: number) => env.requestWakeup(index, at),
        requestMail: () => env.requestMail(index),
        sendToCoordinator: (m: unknown) => env.sendToCoordinator(node.operatorId, m),
        checkpointing: env.checkpointing,
        reportAsyncError: (e: unknown) => env.reportAsyncError(e),
      };
      this.operators.push(entry);
      byNode.set(node, entry);
    });
    // Wire outputs from the tail backwards. Idle/active status goes to every writer the operator reaches,
    // through the operators chained after it too (a source chained with a map is idle as a whole).
    const reach = new Map<StreamNode, RecordWriter[]>();
    for (let i = this.operators.length - 1; i >= 0; i--) {
      const entry = this.operators[i]!;
      const main: Output<unknown>[] = [];
      const side = new Map<string, Output<unknown>[]>();
      const myWriters: RecordWriter[] = [];
      for (const e of entry.node.outEdges) {
        let out: Output<unknown>;
        if (isChainable(e)) {
          const target = byNode.get(e.target)!;
          out = new ChainingOutput(target.op, this.marker, this.operators.indexOf(target), target.stats);
          for (const w of reach.get(e.target) ?? []) if (!myWriters.includes(w)) myWriters.push(w);
        } else {
          const je = vertex.outputs.find((x: JobEdge) => x.sourceNode === entry.node && x.target.head === e.target && x.sideTag === e.sideTag && x.inputIndex === e.inputIndex)!;
          const w = env.writers.get(je.index)!;
          if (!myWriters.includes(w)) myWriters.push(w);
          out = new RecordWriterOutput(w);
        }
        if (e.sideTag === undefined) main.push(out);
        else {
          const l = side.get(e.sideTag) ?? [];
          l.push(out);
          side.set(e.sideTag, l);
        }
      }
      const output = new OperatorOutput(main, side, entry.stats, myWriters);
      outputs.set(entry.node, output);
      reach.set(entry.node, myWriters);
      if (entry.op) entry.op.setup(entry.ctx, output as Output<unknown>);
    }
    this.head = this.operators[0]!;
    this.headOutput = outputs.get(this.head.node)!;
    this.backpressuring = this.operators.filter((o) => typeof o.op?.isBackpressured === 'function');
  }

  /** Operators that can refuse input (async I/O), checked per batch. */
  private readonly backpressuring: ChainedOperator[];
  /** How far `finishSome` got: operators before this index are finished and drained. */
  private finishedUpTo = 0;
  private finishCalled = false;

  /** Whether an operator of the chain takes no more input for now (async I/O at capacity). */
  backpressured(): boolean {
    const l = this.backpressuring;
    for (let i = 0; i < l.length; i++) if (l[i]!.op.isBackpressured!()) return true;
    return false;
  }

  /** Restores state (when given), then initializeState + open, head last (downstream ready first, as in Flink). */
  open(restored?: Record<string, RestoredOperatorState>): void {
    for (let i = this.operators.length - 1; i >= 0; i--) {
      const o = this.operators[i]!;
      this.marker.currentOp = i;
      const r = restored?.[o.node.operatorId];
      if (r) {
        if (r.keyed?.length && o.state.keyed) o.state.keyed.restore(r.keyed);
        if (r.timers?.length && o.state.timers) o.state.timers.restore(r.timers);
        if (r.operator) o.state.operatorState.restore(r.operator);
      }
      if (!o.op) continue;
      o.op.initializeState(r ? { custom: r.custom ?? [] } : undefined);
      o.op.open();
    }
  }

  /**
   * The synchronous part of an asynchronous checkpoint: every operator's state captured now, keyed state
   * as a {@link PendingKeyedSnapshot} (cheap: heap copy-on-write, an lmdb read transaction) to be encoded
   * later; `keyed[i].index` is the operator (and state) it belongs to. Timers, operator and custom state
   * are small and taken whole. On an exception, captures already taken are released.
   */
  captureSnapshot(checkpointId: number, subtask: number): { states: OperatorSubtaskState[]; keyed: { index: number; pending: PendingKeyedSnapshot }[] } {
    const states: OperatorSubtaskState[] = [];
    const keyed: { index: number; pending: PendingKeyedSnapshot }[] = [];
    try {
      for (let i = 0; i < this.operators.length; i++) {
        const o = this.operators[i]!;
        this.marker.currentOp = i;
        o.op?.snapshotFunctionState?.(checkpointId);
        const custom = o.op?.snapshotState?.(checkpointId);
        const st: OperatorSubtaskState = { operatorId: o.node.operatorId, subtask };
        if (o.state.keyed) keyed.push({ index: i, pending: o.state.keyed.captureSnapshot(checkpointId) });
        if (o.state.timers) st.timers = o.state.timers.snapshot();
        if (o.state.operatorState.getRegisteredStateNames().length > 0) st.operator = o.state.operatorState.snapshot();
        if (custom !== undefined) st.custom = custom;
        states.push(st);
      }
    } catch (e) {
      for (const k of keyed) k.pending.release();
      throw e;
    }
    return { states, keyed };
  }

  /** The state of a checkpoint taken after the chain finished: each operator marked finished, with what it keeps beyond its end. */
  finishedSnapshot(checkpointId: number, subtask: number): OperatorSubtaskState[] {
    const states: OperatorSubtaskState[] = [];
    for (let i = 0; i < this.operators.length; i++) {
      const o = this.operators[i]!;
      this.marker.currentOp = i;
      const st: OperatorSubtaskState = { operatorId: o.node.operatorId, subtask, finished: true };
      const custom = o.op?.snapshotFinishedState?.(checkpointId);
      if (custom !== undefined) st.custom = custom;
      states.push(st);
    }
    return states;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (let i = 0; i < this.operators.length; i++) {
      this.marker.currentOp = i;
      this.operators[i]!.op?.notifyCheckpointComplete?.(checkpointId);
    }
  }

  notifyCheckpointAborted(checkpointId: number): void {
    for (let i = 0; i < this.operators.length; i++) {
      this.marker.currentOp = i;
      this.operators[i]!.op?.notifyCheckpointAborted?.(checkpointId);
    }
  }

  /**
   * End of input: finishes operators head first; an operator with asynchronous work still
   * pending after its `finish()` (async I/O) stops the walk until its mail has drained it. Returns whether
   * every operator is finished. Call again after processing mail.
   */
  finishSome(): boolean {
    const ops = this.operators;
    while (this.finishedUpTo < ops.length) {
      const i = this.finishedUpTo;
      const o = ops[i]!;
      if (o.op) {
        this.marker.currentOp = i;
        if (!this.finishCalled) {
          this.finishCalled = true;
          o.op.finish();
        }
        if (o.op.hasPendingWork?.() === true) return false;
      }
      this.finishedUpTo = i + 1;
      this.finishCalled = false;
    }
    return true;
  }

  /** Processes the mail operators asked for (asynchronous completions), head first. */
  processMail(): void {
    const ops = this.operators;
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i]!;
      if (!o.mail) continue;
      o.mail = false;
      this.marker.currentOp = i;
      o.op.processMail?.();
    }
  }

  /** Waits for asynchronous work of every operator (after finish). */
  async drain(): Promise<void> {
    for (const o of this.operators) await o.op?.drain?.();
  }

  close(): void {
    let first: unknown;
    for (const o of this.operators) {
      try {
        o.op?.close();
      } catch (e) {
        first ??= e;
      }
      try {
        o.state.dispose();
      } catch (e) {
        first ??= e;
      }
    }
    if (first) throw first;
  }
}
