/**
 * checkpoint: barrier alignment (a pure state machine), the checkpoint coordinator, checkpoint storage
 * (a directory; files with checksums and atomically written metadata) and the versioned, backend-
 * independent checkpoint/savepoint format. May import `graph`, `api`, `state`, `core`.
 */
export { BarrierAligner, type AlignerAction, type BarrierInfo } from './barrier-aligner.ts';
export * from './checkpoint-format.ts';
export { FsCheckpointStorage, writeCheckpointDir, readCheckpointDir, CheckpointCorruptError } from './fs-checkpoint-storage.ts';
export type { CheckpointToWrite, CheckpointLog } from './fs-checkpoint-storage.ts';
export { CheckpointCoordinator, resolveCheckpointConfig, barrierStart } from './checkpoint-coordinator.ts';
export type { CheckpointConfig, CoordinatorHooks, CheckpointStats, BarrierStart } from './checkpoint-coordinator.ts';
export { registerCheckpointStorage, storageFactories } from './checkpoint-storage.ts';
export type { CheckpointStorage, CheckpointStorageFactory } from './checkpoint-storage.ts';
export { createCheckpointStorage } from './create-checkpoint-storage.ts';
export { PostgresCheckpointStorage, redactConnectionString } from './postgres-checkpoint-storage.ts';
