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
   * The newest completed checkpoint of the job, verified (checksums); incomplete ones are removed. Throws
   * when the newest is damaged, naming the bad file/row: falling back to an older one would replay output
   * the newest may have committed, so that is left to the user.
   */
  loadLatest(jobName: string, log: CheckpointLog): Promise<CompletedCheckpoint | undefined>;
  /** The highest checkpoint id the job's storage holds (complete or not); 0 when none. New ids go above it. */
  highestId(jobName: string): Promise<number>;
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
