/**
 * {@link BarrierHandlingTask}: the checkpoint side of a task that reads channels. The pure
 * {@link BarrierAligner} decides (which barriers overtake data, which channels to block, when the checkpoint
 * is aligned, turns unaligned or is complete, when to look again, which triggered checkpoints to take at the
 * end of input); this class carries its answers out on the channels, the snapshot and the in-flight capture.
 *
 * Barriers that reach the head of a channel are aligned (exactly-once). Every barrier queued on a channel is
 * also noticed at once (the channel tells the task, {@link ChannelObserver}); a barrier that is unaligned,
 * or whose `alignedUntil` has passed, overtakes the data queued before it: the task snapshots right away,
 * sends the barrier on ahead of its output backlog and records the in-flight data (see
 * {@link InFlightCapture}). A pending aligned checkpoint with an `alignedUntil` is switched to unaligned by
 * the slot's timer (`onTime`) when that time passes, even if no element arrives.
 *
 * Nothing here runs per record: the input loop (input-task.ts) calls in per barrier, per end of a channel,
 * and when a barrier was queued since the last step.
 */
import { assertNever, type BarrierElement } from '../core/index.ts';
import { BarrierAligner, type AlignerAction } from '../checkpoint/index.ts';
import type { OperatorChain } from './operator-chain.ts';
import type { InputGate } from './input-gate.ts';
import type { ChannelObserver, InputChannel } from './channels.ts';
import { InFlightCapture } from './channel-state.ts';
import { StreamTask, type BarrierOptions } from './task-base.ts';

export abstract class BarrierHandlingTask extends StreamTask implements ChannelObserver {
  protected readonly aligner: BarrierAligner;
  /** A barrier was queued on some channel (or a deadline passed) since the queues were last looked at. */
  protected barrierQueued = false;
  /** The unaligned checkpoint whose in-flight input is being recorded. */
  private capture: InFlightCapture | undefined;

  constructor(
    chain: OperatorChain,
    subtask: number,
    readonly gate: InputGate,
    exactlyOnce: boolean,
  ) {
    super(chain, subtask);
    this.aligner = new BarrierAligner(gate.channels.length, exactlyOnce);
    for (const c of gate.channels) c.observer = this;
  }

  /** The coordinator started checkpoint `id`: its barriers are on their way (or never come, see {@link snapshotExpected}). */
  expectCheckpoint(id: number, o: BarrierOptions): void {
    this.aligner.expect(id, o.savepoint, this.lastSnapshotId);
  }

  /**
   * Every input ended (or, while ending, checkpoints were triggered): checkpoints still expected are taken
   * now, as of all input consumed and before `finish()` (upstream tasks that finished send no barrier).
   */
  protected snapshotExpected(): void {
    for (const e of this.aligner.takeExpected(this.lastSnapshotId)) {
      if (e.id <= this.lastSnapshotId) continue;
      this.checkpoint(e.id, { savepoint: e.savepoint });
      this.acknowledgeReady();
    }
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    this.aligner.onCheckpointComplete(checkpointId);
    super.notifyCheckpointComplete(checkpointId);
  }

  /** ChannelObserver: a barrier was queued (possibly while another task runs): look at it on the next step. */
  onBarrierQueued(_c: InputChannel): void {
    this.barrierQueued = true;
  }

  /** Requests the wake-up the aligner asked for, if any. */
  private requestWakeup(): void {
    const at = this.aligner.takeWakeup();
    if (at !== undefined) this.time.requestTime(at);
  }

  /** A barrier reached the head of its channel (and was taken out of it). */
  protected onHeadBarrier(c: InputChannel, e: BarrierElement): void {
    const a = this.aligner.onHeadBarrier(c.gateIndex, e, this.time.now());
    this.requestWakeup();
    this.act(a, c, 0, e.id);
  }

  /** Channel `c` ended: it no longer holds a checkpoint back. */
  protected onChannelEnded(c: InputChannel): void {
    this.act(this.aligner.onEndOfInput(c.gateIndex), undefined, 0);
  }

  /**
   * Looks at the queued barriers: a pending aligned checkpoint whose time is up turns unaligned; a queued
   * barrier that is urgent overtakes the data before it; one that will be urgent later sets the timer.
   */
  protected serviceBarriers(): void {
    const now = this.time.now();
    this.act(this.aligner.checkAlignmentTimeout(now), undefined, 0);
    for (const c of this.gate.channels) {
      let j = c.indexOfBarrier();
      while (j >= 0) {
        const b = c.peek(j) as BarrierElement;
        const a = this.aligner.onQueuedBarrier(c.gateIndex, b, now);
        if (a !== undefined) {
          c.removeAt(j);
          this.act(a, c, j, b.id);
          j = c.indexOfBarrier(j);
        } else j = c.indexOfBarrier(j + 1);
      }
    }
    this.requestWakeup();
  }

