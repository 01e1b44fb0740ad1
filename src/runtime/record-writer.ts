/**
 * The network output of one operator for one job edge: picks the channel for each record
 * (partitioner), fills a batch per channel, and sends full batches. Control elements go to every
 * channel after the pending records (so order is kept). Records are checked at the edge: a value
 * that structured clone would break (a function, a class instance) fails with the edge's name.
 */
import { ElementKind, keyGroupOf, subtaskForKeyGroup, uint32Mod, SerializationError, EddyError, describeType } from '../core/index.ts';
import type { RecordBatch, StreamElement } from '../core/index.ts';
import type { PartitionerKind, Output, OutputTag } from '../api/index.ts';
import type { OutputChannel } from './channels.ts';

const PLAIN = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  null,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  Uint8Array.prototype,
  Int8Array.prototype,
  Uint16Array.prototype,
  Int16Array.prototype,
  Uint32Array.prototype,
  Int32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  Error.prototype,
]);

export class RecordWriter {
  private readonly batches: RecordBatch[];
  private rr: number;
  private rngState: number;
  private readonly mode: number;
  /** The prototype of the last object record, already known to be plain (saves a Set lookup per record). */
  private plainProto: unknown = Object.prototype;
  /** For hash partitioning: the channel of each key group (the channel of the downstream subtask that owns it). */
  private readonly channelByKeyGroup: Int32Array;
  constructor(
    readonly edgeName: string,
    private readonly channels: OutputChannel[],
    /** downstream subtask of each channel */
    targets: number[],
    partitioner: PartitionerKind,
    private readonly keySelector: ((v: any) => unknown) | undefined,
    private readonly maxParallelism: number,
    downstreamParallelism: number,
    private readonly batchSize: number,
    subtask: number,
  ) {
    this.batches = channels.map(() => newBatch(batchSize, partitioner === 'hash'));
    this.rr = subtask % Math.max(1, channels.length);
    this.rngState = (subtask * 2654435761 + 12345) | 0 || 1;
    this.mode = partitioner === 'hash' ? 1 : partitioner === 'broadcast' ? 2 : partitioner === 'shuffle' ? 3 : channels.length === 1 || partitioner === 'global' ? 0 : 4;
    const channelBySubtask = new Int32Array(downstreamParallelism).fill(-1);
    targets.forEach((d, i) => (channelBySubtask[d] = i));
    this.channelByKeyGroup = new Int32Array(partitioner === 'hash' ? maxParallelism : 0);
    for (let kg = 0; kg < this.channelByKeyGroup.length; kg++) this.channelByKeyGroup[kg] = channelBySubtask[subtaskForKeyGroup(maxParallelism, downstreamParallelism, kg)]!;
  }

  emit(value: unknown, timestamp: number): void {
    if (typeof value === 'object' && value !== null) {
      // A plain object's or array's `constructor` is Object or Array: one inline-cached property load,
      // where Object.getPrototypeOf is a runtime call (about 5 % of a keyed count's time). Anything else
      // is checked by its prototype. (An object made by Object.create() from a plain object passes here;
      // it stays exact where it matters: the shape codec checks the prototype before a record leaves
      // the thread.)
      const ctor: unknown = (value as { constructor?: unknown }).constructor;
      if (ctor !== Object && ctor !== Array) this.checkProto(value);
    } else if (typeof value === 'function' || typeof value === 'symbol') this.badValue(value);
    switch (this.mode) {
      case 0:
        this.add(0, value, timestamp);
        return;
      case 1: {
        const key = this.keySelector!(value);
        if (key === undefined) throw new EddyError(`the key selector of keyBy on edge '${this.edgeName}' returned undefined`, { domain: 'user' });
        const kg = keyGroupOf(key, this.maxParallelism);
        const i = this.channelByKeyGroup[kg]!;
        const b = this.batches[i]!;
        b.g![b.n] = kg;
        this.add(i, value, timestamp);
        return;
      }
      case 2:
        for (let i = 0; i < this.channels.length; i++) this.add(i, value, timestamp);
        return;
      case 3: {
        let x = this.rngState;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.rngState = x;
        this.add(uint32Mod(x >>> 0, this.channels.length), value, timestamp);
        return;
      }
      default: {
        const i = this.rr;
        this.rr = i + 1 === this.channels.length ? 0 : i + 1;
        this.add(i, value, timestamp);
      }
    }
  }

  private add(i: number, value: unknown, timestamp: number): void {
    const b = this.batches[i]!;
    b.t[b.n] = timestamp;
    b.v.push(value);
    if (++b.n === this.batchSize) {
      this.channels[i]!.send(b);
      this.batches[i] = newBatch(this.batchSize, b.g !== undefined);
    }
  }

  /** Sends every partial batch. */
  flush(): void {
    for (let i = 0; i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (b.n > 0) {
        b.t = b.t.slice(0, b.n);
        if (b.g !== undefined) b.g = b.g.slice(0, b.n);
        this.channels[i]!.send(b);
        this.batches[i] = newBatch(this.batchSize, b.g !== undefined);
      }
    }
  }

  /** Sends a control element to every channel, after the records before it. */
  broadcastControl(e: StreamElement): void {
    this.flush();
    for (const c of this.channels) c.send(e);
  }

  get blocked(): boolean {
    for (const c of this.channels) if (c.backlog.length > 0) return true;
    return false;
  }

  /** The channels of this edge (unaligned checkpoints record their backlogs and send barriers ahead). */
  get outputChannels(): readonly OutputChannel[] {
    return this.channels;
  }

  /** A record that is not a plain object or array: plain data (Map, Set, Date, a typed array, …) or fails. */
  private checkProto(value: object): void {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === this.plainProto) return;
    if (!PLAIN.has(proto)) this.badValue(value);
    this.plainProto = proto;
  }

  private badValue(value: unknown): never {
    throw new SerializationError(
      `a record of type '${describeType(value)}' cannot cross threads on edge '${this.edgeName}': records on a network edge ` +
        `must be structured-clone-able plain data (objects, arrays, primitives, Map, Set, Date, typed arrays); ` +
        `convert class instances to plain objects and drop functions before this edge`,
    );
  }
}

function newBatch(size: number, keyGroups: boolean): RecordBatch {
  return { k: ElementKind.Records, v: [], t: new Float64Array(size), n: 0, g: keyGroups ? new Uint16Array(size) : undefined };
}

/** Adapts a RecordWriter to the operator Output interface. */
export class RecordWriterOutput implements Output<unknown> {
  constructor(readonly writer: RecordWriter) {}
  collect(value: unknown, timestamp: number): void {
    this.writer.emit(value, timestamp);
  }
  collectSide<X>(_tag: OutputTag<X>, _value: X, _timestamp: number): void {}
  emitWatermark(watermark: number): void {
    this.writer.broadcastControl({ k: ElementKind.Watermark, ts: watermark });
  }
}
