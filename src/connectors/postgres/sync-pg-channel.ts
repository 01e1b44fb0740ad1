/**
 * A synchronous front to the PostgreSQL sink's I/O thread (the shared {@link SyncIoThread}): batches of
 * rows are posted without waiting (bounded: the writer blocks when too many batches are in flight), while
 * `call` blocks the calling thread until the I/O thread replies — so `prepareCommit` returns only after
 * `PREPARE TRANSACTION` is durable, as the synchronous Sink SPI requires.
 */
import { SyncIoThread } from '../common/index.ts';
import type { IoRequest } from './pg-io.ts';

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
  private readonly io: SyncIoThread;

  constructor(connectionString: string, timeoutMs: number, maxBatchesInFlight: number) {
    this.io = new SyncIoThread(new URL('./pg-io-worker.mjs', import.meta.url), { connectionString, connectTimeoutMs: Math.min(timeoutMs, 30_000) }, 'PostgresSink', timeoutMs, {
      maxInFlight: maxBatchesInFlight,
      peer: 'the database',
      error: (message, code) => new PgChannelError(message, code),
    });
  }

  /** Whether a batch failed (the transaction is lost; the next `call` reports why). */
  get failed(): boolean {
    return this.io.failed;
  }

  /** Posts a batch; blocks while more than `maxBatchesInFlight` batches are unprocessed. */
  send(m: Extract<IoRequest, { op: 'rows' }>): void {
    this.io.post('rows', m);
  }

  /** Sends a request and blocks until its reply; throws {@link PgChannelError} on failure or timeout. */
  call(m: Exclude<IoRequest, { op: 'rows' }>, timeoutMs?: number): unknown {
    return this.io.call(m.op, m, timeoutMs);
  }

  /** Ends the connection (rolling back an unprepared transaction) and stops the I/O thread. */
  close(): void {
    this.io.close();
  }
}
