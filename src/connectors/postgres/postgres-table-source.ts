/**
 * `PostgresTableSource`: a bounded read of one table, for backfills, split by ranges of an integer key
 * (as Flink's JDBC source with a numeric partition column). The enumerator (in the coordinator) checks
 * the table and the split column, reads `min`/`max` of the key once and cuts `[min, max]` into `splits`
 * ranges that readers take one at a time (a free reader asks for the next, so uneven ranges balance
 * out). A reader reads its range in key order by keyset pagination
 * (`WHERE key > $last … ORDER BY key LIMIT fetchSize`) on the task's own event loop, into a bounded
 * queue that `pollNext` drains. A split's position is the last key *emitted*: it goes into checkpoints,
 * and a restore continues after it, so nothing is lost or read twice. See docs/connectors.md.
 */
import pg from 'pg';
import { ConfigurationError, EddyError } from '../../core/index.ts';
import {
  InputStatus,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../api/index.ts';
import { externalError, parseTableName, quoteIdent, redactUrl, type TableId } from './cdc-checks.ts';

export interface PostgresTableSourceOptions<T = Record<string, unknown>> {
  /** `postgres://user@host:port/db` */
  connection: string;
  /** `table` or `schema.table` */
  table: string;
  /** Columns to read, as the catalog spells them (default: all, in table order). */
  columns?: string[];
  /**
   * The column the table is split by: an integer (`smallint`, `integer`, `bigint`), `NOT NULL` and unique
   * (a one-column primary key or unique index) — keyset pagination needs a total order. Default: the
   * table's primary key.
   */
  splitColumn?: string;
  /** How many key ranges `[min, max]` is cut into (default: the source's parallelism). */
  splits?: number;
  /** A SQL condition on the table's rows, `AND`ed to every query (e.g. `created_at < '2024-01-01'`). */
  where?: string;
  /** Rows per query (default 1000). */
  fetchSize?: number;
  /** Turns a row (column name → value, parsed as `pg` parses it) into the record; default: the row. */
  deserialize?: (row: Record<string, unknown>) => T;
}

/** The resolved settings. */
export interface TableSourceSettings<T> {
  connection: string;
  table: TableId;
  columns: string[] | undefined;
  splitColumn: string | undefined;
  splits: number | undefined;
  where: string | undefined;
  fetchSize: number;
  deserialize: ((row: Record<string, unknown>) => T) | undefined;
}

/** A key range `[lo, hi]` (decimal strings: `bigint` keys do not fit a number) and how far it was read. */
export interface TableSplit {
  id: number;
  /** The split column and the selected columns, as resolved by the enumerator. */
  key: string;
  columns: string[];
  lo: string;
  hi: string;
  /** The last key emitted; `null` when nothing was. */
  last: string | null;
  /** Set instead of a range when the enumerator could not read the table: the reader fails with it. */
  error?: { message: string; user: boolean };
}

/** The enumerator's state: the splits not yet handed out, once the key range is known. */
export interface TableEnumState {
  discovered: boolean;
  pending: TableSplit[];
}

const INTEGER_TYPES = new Map([
  [21, 'smallint'],
  [23, 'integer'],
  [20, 'bigint'],
]);

export class PostgresTableSource<T = Record<string, unknown>> implements Source<T, TableSplit, TableEnumState> {
  readonly name = 'PostgresTableSource';
  readonly boundedness = 'bounded' as const;
  /** @internal use {@link PostgresTableSource.of} */
  constructor(readonly settings: Readonly<TableSourceSettings<T>>) {}

  /**
   * Validates the options; nothing connects until the job runs.
   *
   * @example
   * env.fromSource(PostgresTableSource.of({ connection: 'postgres://app@db/shop', table: 'orders', splits: 8 }),
   *                WatermarkStrategy.noWatermarks(), 'orders-backfill').setParallelism(4);
   */
  static of<T = Record<string, unknown>>(options: PostgresTableSourceOptions<T>): PostgresTableSource<T> {
    const where = 'PostgresTableSource';
    const o = options ?? ({} as PostgresTableSourceOptions<T>);
    const known = ['connection', 'table', 'columns', 'splitColumn', 'splits', 'where', 'fetchSize', 'deserialize'];
    for (const k of Object.keys(o)) if (!known.includes(k)) throw new ConfigurationError(`${where}: unknown option '${k}'`);
    if (typeof o.connection !== 'string' || !/^postgres(ql)?:\/\//.test(o.connection))
      throw new ConfigurationError(`${where}: option 'connection' must be a postgres:// URL`);
    const table = parseTableName(o.table, `${where}: option 'table'`);
    if (o.columns !== undefined && (!Array.isArray(o.columns) || o.columns.length === 0 || !o.columns.every((c) => typeof c === 'string' && c.length > 0)))
      throw new ConfigurationError(`${where}: option 'columns' must list at least one column name`);
    if (o.splitColumn !== undefined && (typeof o.splitColumn !== 'string' || o.splitColumn.length === 0))
      throw new ConfigurationError(`${where}: option 'splitColumn' must be a column name`);
    if (o.splits !== undefined && (!Number.isInteger(o.splits) || o.splits < 1)) throw new ConfigurationError(`${where}: option 'splits' must be an integer >= 1, got ${o.splits}`);
    const fetchSize = o.fetchSize ?? 1000;
    if (!Number.isInteger(fetchSize) || fetchSize < 1) throw new ConfigurationError(`${where}: option 'fetchSize' must be an integer >= 1, got ${fetchSize}`);
    if (o.where !== undefined && (typeof o.where !== 'string' || o.where.trim() === '')) throw new ConfigurationError(`${where}: option 'where' must be a SQL condition`);
    if (o.deserialize !== undefined && typeof o.deserialize !== 'function') throw new ConfigurationError(`${where}: option 'deserialize' must be a function`);
    return new PostgresTableSource<T>({
      connection: o.connection,
      table,
      columns: o.columns ? [...o.columns] : undefined,
      splitColumn: o.splitColumn,
      splits: o.splits,
      where: o.where,
      fetchSize,
      deserialize: o.deserialize,
    });
  }

  createEnumerator(ctx: SplitEnumeratorContext<TableSplit>, restored?: TableEnumState): SplitEnumerator<TableSplit, TableEnumState> {
    const state = restored && !Array.isArray(restored) && restored.discovered ? restored : undefined;
    return new TableSplitEnumerator(ctx, this.settings, state);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, TableSplit> {
    return new TableSplitReader<T>(ctx, this.settings);
  }
}

const describe = (s: Readonly<TableSourceSettings<unknown>>) => `PostgresTableSource (table '${s.table.qualified}', ${redactUrl(s.connection)})`;

/**
 * Reads the key range once (asynchronously, in the coordinator) and hands splits out on request; readers
 * that ask before the range is known wait. A failure is handed to the readers as an error split, so the
 * job fails through its tasks with the message (and a restart tries again).
 */
class TableSplitEnumerator implements SplitEnumerator<TableSplit, TableEnumState> {
  private pending: TableSplit[] = [];
  private discovered = false;
  private error: TableSplit['error'];
  private readonly waiting = new Set<number>();
  private closed = false;

  constructor(
    private readonly ctx: SplitEnumeratorContext<TableSplit>,
    private readonly s: Readonly<TableSourceSettings<unknown>>,
    restored: TableEnumState | undefined,
  ) {
    if (restored) {
      this.discovered = true;
      this.pending = restored.pending.map((sp) => ({ ...sp }));
    }
  }

  start(): void {
    if (this.discovered) return;
    void discoverSplits(this.s, this.ctx.parallelism).then(
      (splits) => {
        if (this.closed) return;
        this.pending.push(...splits);
        this.discovered = true;
        this.serveWaiting();
      },
      (e: unknown) => {
        if (this.closed) return;
        this.error = { message: (e as Error)?.message ?? String(e), user: e instanceof ConfigurationError };
        this.serveWaiting();
      },
    );
  }

  private serveWaiting(): void {
    const w = [...this.waiting];
    this.waiting.clear();
    for (const subtask of w) this.handleSplitRequest(subtask);
  }

  addReader(): void {}

  handleSplitRequest(subtask: number): void {
    if (this.error) {
      this.ctx.assignSplit({ id: -1, key: '', columns: [], lo: '0', hi: '0', last: null, error: this.error }, subtask);
      return;
    }
    if (!this.discovered) {
      this.waiting.add(subtask);
      return;
    }
    const sp = this.pending.shift();
    if (sp) this.ctx.assignSplit(sp, subtask);
    else this.ctx.signalNoMoreSplits(subtask);
  }

  addSplitsBack(splits: TableSplit[]): void {
    // splits come back (with their positions) only from a checkpoint taken after discovery
    this.pending.unshift(...splits.filter((sp) => !sp.error));
    if (splits.length) this.discovered = true;
  }

  snapshotState(): TableEnumState {
    return { discovered: this.discovered, pending: this.pending.map((sp) => ({ ...sp })) };
  }

  close(): void {
    this.closed = true;
  }
}

/** Checks the table and split column, reads the key range and cuts it into splits. */
async function discoverSplits(s: Readonly<TableSourceSettings<unknown>>, parallelism: number): Promise<TableSplit[]> {
  const where = describe(s);
  const c = new pg.Client({ connectionString: s.connection, connectionTimeoutMillis: 10_000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (e) {
    throw externalError(`${where}: cannot connect: ${(e as Error).message}`, e);
  }
  try {
    const oid = (await c.query<{ oid: string | null }>('SELECT to_regclass($1)::oid AS oid', [s.table.sql])).rows[0]?.oid;
    if (oid == null) throw new ConfigurationError(`${where}: table '${s.table.qualified}' does not exist`);
    const attrs = (
      await c.query<{ attname: string; attnum: number; atttypid: number; attnotnull: boolean }>(
        'SELECT attname, attnum, atttypid::int AS atttypid, attnotnull FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
        [oid],
      )
    ).rows;
    const byName = new Map(attrs.map((a) => [a.attname, a]));
    const columns = s.columns ?? attrs.map((a) => a.attname);
    const unknown = columns.filter((col) => !byName.has(col));
    if (unknown.length)
      throw new ConfigurationError(`${where}: no column ${unknown.map((u) => `'${u}'`).join(', ')} (the table has ${attrs.map((a) => a.attname).join(', ')})`);
    // one-column unique indexes without a predicate: the primary key and unique constraints
    const unique = (
      await c.query<{ attnum: number; primary: boolean }>(
        'SELECT indkey[0]::int AS attnum, indisprimary AS primary FROM pg_index WHERE indrelid = $1 AND indisunique AND indnkeyatts = 1 AND indpred IS NULL AND indexprs IS NULL',
        [oid],
      )
    ).rows;
    let key: string;
    if (s.splitColumn === undefined) {
      const pk = (await c.query<{ n: number }>('SELECT indnkeyatts::int AS n FROM pg_index WHERE indrelid = $1 AND indisprimary', [oid])).rows[0];
      const single = unique.find((u) => u.primary);
      if (!pk || !single)
        throw new ConfigurationError(
          `${where}: the table has ${pk ? 'a primary key of several columns' : 'no primary key'}; set option 'splitColumn' to an integer column that is NOT NULL and unique`,
        );
      key = attrs.find((a) => a.attnum === single.attnum)!.attname;
    } else {
      key = s.splitColumn;
      if (!byName.has(key)) throw new ConfigurationError(`${where}: no split column '${key}' (the table has ${attrs.map((a) => a.attname).join(', ')})`);
    }
    const attr = byName.get(key)!;
    if (!INTEGER_TYPES.has(attr.atttypid)) {
      const type = (await c.query<{ t: string }>('SELECT format_type($1, NULL) AS t', [attr.atttypid])).rows[0]!.t;
      throw new ConfigurationError(`${where}: split column '${key}' is of type ${type}; it must be an integer (smallint, integer, bigint)`);
    }
    if (!attr.attnotnull || !unique.some((u) => u.attnum === attr.attnum))
      throw new ConfigurationError(
        `${where}: split column '${key}' must be NOT NULL and unique (a primary key or a one-column unique index): keyset pagination needs one row per key`,
      );
    const k = quoteIdent(key);
    const range = (
      await c.query<{ lo: string | null; hi: string | null }>(`SELECT min(${k})::text AS lo, max(${k})::text AS hi FROM ${s.table.sql}${s.where ? ` WHERE (${s.where})` : ''}`)
    ).rows[0]!;
    if (range.lo === null || range.hi === null) return [];
    const lo = BigInt(range.lo);
    const hi = BigInt(range.hi);
    const span = hi - lo + 1n;
    const want = BigInt(s.splits ?? Math.max(1, parallelism));
    const n = want < span ? want : span;
    const splits: TableSplit[] = [];
    for (let i = 0n; i < n; i++) {
      const a = lo + (span * i) / n;
      const b = lo + (span * (i + 1n)) / n - 1n;
      splits.push({ id: Number(i), key, columns, lo: a.toString(), hi: b.toString(), last: null });
    }
    return splits;
  } catch (e) {
    if (e instanceof EddyError) throw e;
    throw externalError(`${where}: ${(e as Error)?.message ?? e}`, e);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Reads one split at a time. A page query runs while the queue holds less than a page; rows wait in two
 * parallel arrays (the record and its key), so draining allocates nothing per record beyond the record.
 */
class TableSplitReader<T> implements SourceReader<T, TableSplit> {
  private split: TableSplit | undefined;
  private readonly splits: TableSplit[] = [];
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private records: T[] = [];
  /** The split key of each queued record, as the driver returned it (text or number). */
  private keys: unknown[] = [];
  /** Builds a record from a row (`rowMode: 'array'`, key first), one object literal of the split's columns. */
  private makeRecord: (row: unknown[]) => Record<string, unknown> = () => ({});
  private head = 0;
  /** The key after which the next page starts (ahead of `split.last` by what is queued). */
  private cursor: string | null = null;
  private exhausted = false;
  private fetching = false;
  private requested = false;
  private noMore = false;
  private closed = false;
  private error: Error | undefined;
  private sqlFirst = '';
  private sqlNext = '';
  private readonly where: string;

  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly s: Readonly<TableSourceSettings<T>>,
  ) {
    this.where = describe(s);
  }

  start(): void {
    this.request();
  }

  private request(): void {
    if (this.requested || this.noMore) return;
    this.requested = true;
    this.ctx.sendSplitRequest();
  }

  addSplits(splits: TableSplit[]): void {
    this.requested = false;
    for (const sp of splits) {
      if (sp.error) this.error ??= sp.error.user ? new ConfigurationError(sp.error.message) : new EddyError(sp.error.message, { domain: 'external', retriable: true });
      else this.splits.push(sp);
    }
    if (!this.split) this.next();
    this.ctx.wakeup();
  }

  notifyNoMoreSplits(): void {
    this.requested = false;
    this.noMore = true;
    this.ctx.wakeup();
  }

  /** Starts the next assigned split, or asks for one. */
  private next(): void {
    const sp = this.splits.shift();
    this.split = sp;
    if (!sp) return this.request();
    this.cursor = sp.last;
    this.exhausted = false;
    const cols = [sp.key, ...sp.columns].map(quoteIdent).join(', ');
    const k = quoteIdent(sp.key);
    const cond = this.s.where ? ` AND (${this.s.where})` : '';
    const base = `SELECT ${cols} FROM ${this.s.table.sql} WHERE ${k} <= $1`;
    this.sqlFirst = `${base} AND ${k} >= $2${cond} ORDER BY ${k} LIMIT ${this.s.fetchSize}`;
    this.sqlNext = `${base} AND ${k} > $2${cond} ORDER BY ${k} LIMIT ${this.s.fetchSize}`;
    // one literal per split's columns: every record gets one hidden class, built in one step
    this.makeRecord = new Function('row', `return { ${sp.columns.map((c, i) => `${JSON.stringify(c)}: row[${i + 1}]`).join(', ')} };`) as (row: unknown[]) => Record<string, unknown>;
    this.fetch();
  }

  private connect(): Promise<pg.Client> {
    this.connecting ??= (async () => {
      const c = new pg.Client({ connectionString: this.s.connection, connectionTimeoutMillis: 10_000 });
      c.on('error', (e) => this.fail(e));
      try {
        await c.connect();
      } catch (e) {
        throw externalError(`${this.where}: cannot connect: ${(e as Error).message}`, e);
      }
      this.client = c;
      return c;
    })();
    return this.connecting;
  }

  /** Queries the next page of the current split unless one is in flight, the split is read, or the queue is full. */
  private fetch(): void {
    const sp = this.split;
    if (!sp || this.fetching || this.exhausted || this.closed || this.records.length - this.head >= this.s.fetchSize) return;
    this.fetching = true;
    void this.page(sp).then(
      () => {
        this.fetching = false;
        this.ctx.wakeup();
        this.fetch();
      },
      (e: unknown) => this.fail(e),
    );
  }

  private async page(sp: TableSplit): Promise<void> {
    const c = await this.connect();
    const first = this.cursor === null;
    const res = await c.query({ text: first ? this.sqlFirst : this.sqlNext, values: [sp.hi, first ? sp.lo : this.cursor], rowMode: 'array' });
    if (this.closed || this.split !== sp) return;
    const rows = res.rows as unknown[][];
    const make = this.makeRecord;
    const de = this.s.deserialize;
    if (this.head > 0) {
      // drop what was emitted (once per page)
      this.records = this.records.slice(this.head);
      this.keys = this.keys.slice(this.head);
      this.head = 0;
    }
    const records = this.records;
    const keys = this.keys;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const obj = make(row);
      records.push(de ? de(obj) : (obj as T));
      keys.push(row[0]);
    }
    if (rows.length > 0) this.cursor = String(keys[keys.length - 1]);
    if (rows.length < this.s.fetchSize) this.exhausted = true;
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.error ??= e instanceof EddyError ? e : externalError(`${this.where}: ${(e as Error)?.message ?? e}`, e);
    this.ctx.wakeup();
  }

  pollNext(out: ReaderOutput<T>, max: number): InputStatus {
    if (this.error) throw this.error;
    const sp = this.split;
    if (!sp) return this.noMore && this.splits.length === 0 ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
    const recs = this.records;
    const end = Math.min(recs.length, this.head + max);
    let i = this.head;
    for (; i < end; i++) out.collect(recs[i]!);
    if (i > this.head) sp.last = String(this.keys[i - 1]);
    this.head = i;
    if (i < recs.length) {
      this.fetch();
      return InputStatus.MoreAvailable;
    }
    this.records = [];
    this.keys = [];
    this.head = 0;
    if (this.exhausted && !this.fetching) {
      this.next();
      return this.split ? InputStatus.MoreAvailable : this.noMore ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
    }
    this.fetch();
    return InputStatus.NothingAvailable;
  }

  snapshotState(): TableSplit[] {
    const out: TableSplit[] = [];
    if (this.split) out.push({ ...this.split, columns: [...this.split.columns] });
    for (const sp of this.splits) out.push({ ...sp, columns: [...sp.columns] });
    return out;
  }

  close(): void {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) void c.end().catch(() => undefined);
    else if (this.connecting) void this.connecting.then((x) => x.end()).catch(() => undefined);
  }
}
