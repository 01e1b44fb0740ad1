/**
 * Sends every record to the client (main thread), for `executeAndCollect()` and tests. Records are
 * batched per subtask. With checkpointing the sink is transactional: a subtask's records are held by
 * the client as pending until the checkpoint they precede completes, and dropped if the job restarts
 * before that, so the collected output is exactly-once across failures.
 */
import type { Sink, SinkCoordinatorListener, SinkWriter, SinkWriterContext } from '../sink.ts';
import { FINAL_CHECKPOINT } from '../operators/sink-operator.ts';

type CollectMessage = { records: unknown[]; checkpoint?: number; final?: boolean };

export class CollectSink<T> implements Sink<T> {
  readonly name = 'Collect';
  private readonly collected: T[] = [];
  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    let buf: T[] = [];
    const send = ctx.sendToCoordinator;
    if (!send) throw new Error('CollectSink needs a coordinator connection');
    const tx = ctx.checkpointing;
    return {
      write(v) {
        buf.push(v);
        if (!tx && buf.length >= 1024) {
          send({ records: buf } satisfies CollectMessage);
          buf = [];
        }
      },
      flush(endOfInput) {
        if (tx) {
          // End of input with checkpointing: held until the whole job has finished (another subtask may
          // still fail and the job restart from a checkpoint before this data).
          if (endOfInput) send({ records: buf, checkpoint: FINAL_CHECKPOINT } satisfies CollectMessage);
        } else if (buf.length || endOfInput) send({ records: buf, final: endOfInput } satisfies CollectMessage);
        if (endOfInput || !tx) buf = [];
      },
      prepareCommit(checkpointId) {
        if (tx) send({ records: buf, checkpoint: checkpointId } satisfies CollectMessage);
        buf = [];
        return [];
      },
      close() {},
    };
  }
  createCoordinatorListener(): SinkCoordinatorListener {
    const pending: { checkpoint: number; subtask: number; records: T[] }[] = [];
    return {
      message: (s, m) => {
        const msg = m as CollectMessage;
        if (msg.checkpoint !== undefined) pending.push({ checkpoint: msg.checkpoint, subtask: s, records: msg.records as T[] });
        else for (const v of msg.records as T[]) this.collected.push(v);
      },
      checkpointComplete: (id, finishedSubtasks = []) => {
        for (let i = 0; i < pending.length; ) {
          const p = pending[i]!;
          // A subtask finished in checkpoint `id` comes back finished from it: its end-of-input data is final.
          if (p.checkpoint <= id || (p.checkpoint === FINAL_CHECKPOINT && finishedSubtasks.includes(p.subtask))) {
            for (const v of pending[i]!.records) this.collected.push(v);
            pending.splice(i, 1);
          } else i++;
        }
      },
      reset: () => {
        pending.length = 0;
      },
    };
  }
  /** What the client received (valid after the job finished). */
  results(): T[] {
    return this.collected;
  }
}
