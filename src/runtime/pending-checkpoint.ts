/**
 * A checkpoint a task has snapshotted but not yet acknowledged. Two things can hold the acknowledgement
 * back: keyed state captured at the barrier but not yet encoded (the slot encodes a bounded amount between
 * mailbox slices, {@link PendingCheckpoint.writeSome}), and the in-flight data of an unaligned checkpoint
 * (complete when every input channel delivered its barrier or ended).
 */
import type { ChannelState, OperatorSubtaskState } from '../checkpoint/index.ts';
import type { PendingKeyedSnapshot } from '../state/index.ts';

/** Instant "not yet" answers in a row after which a snapshot is left for the next slice (> key groups per subtask by default). */
const QUICK_NOT_YET = 256;

export class PendingCheckpoint {
  /** Every input channel's in-flight data is recorded (always true for aligned checkpoints). */
  inputComplete = true;
  /** The recorded in-flight data (unaligned checkpoints), set when complete. */
  channels: ChannelState | undefined;
  /** Keyed snapshots still being encoded (index into `states`). */
  private keyed: { index: number; pending: PendingKeyedSnapshot; done: boolean }[];
  private keyedDone: boolean;

  constructor(
    readonly checkpointId: number,
    private readonly states: OperatorSubtaskState[],
    keyed: { index: number; pending: PendingKeyedSnapshot }[] = [],
  ) {
    this.keyed = keyed.map((k) => ({ ...k, done: false }));
    this.keyedDone = keyed.length === 0;
  }

  /** Whether keyed state is still being encoded. */
  get encoding(): boolean {
    return !this.keyedDone;
  }

  /**
   * Encodes some keyed state: one key group per call to each unfinished snapshot, until every snapshot is
   * encoded or `until` (a `performance.now()` time) has passed. A snapshot that keeps answering "not yet"
   * instantly (e.g. while a background copy runs) is not asked again in this call. Returns true when all is
   * encoded.
   */
  writeSome(until: number): boolean {
    if (this.keyedDone) return true;
    let all = true;
    for (const k of this.keyed) {
      if (k.done) continue;
      let quick = 0;
      for (;;) {
        const t0 = performance.now();
        if (k.pending.writeSome(1)) {
          k.done = true;
          break;
        }
        const t1 = performance.now();
        if (t1 >= until) break;
        // Many instant "not yet" answers in a row: more than empty key groups, it is waiting for something.
        if (t1 - t0 < 0.02) {
          if (++quick >= QUICK_NOT_YET) break;
        } else quick = 0;
      }
      if (!k.done) all = false;
      if (performance.now() >= until) break;
    }
    if (all) all = this.keyed.every((k) => k.done);
    this.keyedDone = all;
    return all;
  }

  /** Whether the acknowledgement can be sent. */
  ready(): boolean {
    return this.inputComplete && this.keyedDone;
  }

  /** The states to acknowledge with (call once, when {@link ready}, or to force the rest of the encoding). */
  finish(): OperatorSubtaskState[] {
    for (const k of this.keyed) this.states[k.index]!.keyed = k.pending.finish();
    this.keyed = [];
    this.keyedDone = true;
    if (this.channels !== undefined) this.states[0]!.channels = this.channels;
    return this.states;
  }

  /** Encodes what is left of the keyed state now (the task is ending). */
  finishEncoding(): void {
    for (const k of this.keyed) this.states[k.index]!.keyed = k.pending.finish();
    this.keyed = [];
    this.keyedDone = true;
  }

  /** Drops the checkpoint (aborted, superseded, or the task is closing): releases what the captures pin. */
  release(): void {
    for (const k of this.keyed) k.pending.release();
    this.keyed = [];
  }
}
