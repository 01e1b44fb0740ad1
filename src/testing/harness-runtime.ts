/**
 * {@link HarnessRuntime}: runs the operators a `build` function added after the harness's placeholder
 * input(s), in-process and synchronously, with the runtime's semantics: partitions are no-ops (a keyed
 * partition's selector sets the current key of the next operator), unions merge, side outputs route by
 * tag, and each operator's watermark is the minimum over its input channels. Processing time is a
 * {@link ManualClock}; stepping it fires processing-time timers and requested wake-ups.
 */
import { EddyError, ManualClock, MAX_WATERMARK, NO_TIMESTAMP } from '../core/index.ts';
import type { Output, OutputTag, Transformation } from '../api/index.ts';
import { inputsOf } from '../api/index.ts';
import { HarnessNode, type HarnessOperatorSnapshot, type HarnessOptions } from './harness-node.ts';

/** A record the pipeline emitted; `timestamp` is absent when the record has none. */
export interface HarnessRecord<T> {
  value: T;
  timestamp?: number;
}
/** A watermark the pipeline emitted. */
export interface HarnessWatermark {
  watermark: number;
}
/** What `output()` lists, in emission order. */
export type HarnessOutput<T> = HarnessRecord<T> | HarnessWatermark;

/** A harness snapshot: structured-clone-able, restorable with `OperatorHarness.restore`. */
export interface HarnessSnapshot {
  version: 1;
  checkpointId: number;
  processingTime: number;
  /** Per operator id (its uid, else its position in the pipeline). */
  operators: Record<string, HarnessOperatorSnapshot>;
}

interface Sink {
  node: HarnessNode | undefined;
  channels: Map<string, number>;
  current: number;
}

const isVirtual = (t: Transformation): boolean => t.kind === 'partition' || t.kind === 'union' || t.kind === 'side-output';

/** The in-process pipeline behind the harnesses. */
export class HarnessRuntime {
  readonly clock: ManualClock;
  readonly nodes: HarnessNode[] = [];
  private readonly nodeOf = new Map<Transformation, HarnessNode>();
  private readonly sinkOf = new Map<Transformation, Sink>();
  private readonly outSink: Sink = { node: undefined, channels: new Map(), current: -Infinity };
  private readonly consumers = new Map<Transformation, Array<{ t: Transformation; input: number }>>();
  private readonly out: HarnessOutput<unknown>[] = [];
  private readonly side = new Map<string, HarnessRecord<unknown>[]>();
  private checkpointId = 0;
  private closed = false;

  constructor(
    private readonly inputs: Transformation[],
    private readonly output: Transformation,
    opts: HarnessOptions,
    restored?: HarnessSnapshot,
  ) {
    if (restored !== undefined && (restored === null || restored.version !== 1))
      throw new EddyError(`harness restore: unsupported snapshot (version ${String((restored as { version?: unknown })?.version)})`, { domain: 'user' });
    this.clock = new ManualClock(opts.processingTime ?? restored?.processingTime ?? 0);
    this.checkpointId = restored?.checkpointId ?? 0;
    const set = this.ancestors();
    const ordered = [...set].sort((a, b) => a.id - b.id);
    for (const t of ordered) {
      inputsOf(t).forEach((inp, input) => {
        if (!set.has(inp)) return;
        let l = this.consumers.get(inp);
        if (l === undefined) this.consumers.set(inp, (l = []));
        l.push({ t, input });
      });
    }
    let pos = 0;
    for (const t of ordered) {
      if (t.kind !== 'one-input' && t.kind !== 'two-input') continue;
      const node = new HarnessNode(t, t.uid ?? `op${pos++}-${t.name}`, this.clock, opts, () => this.mailArrived());
      this.nodes.push(node);
      this.nodeOf.set(t, node);
      const sink: Sink = { node, channels: new Map(), current: -Infinity };
      inputsOf(t).forEach((inp, input) => {
        for (const o of this.origins(inp)) sink.channels.set(`${o.id}/${input}`, -Infinity);
      });
      this.sinkOf.set(t, sink);
    }
    for (const o of this.origins(output)) this.outSink.channels.set(`${o.id}/out`, -Infinity);
    for (const node of this.nodes) node.setup(this.outputFor(node.t));
    const ids = new Set(this.nodes.map((n) => n.id));
    for (const id of Object.keys(restored?.operators ?? {}))
      if (!ids.has(id)) throw new EddyError(`harness restore: the snapshot has state of operator '${id}', which the rebuilt pipeline does not contain`, { domain: 'user' });
    for (let i = this.nodes.length - 1; i >= 0; i--) this.nodes[i]!.open(restored?.operators[this.nodes[i]!.id]);
  }

