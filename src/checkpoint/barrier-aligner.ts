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
 *
 * It also makes the task's other checkpoint decisions, so that the task only carries out actions:
 * - which barriers overtake data ({@link BarrierAligner.urgent}: unaligned ones, and aligned ones whose
 *   `alignedUntil` has passed — exactly-once, never savepoints), for barriers at the head of a channel
 *   ({@link BarrierAligner.onHeadBarrier}) and anywhere in a queue ({@link BarrierAligner.onQueuedBarrier});
 * - how the barrier of an aligned checkpoint is forwarded (the flags of the barrier that started it, in the
 *   `aligned` action);
 * - when the task must look again without any input (the earliest `alignedUntil` it knows of:
 *   {@link BarrierAligner.takeWakeup}, {@link BarrierAligner.onTime}, {@link BarrierAligner.checkAlignmentTimeout});
 * - which checkpoints the coordinator triggered whose barriers may never come because every upstream task
 *   finished: the task takes them when its input ends ({@link BarrierAligner.expect},
 *   {@link BarrierAligner.takeExpected}).
 * Time is always passed in (`now`): the aligner reads no clock.
 */

/** What the aligner looks at in a barrier (the fields of the runtime's barrier element). */
export interface BarrierInfo {
  id: number;
  savepoint?: boolean;
  /** Forwarded unaligned: overtakes data at once. */
  unaligned?: boolean;
  /** Aligned until this time, then unaligned (`alignedTimeoutMs`). */
  alignedUntil?: number;
}

