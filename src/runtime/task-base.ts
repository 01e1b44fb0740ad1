/**
 * {@link StreamTask}: one subtask of one vertex, driven by its slot's loop. `step()` does a bounded amount
 * of work (one input element or one source poll) synchronously and says whether it made progress.
 *
 * This base holds what every task does around its input: taking a checkpoint's synchronous part and
 * forwarding its barrier, the checkpoints snapshotted but not yet acknowledged (keyed state being encoded
 * between slices), checkpoints after the end of input, mail, processing-time timers, ending the outputs,
 * and wrapping exceptions so they name the operator and subtask.
 *
 * The tasks themselves: `SourceTask` (source-task.ts) polls a reader; `InputTask` (input-task.ts) reads
 * channels, on top of `BarrierHandlingTask` (barrier-handling-task.ts), which carries out what the pure
 * `BarrierAligner` decides about barriers.
 */
import { ElementKind, faultPoint, UserFunctionError, type BarrierElement } from '../core/index.ts';
import type { OperatorChain } from './operator-chain.ts';
import type { OperatorSubtaskState } from '../checkpoint/index.ts';
import type { InFlightCapture } from './channel-state.ts';
import { PendingCheckpoint } from './pending-checkpoint.ts';

/** `EDDY_DEBUG_CHECKPOINTS`: tasks log how long the synchronous part and the encoding slices of checkpoints take. */
const DEBUG = typeof process !== 'undefined' && process.env.EDDY_DEBUG_CHECKPOINTS !== undefined;
function debugLog(line: string): void {
  process.stderr.write(`[eddy] ${line}\n`);
}

/** How a checkpoint's barrier is forwarded: its flags (see {@link BarrierElement}). */
export interface BarrierOptions {
  savepoint: boolean;
  unaligned?: boolean;
  alignedUntil?: number;
}

export abstract class StreamTask {
  finished = false;
  /**
   * The task had finished when the restored checkpoint was taken: it does not process or finish again, it
   * only ends its outputs (and keeps answering checkpoints as finished).
   */
  finishedOnRestore = false;
  /** The newest checkpoint this task snapshotted. */
  protected lastSnapshotId = 0;
  /** Records taken in by the head (for positions in error messages). */
  position = 0;
  /** An operator of the chain asked for mail (async I/O completions): processed by `step()` before input. */
  mail = false;
  /**
   * The input ended but an operator still has asynchronous work (async I/O requests in flight): the task
   * processes mail until the chain is finished, then ends its outputs.
   */
  protected ending = false;
  constructor(
    readonly chain: OperatorChain,
    readonly subtask: number,
  ) {}

  abstract runnable(): boolean;
  abstract step(batchSize: number): boolean;

  /** Set by the slot: acknowledges a checkpoint with this task's state. */
  onCheckpoint: (checkpointId: number, states: OperatorSubtaskState[]) => void = () => {};
  /** Set by the slot: the time, and a wake-up request for the slot's timer. */
  time: { now(): number; requestTime(at: number): void } = { now: () => 0, requestTime: () => {} };
  /** Snapshotted checkpoints not yet acknowledged (oldest first). */
  protected readonly pendingCheckpoints: PendingCheckpoint[] = [];

  /** Extra state of the head (source splits). */
  protected headExtras(_checkpointId: number): Partial<OperatorSubtaskState> {
    return {};
  }

