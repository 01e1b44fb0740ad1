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
 * Local channels (both ends in one slot) hand batches over by reference; remote channels post them
 * through the MessagePort between the two slots' workers (structured clone).
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
  constructor(
    readonly id: number,
    initialCredits: number,
    private readonly transport: ChannelTransport,
    readonly remote: boolean,
    private readonly onUnblocked: () => void,
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
}

/** The receiver's end: a FIFO of elements; consuming a record batch returns one credit. */
export class InputChannel {
  private readonly queue: StreamElement[] = [];
  private head = 0;
  /** Watermark last seen on this channel. */
  watermark = -Infinity;
  idle = false;
  ended = false;
  /** Checkpoint alignment: blocked channels are not read until the barrier completes. */
  blocked = false;
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
    this.returnCredit(this.id);
  }
  /** Elements still queued (for unaligned checkpoints / diagnostics). */
  pending(): StreamElement[] {
    return this.queue.slice(this.head);
  }
}
