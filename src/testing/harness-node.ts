/**
 * One operator of a test harness: the operator instance, its context (keyed state backend, timer service,
 * operator state, metrics, wake-ups) and the key selector(s) that set the current key before each record.
 * Created and driven by {@link HarnessRuntime}; no threads, no network, a manual clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EddyError, KeyGroupRange, preview, type ManualClock } from '../core/index.ts';
import type { OperatorContext, OperatorMetrics, OperatorSnapshot, Output, StreamOperator, TwoInputStreamOperator, Transformation } from '../api/index.ts';
import {
  createKeyedStateBackend,
  InternalTimerService,
  OperatorStateStore,
  type KeyedStateBackend,
  type StateBackendKind,
  type TimerServiceSnapshot,
} from '../state/index.ts';

/** Options shared by the harnesses. */
export interface HarnessOptions {
  /** Keyed state backend of keyed operators (default `heap`). */
  stateBackend?: StateBackendKind;
  /** Parent directory for the lmdb backend's working copy (default: the OS temp directory). Removed on close. */
  stateDir?: string;
  /** Default 128. */
  maxParallelism?: number;
  /** Simulate subtask `subtaskIndex` of `parallelism` (default 0 of 1): only keys of its key groups are accepted. */
  parallelism?: number;
  subtaskIndex?: number;
  /** Initial processing time (default 0). */
  processingTime?: number;
  jobName?: string;
}

/** Metric counters of one operator. */
export class HarnessCounters implements OperatorMetrics {
  readonly map = new Map<string, { count: number; inc(n?: number): void }>();
  counter(name: string): { count: number; inc(n?: number): void } {
    let c = this.map.get(name);
    if (c === undefined) {
      const cc = { count: 0, inc: (n = 1) => void (cc.count += n) };
      this.map.set(name, (c = cc));
    }
    return c;
  }
}

type AnyOperator = StreamOperator<unknown, unknown> & Partial<TwoInputStreamOperator<unknown, unknown, unknown>>;

/** An operator in the harness. */
export class HarnessNode {
  readonly op: AnyOperator;
  readonly keyed: KeyedStateBackend | undefined;
  readonly timers: InternalTimerService | undefined;
  readonly operatorState: OperatorStateStore;
  readonly metrics = new HarnessCounters();
  readonly ctx: OperatorContext;
  readonly keySelectors: Array<((v: any) => unknown) | undefined>;
  wakeupAt = Infinity;
  /** The operator asked for mail (asynchronous completions); the harness processes it on request. */
  mail = false;
  private tempDir: string | undefined;

  constructor(
    readonly t: Transformation & { kind: 'one-input' | 'two-input' },
    readonly id: string,
    clock: ManualClock,
    opts: HarnessOptions,
    onMail: () => void = () => {},
  ) {
    this.keySelectors = t.kind === 'one-input' ? [t.keySelector] : [t.keySelector1, t.keySelector2];
    const isKeyed = this.keySelectors.some((k) => k !== undefined);
    const maxParallelism = opts.maxParallelism ?? t.maxParallelism ?? 128;
    const parallelism = opts.parallelism ?? 1;
    const subtask = opts.subtaskIndex ?? 0;
    if (isKeyed) {
      const kind = opts.stateBackend ?? 'heap';
      let dir: string | undefined;
      if (kind === 'lmdb') dir = this.tempDir = mkdtempSync(join(opts.stateDir ?? tmpdir(), 'eddy-harness-'));
      this.keyed = createKeyedStateBackend({
        kind,
        dir,
        operatorId: id,
        operatorName: t.name,
        maxParallelism,
        keyGroupRange: KeyGroupRange.forSubtask(maxParallelism, parallelism, subtask),
        clock,
      });
      this.timers = new InternalTimerService(this.keyed, { name: `${t.name} timers` });
    }
    this.operatorState = new OperatorStateStore(id);
    this.op = t.factory() as AnyOperator;
    if (!this.op || typeof this.op.setup !== 'function') throw new EddyError(`harness: the factory of '${t.name}' did not return an operator`);
    this.ctx = {
      operatorId: id,
      operatorName: t.name,
      jobName: opts.jobName ?? 'harness',
      subtaskIndex: subtask,
      parallelism,
      maxParallelism,
      attemptNumber: 0,
      clock,
      keyedState: this.keyed,
      timerService: this.timers,
      operatorState: this.operatorState,
      metrics: this.metrics,
      requestProcessingTimeWakeup: (at: number) => {
        if (at < this.wakeupAt) this.wakeupAt = at;
      },
      sendToCoordinator: () => {},
      requestMail: () => {
        this.mail = true;
        onMail();
      },
    };
  }

  setup(output: Output<unknown>): void {
    this.op.setup(this.ctx, output);
  }

  /** Restores state (if any), then initializeState + open. */
  open(restored: HarnessOperatorSnapshot | undefined): void {
    if (restored) {
      if (restored.keyed && this.keyed) this.keyed.restore([restored.keyed]);
      if (restored.timers && this.timers) this.timers.restore([restored.timers as TimerServiceSnapshot]);
      this.operatorState.restore(restored.operator);
    }
    this.op.initializeState(restored);
    this.op.open();
  }

  /** Sets the current key for a record of input `input` (0 or 1) of a keyed operator. */
  setKey(input: number, value: unknown): void {
    const sel = this.keySelectors[input];
    if (sel === undefined || this.keyed === undefined) return;
    const key = sel(value);
    if (key === undefined)
      throw new EddyError(`operator '${this.t.name}': the key selector${this.keySelectors.length > 1 ? ` of input ${input + 1}` : ''} returned undefined for record ${preview(value, 80)}`, {
        domain: 'user',
      });
    this.keyed.setCurrentKey(key);
  }

  /** As the runtime's operator chain: the operator's own snapshot steps first, then the state capture. */
  snapshot(checkpointId: number): HarnessOperatorSnapshot {
    this.op.snapshotFunctionState?.(checkpointId);
    const custom = this.op.snapshotState?.(checkpointId);
    return {
      keyed: this.keyed?.snapshot(checkpointId),
      timers: this.timers?.snapshot(),
      operator: this.operatorState.snapshot(),
      custom,
    };
  }

  close(): void {
    try {
      this.op.close();
    } finally {
      this.keyed?.dispose();
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    }
  }
}

/** The state of one operator in a harness snapshot. */
export type HarnessOperatorSnapshot = OperatorSnapshot;

