/**
 * The PostgreSQL connector (`eddy/connectors/postgres`): {@link PostgresSink}, an exactly-once sink by
 * two-phase commit (`PREPARE TRANSACTION` on the checkpoint barrier, `COMMIT PREPARED` when the
 * checkpoint completes, lingering prepared transactions rolled back on recovery). Builds on the Sink SPI
 * of `api` only; needs `max_prepared_transactions > 0` on the server.
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