  /**
   * Snapshots synchronously and forwards the barrier to every output. Aligned: behind the records
   * emitted before it. Unaligned (`capture` given): partial batches are flushed, each channel's backlog is
   * recorded as output channel state, and the barrier is delivered ahead of it. The acknowledgement
   * follows when the checkpoint is {@link PendingCheckpoint.ready} (unaligned: when `capture` completes).
   */
  protected checkpoint(checkpointId: number, o: BarrierOptions, capture?: InFlightCapture): PendingCheckpoint {
    const t0 = DEBUG ? performance.now() : 0;
    let snap: ReturnType<OperatorChain['captureSnapshot']>;
    try {
      snap = this.chain.captureSnapshot(checkpointId, this.subtask);
      try {
        Object.assign(snap.states[0]!, this.headExtras(checkpointId));
      } catch (e) {
        for (const k of snap.keyed) k.pending.release();
        throw e;
      }
    } catch (e) {
      throw this.wrap(e, `checkpoint ${checkpointId}`);
    }
    faultPoint('task:after-snapshot');
    if (checkpointId > this.lastSnapshotId) this.lastSnapshotId = checkpointId;
    const barrier: BarrierElement = { k: ElementKind.Barrier, id: checkpointId, savepoint: o.savepoint };
    if (o.unaligned) barrier.unaligned = true;
    else if (o.alignedUntil !== undefined) barrier.alignedUntil = o.alignedUntil;
    if (capture !== undefined) {
      for (const w of this.chain.writers) {
        w.flush();
        for (const oc of w.outputChannels) {
          capture.captureOutput(oc);
          oc.sendPriority(barrier);
        }
      }
    } else for (const w of this.chain.writers) w.broadcastControl(barrier);
    const p = new PendingCheckpoint(checkpointId, snap.states, snap.keyed);
    this.pendingCheckpoints.push(p);
    if (DEBUG) debugLog(`checkpoint ${checkpointId} at ${this.describe()}: synchronous part ${(performance.now() - t0).toFixed(2)} ms`);
    return p;
  }

  /**
   * A checkpoint triggered after this task finished (Flink's checkpoints after tasks finished): acknowledged
   * at once, each operator marked finished with only what it keeps beyond its end (a sink's committables).
   */
  snapshotFinished(checkpointId: number): void {
    let states: OperatorSubtaskState[];
    try {
      states = this.chain.finishedSnapshot(checkpointId, this.subtask);
    } catch (e) {
      throw this.wrap(e, `checkpoint ${checkpointId} (after its end of input)`);
    }
    if (checkpointId > this.lastSnapshotId) this.lastSnapshotId = checkpointId;
    this.onCheckpoint(checkpointId, states);
  }

  /** Whether keyed state of a pending checkpoint is still being encoded (the slot keeps calling {@link encodeSome}). */
  get encoding(): boolean {
    for (const p of this.pendingCheckpoints) if (p.encoding) return true;
    return false;
  }

  /**
   * Between mailbox slices: encodes pending keyed snapshots until `until` (a `performance.now()` time),
   * oldest checkpoint first, and acknowledges those that are ready. Returns whether encoding remains.
   */
  encodeSome(until: number): boolean {
    const t0 = DEBUG ? performance.now() : 0;
    for (const p of this.pendingCheckpoints) {
      if (!p.writeSome(until)) break;
    }
    if (DEBUG) {
      const dt = performance.now() - t0;
      if (dt > this.longestEncodeSlice) this.longestEncodeSlice = dt;
    }
    try {
      this.acknowledgeReady();
    } catch (e) {
      throw this.wrap(e, `checkpoint ${this.pendingCheckpoints[0]?.checkpointId ?? ''}`);
    }
    return this.encoding;
  }
  private longestEncodeSlice = 0;

  /** Acknowledges every pending checkpoint that is ready, in order. */
  protected acknowledgeReady(): void {
    const list = this.pendingCheckpoints;
    while (list.length > 0 && list[0]!.ready()) {
      const p = list.shift()!;
      this.onCheckpoint(p.checkpointId, p.finish());
      if (DEBUG) {
        debugLog(`checkpoint ${p.checkpointId} at ${this.describe()}: acknowledged; longest encoding slice so far ${this.longestEncodeSlice.toFixed(2)} ms`);
      }
      faultPoint('task:after-ack');
    }
  }

  /** Drops a pending checkpoint (aborted by the coordinator, or superseded). */
  protected dropCheckpoint(checkpointId: number): void {
    const i = this.pendingCheckpoints.findIndex((p) => p.checkpointId === checkpointId);
    if (i < 0) return;
    this.pendingCheckpoints[i]!.release();
    this.pendingCheckpoints.splice(i, 1);
    this.acknowledgeReady();
  }

