/**
 * Barrier alignment for a task with several input channels, as a pure state machine (no I/O, no
 * timers): the task feeds it barriers and ends of input, and it answers which channels to block and
 * when the checkpoint is aligned. In exactly-once mode a channel that delivered the barrier of the
 * pending checkpoint is blocked until every live channel has delivered it; at-least-once mode never
 * blocks (records after a barrier may be processed before the snapshot, and may be replayed).
 */

export type AlignerAction =
  | { kind: 'none' }
  /** Block `channel` (exactly-once) until the checkpoint is aligned. */
  | { kind: 'block'; channel: number }
  /** Every live channel delivered the barrier: snapshot now, forward the barrier, unblock all. */
  | { kind: 'aligned'; checkpointId: number }
  /** A newer barrier overtook an unfinished alignment: abandon `abortedId` (unblock), then handle the new one. */
  | { kind: 'superseded'; abortedId: number; next: AlignerAction };

export class BarrierAligner {
  private pending = -1;
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

  private live(): number {
    let n = 0;
    for (const e of this.ended) if (!e) n++;
    return n;
  }

  onBarrier(channel: number, checkpointId: number): AlignerAction {
    if (checkpointId <= this.lastCompleted) return { kind: 'none' }; // late barrier of a finished/aborted checkpoint
    if (this.pending !== -1 && checkpointId > this.pending) {
      const aborted = this.pending;
      this.reset();
      return { kind: 'superseded', abortedId: aborted, next: this.onBarrier(channel, checkpointId) };
    }
    if (this.pending === -1) this.pending = checkpointId;
    if (checkpointId < this.pending) return { kind: 'none' };
    if (!this.seen[channel]) {
      this.seen[channel] = true;
      this.count++;
    }
    if (this.count >= this.live()) return this.complete();
    return this.exactlyOnce ? { kind: 'block', channel } : { kind: 'none' };
  }

  /** A channel ended: it no longer holds an alignment back. */
  onEndOfInput(channel: number): AlignerAction {
    if (this.ended[channel]) return { kind: 'none' };
    this.ended[channel] = true;
    if (this.seen[channel]) {
      this.seen[channel] = false;
      this.count--;
    }
    if (this.pending !== -1 && this.count >= this.live()) return this.complete();
    return { kind: 'none' };
  }

  /** The coordinator aborted the pending checkpoint (timeout): stop aligning it. */
  abort(checkpointId: number): boolean {
    if (this.pending !== checkpointId) return false;
    this.lastCompleted = Math.max(this.lastCompleted, checkpointId);
    this.reset();
    return true;
  }

  private complete(): AlignerAction {
    const id = this.pending;
    this.lastCompleted = id;
    this.reset();
    return { kind: 'aligned', checkpointId: id };
  }

  private reset(): void {
    this.pending = -1;
    this.count = 0;
    this.seen.fill(false);
  }
}
