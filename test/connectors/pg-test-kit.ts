// Helpers for tests that need PostgreSQL: the connection string (EDDY_TEST_PG, default the local test
// server), whether the server is reachable (in CI an unreachable server is a failure, elsewhere the test
// is skipped with the reason), and a client.
import pg from 'pg';

export const PG_URL = process.env.EDDY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

let probe: Promise<string | undefined> | undefined;

/** Why PostgreSQL tests cannot run here, or undefined when they can; throws in CI when it is unreachable. */
export async function pgSkipReason(): Promise<string | undefined> {
  probe ??= (async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
    try {
      await c.connect();
      const r = await c.query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions');
      if (Number(r.rows[0]!.max_prepared_transactions) === 0) return `PostgreSQL at ${PG_URL} has max_prepared_transactions = 0`;
      return undefined;
    } catch (e) {
      return `PostgreSQL is not reachable at ${PG_URL}: ${(e as Error).message}`;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  const why = await probe;
  if (why && process.env.CI === 'true') throw new Error(`${why} (CI requires PostgreSQL)`);
  return why;
}

/** A connected client; end it when done. */
export async function pgClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  return c;
}

/** A table name unique to this process and call. */
export function uniqueName(base: string): string {
  return `${base}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}

/** Prepares a transaction inserting `rows` ids into `table` under `gid` (a lingering transaction). */
export async function plantPrepared(table: string, gid: string, ids: number[]): Promise<void> {
  const c = await pgClient();
  try {
    await c.query('BEGIN');
    for (const id of ids) await c.query(`INSERT INTO ${table} (id, note) VALUES ($1, 'planted')`, [id]);
    await c.query(`PREPARE TRANSACTION '${gid}'`);
  } finally {
    await c.end();
  }
}

/** Gids of prepared transactions starting with `prefix`. */
export async function preparedGids(c: pg.Client, prefix: string): Promise<string[]> {
  const r = await c.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE left(gid, $2) = $1 ORDER BY gid', [prefix, prefix.length]);
  return r.rows.map((x) => x.gid);
}

/**
 * Rolls back prepared transactions of this test process (gids hold `_<pid>_`, as names from
 * {@link uniqueName} do): one left behind would hold its table's locks (a DROP TABLE waits) and delay every
 * logical replication slot created on the server. A prepare still in flight when an attempt stops can
 * complete after the next attempt's recovery (docs/roadmap.md).
 */
export async function rollbackOwnPrepared(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE $1', [`%\\_${process.pid}\\_%`]);
  for (const { gid } of r.rows) await c.query(`ROLLBACK PREPARED '${gid.replace(/'/g, "''")}'`).catch(() => undefined);
  return r.rows.map((x) => x.gid);
}
