/**
 * `PostgresCdcSource`: change data capture from PostgreSQL by logical replication (pgoutput). A first
 * run creates a replication slot exporting a snapshot, reads the tables in that snapshot (`read`
 * events), then streams `insert` / `update` / `delete` events from the slot's consistent point: the
 * snapshot and the stream meet without a gap or an overlap. The position (the LSN of the last fully
 * emitted transaction, plus how many events of a partly emitted one were emitted) lives in checkpoints
 * and is confirmed to the server only when the checkpoint completes, so the server keeps the WAL a
 * restore needs. One split: the reader runs with parallelism 1. See docs/connectors.md.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../core/index.ts';
import {
  StaticSplitEnumerator,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../api/index.ts';
import { checkSlotName, parseTableName, type TableId } from './cdc-checks.ts';
import { CdcReader } from './cdc-reader.ts';
import { parseLsn } from './lsn.ts';

/** One change of one row. `before`/`after` are the row's images (`null` where there is none). */
export interface ChangeEvent<Row = Record<string, unknown>> {
  /** `read`: a row of the initial snapshot; the others: a change from the log. */
  op: 'read' | 'insert' | 'update' | 'delete';
  /** `schema.table` */
  table: string;
  /**
   * The row before an update or delete. With the default replica identity only the key columns are
   * known (and only when the key changed, for updates); `ALTER TABLE … REPLICA IDENTITY FULL` gives the
   * whole row.
   */
  before: Row | null;
  /** The row after an insert or update, or the row read by the snapshot. */
  after: Row | null;
  /** The commit LSN of the change's transaction; for `read`, the snapshot's consistent point. */
  lsn: string;
  /** Commit time in ms since the epoch; `null` for `read`. */
  commitTime: number | null;
}

export interface PostgresCdcSourceOptions {
  /** `postgres://user@host:port/db`; the user needs the REPLICATION attribute (or superuser). */
  connection: string;
  /** Tables to capture: `table` or `schema.table`. */
  tables: string[];
  /** Replication slot (default `eddy_cdc`): one per job, [a-z0-9_]. */
  slot?: string;
  /** Publication (default `<slot>_pub`). */
  publication?: string;
  /** Read the tables first (default true); false streams from the slot's position only. */
  snapshot?: boolean;
  /** Create the publication and the slot when they do not exist (default true). */
  create?: boolean;
  /** Where the snapshot is staged before it is emitted (default `<tmpdir>/eddy-cdc`). */
  snapshotDir?: string;
  /**
   * Bounded mode: end once every transaction committed before this LSN has been emitted (as Kafka's
   * bounded offsets). Default: unbounded.
   */
  stopAtLsn?: string;
  /**
   * Bounded mode: the stream ends at the first event for which this returns true (that event is not
   * emitted), as Flink's `DeserializationSchema.isEndOfStream`.
   */
  isEndOfStream?: (event: ChangeEvent) => boolean;
  /** Reconnect attempts after the replication connection is lost, 1 s apart (default 30). */
  reconnectAttempts?: number;
}

/** The resolved settings. */
export interface CdcSettings {
  connection: string;
  tables: TableId[];
  slot: string;
  publication: string;
  snapshot: boolean;
  create: boolean;
  snapshotDir: string;
  stopAtLsn: number | undefined;
  isEndOfStream: ((event: ChangeEvent) => boolean) | undefined;
  reconnectAttempts: number;
}

/** The column layout of a table in the staged snapshot. */
export interface SpillTable {
  table: string;
  columns: string[];
  oids: number[];
}