  /** Feeds a record into input `input` (0-based). */
  pushRecord(input: number, value: unknown, timestamp: number): void {
    this.checkOpen();
    if (typeof timestamp !== 'number') throw new EddyError(`harness: record timestamp must be a number, got ${typeof timestamp}`, { domain: 'user' });
    this.emit(this.inputs[input]!, undefined, value, timestamp);
  }
  /** Feeds a watermark into input `input`. */
  pushWatermark(input: number, watermark: number): void {
    this.checkOpen();
    if (typeof watermark !== 'number' || Number.isNaN(watermark)) throw new EddyError(`harness: watermark must be a number, got ${String(watermark)}`, { domain: 'user' });
    const src = this.inputs[input]!;
    this.propagateWatermark(src, src, watermark);
  }

  /** Sets processing time; fires due processing-time timers and wake-ups, operator by operator. */
  setProcessingTime(now: number): void {
    this.checkOpen();
    this.clock.set(now);
    for (const n of this.nodes) {
      if (n.timers && n.keyed) {
        const op = n.op;
        n.keyed.batch(() => n.timers!.advanceProcessingTime(now, (k, ns, ts) => op.onProcessingTime?.(k, ns, ts)));
      }
      for (let guard = 0; n.wakeupAt <= now && guard < 10_000; guard++) {
        n.wakeupAt = Infinity;
        n.op.onWakeup?.(now);
      }
    }
  }

  /** End of input: the final watermark on every input, then `finish()` on every operator. */
  endInput(): void {
    for (let i = 0; i < this.inputs.length; i++) this.pushWatermark(i, MAX_WATERMARK);
    for (const n of this.nodes) {
      n.op.finish();
      if (n.op.hasPendingWork?.() === true)
        throw new EddyError(`harness: operator '${n.t.name}' still has asynchronous requests at end of input; await settle() before endInput()`, { domain: 'user' });
    }
  }

  /** Processes the mail operators asked for (asynchronous completions), as the task loop does. */
  processMail(): void {
    this.checkOpen();
    for (const n of this.nodes) {
      if (!n.mail) continue;
      n.mail = false;
      n.op.processMail?.();
    }
  }

  /** Processes mail as it arrives until no operator has asynchronous work pending. */
  async settle(): Promise<void> {
    for (;;) {
      this.processMail();
      if (!this.nodes.some((n) => n.op.hasPendingWork?.() === true)) return;
      await new Promise<void>((resolve) => (this.mailWaiter = resolve));
    }
  }

  private mailWaiter: (() => void) | undefined;
  private mailArrived(): void {
    const w = this.mailWaiter;
    this.mailWaiter = undefined;
    w?.();
  }

  outputList(): HarnessOutput<unknown>[] {
    return this.out.slice();
  }
  clearOutput(): void {
    this.out.length = 0;
    this.side.clear();
  }
  sideOutput(tag: OutputTag<unknown>): HarnessRecord<unknown>[] {
    return (this.side.get(tag.id) ?? []).slice();
  }
  /** A counter summed over every operator (e.g. `numLateRecordsDropped`). */
  counter(name: string): number {
    let n = 0;
    for (const node of this.nodes) n += node.metrics.map.get(name)?.count ?? 0;
    return n;
  }

