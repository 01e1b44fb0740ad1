/**
 * In-flight data of unaligned checkpoints ("channel state"): what a task records while its barrier
 * overtakes data, and how it is encoded and put back on restore.
 *
 * Input side: for every channel still waiting for its barrier when the checkpoint turned unaligned, the
 * elements queued before the barrier (already queued, or arriving until the barrier arrives) — they are
 * still processed normally afterwards, and on restore they are queued again ahead of anything new.
 * Output side: the elements the task had emitted but not yet sent (the channels' backlogs) when its
 * barrier went out ahead of them; on restore they are sent again first.
 *
 * Each element is encoded when it is captured (an operator may mutate a record afterwards), in msgpack:
 * a record batch as `[6, bytes]` with `bytes` in the binary batch format that carries batches between
 * threads (shape-codec.ts; checkpoints written before it hold `[0, values, timestamps]`, still read), a
 * watermark `[1, ts]`, idle `[4]`, active `[5]`. Barriers and end-of-input are never stored.
 */
import { Packr } from 'msgpackr';
import { ElementKind, SerializationError, type StreamElement } from '../core/index.ts';
import type { ChannelState, ChannelStateEntry } from '../checkpoint/index.ts';
import type { JobEdge } from '../graph/index.ts';
import type { ChannelRecorder, InputChannel, OutputChannel } from './channels.ts';
import { BatchEncoder, decodeBatchBytes } from './shape-codec.ts';

// Records (object shapes) without shared structures: every buffer decodes on its own, in any thread.
const packr = new Packr({ useRecords: true, moreTypes: true, mapsAsObjects: false });

/** The id of a job edge in channel state (stable across runs of the same job). */
export function edgeKey(e: JobEdge): string {
  return `${e.sourceNode.operatorId}->${e.target.head.operatorId}/${e.inputIndex}${e.sideTag !== undefined ? `#${e.sideTag}` : ''}`;
}

/** Encodes one element for channel state; undefined for elements that are not stored. */
export function encodeChannelElement(e: StreamElement, where: string): Uint8Array | undefined {
  let v: unknown[];
  switch (e.k) {
    case ElementKind.Records:
      try {
        // key groups are not kept: a restore may be at another parallelism (the receiver hashes again)
        v = [6, new BatchEncoder(where).encode({ k: ElementKind.Records, v: e.v, t: e.t, n: e.n }).slice()];
      } catch (err) {
        throw new SerializationError(`the in-flight data of ${where} cannot be stored in an unaligned checkpoint: ${(err as Error).message}`, err);
      }
      break;
    case ElementKind.Watermark:
      v = [1, e.ts];
      break;
    case ElementKind.Idle:
      v = [4];
      break;
    case ElementKind.Active:
      v = [5];
      break;
    default:
      return undefined;
  }
  try {
    // A copy that owns its memory: pack() returns a view into msgpackr's shared buffer (Buffer#slice does not copy).
    return new Uint8Array(packr.pack(v));
  } catch (err) {
    throw new SerializationError(`the in-flight data of ${where} cannot be stored in an unaligned checkpoint: ${(err as Error).message}`, err);
  }
}

/** Decodes an element written by {@link encodeChannelElement}. */
export function decodeChannelElement(bytes: Uint8Array): StreamElement {
  const a = packr.unpack(bytes) as [number, ...unknown[]];
  switch (a[0]) {
    case 0: {
      const v = a[1] as unknown[];
      const t = a[2] as Float64Array;
      return { k: ElementKind.Records, v, t: new Float64Array(t), n: v.length };
    }
    case 6:
      return decodeBatchBytes(a[1] as Uint8Array);
    case 1:
      return { k: ElementKind.Watermark, ts: a[1] as number };
    case 4:
      return { k: ElementKind.Idle };
    case 5:
      return { k: ElementKind.Active };
    default:
      throw new SerializationError(`unknown element kind ${String(a[0])} in the channel state of a checkpoint`);
  }
}

/**
 * What one task records for one unaligned checkpoint. Input channels are recorded through
 * {@link ChannelRecorder}: set as a channel's `recorder`, it receives every element queued on it until the
 * channel's barrier (or end of input) is queued, then unsets itself.
 */
export class InFlightCapture implements ChannelRecorder {
  private readonly inputs: (ChannelStateEntry | undefined)[];
  private readonly outputs: ChannelStateEntry[] = [];
  private readonly recorded: boolean[];
  /** Bytes recorded so far. */
  bytes = 0;

  constructor(
    readonly checkpointId: number,
    private readonly channels: readonly InputChannel[],
    private readonly parallelism: number,
    /** Names the task in errors. */
    private readonly where: string,
  ) {
    this.inputs = new Array<ChannelStateEntry | undefined>(channels.length);
    this.recorded = new Array<boolean>(channels.length).fill(false);
  }

  /**
   * Records the first `count` queued elements of `c` (those before its barrier), unless `c` is being
   * recorded already (then everything before its barrier has been).
   */
  captureBefore(c: InputChannel, count: number): void {
    if (this.recorded[c.gateIndex]) return;
    this.recorded[c.gateIndex] = true;
    for (const e of c.slice(0, count)) this.add(c, e);
  }

  /** Records everything queued on `c` now, and what is queued later until its barrier. */
  startRecording(c: InputChannel): void {
    this.captureBefore(c, c.available);
    c.recorder = this;
  }

  record(c: InputChannel, e: StreamElement): void {
    if (e.k === ElementKind.Barrier) {
      if (e.id >= this.checkpointId) c.recorder = undefined;
      return;
    }
    if (e.k === ElementKind.EndOfInput) {
      c.recorder = undefined;
      return;
    }
    this.add(c, e);
  }

  private add(c: InputChannel, e: StreamElement): void {
    const b = encodeChannelElement(e, `input channel from subtask ${c.fromSubtask + 1} of edge ${c.edgeKey} at ${this.where}`);
    if (b === undefined) return;
    let entry = this.inputs[c.gateIndex];
    if (entry === undefined) entry = this.inputs[c.gateIndex] = { edge: c.edgeKey, peer: c.fromSubtask, peerParallelism: c.peerParallelism, elements: [] };
    entry.elements.push(b);
    this.bytes += b.byteLength;
  }

  /** Records the backlog of an output channel (the elements its barrier overtakes). */
  captureOutput(oc: OutputChannel): void {
    if (oc.backlog.length === 0) return;
    const elements: Uint8Array[] = [];
    for (const e of oc.backlog) {
      const b = encodeChannelElement(e, `output channel to subtask ${oc.peer + 1} of edge ${oc.edgeKey} at ${this.where}`);
      if (b === undefined) continue;
      elements.push(b);
      this.bytes += b.byteLength;
    }
    if (elements.length > 0) this.outputs.push({ edge: oc.edgeKey, peer: oc.peer, peerParallelism: oc.peerParallelism, elements });
  }

  /** Stops recording every channel (the checkpoint completed or was abandoned). */
  stop(): void {
    for (const c of this.channels) if (c.recorder === this) c.recorder = undefined;
  }

  /** The recorded channel state (undefined when nothing was in flight). */
  result(): ChannelState | undefined {
    const inputs = this.inputs.filter((x): x is ChannelStateEntry => x !== undefined);
    if (inputs.length === 0 && this.outputs.length === 0) return undefined;
    return { parallelism: this.parallelism, inputs, outputs: this.outputs };
  }
}
