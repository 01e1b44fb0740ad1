/**
 * Lines from a TCP socket (unbounded; parallelism 1, as in Flink). Socket I/O fills a bounded queue
 * from callbacks; when the queue is full the socket is paused, so a slow job slows the sender (TCP
 * backpressure). The task drains the queue from its loop. Not replayable: after a restore it simply
 * reconnects.
 */
import { connect, type Socket } from 'node:net';
import { EddyError } from '../../core/index.ts';
import { InputStatus, type ReaderOutput, type Source, type SourceReader, type SourceReaderContext, type SplitEnumerator, type SplitEnumeratorContext } from '../source.ts';

interface SocketSplit {
  host: string;
  port: number;
}

const HIGH_WATER = 10_000;

class SocketReader implements SourceReader<string, SocketSplit> {
  private socket: Socket | undefined;
  private lines: string[] = [];
  private head = 0;
  private partial = '';
  private ended = false;
  private error: Error | undefined;
  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly host: string,
    private readonly port: number,
    private readonly delimiter: string,
  ) {}
  start(): void {
    const s = connect({ host: this.host, port: this.port });
    this.socket = s;
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split(this.delimiter);
      this.partial = parts.pop() ?? '';
      for (const p of parts) this.lines.push(p.endsWith('\r') && this.delimiter === '\n' ? p.slice(0, -1) : p);
      if (this.lines.length - this.head > HIGH_WATER) s.pause();
      this.ctx.wakeup();
    });
    s.on('end', () => {
      if (this.partial) this.lines.push(this.partial);
      this.partial = '';
      this.ended = true;
      this.ctx.wakeup();
    });
    s.on('error', (e) => {
      this.error = new EddyError(`socketTextStream ${this.host}:${this.port}: ${e.message}`, { domain: 'external', retriable: true, cause: e });
      this.ctx.wakeup();
    });
  }
  pollNext(out: ReaderOutput<string>, max: number): InputStatus {
    if (this.error) throw this.error;
    const end = Math.min(this.lines.length, this.head + max);
    for (let i = this.head; i < end; i++) out.collect(this.lines[i]!);
    this.head = end;
    if (this.head === this.lines.length) {
      this.lines = [];
      this.head = 0;
      if (this.socket?.isPaused()) this.socket.resume();
      return this.ended ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
    }
    if (this.lines.length - this.head < HIGH_WATER / 2 && this.socket?.isPaused()) this.socket.resume();
    return InputStatus.MoreAvailable;
  }
  addSplits(): void {}
  notifyNoMoreSplits(): void {}
  snapshotState(): SocketSplit[] {
    return [];
  }
  close(): void {
    this.socket?.destroy();
  }
}

export class SocketTextSource implements Source<string, SocketSplit, null> {
  readonly boundedness = 'unbounded' as const;
  readonly name = 'Socket';
  readonly maxSourceParallelism = 1;
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly delimiter: string,
  ) {}
  createEnumerator(ctx: SplitEnumeratorContext<SocketSplit>): SplitEnumerator<SocketSplit, null> {
    return {
      start() {},
      addReader(subtask) {
        ctx.signalNoMoreSplits(subtask);
      },
      handleSplitRequest() {},
      addSplitsBack() {},
      snapshotState: () => null,
      close() {},
    };
  }
  createReader(ctx: SourceReaderContext): SourceReader<string, SocketSplit> {
    return new SocketReader(ctx, this.host, this.port, this.delimiter);
  }
}
