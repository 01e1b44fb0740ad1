/**
 * `PostgresSink`: an exactly-once PostgreSQL sink by two-phase commit. Each subtask inserts its rows in
 * one transaction per checkpoint, prepares it (`PREPARE TRANSACTION '<gid>'`) on the checkpoint barrier
 * and commits it (`COMMIT PREPARED`) when the checkpoint completes. With `deliveryGuarantee:
 * 'at-least-once'` the barrier commits the transaction instead. See docs/connectors.md for the protocol
 * and its failure cases.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Committer, Sink, SinkWriter, SinkWriterContext } from '../../api/index.ts';
import { PostgresCommitter, type PostgresCommittable } from './postgres-committer.ts';
import { PostgresSinkWriter, type PostgresWriterState } from './postgres-sink-writer.ts';

/** Options of {@link PostgresSink.builder}. */
export interface PostgresSinkOptions<T> {
  /** `postgres://user@host:port/db` (any `pg` connection string). */
  connectionString: string;
  /** Target table (an SQL name, used as written). */
  table: string;
  /** Columns to insert; with no `toRow`, a record's properties of these names. */
  columns?: string[];
  /** A record's values, in `columns` order (or the table's column order when `columns` is not set). */
  toRow?: (value: T) => unknown[];
  /** A custom statement with `$1…$n` placeholders, run once per row (e.g. an upsert); needs `toRow` or `columns`. */
  insertSql?: string;
  /** Rows per INSERT batch sent to the database (default 500). */
  batchSize?: number;
  /** Prefix of this sink's transaction ids (default `eddy_<job>_<table>`); must be unique per sink. */
  transactionIdPrefix?: string;
  /** How long a blocking database step (open, prepare) may take, in ms (default 60000). */
  timeoutMs?: number;
  /**
   * `'exactly-once'` (default): two-phase commit, rows visible when their checkpoint completes.
   * `'at-least-once'`: a plain `COMMIT` on each checkpoint barrier (and at the end of input); rows written
   * after the last completed checkpoint are inserted again after a restore. Needs no prepared transactions.
   */
  deliveryGuarantee?: 'exactly-once' | 'at-least-once';
}

/** Resolved settings of a sink. */
export interface PostgresSinkSettings {
  connectionString: string;
  table: string;
  columns: string[] | undefined;
  /** The record's values; when not set, its `columns` properties (then `columns` is set). */
  toRow: ((value: unknown) => unknown[]) | undefined;
  insertSql: string | undefined;
  batchSize: number;
  transactionIdPrefix: string | undefined;
  timeoutMs: number;
  deliveryGuarantee: 'exactly-once' | 'at-least-once';
}

export class PostgresSink<T> implements Sink<T, PostgresCommittable, PostgresWriterState> {
  readonly name = 'PostgresSink';
  /** @internal use {@link PostgresSink.builder} */
  constructor(readonly settings: Readonly<PostgresSinkSettings>) {}

  /** Starts a builder; `build()` validates the options. */
  static builder<T>(options: PostgresSinkOptions<T>): PostgresSinkBuilder<T> {
    return new PostgresSinkBuilder<T>(options);
  }

  createWriter(ctx: SinkWriterContext, restored?: PostgresWriterState[]): SinkWriter<T, PostgresCommittable, PostgresWriterState> {
    return new PostgresSinkWriter<T>(this.settings, ctx, restored);
  }

  createCommitter(): Committer<PostgresCommittable> {
    return new PostgresCommitter(this.settings.connectionString);
  }
}

const NAME = /^(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")(?:\.(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"))?$/;

export class PostgresSinkBuilder<T> {
  private readonly o: PostgresSinkOptions<T>;
  constructor(options: PostgresSinkOptions<T>) {
    this.o = { ...options };
  }

  withBatchSize(rows: number): this {
    this.o.batchSize = rows;
    return this;
  }

  withTransactionIdPrefix(prefix: string): this {
    this.o.transactionIdPrefix = prefix;
    return this;
  }

  build(): PostgresSink<T> {
    const o = this.o;
    const bad = (m: string): never => {
      throw new ConfigurationError(`PostgresSink: ${m}`);
    };
    if (typeof o.connectionString !== 'string' || o.connectionString === '') bad('connectionString is required');
    if (typeof o.table !== 'string' || !NAME.test(o.table)) bad(`table '${o.table}' is not an SQL name (table or schema.table)`);
    for (const c of o.columns ?? []) if (!NAME.test(c)) bad(`column '${c}' is not an SQL name`);
    if (o.columns && o.columns.length === 0) bad('columns must not be empty');
    if (o.insertSql !== undefined && !o.toRow && !o.columns) bad('insertSql needs toRow or columns to produce its parameters');
    if (!o.toRow && !o.columns) bad('set columns (records are objects with those properties) or toRow');
    const batchSize = o.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) bad(`batchSize must be an integer >= 1 (got ${batchSize})`);
    const deliveryGuarantee = o.deliveryGuarantee ?? 'exactly-once';
    if (deliveryGuarantee !== 'exactly-once' && deliveryGuarantee !== 'at-least-once')
      bad(`deliveryGuarantee must be 'exactly-once' or 'at-least-once' (got ${String(deliveryGuarantee)})`);
    if (o.transactionIdPrefix !== undefined && !/^[A-Za-z0-9_]{1,120}$/.test(o.transactionIdPrefix))
      bad(`transactionIdPrefix '${o.transactionIdPrefix}' must be 1–120 characters of [A-Za-z0-9_]`);
    return new PostgresSink<T>({
      connectionString: o.connectionString,
      table: o.table,
      columns: o.columns ? [...o.columns] : undefined,
      toRow: o.toRow as ((v: unknown) => unknown[]) | undefined,
      insertSql: o.insertSql,
      batchSize,
      transactionIdPrefix: o.transactionIdPrefix,
      timeoutMs: o.timeoutMs ?? 60_000,
      deliveryGuarantee,
    });
  }
}
