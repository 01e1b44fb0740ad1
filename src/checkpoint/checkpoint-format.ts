/**
 * The checkpoint and savepoint format (version 1), independent of the state backend.
 *
 * A checkpoint is a directory `chk-<id>/` (a savepoint: any directory) holding one state file per
 * operator subtask (msgpackr of {@link OperatorSubtaskState}) and a `_metadata` file (JSON,
 * {@link CheckpointMetadata}) that lists every state file with its size and SHA-256. The metadata file is
 * written last and atomically, so a directory without it is an incomplete checkpoint. See
 * docs/checkpoint-format.md.
 */
import type { KeyedStateSnapshot, OperatorStateSnapshot, TimerServiceSnapshot } from '../state/index.ts';

export const CHECKPOINT_FORMAT = 'eddy-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const METADATA_FILE = '_metadata';

/** What one operator subtask contributes to a checkpoint. */
export interface OperatorSubtaskState {
  operatorId: string;
  subtask: number;
  keyed?: KeyedStateSnapshot;
  timers?: TimerServiceSnapshot;
  operator?: OperatorStateSnapshot;
  /** Operator-specific state (e.g. a sink's pending committables, CEP buffers). */
  custom?: unknown;
  /** Source readers: their unfinished splits with positions. */
  splits?: unknown[];
}

export interface StateFileRef {
  subtask: number;
  file: string;
  size: number;
  sha256: string;
}

export interface OperatorMetadata {
  operatorId: string;
  name: string;
  /** Whether the id is a user-set uid (savepoint matching is by uid). */
  uid: boolean;
  parallelism: number;
  maxParallelism: number;
  subtasks: StateFileRef[];
}

export interface CheckpointMetadata {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  kind: 'checkpoint' | 'savepoint';
  jobName: string;
  checkpointId: number;
  /** Epoch ms when the checkpoint was triggered. */
  timestamp: number;
  operators: OperatorMetadata[];
}

/** A loaded checkpoint: metadata plus every state. */
export interface CompletedCheckpoint {
  metadata: CheckpointMetadata;
  /** Where it was read from / written to (directory path or a URL). */
  location: string;
  states: Map<string, OperatorSubtaskState[]>;
}
