/**
 * Runs a {@link SinkWriter} at the end of a chain, and its two-phase commit: on each checkpoint the
 * writer flushes and prepares committables (kept in this operator's state); when the checkpoint
 * completes they are committed; after a restore, the committables of the restored (completed)
 * checkpoint are committed again — committers are idempotent. At end of input everything is
 * prepared and committed at once.
 */
import { EddyError, faultPoint } from '../../core/index.ts';
import type { Committer, Sink, SinkWriter } from '../sink.ts';
import type { OperatorSnapshot } from '../operator.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';

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
    this.committer = this.sink.createCommitter?.();
    const customs = (restored?.custom as SinkState[] | undefined) ?? [];
    const toCommit: unknown[] = [];
    for (const s of customs) {
      for (const [, list] of s.pending) toCommit.push(...list);
      if (s.writer) (this.restoredWriterState ??= []).push(...s.writer);
    }
    if (toCommit.length) this.commit(toCommit);
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
  notifyCheckpointComplete(checkpointId: number): void {
    const ready: unknown[] = [];
    for (const [id, list] of this.pending) {
      if (id <= checkpointId) {
        ready.push(...list);
        this.pending.delete(id);
      }
    }
    if (ready.length) this.commit(ready);
  }
  /** Commits in flight (asynchronous committers, e.g. a database); the task waits for them before it finishes. */
  private readonly inflight = new Set<Promise<void>>();
  private commitError: unknown;

  private commit(committables: unknown[]): void {
    if (this.commitError !== undefined) throw this.commitError;
    if (!this.committer) throw new EddyError(`sink '${this.ctx.operatorName}' prepared committables but has no committer`, { domain: 'internal' });
    faultPoint('sink:before-commit');
    const r = this.committer.commit(committables);
    faultPoint('sink:after-commit');
    if (r && typeof (r as Promise<void>).then === 'function') {
      const p: Promise<void> = (r as Promise<void>).then(
        () => {
          this.inflight.delete(p);
        },
        (e: unknown) => {
          this.inflight.delete(p);
          this.commitError = new EddyError(`sink '${this.ctx.operatorName}' failed to commit: ${(e as Error)?.message ?? e}`, { domain: 'external', retriable: true, cause: e });
          this.ctx.reportAsyncError?.(this.commitError);
        },
      );
      this.inflight.add(p);
    }
  }

  /** Resolves when every commit in flight has finished (rejects with the first commit failure). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    if (this.commitError !== undefined) throw this.commitError;
  }
  override finish(): void {
    this.writer.flush(true);
    const last = this.writer.prepareCommit?.(Number.MAX_SAFE_INTEGER) ?? [];
    const all: unknown[] = [];
    for (const list of this.pending.values()) all.push(...list);
    this.pending.clear();
    all.push(...last);
    if (all.length) this.commit(all);
  }
  override close(): void {
    this.writer?.close();
    super.close();
  }
}
