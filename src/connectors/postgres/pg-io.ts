/**
 * The PostgreSQL sink's I/O thread (one per writer, started by {@link SyncPgChannel} through the shared
 * {@link serveSync}). It owns the writer's connection and processes requests in order: `init` (connect,
 * check two-phase commit, recover prepared transactions), `rows` (a post: BEGIN on first use, INSERT a
 * batch), `prepare` (`PREPARE TRANSACTION '<gid>'`), `status`, `close`. A failed `init`, `rows` or
 * `prepare` fails every later request but `close` (the transaction is lost); errors carry PostgreSQL's
 * SQLSTATE as `code`.
 */
import pg from 'pg';
import { failWith, serveSync } from '../common/index.ts';
import { assertTwoPhaseEnabled, recoverPrepared } from './two-phase.ts';

export type IoRequest =
  | { op: 'init'; prefix: string; subtask: number; parallelism: number; known: string[] }
  | { op: 'rows'; sql: string | undefined; table: string; columns: string[] | undefined; rows: unknown[][] }
  | { op: 'prepare'; gid: string }
  | { op: 'status' }
  | { op: 'close' };

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

serveSync((raw) => {
  const { connectionString, connectTimeoutMs } = raw as { connectionString: string; connectTimeoutMs: number };
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  let lost: Error | undefined;
  client.on('error', (e) => (lost ??= e));
  let connected = false;
  let inTxn = false;
  return {
    async init(data) {
      const m = data as Extract<IoRequest, { op: 'init' }>;
      try {
        await client.connect();
        connected = true;
        await assertTwoPhaseEnabled(client);
        return await recoverPrepared(client, m.prefix, m.subtask, m.parallelism, new Set(m.known));
      } catch (e) {
        throw failWith(e);
      }
    },
    async rows(data) {
      if (lost) throw lost;
      if (!inTxn) {
        await client.query('BEGIN');
        inTxn = true;
      }
      await insert(client, data as Extract<IoRequest, { op: 'rows' }>);
    },
    async prepare(data) {
      try {
        if (lost) throw lost;
        if (!inTxn) return false;
        inTxn = false;
        await client.query(`PREPARE TRANSACTION '${(data as Extract<IoRequest, { op: 'prepare' }>).gid.replace(/'/g, "''")}'`);
        return true;
      } catch (e) {
        throw failWith(e);
      }
    },
    status() {
      if (lost) throw failWith(lost);
    },
    async close() {
      if (!connected) return;
      if (inTxn) await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
});
