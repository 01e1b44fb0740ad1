/**
 * A synchronous front to the PostgreSQL sink's I/O thread: batches of rows are posted without waiting
 * (bounded: the writer blocks when too many batches are in flight), while `call` blocks the calling
 * thread (`Atomics.wait`) until the I/O thread replies — so `prepareCommit` returns only after
 * `PREPARE TRANSACTION` is durable, as the synchronous Sink SPI requires.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { BATCHES_DONE, FAILED, REPLIES, type IoReply, type IoRequest } from './pg-io.ts';

type Call = IoRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A failed synchronous request, with the PostgreSQL error code when there is one. */
export class PgChannelError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class SyncPgChannel {
  private readonly worker: Worker;
  private readonly i32: Int32Array;
  private readonly port: MessagePort;
  private nextId = 1;
  private repliesSeen = 0;
  private batchesSent = 0;
  private closed = false;

  constructor(
    connectionString: string,
    private readonly timeoutMs: number,
    private readonly maxBatchesInFlight: number,
  ) {
    const shared = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    this.i32 = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./pg-io-worker.mjs', import.meta.url), {
      workerData: { eddyPgIo: true, connectionString, connectTimeoutMs: Math.min(timeoutMs, 30_000), shared, replies: port2 },
      transferList: [port2],
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
  }

  /** Whether a batch failed (the transaction is lost; the next `call` reports why). */
  get failed(): boolean {
    return Atomics.load(this.i32, FAILED) === 1;
  }

  /** Posts a batch; blocks while more than `maxBatchesInFlight` batches are unprocessed. */
  send(m: Extract<IoRequest, { op: 'rows' }>): void {
    this.worker.postMessage(m);
    this.batchesSent++;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(this.i32, BATCHES_DONE);
      if (this.batchesSent - done <= this.maxBatchesInFlight) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new PgChannelError(`PostgresSink: the database did not take a batch within ${this.timeoutMs} ms`);
      Atomics.wait(this.i32, BATCHES_DONE, done, left);
    }
  }

  /** Sends a request and blocks until its reply; throws {@link PgChannelError} on failure or timeout. */
  call(m: Call, timeoutMs = this.timeoutMs): unknown {
    if (this.closed) throw new PgChannelError('PostgresSink: the writer is closed');
    const id = this.nextId++;
    this.worker.postMessage({ ...m, id });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.i32, REPLIES);
      if (seen > this.repliesSeen) {
        const r = receiveMessageOnPort(this.port)?.message as IoReply | undefined;
        if (r) {
          this.repliesSeen++;
          if (r.id !== id) continue; // a reply to an abandoned (timed-out) request
          if (!r.ok) throw new PgChannelError(r.error, r.code);
          return r.result;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new PgChannelError(`PostgresSink: no answer to '${m.op}' from the database within ${timeoutMs} ms`);
      Atomics.wait(this.i32, REPLIES, seen, Math.min(left, 50));
    }
  }

  /** Ends the connection (rolling back an unprepared transaction) and stops the I/O thread. */
  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: 'close' }, Math.min(this.timeoutMs, 5_000));
    } catch {
      /* the thread is terminated anyway; the server rolls back what was not prepared */
    } finally {
      this.closed = true;
      void this.worker.terminate();
      this.port.close();
    }
  }
}