export type AlignerAction =
  | { kind: 'none' }
  /** Block `channel` (exactly-once) until the checkpoint is aligned. */
  | { kind: 'block'; channel: number }
  /**
   * Every live channel delivered the barrier: snapshot now, forward the barrier, unblock all. `savepoint` and
   * `alignedUntil`: the flags of the barrier that started the checkpoint (forwarded with it), when known.
   */
  | { kind: 'aligned'; checkpointId: number; savepoint?: true; alignedUntil?: number }
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
  /** Flags of the barrier that started the pending checkpoint. */
  private savepoint = false;
  private alignedUntil: number | undefined;
  /** The earliest `alignedUntil` the task is to be woken at (Infinity: none). */
  private deadline = Infinity;
  /** A wake-up the task has yet to request from its timer. */
  private wakeup: number | undefined;
  /** Triggered checkpoints whose barriers have not arrived: id → savepoint. */
  private readonly expected = new Map<number, boolean>();

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
  onBarrier(channel: number, checkpointId: number, priority = false, flags?: BarrierInfo): AlignerAction {
    if (checkpointId <= this.lastCompleted) return { kind: 'none' }; // late barrier of a finished/aborted checkpoint
    if (this.pending !== -1 && checkpointId > this.pending) {
      const aborted = this.pending;
      this.reset();
      return { kind: 'superseded', abortedId: aborted, next: this.onBarrier(channel, checkpointId, priority, flags) };
    }
    if (checkpointId < this.pending) return { kind: 'none' };
    const starting = this.pending === -1;
    if (starting) {
      this.pending = checkpointId;
      this.savepoint = flags?.savepoint === true;
      this.alignedUntil = flags?.alignedUntil;
    }
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

  /**
   * Whether barrier `b` overtakes the data queued before it at time `now`: it is unaligned, or its aligned
   * time is up (exactly-once only, never a savepoint).
   */
  urgent(b: BarrierInfo, now: number): boolean {
    return this.exactlyOnce && b.savepoint !== true && (b.unaligned === true || (b.alignedUntil !== undefined && b.alignedUntil <= now));
  }

  /**
   * Barrier `b` reached the head of `channel`'s queue (the task removed it). An aligned checkpoint that
   * blocks a channel and has an `alignedUntil` asks for a wake-up then.
   */
  onHeadBarrier(channel: number, b: BarrierInfo, now: number): AlignerAction {
    const a = this.onBarrier(channel, b.id, this.urgent(b, now), b);
    if (a.kind === 'block' && b.alignedUntil !== undefined) this.schedule(b.alignedUntil);
    return a;
  }

  /**
   * Barrier `b` is queued on `channel` behind data. If it overtakes that data now, the answer is what to
   * do (the task takes the barrier out of the queue and records the data before it as in flight when the
   * checkpoint is unaligned); otherwise `undefined` (it stays queued; an `alignedUntil` to come asks for a
   * wake-up then).
   */
  onQueuedBarrier(channel: number, b: BarrierInfo, now: number): AlignerAction | undefined {
    if (this.urgent(b, now)) return this.onBarrier(channel, b.id, true, b);
    if (b.alignedUntil !== undefined && b.savepoint !== true && this.exactlyOnce) this.schedule(b.alignedUntil);
    return undefined;
  }

  /**
   * The pending aligned checkpoint's `alignedUntil` (from its first barrier; never for savepoints): passed
   * at `now` → it turns unaligned; still to come → a wake-up then.
   */
  checkAlignmentTimeout(now: number): AlignerAction {
    if (this.pending === -1 || this.unaligned || this.alignedUntil === undefined || this.savepoint) return { kind: 'none' };
    if (this.alignedUntil <= now) return this.onAlignmentTimeout(this.pending);
    this.schedule(this.alignedUntil);
    return { kind: 'none' };
  }

  private schedule(at: number): void {
    if (at < this.deadline) {
      this.deadline = at;
      this.wakeup = at;
    }
  }

  /** A wake-up time to request from the task's timer, asked for since the last call (or `undefined`). */
  takeWakeup(): number | undefined {
    const w = this.wakeup;
    this.wakeup = undefined;
    return w;
  }

  /** When the task is next to be woken for a deadline (Infinity: never). */
  get nextDeadline(): number {
    return this.deadline;
  }

  /** The task's timer fired at `now`: whether a deadline passed (the task then looks at its queued barriers again). */
  onTime(now: number): boolean {
    if (this.deadline > now) return false;
    this.deadline = Infinity;
    return true;
  }

  /**
   * The coordinator triggered checkpoint `id` (its barriers are on their way, or never come when every
   * upstream task has finished). Ignored when the task already took it (`lastSnapshotId`).
   */
  expect(id: number, savepoint: boolean, lastSnapshotId: number): void {
    if (id > lastSnapshotId) this.expected.set(id, savepoint);
  }

  /** Whether a triggered checkpoint has not been taken yet. */
  get expecting(): boolean {
    return this.expected.size > 0;
  }

  /**
   * Every input ended: the triggered checkpoints the task has not taken, oldest first, to take now (as of
   * all input consumed). Forgets them all.
   */
  takeExpected(lastSnapshotId: number): { id: number; savepoint: boolean }[] {
    const out: { id: number; savepoint: boolean }[] = [];
    for (const [id, savepoint] of this.expected) if (id > lastSnapshotId) out.push({ id, savepoint });
    this.expected.clear();
    return out.sort((a, b) => a.id - b.id);
  }

  /** Checkpoint `id` completed: it and older ones are no longer expected. */
  onCheckpointComplete(id: number): void {
    for (const e of this.expected.keys()) if (e <= id) this.expected.delete(e);
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

  /**
   * The coordinator aborted checkpoint `checkpointId`: no longer expected; if it is pending, stop aligning
   * it. Returns whether it was pending (the task unblocks its channels).
   */
  abort(checkpointId: number): boolean {
    this.expected.delete(checkpointId);
    if (this.pending !== checkpointId) return false;
    this.lastCompleted = Math.max(this.lastCompleted, checkpointId);
    this.reset();
    return true;
  }

  private complete(kind: 'aligned' | 'unaligned-complete'): AlignerAction {
    const id = this.pending;
    const savepoint = this.savepoint;
    const alignedUntil = this.alignedUntil;
    this.finish();
    if (kind === 'unaligned-complete') return { kind, checkpointId: id };
    const a: AlignerAction & { kind: 'aligned' } = { kind, checkpointId: id };
    if (savepoint) a.savepoint = true;
    if (alignedUntil !== undefined) a.alignedUntil = alignedUntil;
    return a;
  }

  private finish(): void {
    this.lastCompleted = this.pending;
    this.reset();
  }

  private reset(): void {
    this.pending = -1;
    this.unaligned = false;
    this.savepoint = false;
    this.alignedUntil = undefined;
    this.count = 0;
    this.seen.fill(false);
  }
}