  /** The coordinator aborted a checkpoint. */
  abortCheckpoint(checkpointId: number): void {
    this.dropCheckpoint(checkpointId);
  }

  /** Releases what pending checkpoints hold (the task is closing or failed). */
  releaseCheckpoints(): void {
    for (const p of this.pendingCheckpoints) p.release();
    this.pendingCheckpoints.length = 0;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    try {
      this.chain.notifyCheckpointComplete(checkpointId);
    } catch (e) {
      throw this.wrap(e, `notifyCheckpointComplete(${checkpointId})`);
    }
  }

  get name(): string {
    return this.chain.vertex.name;
  }

  /** Names the task's head operator and subtask (for errors). */
  protected describe(): string {
    return `operator '${this.chain.head.node.name}' (subtask ${this.subtask + 1}/${this.chain.vertex.parallelism})`;
  }

  /** No more input for now: an output is backlogged, or an operator refuses input (async I/O at capacity). */
  get blocked(): boolean {
    return this.outputBlocked || this.chain.backpressured();
  }

  /** An output is backlogged (no credit). */
  get outputBlocked(): boolean {
    for (const w of this.chain.writers) if (w.blocked) return true;
    return false;
  }

  /** Mail is waiting and its results can go out. */
  protected mailReady(): boolean {
    return this.mail && !this.outputBlocked;
  }

  /** Processes the chain's mail; while ending, finishes the chain once the mail drained it. */
  protected processMail(): void {
    this.mail = false;
    try {
      this.chain.processMail();
    } catch (e) {
      throw this.wrap(e, 'an asynchronous result');
    }
    if (this.ending) this.continueEnding();
  }

  /** Flushes partial output batches. */
  flush(): void {
    for (const w of this.chain.writers) w.flush();
  }

  /** Sends end of input downstream after finishing the chain. */
  protected endOfInput(): void {
    // Checkpoints still encoding are finished now: nothing of this task runs after its end of input.
    for (const p of this.pendingCheckpoints) p.finishEncoding();
    this.acknowledgeReady();
    this.ending = true;
    this.continueEnding();
  }

  /** Finishes the chain as far as its asynchronous work allows; when all is finished, ends the outputs. */
  protected continueEnding(): void {
    if (!this.finishedOnRestore && !this.chain.finishSome()) return; // waits for mail
    this.ending = false;
    for (const w of this.chain.writers) w.broadcastControl({ k: ElementKind.EndOfInput });
    this.finished = true;
  }

  /** Fires due processing-time timers and wake-ups; returns the next time anything is due. */
  onTime(now: number): number {
    let next = Infinity;
    const m = this.chain.marker;
    for (let i = 0; i < this.chain.operators.length; i++) {
      const o = this.chain.operators[i]!;
      if (!o.op) continue;
      m.currentOp = i;
      try {
        const ts = o.state.timers;
        if (ts) {
          const due = ts.nextProcessingTime();
          if (due !== undefined && due <= now) {
            const op = o.op;
            const ks = o.state.keyed!;
            ks.batch(() => ts.advanceProcessingTime(now, (k: unknown, ns: string | number, t: number) => op.onProcessingTime?.(k, ns, t)));
          }
          const n2 = ts.nextProcessingTime();
          if (n2 !== undefined && n2 < next) next = n2;
        }
        if (o.wakeupAt <= now) {
          o.wakeupAt = Infinity;
          o.op.onWakeup?.(now);
        }
        if (o.wakeupAt < next) next = o.wakeupAt;
      } catch (e) {
        throw this.wrap(e, 'a processing-time timer');
      }
    }
    return next;
  }

  wrap(e: unknown, what: string): Error {
    if (e instanceof UserFunctionError) return e;
    const o = this.chain.operators[this.chain.marker.currentOp] ?? this.chain.head;
    const p = this.chain.vertex.parallelism;
    const msg = e instanceof Error ? e.message : String(e);
    return new UserFunctionError(
      `operator '${o.node.name}' (id ${o.node.operatorId}, subtask ${this.subtask + 1}/${p}) failed on ${what}: ${msg}`,
      o.node.name,
      this.subtask,
      e,
    );
  }
}

