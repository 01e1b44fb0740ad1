/**
 * {@link PostgresLookup}: an async lookup in PostgreSQL for `AsyncDataStream` (Flink's JDBC lookup
 * source). Table mode looks keys up in batches, one parameterized query per batch
 * (`SELECT … FROM <table> WHERE <keyColumn> = ANY($1)`); query mode runs a query of your own with the key
 * as `$1`, once per key. Each subtask has a small connection pool (`pg.Pool`) and, optionally, an LRU
 * cache with a time-to-live. Reads only: lookups have no effect to undo, so a restore simply asks again.
 *
 * @example
 * const enriched = AsyncDataStream.unorderedWait(orders,
 *   PostgresLookup.of({ connectionString, table: 'customers', keyColumn: 'id', key: (o: Order) => o.customerId,
 *     join: (o, c) => ({ ...o, customer: c?.name ?? null }), cache: { maxEntries: 10_000, ttlMs: 60_000 } }),
 *   { timeoutMs: 5000, capacity: 100 });
 */
import pg from 'pg';
import { ConfigurationError, EddyError } from '../../core/index.ts';
import { LookupFunction, type LookupKey, type LookupOptions } from '../../api/index.ts';
import { redactUrl } from './cdc-checks.ts';

export interface PostgresLookupOptions<IN, K extends LookupKey, ROW, OUT> extends LookupOptions<IN, K, ROW, OUT> {
  connectionString: string;
  /** Table mode: the table (SQL name as written, `schema.table` and quoted names allowed)… */
  table?: string;
  /** …its key column (unique: one row per key)… */
  keyColumn?: string;
  /** …and the columns to return (default all). */
  columns?: string[];
  /** Query mode: a query with the key as `$1`; the first row it returns is the value. No batching. */
  query?: string;
  /** Connections per subtask (default 4). */
  poolSize?: number;
}

/** Selected under this alias to match rows to keys (removed from the rows). */
const KEY_ALIAS = 'eddy_lookup_key';

export class PostgresLookup<IN, K extends LookupKey, ROW = Record<string, unknown>, OUT = [IN, ROW | null]> extends LookupFunction<IN, K, ROW, OUT> {
  private pool: pg.Pool | undefined;
  private readonly sql: string;
  private readonly batched: boolean;
  private readonly where: string;

  private constructor(private readonly o: PostgresLookupOptions<IN, K, ROW, OUT>) {
    super('PostgresLookup.of', o);
    const call = 'PostgresLookup.of';
    if (typeof o.connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(o.connectionString))
      throw new ConfigurationError(`${call}: option 'connectionString' must be a postgres:// URL, got ${typeof o.connectionString === 'string' ? JSON.stringify(redactUrl(o.connectionString)) : typeof o.connectionString}`);
    const ps = o.poolSize ?? 4;
    if (!Number.isInteger(ps) || ps < 1 || ps > 100) throw new ConfigurationError(`${call}: option 'poolSize' must be an integer between 1 and 100, got ${String(ps)}`);
    if (o.query !== undefined) {
      if (o.table !== undefined || o.keyColumn !== undefined || o.columns !== undefined)
        throw new ConfigurationError(`${call}: give either 'query' or 'table' + 'keyColumn' (+ 'columns'), not both`);
      if (typeof o.query !== 'string' || !o.query.includes('$1')) throw new ConfigurationError(`${call}: option 'query' must be a SQL query using the key as $1, got ${JSON.stringify(o.query)}`);
      this.sql = o.query;
      this.batched = false;
      this.where = `query ${JSON.stringify(o.query.length > 80 ? o.query.slice(0, 77) + '...' : o.query)}`;
    } else {
      for (const name of ['table', 'keyColumn'] as const)
        if (typeof o[name] !== 'string' || o[name] === '') throw new ConfigurationError(`${call}: option '${name}' must be a non-empty SQL name (or give 'query'), got ${JSON.stringify(o[name])}`);
      if (o.columns !== undefined && (!Array.isArray(o.columns) || o.columns.length === 0 || o.columns.some((c) => typeof c !== 'string' || c === '')))
        throw new ConfigurationError(`${call}: option 'columns' must be a non-empty array of column names, got ${JSON.stringify(o.columns)}`);
      const cols = o.columns ? o.columns.join(', ') : `${o.table}.*`;
      this.sql = `SELECT ${o.keyColumn} AS ${KEY_ALIAS}, ${cols} FROM ${o.table} WHERE ${o.keyColumn} = ANY($1)`;
      this.batched = true;
      this.where = `table ${o.table}`;
    }
  }

  /** A lookup function for `AsyncDataStream.orderedWait/unorderedWait`. */
  static of<IN, K extends LookupKey, ROW = Record<string, unknown>, OUT = [IN, ROW | null]>(opts: PostgresLookupOptions<IN, K, ROW, OUT>): PostgresLookup<IN, K, ROW, OUT> {
    if (opts === null || typeof opts !== 'object') throw new ConfigurationError(`PostgresLookup.of: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
    return new PostgresLookup(opts);
  }

  override open(): void {
    super.open();
    const pool = new pg.Pool({ connectionString: this.o.connectionString, max: this.o.poolSize ?? 4, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    pool.on('error', () => undefined); // an idle connection that drops is replaced on the next query
    this.pool = pool;
  }

  override close(): void {
    super.close();
    const pool = this.pool;
    this.pool = undefined;
    void pool?.end().catch(() => undefined);
  }

  protected async fetch(keys: K[]): Promise<Map<string, ROW>> {
    const pool = this.pool;
    if (pool === undefined) throw new EddyError(`PostgresLookup: used before open() or after close()`, { domain: 'internal' });
    const found = new Map<string, ROW>();
    try {
      if (this.batched) {
        const r = await pool.query(this.sql, [keys.map((k) => (typeof k === 'bigint' ? k.toString() : k))]);
        for (const row of r.rows as Record<string, unknown>[]) {
          const k = String(row[KEY_ALIAS]);
          delete row[KEY_ALIAS];
          if (!found.has(k)) found.set(k, row as ROW);
        }
      } else {
        const rs = await Promise.all(keys.map((k) => pool.query(this.sql, [typeof k === 'bigint' ? k.toString() : k])));
        rs.forEach((r, i) => {
          if (r.rows.length > 0) found.set(String(keys[i]), r.rows[0] as ROW);
        });
      }
    } catch (e) {
      throw new EddyError(`PostgresLookup (${this.where} at ${redactUrl(this.o.connectionString)}) failed: ${(e as Error)?.message ?? e}`, {
        domain: 'external',
        retriable: true,
        cause: e,
      });
    }
    return found;
  }
}
