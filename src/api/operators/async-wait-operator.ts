/**
 * {@link AsyncWaitOperator}: asynchronous I/O inside a synchronous task loop (Flink's AsyncWaitOperator).
 *
 * Each record starts a request (`asyncInvoke`) and waits in a queue until its {@link ResultFuture}
 * completes. Completions arrive on the event loop, outside the task loop: they only mark the entry done
 * and ask for *mail* (`ctx.requestMail()`), which wakes the slot; the task then calls
 * {@link processMail} from its loop, where results are emitted downstream. So nothing blocks or spins:
 * a full queue makes the task stop taking input ({@link isBackpressured}) and sleep until mail comes.
 *
 * - **ordered**: results leave in input order (the head of the queue goes first).
 * - **unordered**: results leave as they complete, but never across a watermark: watermarks split the
 *   queue into segments, and a segment's results and its closing watermark leave before anything of the
 *   next segment (Flink's UnorderedStreamElementQueue).
 * - **capacity** bounds the records in the queue (in flight, or completed and not yet emitted); a record
 *   that arrives in the same input batch after the queue filled up waits in the queue without a request
 *   until a place frees up.
 * - **timeouts** use processing time: one wake-up at the earliest deadline, never a timer per request.
 * - **checkpoints**: the inputs of every queued record (and the watermarks between them) are the
 *   operator's state; a restore starts their requests again, so each result is emitted exactly once.
 * - **end of input**: `finish()` emits what is complete; the task keeps processing mail until
 *   {@link hasPendingWork} is false before it finishes the operators after this one.
 *
 * Cost: one queue entry per record (it is the ResultFuture the user completes, so it cannot be reused
 * while a late completion might still reach it; plus the Promise callbacks when the function returns a
 * Promise) — inherent to asynchronous requests. No other per-record allocation or closure.
 */
import { EddyError, preview } from '../../core/index.ts';
import type { OperatorSnapshot } from '../operator.ts';
import type { AsyncFunction, AsyncFunctionLike, ResultFuture } from '../async-function.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';

export type AsyncOutputMode = 'ordered' | 'unordered';

/** The operator's checkpointed state: the queued inputs and watermarks, in input order. */
export interface AsyncWaitState {
  version: 1;
  elements: Array<{ value: unknown; timestamp: number } | { watermark: number }>;
}

const WAITING = 0;
const IN_FLIGHT = 1;
const DONE = 2;

/** One queued element: a record with its request (and the ResultFuture of that request), or a watermark. */
class QueueEntry<IN, OUT> implements ResultFuture<OUT> {
  prev: QueueEntry<IN, OUT> | undefined = undefined;
  next: QueueEntry<IN, OUT> | undefined = undefined;
  state: number;
  results: OUT[] | undefined = undefined;
  deadline = Infinity;
  constructor(
    private readonly op: AsyncWaitOperator<IN, OUT>,
    readonly value: IN | undefined,
    readonly timestamp: number,
    /** NaN for a record. */
    readonly watermark: number,
    readonly segment: number,
  ) {
    this.state = watermark === watermark ? DONE : WAITING;
  }
  complete(results: Iterable<OUT>): void {
    if (this.state !== IN_FLIGHT) return;
    let list: OUT[];
    if (Array.isArray(results)) list = results;
    else if (results !== null && typeof results === 'object' && typeof (results as Iterable<OUT>)[Symbol.iterator] === 'function') list = Array.from(results);
    else {
      this.completeExceptionally(new TypeError(`ResultFuture.complete expects an array (or iterable) of results, got ${describe(results)}`));
      return;
    }
    this.results = list;
    this.state = DONE;
    this.op.onCompleted(this);
  }
  completeExceptionally(error: unknown): void {
    if (this.state !== IN_FLIGHT) return;
    this.state = DONE;
    this.op.onFailed(this, error);
  }
}

export class AsyncWaitOperator<IN, OUT> extends AbstractStreamOperator<IN, OUT> {
  private readonly invoke: (input: IN, rf: ResultFuture<OUT>) => unknown;
  private readonly onTimeout: ((input: IN, rf: ResultFuture<OUT>) => void) | undefined;
  private readonly ordered: boolean;
  private head: QueueEntry<IN, OUT> | undefined = undefined;
  private tail: QueueEntry<IN, OUT> | undefined = undefined;
  /** The first record not yet started (every record after it waits too). */
  private firstWaiting: QueueEntry<IN, OUT> | undefined = undefined;
  /** Records in the queue (started or waiting). */
  private queued = 0;
  /** Records started and not yet emitted. */
  private started = 0;
  /**
   * Unordered: segments are numbered (a watermark closes one); the head's and the newest's number, and the
   * completed records of each segment from the head on, in completion order.
   */
  private headSegment = 0;
  private tailSegment = 0;
  private readonly completed: QueueEntry<IN, OUT>[][] = [[]];
  private mailRequested = false;
  private failure: { entry: QueueEntry<IN, OUT>; error: unknown } | undefined = undefined;
  private wakeupAt = Infinity;
  private lastWatermark = -Infinity;
  private restored: AsyncWaitState[] = [];
  private closed = false;

