/**
 * The Source SPI (FLIP-27). A {@link Source} makes a {@link SplitEnumerator}, which runs once in the
 * coordinator (the JobManager, main thread) and hands splits out, and one {@link SourceReader} per
 * parallel subtask, which the task polls from its synchronous loop.
 *
 * Splits and enumerator state must be structured-clone-able: they cross threads and go into checkpoints.
 * A reader's `pollNext` must not block for long: I/O belongs in callbacks that fill a bounded queue;
 * `pollNext` drains it and says {@link InputStatus.NothingAvailable} when empty, after which the task
 * waits until the reader calls the `wakeup` it was given.
 */

export type Boundedness = 'bounded' | 'unbounded';

export enum InputStatus {
  /** More records may be available right away: poll again. */
  MoreAvailable = 0,
  /** Nothing now; the reader will call `wakeup()` when there is. */
  NothingAvailable = 1,
  /** This reader is done for good. */
  EndOfInput = 2,
}

/** Where a reader emits records. `timestamp` is the record's own time (e.g. from Kafka) if it has one. */
export interface ReaderOutput<T> {
  collect(value: T, timestamp?: number): void;
}

export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Asks the enumerator for a split (it answers with `addSplits` or `notifyNoMoreSplits`). */
  sendSplitRequest(): void;
  /** Tells the task there is data to poll after `NothingAvailable`. Safe to call from any callback. */
  wakeup(): void;
}

export interface SourceReader<T, Split> {
  start(): void;
  /**
   * Emits up to about `maxRecords` records and says whether more are available. Called from the task's
   * loop: must be synchronous and fast.
   */
  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus;
  addSplits(splits: Split[]): void;
  notifyNoMoreSplits(): void;
  /** The unfinished splits with their current positions, for a checkpoint. */
  snapshotState(checkpointId: number): Split[];
  notifyCheckpointComplete?(checkpointId: number): void;
  close(): void;
}

export interface SplitEnumeratorContext<Split> {
  readonly parallelism: number;
  /** Subtasks that have registered a reader. */
  registeredReaders(): number[];
  assignSplit(split: Split, subtask: number): void;
  signalNoMoreSplits(subtask: number): void;
}

export interface SplitEnumerator<Split, EnumState> {
  start(): void;
  handleSplitRequest(subtask: number): void;
  addReader(subtask: number): void;
  /** Splits given back after a failure, to be assigned again. */
  addSplitsBack(splits: Split[], subtask: number): void;
  snapshotState(checkpointId: number): EnumState;
  close(): void;
}

export interface Source<T, Split = unknown, EnumState = unknown> {
  readonly boundedness: Boundedness;
  /** A short name for logs and the UI. */
  readonly name?: string;
  /** Non-parallel sources (a socket, say) run with parallelism 1. */
  readonly maxSourceParallelism?: number;
  createEnumerator(ctx: SplitEnumeratorContext<Split>, restored?: EnumState): SplitEnumerator<Split, EnumState>;
  createReader(ctx: SourceReaderContext): SourceReader<T, Split>;
}
