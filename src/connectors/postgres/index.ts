/**
 * The PostgreSQL connector (`eddy/connectors/postgres`): {@link PostgresSink}, an exactly-once sink by
 * two-phase commit (`PREPARE TRANSACTION` on the checkpoint barrier, `COMMIT PREPARED` when the
 * checkpoint completes, lingering prepared transactions rolled back on recovery; needs
 * `max_prepared_transactions > 0`); {@link PostgresCdcSource}, change data capture by logical
 * replication (snapshot, then the log from the slot; needs `wal_level = logical`); and
 * {@link PostgresTableSource}, a bounded read of one table split by key ranges. Builds on the Source and
 * Sink SPI of `api` only.
 */
export { PostgresSink, PostgresSinkBuilder } from './postgres-sink.ts';
export type { PostgresSinkOptions, PostgresSinkSettings } from './postgres-sink.ts';
export { PostgresSinkWriter } from './postgres-sink-writer.ts';
export type { PostgresWriterState } from './postgres-sink-writer.ts';
export { PostgresCommitter } from './postgres-committer.ts';
export type { PostgresCommittable } from './postgres-committer.ts';
export {
  TWO_PHASE_DISABLED_MESSAGE,
  checkMaxPreparedTransactions,
  assertTwoPhaseEnabled,
  listPrepared,
  commitPrepared,
  rollbackPrepared,
  recoverPrepared,
  makeGid,
  gidSubtask,
  sanitizeGidPrefix,
} from './two-phase.ts';
export type { RecoveryResult } from './two-phase.ts';
export { PgChannelError } from './sync-pg-channel.ts';
export { PostgresLookup } from './postgres-lookup.ts';
export type { PostgresLookupOptions } from './postgres-lookup.ts';
export { PostgresCdcSource } from './postgres-cdc-source.ts';
export type { ChangeEvent, PostgresCdcSourceOptions, CdcSplit, CdcSettings, SpillTable } from './postgres-cdc-source.ts';
export { checkWalLevel, walLevelMessage, redactUrl } from './cdc-checks.ts';
export { parseLsn, formatLsn } from './lsn.ts';
export { PostgresTableSource } from './postgres-table-source.ts';
export type { PostgresTableSourceOptions, TableSourceSettings, TableSplit, TableEnumState } from './postgres-table-source.ts';
