/**
 * The PostgreSQL sink's I/O thread (one per writer, started by {@link SyncPgChannel}). It owns the
 * writer's connection and processes requests in order: `init` (connect, check two-phase commit,
 * recover prepared transactions), `rows` (BEGIN on first use, INSERT a batch; no reply), `prepare`
 * (`PREPARE TRANSACTION '<gid>'`), `close`. Replies go to a MessagePort that the writer reads
 * synchronously, after this thread bumps a counter in shared memory and notifies it.
 */
import pg from 'pg';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { assertTwoPhaseEnabled, recoverPrepared } from './two-phase.ts';

/** Shared-memory slots of the channel. */
export const REPLIES = 0;
export const BATCHES_DONE = 1;
export const FAILED = 2;

export type IoRequest =
  | { op: 'init'; id: number; prefix: string; subtask: number; parallelism: number; known: string[] }
  | { op: 'rows'; sql: string | undefined; table: string; columns: string[] | undefined; rows: unknown[][] }
  | { op: 'prepare'; id: number; gid: string }
  | { op: 'status'; id: number }
  | { op: 'close'; id: number };

export type IoReply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string; code?: string };

const MAX_PARAMS = 60_000;

async function insert(client: pg.Client, r: Extract<IoRequest, { op: 'rows' }>): Promise<void> {
  if (r.sql !== undefined) {
    for (const row of r.rows) await client.query(r.sql, row);
    return;
  }
  const width = r.columns?.length ?? r.rows[0]?.length ?? 0;
  if (width === 0) throw new Error('PostgresSink: a row has no values');
  const cols = r.columns ? ` (${r.columns.join(', ')})` : '';
  const per = Math.max(1, Math.floor(MAX_PARAMS / width));
  for (let i = 0; i < r.rows.length; i += per) {
    const chunk = r.rows.slice(i, i + per);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      if (row.length !== width) throw new Error(`PostgresSink: a row has ${row.length} values, expected ${width}`);
      const ph = row.map((v) => `$${params.push(v)}`);
      return `(${ph.join(', ')})`;
    });
    await client.query(`INSERT INTO ${r.table}${cols} VALUES ${tuples.join(', ')}`, params);
  }
}

function start(): void {
  const { connectionString, connectTimeoutMs, shared, replies } = workerData as {
    connectionString: string;
    connectTimeoutMs: number;
    shared: SharedArrayBuffer;
    replies: MessagePort;
  };
  const i32 = new Int32Array(shared);
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  let failure: Error | undefined;
  client.on('error', (e) => fail(e));
  let connected = false;
  let inTxn = false;
  let chain: Promise<void> = Promise.resolve();

  const reply = (m: IoReply): void => {
    replies.postMessage(m);
    Atomics.add(i32, REPLIES, 1);
    Atomics.notify(i32, REPLIES);
  };
  const fail = (e: unknown): void => {
    failure ??= e instanceof Error ? e : new Error(String(e));
    Atomics.store(i32, FAILED, 1);
  };
  const errorReply = (id: number, e: unknown): IoReply => ({ id, ok: false, error: (e as Error)?.message ?? String(e), code: (e as { code?: string })?.code });

  async function handle(m: IoRequest): Promise<void> {
    switch (m.op) {
      case 'init':
        try {
          await client.connect();
          connected = true;
          await assertTwoPhaseEnabled(client);
          const result = await recoverPrepared(client, m.prefix, m.subtask, m.parallelism, new Set(m.known));
          reply({ id: m.id, ok: true, result });
        } catch (e) {
          fail(e);
          reply(errorReply(m.id, e));
        }
        return;
      case 'rows':
        try {
          if (failure) return;
          if (!inTxn) {
            await client.query('BEGIN');
            inTxn = true;
          }
          await insert(client, m);
        } catch (e) {
          fail(e);
        } finally {
          Atomics.add(i32, BATCHES_DONE, 1);
          Atomics.notify(i32, BATCHES_DONE);
        }
        return;
      case 'prepare':
        try {
          if (failure) throw failure;
          if (!inTxn) return reply({ id: m.id, ok: true, result: false });
          inTxn = false;
          await client.query(`PREPARE TRANSACTION '${m.gid.replace(/'/g, "''")}'`);
          reply({ id: m.id, ok: true, result: true });
        } catch (e) {
          fail(e);
          reply(errorReply(m.id, e));
        }
        return;
      case 'status':
        reply(failure ? errorReply(m.id, failure) : { id: m.id, ok: true });
        return;
      case 'close':
        try {
          if (connected) {
            if (inTxn && !failure) await client.query('ROLLBACK').catch(() => undefined);
            await client.end();
          }
        } finally {
          reply({ id: m.id, ok: true });
        }
        return;
    }
  }

  parentPort!.on('message', (m: IoRequest) => {
    chain = chain.then(() => handle(m)).catch((e: unknown) => fail(e));
  });
}

if (parentPort && (workerData as { eddyPgIo?: boolean } | undefined)?.eddyPgIo) start();
