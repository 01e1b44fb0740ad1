/**
 * {@link SourceTask}: polls its reader (FLIP-27), assigns timestamps and watermarks, feeds the chain.
 *
 * A step is one poll sized to take about a millisecond (adaptive), so that mail, checkpoint triggers and
 * the slot's other tasks are served promptly. A checkpoint the coordinator triggers is taken before the
 * next poll; split assignments that arrive in between wait until it is taken (see `afterTrigger`).
 * Mail (async I/O completions) is processed before input.
 */
import { NO_TIMESTAMP, preview } from '../core/index.ts';
import { InputStatus, type WatermarkEmitter, type ReaderOutput, type SourceReader } from '../api/index.ts';
import type { OperatorChain } from './operator-chain.ts';
import type { OperatorSubtaskState } from '../checkpoint/index.ts';
import { InFlightCapture } from './channel-state.ts';
import { StreamTask, type BarrierOptions } from './task-base.ts';

/** A source task: polls its reader, assigns timestamps and watermarks, feeds the chain. */
export class SourceTask extends StreamTask implements ReaderOutput<unknown> {
  available = true;
  /** The record being processed (for error messages). */
  private current: unknown;
  readonly emitter: WatermarkEmitter<unknown> | undefined;
  private started = false;
  constructor(
    chain: OperatorChain,
    subtask: number,
    readonly reader: SourceReader<unknown, unknown>,
    emitter: WatermarkEmitter<unknown> | undefined,
  ) {
    super(chain, subtask);
    this.emitter = emitter;
  }

  private pollSize = 64;
  /** A checkpoint the coordinator triggered, injected before the next poll. */
  private trigger: (BarrierOptions & { id: number }) | undefined;

  runnable(): boolean {
    return !this.finished && (this.finishedOnRestore || this.trigger !== undefined || this.mailReady() || (!this.ending && this.available && !this.blocked));
  }

  /** Returns false when the task cannot take part (it finished). */
  triggerCheckpoint(checkpointId: number, o: BarrierOptions): boolean {
    if (this.finished) return false;
    this.trigger = { ...o, id: checkpointId };
    return true;
  }

  /**
   * Split assignments (and the end of them) from the enumerator. One that arrives after a checkpoint was
   * triggered but before this task took it waits until it has: the enumerator's part of that checkpoint was
   * taken at the trigger and still holds the split, so the reader's part must not (a restore would read the
   * split twice).
   */
  private readonly afterTrigger: (unknown[] | null)[] = [];

  addSplits(splits: unknown[]): void {
    if (this.trigger !== undefined || this.afterTrigger.length > 0) this.afterTrigger.push(splits);
    else this.reader.addSplits(splits);
  }

  notifyNoMoreSplits(): void {
    if (this.trigger !== undefined || this.afterTrigger.length > 0) this.afterTrigger.push(null);
    else this.reader.notifyNoMoreSplits();
  }

  private releaseAfterTrigger(): void {
    for (const x of this.afterTrigger.splice(0)) {
      if (x === null) this.reader.notifyNoMoreSplits();
      else this.reader.addSplits(x);
    }
  }

  protected override headExtras(checkpointId: number): Partial<OperatorSubtaskState> {
    return { splits: this.reader.snapshotState(checkpointId) };
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    super.notifyCheckpointComplete(checkpointId);
    try {
      this.reader.notifyCheckpointComplete?.(checkpointId);
    } catch (e) {
      throw this.wrap(e, `notifyCheckpointComplete(${checkpointId})`);
    }
  }

  /** ReaderOutput: called by the reader for each record. */
  collect(value: unknown, timestamp?: number): void {
    const em = this.emitter;
    const ts = em !== undefined ? em.onRecord(value, timestamp ?? NO_TIMESTAMP) : (timestamp ?? NO_TIMESTAMP);
    this.position++;
    this.current = value;
    this.chain.headOutput.collect(value, ts);
  }

  step(batchSize: number): boolean {
    if (this.finishedOnRestore) {
      // it had read everything when the checkpoint was taken: only its end goes downstream
      this.endOfInput();
      return true;
    }
    const t = this.trigger;
    if (t !== undefined) {
      this.trigger = undefined;
      // Unaligned: the barrier goes out ahead of the output backlog, which is stored with the checkpoint.
      const capture = t.unaligned ? new InFlightCapture(t.id, [], this.chain.vertex.parallelism, this.describe()) : undefined;
      const p = this.checkpoint(t.id, t, capture);
      if (capture !== undefined) p.channels = capture.result();
      this.acknowledgeReady();
      this.releaseAfterTrigger();
      return true;
    }
    if (this.mailReady()) {
      this.processMail();
      return true;
    }
    if (this.ending || !this.available || this.blocked) return false;
    const before = this.position;
    let status: InputStatus;
    this.chain.marker.currentOp = 0;
    // Adaptive poll size: a step should take ~1 ms so that mail (checkpoint triggers, timers) and the
    // other tasks of the slot are served promptly even when records are expensive.
    const max = this.pollSize < batchSize ? this.pollSize : batchSize;
    const t0 = performance.now();
    try {
      if (!this.started) {
        this.started = true;
        this.reader.start();
      }
      status = this.reader.pollNext(this, max);
    } catch (e) {
      throw this.wrap(e, this.position > before ? `record #${this.position} of its source (${preview(this.current)})` : 'reading its source');
    }
    const dt = performance.now() - t0;
    if (dt > 2 && this.pollSize > 16) this.pollSize >>= 1;
    else if (dt < 0.5 && this.pollSize < batchSize) this.pollSize <<= 1;
    if (status === InputStatus.NothingAvailable) this.available = false;
    else if (status === InputStatus.EndOfInput) {
      try {
        if (this.emitter) this.emitter.periodic(Number.MAX_SAFE_INTEGER);
        this.chain.headOutput.emitWatermark(Infinity);
        this.endOfInput();
      } catch (e) {
        throw this.wrap(e, 'end of input');
      }
    }
    return this.position > before || status !== InputStatus.NothingAvailable;
  }

  wakeup(): void {
    this.available = true;
  }

  override onTime(now: number): number {
    let next = super.onTime(now);
    const em = this.emitter;
    if (em !== undefined) {
      if (now >= em.nextPeriodicAt) {
        this.chain.marker.currentOp = 0;
        try {
          em.periodic(now);
        } catch (e) {
          throw this.wrap(e, 'emitting a watermark');
        }
      }
      if (em.nextPeriodicAt < next) next = em.nextPeriodicAt;
    }
    return next;
  }
}