  constructor(
    fn: AsyncFunctionLike<IN, OUT>,
    mode: AsyncOutputMode,
    private readonly timeoutMs: number,
    private readonly capacity: number,
  ) {
    super();
    this.ordered = mode === 'ordered';
    if (typeof fn === 'function') {
      this.invoke = fn as (input: IN, rf: ResultFuture<OUT>) => unknown;
      this.onTimeout = undefined;
    } else {
      const f = fn as AsyncFunction<IN, OUT>;
      this.invoke = (input, rf) => f.asyncInvoke(input, rf);
      this.onTimeout = typeof f.timeout === 'function' ? (input, rf) => f.timeout!(input, rf) : undefined;
      this.functions.push(f);
    }
  }

  override initializeState(restored: OperatorSnapshot | undefined): void {
    super.initializeState(restored);
    if (typeof this.ctx.requestMail !== 'function')
      throw new EddyError(`operator '${this.ctx.operatorName}': asynchronous I/O needs a runtime that delivers mail (OperatorContext.requestMail)`, { domain: 'internal' });
    // the runtime hands a list (one per old subtask assigned here), the harness its own state
    const c = restored?.custom as AsyncWaitState[] | AsyncWaitState | undefined;
    this.restored = (Array.isArray(c) ? c : c === undefined ? [] : [c]).filter((s) => s !== undefined && s !== null);
  }

  /** Opens the function, then starts again the requests of a restored checkpoint, in their order. */
  override open(): void {
    super.open();
    const lists = this.restored;
    this.restored = [];
    // After rescaling several subtasks' queues meet here: their watermarks do not hold for each other's
    // records, so only the records come back (the sources emit watermarks again).
    const withWatermarks = lists.length === 1;
    for (const s of lists) {
      if (s.version !== 1) throw new EddyError(`operator '${this.ctx.operatorName}': unsupported async I/O state version ${String(s.version)}`, { domain: 'user' });
      for (const el of s.elements) {
        if ('watermark' in el) {
          if (withWatermarks) this.processWatermark(el.watermark);
        } else this.processElement(el.value as IN, el.timestamp);
      }
    }
  }

  processElement(value: IN, timestamp: number): void {
    const e = new QueueEntry<IN, OUT>(this, value, timestamp, NaN, this.tailSegment);
    this.append(e);
    this.queued++;
    if (this.firstWaiting !== undefined) return;
    if (this.started < this.capacity) this.start(e);
    else this.firstWaiting = e;
  }

  override processWatermark(watermark: number): void {
    if (this.head === undefined) {
      this.forwardWatermark(watermark);
      return;
    }
    this.append(new QueueEntry<IN, OUT>(this, undefined, 0, watermark, this.tailSegment));
    if (!this.ordered) {
      this.tailSegment++;
      this.completed.push([]);
    }
  }

  /** Backpressure: the queue is full, the task takes no more input until mail frees a place. */
  isBackpressured(): boolean {
    return this.queued >= this.capacity;
  }

  /** Whether anything is still queued (requests in flight, results or watermarks waiting). */
  hasPendingWork(): boolean {
    return this.head !== undefined;
  }

  /** Mail (from the task loop): emits completed results, starts waiting requests, fails on a failed request. */
  processMail(): void {
    this.mailRequested = false;
    this.emitCompleted();
  }

  override finish(): void {
    this.emitCompleted();
  }

  /** Processing time reached the earliest deadline: time out every request past its deadline. */
  onWakeup(now: number): void {
    this.wakeupAt = Infinity;
    for (let e = this.head; e !== undefined && e !== this.firstWaiting; e = e.next) {
      if (e.state !== IN_FLIGHT) continue;
      if (e.deadline > now) {
        // deadlines follow the order requests started in
        this.requestWakeup(e.deadline);
        break;
      }
      this.timeOut(e);
    }
  }

  snapshotState(_checkpointId: number): AsyncWaitState {
    const elements: AsyncWaitState['elements'] = [];
    for (let e = this.head; e !== undefined; e = e.next) {
      if (e.watermark === e.watermark) elements.push({ watermark: e.watermark });
      else elements.push({ value: e.value, timestamp: e.timestamp });
    }
    return { version: 1, elements };
  }

  override close(): void {
    this.closed = true;
    this.head = this.tail = this.firstWaiting = undefined;
    this.completed.length = 0;
    super.close();
  }

  /** @internal A request completed (called by its ResultFuture, on the event loop). */
  onCompleted(e: QueueEntry<IN, OUT>): void {
    if (this.closed) return;
    if (this.ordered) {
      if (e === this.head) this.signal();
    } else {
      this.completed[e.segment - this.headSegment]!.push(e);
      if (e.segment === this.headSegment) this.signal();
    }
  }

