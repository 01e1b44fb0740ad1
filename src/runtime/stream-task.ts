/**
 * Tasks: one subtask of one vertex, driven by its slot's loop. `step()` does a bounded amount of work
 * (one input element or one source poll) synchronously and says whether it made progress.
 *
 * The record loop is the hot path: for each record of a batch, (set the key,) call the head operator;
 * no closure, Promise or try/catch per record — one try/catch around the batch turns a user exception
 * into a {@link UserFunctionError} naming the operator, subtask and record position.
 */
import { ElementKind, EddyError, faultPoint, NO_TIMESTAMP, UserFunctionError, type RecordBatch, type BarrierElement, assertNever } from '../core/index.ts';
import { InputStatus, WatermarkEmitter, type BatchCursor, type ReaderOutput, type SourceReader } from '../api/index.ts';
import type { OperatorChain } from './operator-chain.ts';
import { BarrierAligner, type AlignerAction, type OperatorSubtaskState } from '../checkpoint/index.ts';
import type { InputGate } from './input-gate.ts';
import type { ChannelObserver, InputChannel } from './channels.ts';
import { InFlightCapture } from './channel-state.ts';
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

/**
 * A task whose head reads from channels (one or two inputs).
 *
 * Checkpoints: barriers that reach the head of a channel are aligned (exactly-once) through the
 * {@link BarrierAligner}. Every barrier queued on a channel is also noticed at once (the channel tells
 * the task, {@link ChannelObserver}); a barrier that is unaligned, or whose `alignedUntil` has passed,
 * overtakes the data queued before it: the task snapshots right away, sends the barrier on ahead of its
 * output backlog and records the in-flight data (see {@link InFlightCapture}). A pending aligned
 * checkpoint with an `alignedUntil` is switched to unaligned by the slot's timer (`onTime`) when that time
 * passes, even if no element arrives.
 */
export class InputTask extends StreamTask implements ChannelObserver {
  private readonly key1: ((v: any) => unknown) | undefined;
  private readonly key2: ((v: any) => unknown) | undefined;
  private readonly twoInput: boolean;
  private wasIdle = false;
  private readonly aligner: BarrierAligner;
  /** Flags of the first barrier of the pending aligned checkpoint. */
  private pendingSavepoint = false;
  private pendingAlignedUntil: number | undefined;
  /** A barrier was queued on some channel since the queues were last looked at. */
  private barrierQueued = false;
  /** When the earliest known `alignedUntil` passes (the slot's timer calls `onTime`). */
  private alignDeadline = Infinity;
  /** The unaligned checkpoint whose in-flight input is being recorded. */
  private capture: InFlightCapture | undefined;
  /**
   * Checkpoints the coordinator triggered whose barriers have not reached this task: if every input ends
   * before they do (upstream tasks that finished send no barrier), the task snapshots them at its end of
   * input, before it finishes.
   */
  private readonly triggered = new Map<number, BarrierOptions>();
  constructor(
    chain: OperatorChain,
    subtask: number,
    readonly gate: InputGate,
    private readonly exactlyOnce = true,
  ) {
    super(chain, subtask);
    this.aligner = new BarrierAligner(gate.channels.length, exactlyOnce);
    for (const c of gate.channels) c.observer = this;
    const n = chain.head.node;
    this.key1 = n.keySelectors?.[0];
    this.key2 = n.keySelectors?.[1];
    this.twoInput = n.twoInput;
    if (this.key1 !== undefined && !this.twoInput) this.batchKeys = { selector: this.key1, groups: undefined };
  }
  /** Batch-at-a-time heads: the index of the record being processed, and the input's keys. */
  private readonly cursor: BatchCursor = { i: 0 };
  private readonly batchKeys: { selector: (v: unknown) => unknown; groups: Uint16Array | undefined } | undefined;

  runnable(): boolean {
    if (this.finished) return false;
    if (this.barrierQueued || this.mailReady()) return true;
    // ending: the input is consumed; only mail, and checkpoints triggered meanwhile, remain
    if (this.ending) return this.triggered.size > 0;
    return (this.gate.hasData() || this.gate.channels.length === 0) && !this.blocked;
  }

  /** The coordinator started checkpoint `id`: its barriers are on their way (or never come, see `triggered`). */
  expectCheckpoint(id: number, o: BarrierOptions): void {
    if (id > this.lastSnapshotId) this.triggered.set(id, o);
  }

