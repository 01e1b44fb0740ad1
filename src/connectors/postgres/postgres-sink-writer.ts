/**
 * The PostgreSQL sink's per-subtask writer. Rows are buffered and sent in batches to the writer's I/O
 * thread, which inserts them in the open transaction; `prepareCommit` blocks until the transaction is
 * prepared under a fresh gid and returns that gid as the committable. The writer's state lists the gids
 * it prepared whose commit it has not seen finish; on restore they are committed and every other
 * prepared transaction of this sink owned by the subtask is rolled back before any new row is written.
 * At-least-once, `flush` (the barrier, the end of input) commits the transaction instead and nothing is
 * prepared; recovery still runs, for transactions an exactly-once run of the same sink left prepared.
 */
import type { SinkWriter, SinkWriterContext } from '../../api/index.ts';
import { takeCommitted, type PostgresCommittable } from './postgres-committer.ts';
import type { PostgresSinkSettings } from './postgres-sink.ts';
import { SyncPgChannel } from './sync-pg-channel.ts';
import { makeGid, sanitizeGidPrefix, type RecoveryResult } from './two-phase.ts';

/** Per-subtask state: prepared transactions that may still need `COMMIT PREPARED`. */
export interface PostgresWriterState {
  subtask: number;
  gids: string[];
}

const MAX_BATCHES_IN_FLIGHT = 8;

export class PostgresSinkWriter<T> implements SinkWriter<T, PostgresCommittable, PostgresWriterState> {
  private readonly channel: SyncPgChannel;
  /** The buffered rows, flattened: `count` rows of `width` values. */
  private values: unknown[] = [];
  private count = 0;
  /** Values per row: the columns' count, or (with `toRow` only) the first row's length. */
  private width: number;
  private readonly known = new Set<string>();
  private readonly prefix: string;
  private readonly nonce: string;
  private seq = 0;
  /** What recovery did at open (for logs and tests). */
  readonly recovery: RecoveryResult;

  constructor(
    private readonly s: PostgresSinkSettings,
    private readonly ctx: SinkWriterContext,
    restored: PostgresWriterState[] | undefined,
  ) {
    this.prefix = s.transactionIdPrefix ?? sanitizeGidPrefix(`eddy_${ctx.jobName}_${s.table}`);
    this.nonce = `a${ctx.attemptNumber}t${Date.now().toString(36)}r${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
    this.width = s.columns?.length ?? -1;
    this.channel = new SyncPgChannel(s.connectionString, s.timeoutMs, MAX_BATCHES_IN_FLIGHT);
    try {
      this.recovery = this.channel.call({
        op: 'init',
        prefix: this.prefix,
        subtask: ctx.subtaskIndex,
        parallelism: ctx.parallelism,
        known: (restored ?? []).flatMap((r) => r.gids),
        twoPhase: s.deliveryGuarantee === 'exactly-once',
      }) as RecoveryResult;
    } catch (e) {
      this.channel.close();
      throw e;
    }
  }

  write(value: T): void {
    const values = this.values;
    const toRow = this.s.toRow;
    if (toRow === undefined) {
      // the record's properties, straight into the batch
      const columns = this.s.columns!;
      for (let i = 0; i < columns.length; i++) values.push((value as Record<string, unknown>)?.[columns[i]!]);
    } else {
      const row = toRow(value);
      if (this.width < 0) this.width = row.length;
      if (row.length !== this.width) throw new Error(`PostgresSink: a row has ${row.length} values, expected ${this.width}`);
      for (let i = 0; i < row.length; i++) values.push(row[i]);
    }
    if (++this.count >= this.s.batchSize) this.send();
  }

  /** Exactly-once: posts the rows buffered. At-least-once: blocks until they are committed. */
  flush(): void {
    this.send();
    if (this.s.deliveryGuarantee === 'at-least-once') this.channel.call({ op: 'commit' });
  }

  /** Blocks until the transaction of the rows since the last barrier is prepared; returns its gid. */
  prepareCommit(): PostgresCommittable[] {
    if (this.s.deliveryGuarantee === 'at-least-once') return [];
    this.send();
    const gid = makeGid(this.prefix, this.ctx.subtaskIndex, this.nonce, this.seq++);
    const prepared = this.channel.call({ op: 'prepare', gid }) as boolean;
    if (!prepared) return [];
    this.known.add(gid);
    return [{ gid }];
  }

  snapshotState(): PostgresWriterState[] {
    for (const g of this.known) if (takeCommitted(g)) this.known.delete(g);
    return [{ subtask: this.ctx.subtaskIndex, gids: [...this.known] }];
  }

  close(): void {
    this.channel.close();
  }

  private send(): void {
    if (this.channel.failed) this.channel.call({ op: 'status' }); // throws the batch's error
    if (this.count === 0) return;
    const { values, count } = this;
    this.values = [];
    this.count = 0;
    this.channel.send({ op: 'rows', sql: this.s.insertSql, table: this.s.table, columns: this.s.columns, width: this.width, count, values, batchSize: this.s.batchSize });
  }
}
