/**
 * A single-producer, single-consumer byte ring in shared memory: the data path of one remote channel.
 *
 * The sender writes framed messages (encoded record batches, control elements, markers) at the write
 * position; the receiver reads them at its own pace and *releases* bytes once the elements they carried
 * are processed. Free space is the channel's credit: a sender that finds no room keeps its element in the
 * channel's backlog and sets `senderWaiting`; its slot tries again on each turn of its loop, and a
 * receiver that releases space while the sender's slot sleeps wakes it with one message. No message
 * travels per batch while both sides are busy; a sleeping receiver is woken the same way (see
 * {@link WakeFlags}).
 *
 * Layout: an Int32 header (write position, release position, sender waiting), then the data region. A
 * position counts bytes since the start modulo 2^32 (Uint32 arithmetic); the offset in the region is the
 * position modulo the capacity (a power of two). A frame is u32 payload length, u32 kind, the payload,
 * padded to 8 bytes; a frame never wraps: when the room before the region's end is too small, a skip
 * frame (kind {@link FrameKind.Skip}) fills it and the frame starts at offset 0.
 */

export const enum FrameKind {
  Batch = 0,
  Control = 1,
  /** A batch too large for the ring: its bytes follow on the port (in order with other oversized batches). */
  Oversize = 2,
  Skip = 3,
}

const HEADER_BYTES = 64;
const W = 0;
const R = 1;
const WAITING = 2;
/** Record-batch frames released so far (the receiver counts; the sender compares with what it wrote). */
const RELEASED = 3;

/**
 * Bytes of each remote channel's ring: 64 KiB per buffer of `buffersPerChannel`, at least 128 KiB, rounded
 * up to a power of two. The default 8 buffers give 512 KiB a channel (a ring's pages become resident as
 * they are first written).
 */
export function ringCapacity(buffersPerChannel: number): number {
  return Math.max(128 * 1024, buffersPerChannel * 64 * 1024);
}

export interface RingFrame {
  kind: FrameKind;
  /** The payload (a view into shared memory: valid until released). */
  bytes: Uint8Array;
  /** Position just after the frame: release up to here once its element is processed. */
  end: number;
}

export class Ring {
  readonly capacity: number;
  private readonly hdr: Int32Array;
  private readonly data: Uint8Array;
  private readonly dv: DataView;
  /** Receiver: how far it has read (≥ the release position). */
  private readPos: number;
  /** Sender: record-batch frames written. */
  private batchesWritten = 0;
  /** Bytes only control frames may use (see {@link tryWrite}). */
  private readonly reserve: number;

  constructor(
    readonly sab: SharedArrayBuffer,
    /** Record batches in flight at most (the channel's buffers); control frames do not count. */
    readonly maxBatches = Infinity,
  ) {
    this.capacity = sab.byteLength - HEADER_BYTES;
    if ((this.capacity & (this.capacity - 1)) !== 0) throw new Error(`ring capacity ${this.capacity} is not a power of two`);
    this.hdr = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.data = new Uint8Array(sab, HEADER_BYTES, this.capacity);
    this.dv = new DataView(sab, HEADER_BYTES, this.capacity);
    this.reserve = Math.min(16 * 1024, this.capacity >>> 3);
    this.readPos = Atomics.load(this.hdr, R) >>> 0;
  }

  static allocate(capacity: number): SharedArrayBuffer {
    let c = 1024;
    while (c < capacity) c *= 2;
    return new SharedArrayBuffer(HEADER_BYTES + c);
  }

  /** The largest batch payload {@link tryWrite} accepts; larger ones go as {@link FrameKind.Oversize}. */
  get maxPayload(): number {
    return ((this.capacity - this.reserve) >>> 1) - 8;
  }

  /** Bytes written and not yet released (the sender's view of what is in flight). */
  get used(): number {
    return ((Atomics.load(this.hdr, W) >>> 0) - (Atomics.load(this.hdr, R) >>> 0)) >>> 0;
  }