  /** Every input ended: checkpoints still expected are taken now, as of all input consumed and before `finish()`. */
  private snapshotExpected(): void {
    for (const [id, o] of [...this.triggered].sort((a, b) => a[0] - b[0])) {
      this.triggered.delete(id);
      if (id <= this.lastSnapshotId) continue;
      this.checkpoint(id, { savepoint: o.savepoint });
      this.acknowledgeReady();
    }
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    for (const id of this.triggered.keys()) if (id <= checkpointId) this.triggered.delete(id);
    super.notifyCheckpointComplete(checkpointId);
  }

  /** ChannelObserver: a barrier was queued (possibly while another task runs): look at it on the next step. */
  onBarrierQueued(_c: InputChannel): void {
    this.barrierQueued = true;
  }

  step(): boolean {
    if (this.barrierQueued) {
      this.barrierQueued = false;
      this.serviceBarriers();
      return true;
    }
    if (this.mailReady()) {
      this.processMail();
      return true;
    }
    if (this.ending) {
      // checkpoints triggered while asynchronous work drains after the end of input: taken now, the
      // operators' pending work (async I/O requests) in their state
      if (this.triggered.size === 0) return false;
      this.snapshotExpected();
      return true;
    }
    if (this.gate.channels.length === 0) {
      // no upstream channel reaches this subtask: it sees only the end of input
      if (!this.finishedOnRestore) this.advance(Infinity);
      this.snapshotExpected();
      this.endOfInput();
      return true;
    }
    const c = this.gate.nextChannel();
    if (c === undefined) return false;
    const e = c.poll()!;
    switch (e.k) {
      case ElementKind.Records:
        this.processRecords(e, c);
        break;
      case ElementKind.Watermark:
        this.advance(this.gate.onWatermark(c, e.ts));
        break;
      case ElementKind.EndOfInput: {
        const wm = this.gate.onEnd(c);
        if (!this.finishedOnRestore) this.advance(wm);
        this.act(this.aligner.onEndOfInput(c.gateIndex), undefined, 0);
        if (this.gate.finished) {
          this.snapshotExpected();
          this.endOfInput();
        }
        break;
      }
      case ElementKind.Idle:
        this.advance(this.gate.onIdle(c));
        if (this.gate.idle && !this.wasIdle) {
          this.wasIdle = true;
          (this.chain.headOutput as { markIdle?(): void }).markIdle?.();
        }
        break;
      case ElementKind.Active:
        this.gate.onActive(c);
        if (this.wasIdle) {
          this.wasIdle = false;
          (this.chain.headOutput as { markActive?(): void }).markActive?.();
        }
        break;
      case ElementKind.Barrier:
        this.onHeadBarrier(c, e);
        break;
      default:
        assertNever(e, 'stream element');
    }
    return true;
  }

  /** A barrier reached the head of its channel. */
  private onHeadBarrier(c: InputChannel, e: BarrierElement): void {
    const urgent = this.urgent(e, this.time.now());
    if (this.aligner.pendingCheckpoint === -1 || e.id > this.aligner.pendingCheckpoint) {
      this.pendingSavepoint = e.savepoint === true;
      this.pendingAlignedUntil = e.alignedUntil;
    }
    const a = this.aligner.onBarrier(c.gateIndex, e.id, urgent);
    if (a.kind === 'block' && e.alignedUntil !== undefined) this.scheduleDeadline(e.alignedUntil);
    this.act(a, c, 0, e.id);
  }

  /** Whether a barrier overtakes data: unaligned, or its aligned time is up (exactly-once, never savepoints). */
  private urgent(b: BarrierElement, now: number): boolean {
    return this.exactlyOnce && b.savepoint !== true && (b.unaligned === true || (b.alignedUntil !== undefined && b.alignedUntil <= now));
  }

  private scheduleDeadline(at: number): void {
    if (at < this.alignDeadline) {
      this.alignDeadline = at;
      this.time.requestTime(at);
    }
  }

  /**
   * Looks at the queued barriers: a pending aligned checkpoint whose time is up turns unaligned; a queued
   * barrier that is urgent overtakes the data before it; one that will be urgent later sets the timer.
   */
  private serviceBarriers(): void {
    const now = this.time.now();
    const pending = this.aligner.pendingCheckpoint;
    if (pending !== -1 && !this.aligner.pendingUnaligned && this.pendingAlignedUntil !== undefined && !this.pendingSavepoint) {
      if (this.pendingAlignedUntil <= now) this.act(this.aligner.onAlignmentTimeout(pending), undefined, 0);
      else this.scheduleDeadline(this.pendingAlignedUntil);
    }
    for (const c of this.gate.channels) {
      let j = c.indexOfBarrier();
      while (j >= 0) {
        const b = c.peek(j) as BarrierElement;
        if (this.urgent(b, now)) {
          if (this.aligner.pendingCheckpoint === -1 || b.id > this.aligner.pendingCheckpoint) {
            this.pendingSavepoint = false;
            this.pendingAlignedUntil = b.alignedUntil;
          }
          const a = this.aligner.onBarrier(c.gateIndex, b.id, true);
          c.removeAt(j);
          this.act(a, c, j, b.id);
          j = c.indexOfBarrier(j);
        } else {
          if (b.alignedUntil !== undefined && !b.savepoint && this.exactlyOnce) this.scheduleDeadline(b.alignedUntil);
          j = c.indexOfBarrier(j + 1);
        }
      }
    }
  }

