/**
 * Remote channels on shared memory: the sender encodes each record batch with the channel's
 * {@link BatchEncoder} straight into the channel's {@link Ring}; control elements (watermarks, barriers,
 * end of input) travel in the same ring, so order is kept. Free ring space is the credit: a sender without
 * room keeps elements in its backlog (its task stops taking input) and its slot tries again on each turn of
 * its loop ({@link RingOutputChannel.retry}); a receiver that releases space wakes the sender's slot if it
 * sleeps.
 *
 * The receiver reads every frame as soon as it sees it (each step of its slot, and on a wake-up message)
 * and queues the decoded elements, so everything in flight is in its queue, where unaligned checkpoints
 * find overtaking barriers and record in-flight data. It releases a frame's bytes only when the element
 * is processed: in-flight data stays bounded by the ring's capacity.
 *
 * An unaligned checkpoint's barrier overtakes the sender's backlog but not what is in the ring: it is
 * written into the ring at once (record batches leave room for control frames), or, when even that room
 * is taken, put at the head of the backlog. The receiver reads frames eagerly, so it finds the barrier
 * in its queue as soon as it is written and lets it overtake the data queued before it.
 *
 * Port messages between two slots, besides the rings: [2, channel, bytes] an oversized batch (its place in
 * the stream is an Oversize frame); [3] wake up (the slot slept: a sender wrote to its ring, or a
 * receiver released room it was waiting for).
 */
import { Packr } from 'msgpackr';
import { ElementKind, type RecordBatch, type StreamElement } from '../core/index.ts';
import { InputChannel, OutputChannel } from './channels.ts';
import { FrameKind, Ring, type WakeFlags } from './ring.ts';
import { BatchDecoder, BatchEncoder, type Shape } from './shape-codec.ts';
import type { PeerPort } from './slot.ts';

// control elements are small plain objects (numbers, booleans)
const packr = new Packr({ useRecords: false });
const EMPTY = new Uint8Array(0);

/** Byte counts of a task's remote channels (numBytesOut / numBytesIn), read per report. */
export interface ByteCounter {
  bytes: number;
}

export class RingOutputChannel extends OutputChannel {
  private readonly encoder: BatchEncoder;
  /**
   * The encoded bytes of a record batch that did not fit, and that batch (the head of the backlog, or
   * behind a barrier that overtook it). It is never encoded again: its encoding added its new strings to
   * the channel dictionary, and only these bytes carry them.
   */
  private headBytes: Uint8Array | undefined;
  private headElem: StreamElement | undefined;
  private headKind: FrameKind = FrameKind.Batch;
  /** Batches of more records are sent as several frames (set from the size of the records encoded so far). */
  private maxRecords = Infinity;

  constructor(
    id: number,
    private readonly ring: Ring,
    private readonly port: PeerPort,
    private readonly peerSlot: number,
    private readonly wakeFlags: WakeFlags,
    edgeName: string,
    onUnblocked: () => void,
    private readonly counter: ByteCounter,
    /** Declared with `returns()` on the sending operator. */
    declared?: Shape,
  ) {
    super(id, 0, { deliver: () => {} }, true, onUnblocked);
    this.encoder = new BatchEncoder(edgeName, declared, true);
  }

  override send(e: StreamElement): void {
    if (e.k === ElementKind.Records && e.n > this.maxRecords) {
      // large records: several frames, so that each fits the ring next to others (no oversized batch)
      const step = this.maxRecords;
      for (let a = 0; a < e.n; a += step) {
        const b = Math.min(e.n, a + step);
        this.sendOne({ k: ElementKind.Records, v: e.v.slice(a, b), t: e.t.subarray(a, b), n: b - a, g: e.g?.subarray(a, b) });
      }
    } else this.sendOne(e);
  }

  private sendOne(e: StreamElement): void {
    if (this.backlog.length > 0 || !this.write(e)) this.defer(e);
  }

  /** Sends what waits, as far as the receiver has released room; returns whether anything went. */
  retry(): boolean {
    const n = this.backlog.length;
    if (n === 0) return false;
    this.drain();
    return this.backlog.length < n;
  }

  override get blocked(): boolean {
    return this.backlog.length > 0;
  }

  /** An unaligned checkpoint's barrier: ahead of the backlog, behind what is already in the ring. */
  override sendPriority(e: StreamElement): void {
    if (this.ring.tryWrite(FrameKind.Control, packControl(e))) {
      if (this.wakeFlags.takeSleeper(this.peerSlot)) this.port.postMessage([3]);
      return;
    }
    this.backlog.unshift(e);
    this.ring.setWaiting();
  }

  private defer(e: StreamElement): void {
    this.backlog.push(e);
    this.ring.setWaiting();
  }

  private drain(): void {
    while (this.backlog.length > 0) {
      if (!this.write(this.backlog[0]!)) return;
      this.backlog.shift();
    }
    this.ring.clearWaiting();
  }

