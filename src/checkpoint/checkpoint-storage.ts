/**
 * Where completed checkpoints live. Two implementations: a directory ({@link FsCheckpointStorage},
 * the default) and PostgreSQL (`postgres://…`). Both hold the same canonical format: per-subtask
 * state blobs with checksums plus metadata written last, so a checkpoint is complete exactly when its
 * metadata exists.
 */
import type { CheckpointToWrite, CheckpointLog } from './fs-checkpoint-storage.ts';
import type { CompletedCheckpoint } from './checkpoint-format.ts';

export interface CheckpointStorage {
  /** Where a job's checkpoints go, for messages (a directory or a database table). */
  describe(jobName: string): string;
  /** Writes a completed checkpoint atomically; resolves to its location. */
  write(cp: CheckpointToWrite): Promise<string>;
  /**
   * The newest checkpoint of the job that verifies (checksums); incomplete ones are removed, corrupt ones
   * skipped with a log line. Throws when checkpoints exist but none is usable, naming the bad file/row.
   */
  loadLatest(jobName: string, log: CheckpointLog): Promise<CompletedCheckpoint | undefined>;
  /** Keeps the newest `retain` completed checkpoints (and `keep`), removes the rest. */
  prune(jobName: string, retain: number, keep?: number): Promise<void>;
  /**
   * Deletes shared files (incremental checkpoints) that no completed checkpoint references: files of
   * checkpoints that never completed. Only while no task of the job runs.
   */
  removeUnreferencedShared?(jobName: string): Promise<void>;
  close?(): Promise<void>;
}

export type CheckpointStorageFactory = (spec: string) => CheckpointStorage | undefined;
const factories: CheckpointStorageFactory[] = [];

/** Registers a storage for URLs it recognises (e.g. postgres://); the directory storage is the fallback. */
export function registerCheckpointStorage(f: CheckpointStorageFactory): void {
  factories.push(f);
}

export function storageFactories(): readonly CheckpointStorageFactory[] {
  return factories;
}
