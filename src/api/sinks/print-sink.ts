/** Prints records to stdout: `value`, or `subtask> value` when the sink runs in parallel (Flink's format). */
import type { Sink, SinkWriter, SinkWriterContext } from '../sink.ts';

export function formatRecord(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export class PrintSink<T> implements Sink<T> {
  readonly name = 'Print';
  constructor(private readonly prefix?: string) {}
  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    const pre = (this.prefix ? this.prefix + ':' : '') + (ctx.parallelism > 1 ? `${ctx.subtaskIndex + 1}> ` : this.prefix ? ' ' : '');
    let buf: string[] = [];
    const flush = () => {
      if (buf.length) process.stdout.write(buf.join('\n') + '\n');
      buf = [];
    };
    return {
      write(v) {
        buf.push(pre + formatRecord(v));
        if (buf.length >= 256) flush();
      },
      flush,
      close: flush,
    };
  }
}
