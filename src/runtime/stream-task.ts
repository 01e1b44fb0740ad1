/**
 * Tasks: one subtask of one vertex, driven by its slot's loop. `step()` does a bounded amount of work
 * (one input element or one source poll) synchronously and says whether it made progress.
 *
 * The record loop is the hot path: for each record of a batch, (set the key,) call the head operator;
 * no closure, Promise or try/catch per record — one try/catch around the batch turns a user exception
 * into a {@link UserFunctionError} naming the operator, subtask and record position.
 */
import { ElementKind, EddyError, faultPoint, NO_TIMESTAMP, UserFunctionError, type RecordBatch, assertNever } from '../core/index.ts';
import { InputStatus, WatermarkEmitter, type ReaderOutput, type SourceReader } from '../api/index.ts';
import type { OperatorChain } from './operator-chain.ts';
import { BarrierAligner, type AlignerAction, type OperatorSubtaskState } from '../checkpoint/index.ts';
import type { InputGate } from './input-gate.ts';
import type { InputChannel } from './channels.ts';

export abstract class StreamTask {
  finished = false;
  /** Records taken in by the head (for positions in error messages). */
  position = 0;
  constructor(
    readonly chain: OperatorChain,
    readonly subtask: number,
  ) {}

  abstract runnable(): boolean;
  abstract step(batchSize: number): boolean;

  /** Set by the slot: acknowledges a checkpoint with this task's state. */
  onCheckpoint: (checkpointId: number, states: OperatorSubtaskState[]) => void = () => {};

  /** Extra state of the head (source splits). */
  protected headExtras(_checkpointId: number): Partial<OperatorSubtaskState> {
    return {};
  }

  /** Snapshot synchronously, forward the barrier to every output, acknowledge. */
  protected checkpoint(checkpointId: number, savepoint: boolean): void {
    let states: OperatorSubtaskState[];
    try {
      states = this.chain.snapshot(checkpointId, this.subtask);
      Object.assign(states[0]!, this.headExtras(checkpointId));
    } catch (e) {
      throw this.wrap(e, `checkpoint ${checkpointId}`);
    }
    faultPoint('task:after-snapshot');
    const barrier = { k: ElementKind.Barrier as const, id: checkpointId, savepoint };
    for (const w of this.chain.writers) w.broadcastControl(barrier);
    this.onCheckpoint(checkpointId, states);
    faultPoint('task:after-ack');
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

  get blocked(): boolean {
    for (const w of this.chain.writers) if (w.blocked) return true;
    return false;
  }

  /** Flushes partial output batches. */
  flush(): void {
    for (const w of this.chain.writers) w.flush();
  }

  /** Sends end of input downstream after finishing the chain. */
  protected endOfInput(): void {
    this.chain.finish();
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

/** A task whose head reads from channels (one or two inputs). */
export class InputTask extends StreamTask {
  private readonly key1: ((v: any) => unknown) | undefined;
  private readonly key2: ((v: any) => unknown) | undefined;
  private readonly twoInput: boolean;
  private wasIdle = false;
  private readonly aligner: BarrierAligner;
  private savepointPending = false;
  constructor(
    chain: OperatorChain,
    subtask: number,
    readonly gate: InputGate,
    exactlyOnce = true,
  ) {
    super(chain, subtask);
    this.aligner = new BarrierAligner(gate.channels.length, exactlyOnce);
    const n = chain.head.node;
    this.key1 = n.keySelectors?.[0];
    this.key2 = n.keySelectors?.[1];
    this.twoInput = n.twoInput;
  }

  runnable(): boolean {
    return !this.finished && (this.gate.hasData() || this.gate.channels.length === 0) && !this.blocked;
  }

  step(): boolean {
    if (this.gate.channels.length === 0) {
      // no upstream channel reaches this subtask: it sees only the end of input
      this.advance(Infinity);
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
      case ElementKind.EndOfInput:
        this.advance(this.gate.onEnd(c));
        this.align(this.aligner.onEndOfInput(c.gateIndex));
        if (this.gate.finished) this.endOfInput();
        break;
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
        if (e.savepoint) this.savepointPending = true;
        this.align(this.aligner.onBarrier(c.gateIndex, e.id));
        break;
      default:
        assertNever(e, 'stream element');
    }
    return true;
  }

  private align(a: AlignerAction): void {
    switch (a.kind) {
      case 'none':
        return;
      case 'block':
        this.gate.channels[a.channel]!.blocked = true;
        return;
      case 'aligned':
        for (const ch of this.gate.channels) ch.blocked = false;
        this.checkpoint(a.checkpointId, this.savepointPending);
        this.savepointPending = false;
        return;
      case 'superseded':
        for (const ch of this.gate.channels) ch.blocked = false;
        this.align(a.next);
    }
  }

  /** The coordinator aborted a checkpoint: stop holding channels back for it. */
  abortCheckpoint(checkpointId: number): void {
    if (this.aligner.abort(checkpointId)) for (const ch of this.gate.channels) ch.blocked = false;
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
      throw this.wrap(e, `record #${this.position + i + 1} of its input (${preview(v[i])})`);
    }
    this.position += n;
    head.stats.recordsIn += n;
    c.consumed(b);
  }
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
  private trigger: { id: number; savepoint: boolean } | undefined;

  runnable(): boolean {
    return !this.finished && (this.trigger !== undefined || (this.available && !this.blocked));
  }

  /** Returns false when the task cannot take part (it finished). */
  triggerCheckpoint(checkpointId: number, savepoint: boolean): boolean {
    if (this.finished) return false;
    this.trigger = { id: checkpointId, savepoint };
    return true;
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
    const t = this.trigger;
    if (t !== undefined) {
      this.trigger = undefined;
      this.checkpoint(t.id, t.savepoint);
      return true;
    }
    if (!this.available || this.blocked) return false;
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