  override onTime(now: number): number {
    const next = super.onTime(now);
    if (this.aligner.onTime(now)) this.barrierQueued = true;
    const d = this.aligner.nextDeadline;
    return d < next ? d : next;
  }

  /**
   * Carries out what the aligner answered. `c`/`pos`: the channel whose barrier caused it and how many
   * elements were queued before that barrier (they are in flight if the checkpoint is unaligned);
   * `barrierId`: that barrier's checkpoint.
   */
  private act(a: AlignerAction, c: InputChannel | undefined, pos: number, barrierId = -1): void {
    switch (a.kind) {
      case 'none':
        // a later barrier of the unaligned checkpoint being recorded: what was queued before it is in flight
        if (c !== undefined && this.capture !== undefined && this.capture.checkpointId === barrierId) this.capture.captureBefore(c, pos);
        return;
      case 'block':
        this.gate.channels[a.channel]!.blocked = true;
        return;
      case 'aligned':
        for (const ch of this.gate.channels) ch.blocked = false;
        this.checkpoint(a.checkpointId, { savepoint: a.savepoint === true, alignedUntil: a.alignedUntil });
        this.acknowledgeReady();
        return;
      case 'unaligned':
        this.startUnaligned(a.checkpointId, c, pos, a.complete);
        return;
      case 'unaligned-complete':
        if (c !== undefined && this.capture !== undefined && this.capture.checkpointId === barrierId) this.capture.captureBefore(c, pos);
        this.completeInFlight(a.checkpointId);
        return;
      case 'superseded':
        for (const ch of this.gate.channels) ch.blocked = false;
        this.abandonCapture(a.abortedId);
        this.act(a.next, c, pos, barrierId);
        return;
      default:
        assertNever(a, 'aligner action');
    }
  }

  /**
   * The checkpoint turns unaligned here: snapshot, barrier out ahead of the output backlog, unblock every
   * channel, and record the in-flight data of every channel still waiting for its barrier. `c` delivered
   * the barrier that started it, `pos` elements after the head.
   */
  private startUnaligned(id: number, c: InputChannel | undefined, pos: number, complete: boolean): void {
    for (const ch of this.gate.channels) ch.blocked = false;
    const capture = new InFlightCapture(id, this.gate.channels, this.chain.vertex.parallelism, this.describe());
    this.capture = capture;
    if (c !== undefined) capture.captureBefore(c, pos);
    const p = this.checkpoint(id, { savepoint: false, unaligned: true }, capture);
    p.inputComplete = false;
    if (complete) {
      this.completeInFlight(id);
      return;
    }
    for (const ch of this.gate.channels) {
      if (!this.aligner.waitingFor(ch.gateIndex)) continue;
      const j = findBarrier(ch, id);
      if (j < 0) {
        capture.startRecording(ch);
        continue;
      }
      capture.captureBefore(ch, j);
      ch.removeAt(j);
      const a = this.aligner.onBarrier(ch.gateIndex, id, true);
      if (a.kind === 'unaligned-complete') {
        this.completeInFlight(id);
        return;
      }
    }
  }

  /** Every channel delivered the barrier of the unaligned checkpoint `id`: its in-flight data is complete. */
  private completeInFlight(id: number): void {
    const capture = this.capture;
    if (capture === undefined || capture.checkpointId !== id) return;
    capture.stop();
    this.capture = undefined;
    const p = this.pendingCheckpoints.find((x) => x.checkpointId === id);
    if (p !== undefined) {
      p.channels = capture.result();
      p.inputComplete = true;
    }
    this.acknowledgeReady();
  }

  private abandonCapture(id: number): void {
    if (this.capture !== undefined && this.capture.checkpointId === id) {
      this.capture.stop();
      this.capture = undefined;
    }
    this.dropCheckpoint(id);
  }

  /** The coordinator aborted a checkpoint: stop holding channels back for it, drop what was recorded. */
  override abortCheckpoint(checkpointId: number): void {
    if (this.aligner.abort(checkpointId)) for (const ch of this.gate.channels) ch.blocked = false;
    this.abandonCapture(checkpointId);
  }
}

/** Position of the barrier of checkpoint `id` in `c`'s queue, or -1. */
function findBarrier(c: InputChannel, id: number): number {
  for (let j = c.indexOfBarrier(); j >= 0; j = c.indexOfBarrier(j + 1)) if ((c.peek(j) as BarrierElement).id === id) return j;
  return -1;
}