  /** @internal A request failed: the next mail fails the task. */
  onFailed(e: QueueEntry<IN, OUT>, error: unknown): void {
    if (this.closed) return;
    this.failure ??= { entry: e, error };
    this.signal();
  }

  private signal(): void {
    if (this.mailRequested) return;
    this.mailRequested = true;
    this.ctx.requestMail!();
  }

  private append(e: QueueEntry<IN, OUT>): void {
    const t = this.tail;
    if (t === undefined) this.head = e;
    else {
      t.next = e;
      e.prev = t;
    }
    this.tail = e;
  }

  private unlink(e: QueueEntry<IN, OUT>): void {
    const p = e.prev;
    const n = e.next;
    if (p === undefined) this.head = n;
    else p.next = n;
    if (n === undefined) this.tail = p;
    else n.prev = p;
    e.prev = e.next = undefined;
  }

  /** Starts the request of `e`. A synchronous exception propagates (the task names the operator and record). */
  private start(e: QueueEntry<IN, OUT>): void {
    e.state = IN_FLIGHT;
    this.started++;
    if (this.timeoutMs !== Infinity) {
      e.deadline = this.ctx.clock.now() + this.timeoutMs;
      if (this.wakeupAt === Infinity) this.requestWakeup(e.deadline);
    }
    const invoke = this.invoke; // called unbound: a plain function's `this` is not the operator
    const r = invoke(e.value as IN, e);
    if (r !== undefined && r !== null) this.adopt(e, r);
  }

  /** What the function returned: a Promise (of the results, or of nothing) or the results themselves. */
  private adopt(e: QueueEntry<IN, OUT>, r: unknown): void {
    if (typeof (r as PromiseLike<unknown>).then === 'function') {
      (r as PromiseLike<unknown>).then(
        (v) => {
          if (v !== undefined) e.complete(v as Iterable<OUT>);
        },
        (err: unknown) => e.completeExceptionally(err),
      );
    } else e.complete(r as Iterable<OUT>);
  }

  private requestWakeup(at: number): void {
    this.wakeupAt = at;
    this.ctx.requestProcessingTimeWakeup(at);
  }

  private timeOut(e: QueueEntry<IN, OUT>): void {
    const h = this.onTimeout;
    if (h === undefined)
      throw new EddyError(`async request timed out after ${this.timeoutMs} ms for input ${preview(e.value)}`, { domain: 'external', retriable: true });
    h(e.value as IN, e);
    if (e.state === IN_FLIGHT)
      throw new EddyError(`the timeout() handler did not complete the ResultFuture of input ${preview(e.value)} (complete it, or completeExceptionally)`, {
        domain: 'user',
      });
  }

  /** Emits what may leave the queue, starts waiting requests as places free up; repeats while that progresses. */
  private emitCompleted(): void {
    for (;;) {
      const f = this.failure;
      if (f !== undefined) {
        const err = f.error;
        throw new EddyError(`async request failed for input ${preview(f.entry.value)}: ${err instanceof Error ? err.message : String(err)}`, {
          domain: 'user',
          retriable: true,
          cause: err,
        });
      }
      const before = this.started;
      if (this.ordered) this.emitOrdered();
      else this.emitUnordered();
      if (this.started === before || this.firstWaiting === undefined) return;
      // places freed up: start waiting requests (some may complete at once)
      while (this.firstWaiting !== undefined && this.started < this.capacity) {
        const e: QueueEntry<IN, OUT> = this.firstWaiting;
        let n: QueueEntry<IN, OUT> | undefined = e.next;
        while (n !== undefined && n.state === DONE) n = n.next;
        this.firstWaiting = n;
        this.start(e);
      }
    }
  }

  private emitOrdered(): void {
    for (let e = this.head; e !== undefined && e.state === DONE; e = this.head) this.emit(e);
  }

  private emitUnordered(): void {
    for (;;) {
      const ready = this.completed[0]!;
      for (let i = 0; i < ready.length; i++) this.emit(ready[i]!);
      ready.length = 0;
      const h = this.head;
      if (h === undefined || h.watermark !== h.watermark) return;
      // every record before this watermark has left: the watermark leaves, the next segment becomes the head
      this.emit(h);
      this.headSegment++;
      this.completed.shift();
    }
  }

  private emit(e: QueueEntry<IN, OUT>): void {
    this.unlink(e);
    if (e.watermark === e.watermark) {
      this.forwardWatermark(e.watermark);
      return;
    }
    this.queued--;
    this.started--;
    const rs = e.results!;
    e.results = undefined;
    for (let i = 0; i < rs.length; i++) this.output.collect(rs[i]!, e.timestamp);
  }

  private forwardWatermark(wm: number): void {
    if (wm <= this.lastWatermark) return;
    this.lastWatermark = wm;
    this.output.emitWatermark(wm);
  }
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v;
}

