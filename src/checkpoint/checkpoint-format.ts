/**
 * The checkpoint and savepoint format (version 1), independent of the state backend.
 *
 * A checkpoint is a directory `chk-<id>/` (a savepoint: any directory) holding one state file per
 * operator subtask (msgpackr of {@link OperatorSubtaskState}) and a `_metadata` file (JSON,
 * {@link CheckpointMetadata}) that lists every state file with its size and SHA-256. The metadata file is
 * written last and atomically, so a directory without it is an incomplete checkpoint. See
 * docs/checkpoint-format.md.
 */
import type { KeyedStateSnapshot, OperatorStateSnapshot, SharedStateFile, TimerServiceSnapshot } from '../state/index.ts';

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
  /**
   * The subtask had finished (end of input, `finish()` called) when this checkpoint was taken; it then
   * holds no state but what the operator keeps for after its end (a sink's committables, in `custom`). A
   * restore brings it back finished: it neither processes nor finishes again.
   */
  finished?: true;
  /**
   * In-flight data of an unaligned checkpoint (on the head operator of a task only; never in savepoints).
   * Restorable only at the same parallelism.
   */
  channels?: ChannelState;
}

/** The in-flight data of one task, captured by an unaligned checkpoint. */
export interface ChannelState {
  /** Parallelism of the task's vertex when it was captured. */
  parallelism: number;
  /** Records (and watermarks) that were before the barrier in an input channel, not yet processed at the snapshot. */
  inputs: ChannelStateEntry[];
  /** Elements the task had emitted before its snapshot but not yet sent (output backlog), overtaken by the barrier. */
  outputs: ChannelStateEntry[];
}

/** The in-flight elements of one channel. */
export interface ChannelStateEntry {
  /** The job edge: `"<upstream operator id>-><downstream head operator id>/<input index>[#<side tag>]"`. */
  edge: string;
  /** The subtask at the other end (the sender for inputs, the receiver for outputs). */
  peer: number;
  /** Parallelism of the vertex at the other end. */
  peerParallelism: number;
  /** One msgpack buffer per element, in channel order (see docs/checkpoint-format.md). */
  elements: Uint8Array[];
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
  /**
   * Files in the job's `shared/` directory this checkpoint references (incremental lmdb checkpoints),
   * with size and SHA-256; absent when there are none. Reference-counted across retained checkpoints.
   */
  shared?: SharedStateFile[];
  /**
   * The job's final checkpoint: every task had finished, and its sinks' last committables are in it. A
   * resume from it commits them (idempotently) and runs nothing again.
   */
  jobFinished?: true;
  /**
   * A checkpoint copy of a stop-with-savepoint, written to the job's checkpoint storage so that a resume
   * continues where the stopped job ended (its output up to the savepoint was committed): the savepoint's path.
   */
  stopSavepoint?: string;
  /** SHA-256 (hex) of this metadata without the field, serialized as written (`JSON.stringify(m, null, 1)`); absent in older metadata. */
  checksum?: string;
}

/** A loaded checkpoint: metadata plus every state. */
export interface CompletedCheckpoint {
  metadata: CheckpointMetadata;
  /** Where it was read from / written to (directory path or a URL). */
  location: string;
  states: Map<string, OperatorSubtaskState[]>;
}
