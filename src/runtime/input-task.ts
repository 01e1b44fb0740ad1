/**
 * {@link InputTask}: a task whose head reads from channels (one or two inputs) — the input hot loop.
 *
 * A step takes one element from the gate: a record batch goes through the chain in one loop (see
 * `processRecords`), watermarks and idleness go through the gate's valve, and barriers and ends of input go
 * to the checkpoint side ({@link BarrierHandlingTask}).
 *
 * The record loop: for each record of a batch, (set the key,) call the head operator; no closure, Promise or
 * try/catch per record — one try/catch around the batch turns a user exception into a
 * {@link UserFunctionError} naming the operator, subtask and record position. A head operator with
 * `processBatch` gets the whole batch in one call and loops itself (setting each record's key from the key
 * group the sender computed), storing the index of the record it is at so the error still names it.
 * Counters and the running-operator marker are updated per batch.
 */
import { ElementKind, EddyError, assertNever, preview, type RecordBatch } from '../core/index.ts';
import type { BatchCursor } from '../api/index.ts';
import type { OperatorChain } from './operator-chain.ts';
import type { InputGate } from './input-gate.ts';
import type { InputChannel } from './channels.ts';
import { BarrierHandlingTask } from './barrier-handling-task.ts';

export class InputTask extends BarrierHandlingTask {
  private readonly key1: ((v: any) => unknown) | undefined;
  private readonly key2: ((v: any) => unknown) | undefined;
  private readonly twoInput: boolean;
  private wasIdle = false;
  /** Batch-at-a-time heads: the index of the record being processed, and the input's keys. */
  private readonly cursor: BatchCursor = { i: 0 };
  private readonly batchKeys: { selector: (v: unknown) => unknown; groups: Uint16Array | undefined } | undefined;

  constructor(chain: OperatorChain, subtask: number, gate: InputGate, exactlyOnce = true) {
    super(chain, subtask, gate, exactlyOnce);
    const n = chain.head.node;
    this.key1 = n.keySelectors?.[0];
    this.key2 = n.keySelectors?.[1];
    this.twoInput = n.twoInput;
    if (this.key1 !== undefined && !this.twoInput) this.batchKeys = { selector: this.key1, groups: undefined };
  }

  runnable(): boolean {
    if (this.finished) return false;
    if (this.barrierQueued || this.mailReady()) return true;
    // ending: the input is consumed; only mail, and checkpoints triggered meanwhile, remain
    if (this.ending) return this.aligner.expecting;
    return (this.gate.hasData() || this.gate.channels.length === 0) && !this.blocked;
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
      if (!this.aligner.expecting) return false;
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
        this.onChannelEnded(c);
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

function checkKey(k: unknown): unknown {
  if (k === undefined) throw new EddyError('the key selector returned undefined', { domain: 'user' });
  return k;
}
