/**
 * A synchronous front to a client that lives on its own thread: the Sink SPI calls writers
 * synchronously (a barrier's flush must return only when the broker has confirmed), while broker clients
 * are asynchronous. `post` hands a message to the thread without waiting (bounded: it blocks while more
 * than `maxInFlight` posts are unprocessed); `call` blocks (`Atomics.wait`) until the thread replies.
 * The thread side is {@link serveSync}: one handler per operation, run in order.
 */
import { MessageChannel, Worker, parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { EddyError } from '../../core/index.ts';

const REPLIES = 0;
const POSTS_DONE = 1;
const FAILED = 2;

type Req = { op: string; id?: number; data?: unknown };
type Rep = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string };

export class SyncIoThread {
  private readonly worker: Worker;
  private readonly i32: Int32Array;
  private readonly port: MessagePort;
  private nextId = 1;
  private repliesSeen = 0;
  private posts = 0;
  private closed = false;

  /** `entry`: a plain-JS worker entry that loads the module calling {@link serveSync}. */
  constructor(
    entry: URL,
    init: unknown,
    private readonly what: string,
    private readonly timeoutMs: number,
    private readonly maxInFlight = 16,
  ) {
    const shared = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    this.i32 = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(entry, { workerData: { eddySyncIo: true, init, shared, replies: port2 }, transferList: [port2], execArgv: [], stdout: false, stderr: false });
    this.worker.unref();
  }

  /** Whether a posted message failed (the next `call` reports why). */
  get failed(): boolean {
    return Atomics.load(this.i32, FAILED) === 1;
  }

  post(op: string, data: unknown): void {
    this.worker.postMessage({ op, data });
    this.posts++;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(this.i32, POSTS_DONE);
      if (this.posts - done <= this.maxInFlight) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new EddyError(`${this.what}: the broker did not take a batch within ${this.timeoutMs} ms`, { domain: 'external', retriable: true });
      Atomics.wait(this.i32, POSTS_DONE, done, left);
    }
  }

  call(op: string, data?: unknown, timeoutMs = this.timeoutMs): unknown {
    if (this.closed) throw new EddyError(`${this.what}: closed`, { domain: 'internal' });
    const id = this.nextId++;
    this.worker.postMessage({ op, id, data });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.i32, REPLIES);
      if (seen > this.repliesSeen) {
        const r = receiveMessageOnPort(this.port)?.message as Rep | undefined;
        if (r) {
          this.repliesSeen++;
          if (r.id !== id) continue;
          if (!r.ok) throw new EddyError(r.error, { domain: 'external', retriable: true });
          return r.result;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new EddyError(`${this.what}: no answer to '${op}' within ${timeoutMs} ms`, { domain: 'external', retriable: true });
      Atomics.wait(this.i32, REPLIES, seen, Math.min(left, 50));
    }
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call('close', undefined, Math.min(this.timeoutMs, 5_000));
    } catch {
      /* terminated anyway */
    } finally {
      this.closed = true;
      void this.worker.terminate();
      this.port.close();
    }
  }
}

/** Handlers of the thread side; `close` is called last. A post's error is kept and reported by the next call. */
export type SyncHandlers = Record<string, (data: unknown) => unknown | Promise<unknown>> & { close(): Promise<void> | void };

/** Runs on the I/O thread: `make(init)` builds the handlers; requests are handled one at a time, in order. */
export function serveSync(make: (init: unknown) => SyncHandlers): void {
  if (!parentPort || !(workerData as { eddySyncIo?: boolean } | undefined)?.eddySyncIo) return;
  const { init, shared, replies } = workerData as { init: unknown; shared: SharedArrayBuffer; replies: MessagePort };
  const i32 = new Int32Array(shared);
  const handlers = make(init);
  let failure: string | undefined;
  let chain: Promise<void> = Promise.resolve();
  const reply = (m: Rep): void => {
    replies.postMessage(m);
    Atomics.add(i32, REPLIES, 1);
    Atomics.notify(i32, REPLIES);
  };
  const message = (e: unknown) => (e as Error)?.message ?? String(e);
  parentPort.on('message', (m: Req) => {
    chain = chain.then(async () => {
      const h = handlers[m.op];
      if (m.id === undefined) {
        try {
          if (failure === undefined) await h!(m.data);
        } catch (e) {
          failure ??= message(e);
          Atomics.store(i32, FAILED, 1);
        } finally {
          Atomics.add(i32, POSTS_DONE, 1);
          Atomics.notify(i32, POSTS_DONE);
        }
        return;
      }
      try {
        if (failure !== undefined && m.op !== 'close') throw new Error(failure);
        if (!h) throw new Error(`unknown operation '${m.op}'`);
        reply({ id: m.id, ok: true, result: await h(m.data) });
      } catch (e) {
        reply({ id: m.id, ok: false, error: message(e) });
      }
    });
  });
}
