/**
 * The PostgreSQL sink's I/O thread (one per writer, started by {@link SyncPgChannel} through the shared
 * {@link serveSync}). It owns the writer's connection and processes requests in order: `init` (connect,
 * check two-phase commit, recover prepared transactions), `rows` (a post: BEGIN on first use, INSERT a
 * batch), `prepare` (`PREPARE TRANSACTION '<gid>'`), `commit` (plain `COMMIT`, at-least-once), `status`,
 * `close`. A failed `init`, `rows`, `prepare` or `commit` fails every later request but `close` (the
 * transaction is lost); errors carry PostgreSQL's SQLSTATE as `code`.
 */
import pg from 'pg';
import { failWith, serveSync } from '../common/index.ts';
import { assertTwoPhaseEnabled, recoverPrepared } from './two-phase.ts';

export type IoRequest =
  | { op: 'init'; prefix: string; subtask: number; parallelism: number; known: string[]; twoPhase: boolean }
  | RowsRequest
  | { op: 'prepare'; gid: string }
  | { op: 'commit' }
  | { op: 'status' }
  | { op: 'close' };

/** A batch of `count` rows of `width` values each, flattened into `values` (one array is cheap to clone). */
export interface RowsRequest {
  op: 'rows';
  sql: string | undefined;
  table: string;
  columns: string[] | undefined;
  width: number;
  count: number;
  values: unknown[];
  /** The sink's batch size: the row count of the statement that is prepared under a name. */
  batchSize: number;
}

const MAX_PARAMS = 60_000;

/**
 * Inserts a batch. Statements are prepared once per connection under a name (a full batch's multi-row
 * INSERT, and a custom `insertSql`): PostgreSQL then parses and plans each shape once instead of once
 * per batch, which for 500 rows of 2 columns is most of the server's work. Other chunk sizes (the last
 * batch before a barrier) go unnamed, so the connection holds at most one statement of each kind.
 */
class Inserter {
  private fullText: string | undefined;
  constructor(private readonly client: pg.Client) {}

  async insert(r: RowsRequest): Promise<void> {
    const { width, count, values } = r;
    if (r.sql !== undefined) {
      for (let i = 0; i < count; i++) await this.client.query({ name: 'eddy_sink_row', text: r.sql, values: values.slice(i * width, (i + 1) * width) });
      return;
    }
    if (width === 0) throw new Error('PostgresSink: a row has no values');
    const per = Math.max(1, Math.floor(MAX_PARAMS / width));
    for (let i = 0; i < count; i += per) {
      const k = Math.min(per, count - i);
      const params = k === count ? values : values.slice(i * width, (i + k) * width);
      if (k === Math.min(per, r.batchSize)) {
        this.fullText ??= insertText(r, k);
        await this.client.query({ name: 'eddy_sink_insert', text: this.fullText, values: params });
      } else await this.client.query(insertText(r, k), params);
    }
  }
}

/** `INSERT INTO <table> (<columns>) VALUES ($1, …), …` for `rows` rows. */
function insertText(r: RowsRequest, rows: number): string {
  const cols = r.columns ? ` (${r.columns.join(', ')})` : '';
  const tuples: string[] = [];
  let n = 0;
  for (let i = 0; i < rows; i++) {
    const ph: string[] = [];
    for (let j = 0; j < r.width; j++) ph.push(`$${++n}`);
    tuples.push(`(${ph.join(', ')})`);
  }
  return `INSERT INTO ${r.table}${cols} VALUES ${tuples.join(', ')}`;
}

serveSync((raw) => {
  const { connectionString, connectTimeoutMs } = raw as { connectionString: string; connectTimeoutMs: number };
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  let lost: Error | undefined;
  client.on('error', (e) => (lost ??= e));
  let connected = false;
  let inTxn = false;
  const inserter = new Inserter(client);
  return {
    async init(data) {
      const m = data as Extract<IoRequest, { op: 'init' }>;
      try {
        await client.connect();
        connected = true;
        if (m.twoPhase) await assertTwoPhaseEnabled(client);
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
      await inserter.insert(data as RowsRequest);
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
    async commit() {
      try {
        if (lost) throw lost;
        if (!inTxn) return false;
        inTxn = false;
        await client.query('COMMIT');
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
