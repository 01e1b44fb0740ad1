/**
 * A synchronous front to a client that lives on its own thread: the Sink SPI calls writers
 * synchronously (a barrier's flush must return only when the broker has confirmed), while broker clients
 * and database clients are asynchronous. `post` hands a message to the thread without waiting
 * (bounded: it blocks while more than `maxInFlight` posts are unprocessed); `call` blocks
 * (`Atomics.wait`) until the thread replies. The thread side is {@link serveSync}: one handler per
 * operation, run in order; the first failure of a post (or one a handler marks with {@link failWith})
 * fails every later call but `close`. Errors cross with their message and, when they have one, their
 * `code` (PostgreSQL's SQLSTATE, say). Used by the RabbitMQ, MQTT and PostgreSQL sinks.
 */
import { MessageChannel, Worker, parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { EddyError, ioThreadEntry } from '../../core/index.ts';

/** Options of {@link SyncIoThread}. */
export interface SyncIoOptions {
  /** Unprocessed posts before `post` blocks (default 16). */
  maxInFlight?: number;
  /** What is on the other side, in timeout messages (default 'the broker'). */
  peer?: string;
  /** The error thrown for a failed request or a timeout (default: a retriable external EddyError). */
  error?: (message: string, code?: string) => Error;
  /** Extra `workerData` fields (an entry may check them). */
  workerData?: Record<string, unknown>;
}

const REPLIES = 0;
const POSTS_DONE = 1;
const FAILED = 2;

type Req = { op: string; id?: number; data?: unknown };
type Rep = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string; code?: string };

const externalError = (message: string): Error => new EddyError(message, { domain: 'external', retriable: true });

export class SyncIoThread {
  private readonly worker: Worker;
  private readonly i32: Int32Array;
  private readonly port: MessagePort;
  private nextId = 1;
  private repliesSeen = 0;
  private posts = 0;
  private closed = false;

  private readonly maxInFlight: number;
  private readonly peer: string;
  private readonly error: (message: string, code?: string) => Error;

  /** `entry`: a plain-JS worker entry that loads the module calling {@link serveSync}. */
  constructor(
    entry: URL,
    init: unknown,
    private readonly what: string,
    private readonly timeoutMs: number,
    options: SyncIoOptions | number = {},
  ) {
    const o = typeof options === 'number' ? { maxInFlight: options } : options;
    this.maxInFlight = o.maxInFlight ?? 16;
    this.peer = o.peer ?? 'the broker';
    this.error = o.error ?? externalError;
    const shared = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    this.i32 = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(ioThreadEntry(entry), { workerData: { ...o.workerData, eddySyncIo: true, init, shared, replies: port2 }, transferList: [port2], execArgv: [], stdout: false, stderr: false });
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
      if (left <= 0) throw this.error(`${this.what}: ${this.peer} did not take a batch within ${this.timeoutMs} ms`);
      Atomics.wait(this.i32, POSTS_DONE, done, left);
    }
  }

  call(op: string, data?: unknown, timeoutMs = this.timeoutMs): unknown {
    if (this.closed) throw new EddyError(`${this.what}: the writer is closed`, { domain: 'internal' });
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
          if (!r.ok) throw this.error(r.error, r.code);
          return r.result;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw this.error(`${this.what}: no answer to '${op}' from ${this.peer} within ${timeoutMs} ms`);
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

/** Thrown by a call handler: replies with `error` and fails every later call (as a failed post does). */
export class FailWith extends Error {
  constructor(readonly error: unknown) {
    super((error as Error)?.message ?? String(error));
  }
}
export const failWith = (e: unknown): FailWith => new FailWith(e);

/** Runs on the I/O thread: `make(init)` builds the handlers; requests are handled one at a time, in order. */
export function serveSync(make: (init: unknown) => SyncHandlers): void {
  if (!parentPort || !(workerData as { eddySyncIo?: boolean } | undefined)?.eddySyncIo) return;
  const { init, shared, replies } = workerData as { init: unknown; shared: SharedArrayBuffer; replies: MessagePort };
  const i32 = new Int32Array(shared);
  const handlers = make(init);
  let failure: unknown;
  let chain: Promise<void> = Promise.resolve();
  const reply = (m: Rep): void => {
    replies.postMessage(m);
    Atomics.add(i32, REPLIES, 1);
    Atomics.notify(i32, REPLIES);
  };
  const fail = (e: unknown): void => {
    failure ??= e;
    Atomics.store(i32, FAILED, 1);
  };
  const errorReply = (id: number, e: unknown): Rep => ({ id, ok: false, error: (e as Error)?.message ?? String(e), code: (e as { code?: string })?.code });
  parentPort.on('message', (m: Req) => {
    chain = chain.then(async () => {
      const h = handlers[m.op];
      if (m.id === undefined) {
        try {
          if (failure === undefined) await h!(m.data);
        } catch (e) {
          fail(e);
        } finally {
          Atomics.add(i32, POSTS_DONE, 1);
          Atomics.notify(i32, POSTS_DONE);
        }
        return;
      }
      try {
        if (failure !== undefined && m.op !== 'close') throw failure;
        if (!h) throw new Error(`unknown operation '${m.op}'`);
        reply({ id: m.id, ok: true, result: await h(m.data) });
      } catch (e) {
        const err = e instanceof FailWith ? e.error : e;
        if (e instanceof FailWith) fail(err);
        reply(errorReply(m.id, err));
      }
    });
  });
}
