/**
 * The Sink SPI. A {@link Sink} makes one {@link SinkWriter} per parallel subtask. Writers are called
 * from the task's synchronous loop; a writer that must do I/O buffers and flushes on `flush`.
 * Two-phase-commit sinks additionally return committables from `prepareCommit` (on each checkpoint
 * barrier) and commit them when the checkpoint completes (`commit`); see the checkpointing docs.
 */

export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly jobName: string;
  readonly attemptNumber: number;
  /** Whether the job takes checkpoints (two-phase-commit writers hold data back until they complete). */
  readonly checkpointing: boolean;
  /** Posts data to the JobManager (used by the collect sink). */
  sendToCoordinator?(message: unknown): void;
}

export interface SinkWriter<T, Committable = never, WriterState = unknown> {
  write(value: T, timestamp: number): void;
  /** Called before a checkpoint and at end of input (`endOfInput = true`). */
  flush(endOfInput: boolean): void;
  /** Two-phase commit: hands over what to commit once the checkpoint completes. */
  prepareCommit?(checkpointId: number): Committable[];
  snapshotState?(checkpointId: number): WriterState[];
  close(): void;
}

export interface Committer<Committable> {
  /** Commits; must be idempotent (it is retried after a failure). */
  commit(committables: Committable[]): void | Promise<void>;
  /** Aborts committables of a checkpoint that will never complete. */
  abort?(committables: Committable[]): void | Promise<void>;
}

export interface Sink<T, Committable = never, WriterState = unknown> {
  readonly name?: string;
  createWriter(ctx: SinkWriterContext, restored?: WriterState[]): SinkWriter<T, Committable, WriterState>;
  createCommitter?(): Committer<Committable>;
  /** Receives `sendToCoordinator` messages in the JobManager (main thread). */
  createCoordinatorListener?(): SinkCoordinatorListener;
}

/** The JobManager side of a sink: messages from writers, checkpoint completion, restarts. */
export interface SinkCoordinatorListener {
  message(subtask: number, message: unknown): void;
  /**
   * Checkpoint `id` completed: data prepared for it is final, and so is the end-of-input data of the
   * subtasks that had finished when it was taken (`finishedSubtasks`: a restore from it brings them back
   * finished, so they never send that data again).
   */
  checkpointComplete?(id: number, finishedSubtasks?: readonly number[]): void;
  /** The job restarts from a checkpoint: drop what was not committed. */
  reset?(): void;
}
