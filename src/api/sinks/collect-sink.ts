/**
 * Sends every record to the client (main thread), for `executeAndCollect()` and tests. Records are
 * batched per subtask; the client keeps them in arrival order.
 */
import type { Sink, SinkWriter, SinkWriterContext } from '../sink.ts';

export class CollectSink<T> implements Sink<T> {
  readonly name = 'Collect';
  private readonly collected: T[] = [];
  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    let buf: T[] = [];
    const send = ctx.sendToCoordinator;
    if (!send) throw new Error('CollectSink needs a coordinator connection');
    const flush = () => {
      if (buf.length) send(buf);
      buf = [];
    };
    return {
      write(v) {
        buf.push(v);
        if (buf.length >= 1024) flush();
      },
      flush,
      close: flush,
    };
  }
  createCoordinatorListener(): (subtask: number, message: unknown) => void {
    return (_s, m) => {
      for (const v of m as T[]) this.collected.push(v);
    };
  }
  /** What the client received (valid after the job finished). */
  results(): T[] {
    return this.collected;
  }
}