/** The single split of a CDC source, with its position. */
export interface CdcSplit {
  id: 'cdc';
  /**
   * `init`: nothing emitted yet (the snapshot is being staged); `snapshot`: emitting the staged snapshot
   * from byte `offset` of `spill`; `stream`: streaming from the slot.
   */
  phase: 'init' | 'snapshot' | 'stream';
  /** True only for the split the enumerator made for a first run. */
  fresh: boolean;
  spill?: string;
  offset?: number;
  layout?: SpillTable[];
  /** `snapshot`: the consistent point; `stream`: the commit end LSN of the last fully emitted transaction. */
  lsn: string;
  /** The commit LSN of a partly emitted transaction, and how many of its events were emitted. */
  txn?: string;
  skip?: number;
}

export class PostgresCdcSource implements Source<ChangeEvent, CdcSplit, CdcSplit[]> {
  readonly name = 'PostgresCdcSource';
  readonly maxSourceParallelism = 1;
  readonly boundedness: 'bounded' | 'unbounded';
  /** @internal use {@link PostgresCdcSource.of} */
  constructor(readonly settings: Readonly<CdcSettings>) {
    this.boundedness = settings.stopAtLsn === undefined && settings.isEndOfStream === undefined ? 'unbounded' : 'bounded';
  }

  /** Validates the options; nothing connects until the job runs. */
  static of(options: PostgresCdcSourceOptions): PostgresCdcSource {
    const where = 'PostgresCdcSource';
    const o = options ?? ({} as PostgresCdcSourceOptions);
    const known = ['connection', 'tables', 'slot', 'publication', 'snapshot', 'create', 'snapshotDir', 'stopAtLsn', 'isEndOfStream', 'reconnectAttempts'];
    for (const k of Object.keys(o)) if (!known.includes(k)) throw new ConfigurationError(`${where}: unknown option '${k}'`);
    if (typeof o.connection !== 'string' || !/^postgres(ql)?:\/\//.test(o.connection))
      throw new ConfigurationError(`${where}: option 'connection' must be a postgres:// URL`);
    if (!Array.isArray(o.tables) || o.tables.length === 0) throw new ConfigurationError(`${where}: option 'tables' must list at least one table`);
    const tables = o.tables.map((t) => parseTableName(t, `${where}: option 'tables'`));
    const slot = o.slot ?? 'eddy_cdc';
    checkSlotName(slot, 'slot', where);
    const publication = o.publication ?? `${slot}_pub`;
    checkSlotName(publication, 'publication', where);
    let stopAtLsn: number | undefined;
    if (o.stopAtLsn !== undefined) {
      try {
        stopAtLsn = parseLsn(o.stopAtLsn);
      } catch {
        throw new ConfigurationError(`${where}: option 'stopAtLsn' must be an LSN such as '0/16B3748', got '${o.stopAtLsn}'`);
      }
    }
    if (o.isEndOfStream !== undefined && typeof o.isEndOfStream !== 'function') throw new ConfigurationError(`${where}: option 'isEndOfStream' must be a function`);
    const reconnectAttempts = o.reconnectAttempts ?? 30;
    if (!Number.isInteger(reconnectAttempts) || reconnectAttempts < 0)
      throw new ConfigurationError(`${where}: option 'reconnectAttempts' must be an integer >= 0, got ${reconnectAttempts}`);
    return new PostgresCdcSource({
      connection: o.connection,
      tables,
      slot,
      publication,
      snapshot: o.snapshot ?? true,
      create: o.create ?? true,
      snapshotDir: o.snapshotDir ?? join(tmpdir(), 'eddy-cdc'),
      stopAtLsn,
      isEndOfStream: o.isEndOfStream,
      reconnectAttempts,
    });
  }

  createEnumerator(ctx: SplitEnumeratorContext<CdcSplit>, restored?: CdcSplit[]): SplitEnumerator<CdcSplit, CdcSplit[]> {
    return new StaticSplitEnumerator(ctx, restored ?? [{ id: 'cdc', phase: 'init', fresh: true, lsn: '0/0' }]);
  }

  createReader(ctx: SourceReaderContext): SourceReader<ChangeEvent, CdcSplit> {
    return new CdcReader(ctx, this.settings);
  }
}
