/**
 * Runs a {@link SinkWriter} at the end of a chain, and its two-phase commit: on each checkpoint (and
 * savepoint) barrier the writer flushes and prepares committables, kept in this operator's state by
 * checkpoint id; when a checkpoint completes, every committable of that id and below is committed (a
 * savepoint's committables thus wait for the next checkpoint). After a restore, the restored
 * committables are committed again — committers are idempotent — and stay in the pending set (and in
 * every snapshot) until that commit has succeeded, so a commit that fails later is retried by the next
 * restore instead of being lost. At end of input everything is prepared and committed at once.
 */
import { EddyError, faultPoint } from '../../core/index.ts';
import type { Committer, Sink, SinkWriter } from '../sink.ts';
import type { OperatorSnapshot } from '../operator.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';

/** The id under which a sink's end-of-input committables wait for the job to finish. */
export const FINAL_CHECKPOINT = Number.MAX_SAFE_INTEGER;

interface SinkState {
  /** committables by checkpoint id, not yet known to be committed */
  pending: [number, unknown[]][];
  writer: unknown[] | undefined;
}

export class SinkOperator<T> extends AbstractStreamOperator<T, never> {
  private writer!: SinkWriter<T, unknown, unknown>;
  private committer: Committer<unknown> | undefined;
  private readonly pending = new Map<number, unknown[]>();
  private restoredWriterState: unknown[] | undefined;
  constructor(private readonly sink: Sink<T, any, any>) {
    super();
  }
  override initializeState(restored: OperatorSnapshot | undefined): void {
    super.initializeState(restored);
    this.committer = this.sink.createCommitter?.();
    const customs = (restored?.custom as SinkState[] | undefined) ?? [];
    for (const s of customs) {
      for (const [id, list] of s.pending) this.pending.set(id, [...(this.pending.get(id) ?? []), ...list]);
      if (s.writer) (this.restoredWriterState ??= []).push(...s.writer);
    }
    if (this.pending.size > 0) {
      const ids = [...this.pending.keys()];
      this.commit(ids.flatMap((id) => this.pending.get(id)!), ids);
    }
  }
  override open(): void {
    const c = this.ctx;
    this.writer = this.sink.createWriter(
      {
        subtaskIndex: c.subtaskIndex,
        parallelism: c.parallelism,
        jobName: c.jobName,
        attemptNumber: c.attemptNumber,
        checkpointing: (c as { checkpointing?: boolean }).checkpointing === true,
        sendToCoordinator: c.sendToCoordinator ? (m) => c.sendToCoordinator!(m) : undefined,
      },
      this.restoredWriterState,
    );
    super.open();
  }
  processElement(value: T, timestamp: number): void {
    if (this.commitError !== undefined) throw this.commitError;
    this.writer.write(value, timestamp);
  }
  override processWatermark(_watermark: number): void {}
  snapshotState(checkpointId: number): SinkState {
    this.writer.flush(false);
    const committables = this.writer.prepareCommit?.(checkpointId) ?? [];
    if (committables.length) this.pending.set(checkpointId, committables);
    return { pending: [...this.pending], writer: this.writer.snapshotState?.(checkpointId) };
  }
  override notifyCheckpointComplete(checkpointId: number): void {
    super.notifyCheckpointComplete(checkpointId);
    const ids: number[] = [];
    const ready: unknown[] = [];
    for (const [id, list] of this.pending) {
      if (id <= checkpointId && !this.committing.has(id)) {
        ids.push(id);
        ready.push(...list);
      }
    }
    if (ready.length) this.commit(ready, ids);
  }
  /** Commits in flight (asynchronous committers, e.g. a database); the task waits for them before it finishes. */
  private readonly inflight = new Set<Promise<void>>();
  /** Checkpoint ids whose committables are being committed: they stay in `pending` (and in snapshots) until done. */
  private readonly committing = new Set<number>();
  private commitError: unknown;

  private commit(committables: unknown[], ids: number[] = []): void {
    if (this.commitError !== undefined) throw this.commitError;
    if (!this.committer) throw new EddyError(`sink '${this.ctx.operatorName}' prepared committables but has no committer`, { domain: 'internal' });
    faultPoint('sink:before-commit');
    const r = this.committer.commit(committables);
    faultPoint('sink:after-commit');
    if (r && typeof (r as Promise<void>).then === 'function') {
      for (const id of ids) this.committing.add(id);
      const p: Promise<void> = (r as Promise<void>).then(
        () => {
          this.inflight.delete(p);
          for (const id of ids) {
            this.committing.delete(id);
            this.pending.delete(id);
          }
        },
        (e: unknown) => {
          this.inflight.delete(p);
          for (const id of ids) this.committing.delete(id);
          this.commitError = new EddyError(`sink '${this.ctx.operatorName}' failed to commit: ${(e as Error)?.message ?? e}`, { domain: 'external', retriable: true, cause: e });
          this.ctx.reportAsyncError?.(this.commitError);
        },
      );
      this.inflight.add(p);
    } else for (const id of ids) this.pending.delete(id);
  }

  /** Resolves when every commit in flight has finished (rejects with the first commit failure). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    if (this.commitError !== undefined) throw this.commitError;
  }
  /**
   * End of input: flush and prepare the last committables, but do not commit yet — another subtask may
   * still fail and the job restart from an earlier checkpoint. The JobManager commits every sink's final
   * committables once the whole job has finished (`notifyCheckpointComplete(FINAL_CHECKPOINT)`).
   */
  override finish(): void {
    this.writer.flush(true);
    const last = this.writer.prepareCommit?.(FINAL_CHECKPOINT) ?? [];
    if (last.length) this.pending.set(FINAL_CHECKPOINT, last);
    // The writer's state at its end goes into every later checkpoint: a restore creates a writer from it,
    // and a writer's recovery must know the transactions it prepared last (PostgreSQL rolls back the
    // prepared transactions its restored state does not name).
    this.finalWriterState = this.writer.snapshotState?.(FINAL_CHECKPOINT);
  }
  private finalWriterState: unknown[] | undefined;
  /**
   * A checkpoint after end of input: the final committables belong to it from now on, so they are
   * committed when it completes (a restore from it commits them too) instead of waiting for the whole job
   * to end — a sink whose input ended keeps nothing uncommitted while the rest of the job runs on.
   */
  snapshotFinishedState(checkpointId: number): SinkState {
    const last = this.pending.get(FINAL_CHECKPOINT);
    if (last !== undefined) {
      this.pending.delete(FINAL_CHECKPOINT);
      this.pending.set(checkpointId, last);
    }
    return { pending: [...this.pending], writer: this.finalWriterState ?? this.restoredWriterState };
  }
  override close(): void {
    this.writer?.close();
    super.close();
  }
}