  snapshot(): HarnessSnapshot {
    this.checkOpen();
    const id = ++this.checkpointId;
    const operators: Record<string, HarnessOperatorSnapshot> = {};
    for (const n of this.nodes) operators[n.id] = n.snapshot(id);
    const snap: HarnessSnapshot = { version: 1, checkpointId: id, processingTime: this.clock.now(), operators };
    try {
      return structuredClone(snap);
    } catch (e) {
      throw new EddyError('harness snapshot: operator state is not structured-clone-able', { domain: 'user', cause: e });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    let first: unknown;
    for (const n of this.nodes) {
      try {
        n.close();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('harness is closed', { domain: 'user' });
  }

  private ancestors(): Set<Transformation> {
    const set = new Set<Transformation>();
    const stack = [this.output];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (set.has(t)) continue;
      set.add(t);
      if (t.kind === 'source' && !this.inputs.includes(t))
        throw new EddyError(`harness: the pipeline reads from source '${t.name}'; build it from the harness input stream(s) only`, { domain: 'user' });
      for (const i of inputsOf(t)) stack.push(i);
    }
    return set;
  }

  /** The physical transformations whose elements reach `t` (itself when physical). */
  private origins(t: Transformation): Transformation[] {
    if (!isVirtual(t)) return [t];
    return inputsOf(t).flatMap((i) => this.origins(i));
  }

  private outputFor(t: Transformation): Output<unknown> {
    return {
      collect: (v, ts) => this.emit(t, undefined, v, ts),
      collectSide: (tag, v, ts) => {
        let l = this.side.get(tag.id);
        if (l === undefined) this.side.set(tag.id, (l = []));
        l.push(record(v, ts));
        this.emit(t, tag.id, v, ts);
      },
      emitWatermark: (wm) => this.propagateWatermark(t, t, wm),
    };
  }

  private emit(from: Transformation, tag: string | undefined, value: unknown, ts: number): void {
    if (from === this.output && tag === undefined) this.out.push(record(value, ts));
    const cs = this.consumers.get(from);
    if (cs === undefined) return;
    for (const c of cs) {
      const t = c.t;
      if (t.kind === 'side-output') {
        if (tag === t.tag.id) this.emit(t, undefined, value, ts);
      } else if (tag !== undefined) continue;
      else if (t.kind === 'partition' || t.kind === 'union') this.emit(t, undefined, value, ts);
      else this.deliver(this.nodeOf.get(t)!, c.input, value, ts);
    }
  }

  private deliver(node: HarnessNode, input: number, value: unknown, ts: number): void {
    // lmdb: one write transaction per record (the runtime uses one per batch); heap needs none
    if (node.keyed?.kind === 'lmdb') node.keyed.batch(() => this.deliverNow(node, input, value, ts));
    else this.deliverNow(node, input, value, ts);
  }

  private deliverNow(node: HarnessNode, input: number, value: unknown, ts: number): void {
    node.setKey(input, value);
    const op = node.op;
    if (node.t.kind === 'two-input') {
      if (input === 0) op.processElement1!(value, ts);
      else op.processElement2!(value, ts);
    } else op.processElement(value, ts);
  }

  private propagateWatermark(cur: Transformation, origin: Transformation, wm: number): void {
    if (cur === this.output) this.advanceChannel(this.outSink, `${origin.id}/out`, wm);
    for (const c of this.consumers.get(cur) ?? []) {
      if (isVirtual(c.t)) this.propagateWatermark(c.t, origin, wm);
      else this.advanceChannel(this.sinkOf.get(c.t)!, `${origin.id}/${c.input}`, wm);
    }
  }

  private advanceChannel(sink: Sink, key: string, wm: number): void {
    const prev = sink.channels.get(key);
    if (prev === undefined || wm <= prev) return;
    sink.channels.set(key, wm);
    let min = Infinity;
    for (const v of sink.channels.values()) if (v < min) min = v;
    if (min <= sink.current) return;
    sink.current = min;
    if (sink.node === undefined) this.out.push({ watermark: min });
    else sink.node.op.processWatermark(min);
  }
}

function record(value: unknown, ts: number): HarnessRecord<unknown> {
  return ts === NO_TIMESTAMP ? { value } : { value, timestamp: ts };
}