  /**
   * Sender: writes a frame if there is room, else returns false (and the caller keeps the element, sets
   * {@link setWaiting} and retries when told). `payload` may be empty.
   */
  tryWrite(kind: FrameKind, payload: Uint8Array): boolean {
    const batch = kind === FrameKind.Batch || kind === FrameKind.Oversize;
    if (batch && this.batchesWritten - Atomics.load(this.hdr, RELEASED) >= this.maxBatches) return false;
    const w = Atomics.load(this.hdr, W) >>> 0;
    const r = Atomics.load(this.hdr, R) >>> 0;
    const free = this.capacity - ((w - r) >>> 0);
    const size = (8 + payload.length + 7) & ~7;
    const off = w & (this.capacity - 1);
    const tail = this.capacity - off;
    // record batches leave a reserve for control frames: a barrier or watermark finds room behind a full ring
    const need = (size <= tail ? size : tail + size) + (batch ? this.reserve : 0);
    if (need > free) return false;
    let at = off;
    let pos = w;
    if (size > tail) {
      // fill the tail with a skip frame; the frame starts at offset 0
      this.dv.setUint32(at, tail - 8, true);
      this.dv.setUint32(at + 4, FrameKind.Skip, true);
      pos = (pos + tail) >>> 0;
      at = 0;
    }
    this.dv.setUint32(at, payload.length, true);
    this.dv.setUint32(at + 4, kind, true);
    this.data.set(payload, at + 8);
    Atomics.store(this.hdr, W, (pos + size) | 0);
    if (batch) this.batchesWritten++;
    return true;
  }

  /** Sender: has elements waiting for room (a receiver that releases space wakes it if it sleeps). */
  setWaiting(): void {
    Atomics.store(this.hdr, WAITING, 1);
  }

  /** Sender: nothing waits for room any more. */
  clearWaiting(): void {
    Atomics.store(this.hdr, WAITING, 0);
  }

  /** Receiver: the next unread frame (not yet read: see {@link advance}), or undefined. Skip frames are passed over. */
  peek(): RingFrame | undefined {
    for (;;) {
      const w = Atomics.load(this.hdr, W) >>> 0;
      if (w === this.readPos) return undefined;
      const at = this.readPos & (this.capacity - 1);
      const len = this.dv.getUint32(at, true);
      const kind = this.dv.getUint32(at + 4, true) as FrameKind;
      const end = (this.readPos + ((8 + len + 7) & ~7)) >>> 0;
      if (kind === FrameKind.Skip) {
        // nothing in it: it is released with the frame that follows
        this.readPos = end;
        continue;
      }
      return { kind, bytes: this.data.subarray(at + 8, at + 8 + len), end };
    }
  }

  /** Receiver: the frame `f` (from {@link peek}) has been read. */
  advance(f: RingFrame): void {
    this.readPos = f.end;
  }

  /**
   * Receiver: frees the ring up to `end` (a frame's end; frames are released in order), and one batch
   * credit when the frame held a record batch. Returns whether the sender has elements waiting for room
   * (then the caller wakes the sender's slot if it sleeps).
   */
  release(end: number, batch: boolean): boolean {
    if (batch) Atomics.add(this.hdr, RELEASED, 1);
    const r = Atomics.load(this.hdr, R) >>> 0;
    // positions wrap at 2^32: `end` is ahead of r by less than the capacity when it is newer
    if (((end - r) >>> 0) <= this.capacity) Atomics.store(this.hdr, R, end | 0);
    return Atomics.load(this.hdr, WAITING) === 1;
  }
}

/**
 * One Int32 per slot, shared by all slots: set while that slot sleeps with nothing to do. A sender that
 * wrote to a sleeping slot's ring clears the flag and posts it one wake-up message.
 */
export class WakeFlags {
  private readonly flags: Int32Array;
  constructor(
    readonly sab: SharedArrayBuffer,
    /** Record batches in flight at most (the channel's buffers); control frames do not count. */
    readonly maxBatches = Infinity,
  ) {
    this.flags = new Int32Array(sab);
  }
  static allocate(slots: number): SharedArrayBuffer {
    return new SharedArrayBuffer(4 * Math.max(1, slots));
  }
  sleep(slot: number): void {
    Atomics.store(this.flags, slot, 1);
  }
  awake(slot: number): void {
    Atomics.store(this.flags, slot, 0);
  }
  /** Whether `slot` was asleep (and is now marked awake: the caller must wake it). */
  takeSleeper(slot: number): boolean {
    return Atomics.load(this.flags, slot) === 1 && Atomics.compareExchange(this.flags, slot, 1, 0) === 1;
  }
}
