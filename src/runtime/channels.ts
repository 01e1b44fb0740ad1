/**
 * Channels between subtasks, with credit-based flow control.
 *
 * A channel carries stream elements in order: record batches and in-band control elements. The
 * receiver grants `credits` buffers; the sender spends one per record batch and gets it back when
 * the receiver has processed the batch. A sender without credit keeps the batch in a backlog and its
 * task stops taking input until the backlog drains, so a slow consumer slows its producers and,
 * transitively, the sources. In-flight memory per channel is bounded by `credits × batchSize`
 * records (plus one batch of backlog). Control elements do not need credit.
 *
 * Local channels (both ends in one slot) hand batches over by reference; remote channels write them as
 * binary batches into a shared-memory ring (ring-channels.ts), where free ring space is the credit.
 *
 * Unaligned checkpoints: a barrier may overtake the data queued before it, on both ends. The sender's
 * {@link OutputChannel.sendPriority} delivers it ahead of the backlog; the receiver tells its task of every
 * queued barrier ({@link ChannelObserver}), so the task can take it out of the queue early, and while a
 * {@link ChannelRecorder} is set every newly queued element is also handed to it. Both hooks cost one
 * check per batch, none per record.
 */
import { ElementKind, type StreamElement, type RecordBatch } from '../core/index.ts';

/** The sender's view of a channel. */
export interface ChannelSender {
  readonly id: number;
  credits: number;
  /** Batches waiting for credit. */
  readonly backlog: StreamElement[];
  /** Sends now (credit permitting) or queues. */
  send(e: StreamElement): void;
  /** Called when the receiver returns credit. */
  addCredit(n: number): void;
  readonly remote: boolean;
}

export interface ChannelTransport {
  /** Delivers an element to the receiving end (remote: postMessage; local: enqueue). */
  deliver(channelId: number, e: StreamElement): void;
}

export class OutputChannel implements ChannelSender {
  credits: number;
  readonly backlog: StreamElement[] = [];
  /** The job edge (as in channel state) and the receiving subtask: set by the slot. */
  edgeKey = '';
  peer = 0;
  peerParallelism = 1;
  constructor(
    readonly id: number,
    initialCredits: number,
    protected readonly transport: ChannelTransport,
    readonly remote: boolean,
    protected readonly onUnblocked: () => void,
  ) {
    this.credits = initialCredits;
  }
  send(e: StreamElement): void {
    if (this.backlog.length > 0) {
      this.backlog.push(e);
      return;
    }
    if (e.k === ElementKind.Records) {
      if (this.credits <= 0) {
        this.backlog.push(e);
        return;
      }
      this.credits--;
    }
    this.transport.deliver(this.id, e);
  }
  addCredit(n: number): void {
    this.credits += n;
    while (this.backlog.length > 0) {
      const e = this.backlog[0]!;
      if (e.k === ElementKind.Records) {
        if (this.credits <= 0) return;
        this.credits--;
      }
      this.backlog.shift();
      this.transport.deliver(this.id, e);
    }
    this.onUnblocked();
  }
  get blocked(): boolean {
    return this.backlog.length > 0;
  }
  /** Delivers a control element now, ahead of the backlog (an unaligned checkpoint's barrier). */
  sendPriority(e: StreamElement): void {
    this.transport.deliver(this.id, e);
  }
}

/** Told when a barrier is queued on an input channel (it may overtake the data before it). */
export interface ChannelObserver {
  onBarrierQueued(c: InputChannel): void;
}

/** Receives every element queued on a channel while an unaligned checkpoint records its in-flight data. */
export interface ChannelRecorder {
  record(c: InputChannel, e: StreamElement): void;
}

/** The receiver's end: a FIFO of elements; consuming a record batch returns one credit. */
export class InputChannel {
  protected readonly queue: StreamElement[] = [];
  protected head = 0;
  /** Watermark last seen on this channel. */
  watermark = -Infinity;
  idle = false;
  ended = false;
  /** Checkpoint alignment: blocked channels are not read until the barrier completes. */
  blocked = false;
  /** The job edge (as in channel state): set by the slot. */
  edgeKey = '';
  /** Parallelism of the sending vertex: set by the slot. */
  peerParallelism = 1;
  /** Told of queued barriers (the task). */
  observer: ChannelObserver | undefined;
  /** Set while an unaligned checkpoint records this channel's in-flight data. */
  recorder: ChannelRecorder | undefined;
  /** Restored record batches still at the head of the queue: they were never paid for with credit. */
  private uncredited = 0;
  constructor(
    readonly id: number,
    /** Position of this channel in its gate. */
    readonly gateIndex: number,
    /** 1 or 2 for two-input tasks. */
    readonly inputIndex: 1 | 2,
    /** Which upstream subtask sends on it. */
    readonly fromSubtask: number,
    readonly edgeIndex: number,
    private readonly returnCredit: (channelId: number) => void,
  ) {}
  push(e: StreamElement): void {
    this.queue.push(e);
    const r = this.recorder;
    if (r !== undefined) r.record(this, e);
    if (e.k === ElementKind.Barrier) this.observer?.onBarrierQueued(this);
  }
  /** Puts restored in-flight elements (an unaligned checkpoint's channel state) before everything queued. */
  restore(elements: StreamElement[]): void {
    this.queue.splice(this.head, 0, ...elements);
    for (const e of elements) if (e.k === ElementKind.Records) this.uncredited++;
  }
  /** Position (from the head) of the first queued barrier, or -1. */
  indexOfBarrier(from = 0): number {
    for (let i = this.head + from; i < this.queue.length; i++) if (this.queue[i]!.k === ElementKind.Barrier) return i - this.head;
    return -1;
  }
  /** The element at `i` positions from the head. */
  peek(i: number): StreamElement | undefined {
    return this.queue[this.head + i];
  }
  /** Queued elements from position `from` (inclusive) to `to` (exclusive), counted from the head. */
  slice(from: number, to: number): StreamElement[] {
    return this.queue.slice(this.head + from, this.head + to);
  }
  /** Takes the element at `i` positions from the head out of the queue (an overtaking barrier). */
  removeAt(i: number): void {
    this.queue.splice(this.head + i, 1);
  }
  get available(): number {
    return this.queue.length - this.head;
  }
  poll(): StreamElement | undefined {
    if (this.head >= this.queue.length) return undefined;
    const e = this.queue[this.head]!;
    this.queue[this.head] = undefined as unknown as StreamElement;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return e;
  }
  /** After a record batch has been processed. */
  consumed(_b: RecordBatch): void {
    if (this.uncredited > 0) this.uncredited--;
    else this.returnCredit(this.id);
  }
  /** Elements still queued (for unaligned checkpoints / diagnostics). */
  pending(): StreamElement[] {
    return this.queue.slice(this.head);
  }
}
