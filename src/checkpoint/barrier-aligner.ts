/**
 * Barrier alignment for a task with several input channels, as a pure state machine (no I/O, no
 * timers): the task feeds it barriers and ends of input, and it answers which channels to block and
 * when the checkpoint may be taken. In exactly-once mode a channel that delivered the barrier of the
 * pending checkpoint is blocked until every live channel has delivered it; at-least-once mode never
 * blocks (records after a barrier may be processed before the snapshot, and may be replayed).
 *
 * Unaligned checkpoints (exactly-once only): a barrier fed with `priority` (one the task found anywhere
 * in a channel's queue and let overtake the data before it) starts the checkpoint *unaligned*, or switches
 * a pending aligned one to unaligned, as does {@link BarrierAligner.onAlignmentTimeout}. The task then
 * snapshots at once, forwards the barrier, unblocks every channel and records the in-flight data of the
 * channels still waiting for their barrier; the checkpoint is complete (`unaligned-complete`) when every
 * live channel delivered its barrier or ended.
 *
 * States per checkpoint: idle → aligned (some barriers seen, channels blocked) → idle (`aligned`);
 * idle → unaligned; aligned → unaligned (priority barrier or timeout); unaligned → idle
 * (`unaligned-complete`); any → idle on `abort`, or when a newer barrier supersedes it.
 */

export type AlignerAction =
  | { kind: 'none' }
  /** Block `channel` (exactly-once) until the checkpoint is aligned. */
  | { kind: 'block'; channel: number }
  /** Every live channel delivered the barrier: snapshot now, forward the barrier, unblock all. */
  | { kind: 'aligned'; checkpointId: number }
  /**
   * The checkpoint is (now) unaligned: snapshot now, forward the barrier ahead of the output backlog,
   * unblock all, and record the in-flight data of every channel for which {@link BarrierAligner.waitingFor}
   * is true. `complete`: no channel is waiting any more (acknowledge as soon as the snapshot is written).
   */
  | { kind: 'unaligned'; checkpointId: number; complete: boolean }
  /** The last barrier of an unaligned checkpoint arrived (or its channel ended): its in-flight data is complete. */
  | { kind: 'unaligned-complete'; checkpointId: number }
  /** A newer barrier overtook an unfinished checkpoint: abandon `abortedId` (unblock, drop what was recorded), then handle the new one. */
  | { kind: 'superseded'; abortedId: number; next: AlignerAction };

export class BarrierAligner {
  private pending = -1;
  private unaligned = false;
  private readonly seen: boolean[];
  private readonly ended: boolean[];
  private count = 0;
  private lastCompleted = -1;

  constructor(
    readonly channels: number,
    readonly exactlyOnce = true,
  ) {
    this.seen = new Array<boolean>(channels).fill(false);
    this.ended = new Array<boolean>(channels).fill(false);
  }

  get pendingCheckpoint(): number {
    return this.pending;
  }

  /** Whether the pending checkpoint is unaligned. */
  get pendingUnaligned(): boolean {
    return this.pending !== -1 && this.unaligned;
  }

  /** Whether `channel` has yet to deliver the barrier of the pending checkpoint (and has not ended). */
  waitingFor(channel: number): boolean {
    return this.pending !== -1 && !this.seen[channel] && !this.ended[channel];
  }

  private live(): number {
    let n = 0;
    for (const e of this.ended) if (!e) n++;
    return n;
  }

  /**
   * A barrier from `channel`. `priority`: the task found it in the channel's queue ahead of data and lets it
   * overtake that data (unaligned); otherwise it reached the head of the queue.
   */
  onBarrier(channel: number, checkpointId: number, priority = false): AlignerAction {
    if (checkpointId <= this.lastCompleted) return { kind: 'none' }; // late barrier of a finished/aborted checkpoint
    if (this.pending !== -1 && checkpointId > this.pending) {
      const aborted = this.pending;
      this.reset();
      return { kind: 'superseded', abortedId: aborted, next: this.onBarrier(channel, checkpointId, priority) };
    }
    if (checkpointId < this.pending) return { kind: 'none' };
    const starting = this.pending === -1;
    if (starting) this.pending = checkpointId;
    if (!this.seen[channel] && !this.ended[channel]) {
      this.seen[channel] = true;
      this.count++;
    }
    const all = this.count >= this.live();
    if (this.unaligned) return all ? this.complete('unaligned-complete') : { kind: 'none' };
    if (priority && this.exactlyOnce) {
      this.unaligned = true;
      if (all) {
        this.finish();
        return { kind: 'unaligned', checkpointId, complete: true };
      }
      return { kind: 'unaligned', checkpointId, complete: false };
    }
    if (all) return this.complete('aligned');
    return this.exactlyOnce ? { kind: 'block', channel } : { kind: 'none' };
  }

  /**
   * Alignment of `checkpointId` took too long (`alignedTimeoutMs`): switch it to unaligned. Returns `none`
   * when that checkpoint is not pending aligned at this task (already done, aborted, or unaligned).
   */
  onAlignmentTimeout(checkpointId: number): AlignerAction {
    if (this.pending !== checkpointId || this.unaligned || !this.exactlyOnce) return { kind: 'none' };
    this.unaligned = true;
    return { kind: 'unaligned', checkpointId, complete: false };
  }

  /** A channel ended: it no longer holds a checkpoint back. */
  onEndOfInput(channel: number): AlignerAction {
    if (this.ended[channel]) return { kind: 'none' };
    this.ended[channel] = true;
    if (this.seen[channel]) {
      this.seen[channel] = false;
      this.count--;
    }
    if (this.pending !== -1 && this.count >= this.live()) return this.complete(this.unaligned ? 'unaligned-complete' : 'aligned');
    return { kind: 'none' };
  }

  /** The coordinator aborted the pending checkpoint (timeout): stop aligning it. */
  abort(checkpointId: number): boolean {
    if (this.pending !== checkpointId) return false;
    this.lastCompleted = Math.max(this.lastCompleted, checkpointId);
    this.reset();
    return true;
  }

  private complete(kind: 'aligned' | 'unaligned-complete'): AlignerAction {
    const id = this.pending;
    this.finish();
    return { kind, checkpointId: id };
  }

  private finish(): void {
    this.lastCompleted = this.pending;
    this.reset();
  }

  private reset(): void {
    this.pending = -1;
    this.unaligned = false;
    this.count = 0;
    this.seen.fill(false);
  }
}