  override onTime(now: number): number {
    const next = super.onTime(now);
    if (this.alignDeadline <= now) {
      this.alignDeadline = Infinity;
      this.barrierQueued = true;
    }
    return this.alignDeadline < next ? this.alignDeadline : next;
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
        this.checkpoint(a.checkpointId, { savepoint: this.pendingSavepoint, alignedUntil: this.pendingAlignedUntil });
        this.pendingSavepoint = false;
        this.pendingAlignedUntil = undefined;
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
    this.pendingSavepoint = false;
    this.pendingAlignedUntil = undefined;
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
    this.triggered.delete(checkpointId);
    if (this.aligner.abort(checkpointId)) for (const ch of this.gate.channels) ch.blocked = false;
    this.abandonCapture(checkpointId);
  }

  private advance(wm: number | undefined): void {
    if (wm === undefined) return;
    const head = this.chain.head;
    this.chain.marker.currentOp = 0;
    try {
      const ks = head.state.keyed;
      if (ks) ks.batch(() => head.op.processWatermark(wm));
      else head.op.processWatermark(wm);
    } catch (e) {
      throw this.wrap(e, `watermark ${wm}`);
    }
  }

  private processRecords(b: RecordBatch, c: InputChannel): void {
    const head = this.chain.head;
    const op = head.op;
    const v = b.v;
    const t = b.t;
    const n = b.n;
    const marker = this.chain.marker;
    let i = 0;
    let batched = false;
    marker.currentOp = 0;
    try {
      if (this.twoInput) {
        const ks = c.inputIndex === 1 ? this.key1 : this.key2;
        const backend = head.state.keyed;
        if (ks !== undefined && backend !== undefined) {
          backend.batch(() => {
            if (c.inputIndex === 1)
              for (; i < n; i++) {
                backend.setCurrentKey(checkKey(ks(v[i])));
                op.processElement1!(v[i], t[i]!);
              }
            else
              for (; i < n; i++) {
                backend.setCurrentKey(checkKey(ks(v[i])));
                op.processElement2!(v[i], t[i]!);
              }
          });
        } else if (c.inputIndex === 1) for (; i < n; i++) op.processElement1!(v[i], t[i]!);
        else for (; i < n; i++) op.processElement2!(v[i], t[i]!);
      } else if (op.processBatch !== undefined) {
        // the operator loops over the batch itself; `cursor.i` says which record it is at
        const cursor = this.cursor;
        cursor.i = 0;
        batched = true;
        const keys = this.batchKeys;
        if (keys === undefined) op.processBatch(v, t, n, undefined, cursor);
        else {
          keys.groups = b.g;
          const backend = head.state.keyed!;
          backend.batch(() => op.processBatch!(v, t, n, keys, cursor));
        }
      } else {
        const ks = this.key1;
        if (ks === undefined) for (; i < n; i++) op.processElement(v[i], t[i]!);
        else {
          const backend = head.state.keyed!;
          const g = b.g;
          backend.batch(() => {
            if (g !== undefined)
              // the sender hashed each key to route it: reuse its key group
              for (; i < n; i++) {
                backend.setCurrentKeyInGroup(checkKey(ks(v[i])), g[i]!);
                op.processElement(v[i], t[i]!);
              }
            else
              for (; i < n; i++) {
                backend.setCurrentKey(checkKey(ks(v[i])));
                op.processElement(v[i], t[i]!);
              }
          });
        }
      }
    } catch (e) {
      if (batched) i = this.cursor.i;
      throw this.wrap(e, `record #${this.position + i + 1} of its input (${preview(v[i])})`);
    }
    this.position += n;
    head.stats.recordsIn += n;
    c.consumed(b);
  }
}

/** Position of the barrier of checkpoint `id` in `c`'s queue, or -1. */
function findBarrier(c: InputChannel, id: number): number {
  for (let j = c.indexOfBarrier(); j >= 0; j = c.indexOfBarrier(j + 1)) if ((c.peek(j) as BarrierElement).id === id) return j;
  return -1;
}

function checkKey(k: unknown): unknown {
  if (k === undefined) throw new EddyError('the key selector returned undefined', { domain: 'user' });
  return k;
}

function preview(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
}

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