  /** Writes one element into the ring (or, oversized, a marker in the ring and its bytes on the port). */
  private write(e: StreamElement): boolean {
    let kind: FrameKind;
    let bytes: Uint8Array;
    if (this.headBytes !== undefined && e === this.headElem) {
      bytes = this.headBytes;
      kind = this.headKind;
    } else if (e.k === ElementKind.Records) {
      bytes = this.encoder.encode(e);
      kind = FrameKind.Batch;
      // records per frame from here on: a quarter of the ring's room for batches, at this batch's record size
      if (e.n > 0) this.maxRecords = Math.max(1, Math.floor(this.ring.maxPayload / 2 / Math.max(1, bytes.length / e.n)));
    } else {
      bytes = packControl(e);
      kind = FrameKind.Control;
    }
    if (kind === FrameKind.Batch && bytes.length > this.ring.maxPayload) {
      if (!this.ring.tryWrite(FrameKind.Oversize, EMPTY)) return this.keep(e, bytes, kind);
      const copy = bytes.slice();
      this.port.postMessage([2, this.id, copy], [copy.buffer as ArrayBuffer]);
    } else if (!this.ring.tryWrite(kind, bytes)) return this.keep(e, bytes, kind);
    if (e === this.headElem) {
      this.headBytes = undefined;
      this.headElem = undefined;
    }
    if (kind === FrameKind.Batch) this.counter.bytes += bytes.length;
    if (this.wakeFlags.takeSleeper(this.peerSlot)) this.port.postMessage([3]);
    return true;
  }

  /**
   * `e` did not fit: it is (or is about to become) the head of the backlog. A record batch's bytes are
   * kept (copied: the encoder's buffer is reused) so it is not encoded again when space frees; a control
   * element is packed again (cheap, and it must not displace a batch's kept bytes).
   */
  private keep(e: StreamElement, bytes: Uint8Array, kind: FrameKind): false {
    if (kind === FrameKind.Control) return false;
    if (bytes !== this.headBytes) this.headBytes = bytes.slice();
    this.headElem = e;
    this.headKind = kind;
    return false;
  }
}

function packControl(e: StreamElement): Uint8Array {
  return packr.pack(e);
}

export class RingInputChannel extends InputChannel {
  /** Ring position to release when each queued element is processed. */
  private readonly ends = new Map<StreamElement, number>();
  /** Oversized batches that arrived on the port, in order. */
  private readonly oversize: Uint8Array[] = [];
  /** Reads the channel's batches in order (they share the channel dictionary). */
  private readonly decoder = new BatchDecoder();

  constructor(
    id: number,
    gateIndex: number,
    inputIndex: 1 | 2,
    fromSubtask: number,
    edgeIndex: number,
    private readonly ring: Ring,
    private readonly port: PeerPort,
    private readonly counter: ByteCounter,
    private readonly wakeFlags: WakeFlags,
  ) {
    super(id, gateIndex, inputIndex, fromSubtask, edgeIndex, () => {});
  }

  /** Queues every frame in the ring; returns whether it queued anything. */
  pull(): boolean {
    let got = false;
    for (;;) {
      const f = this.ring.peek();
      if (f === undefined) return got;
      let e: StreamElement;
      if (f.kind === FrameKind.Batch) {
        e = this.decoder.decode(f.bytes);
        this.counter.bytes += f.bytes.length;
      } else if (f.kind === FrameKind.Control) e = packr.unpack(f.bytes.slice()) as StreamElement; // a copy: msgpackr cannot read shared memory
      else {
        // an oversized batch: its bytes come on the port; wait for them
        const b = this.oversize.shift();
        if (b === undefined) return got;
        e = this.decoder.decode(b);
        this.counter.bytes += b.length;
      }
      this.ring.advance(f);
      this.ends.set(e, f.end);
      this.push(e);
      got = true;
    }
  }

  /** Bytes of an oversized batch, from the port. */
  addOversize(bytes: Uint8Array): void {
    this.oversize.push(bytes);
    this.pull();
  }

  override poll(): StreamElement | undefined {
    const e = super.poll();
    if (e !== undefined && e.k !== ElementKind.Records) this.releaseOf(e);
    return e;
  }

  override removeAt(i: number): void {
    const e = this.peek(i);
    super.removeAt(i);
    if (e !== undefined) this.ends.delete(e);
  }

  override consumed(b: RecordBatch): void {
    this.releaseOf(b);
  }

  private releaseOf(e: StreamElement): void {
    const end = this.ends.get(e);
    if (end === undefined) return; // restored in-flight data: never was in the ring
    this.ends.delete(e);
    // the sender's slot (that of its subtask) waits for room and may sleep: wake it
    if (this.ring.release(end, e.k === ElementKind.Records) && this.wakeFlags.takeSleeper(this.fromSubtask)) this.port.postMessage([3]);
  }
}
