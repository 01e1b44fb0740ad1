/**
 * Reads text files line by line, split into byte ranges that parallel readers take on request.
 * A line belongs to the range its first byte falls in; a reader starting mid-file skips the partial
 * line it lands in and finishes the last line it starts even past its range end. Splits record the
 * byte offset of the next line, so reading resumes exactly after a restore.
 *
 * Reads are synchronous 64 KiB `readSync` calls from the task loop: local files answer in
 * microseconds, and this keeps the loop free of Promises.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, EddyError } from '../../core/index.ts';
import { InputStatus, type ReaderOutput, type Source, type SourceReader, type SourceReaderContext, type SplitEnumerator, type SplitEnumeratorContext } from '../source.ts';

export interface FileSplit {
  id: string;
  path: string;
  start: number;
  end: number;
  /** offset of the next line to read (≥ start); -1 = not started (must skip the partial first line) */
  pos: number;
  /** 1-based line number of the next line when known (start = 0), else -1 */
  line: number;
}

export function listFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new ConfigurationError(`readTextFile: cannot read '${path}': ${(e as Error).message}`, e);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((n) => !n.startsWith('.') && !n.startsWith('_'))
    .sort()
    .map((n) => join(path, n))
    .filter((p) => statSync(p).isFile());
}

class FileSplitEnumerator implements SplitEnumerator<FileSplit, FileSplit[]> {
  constructor(
    private readonly ctx: SplitEnumeratorContext<FileSplit>,
    private readonly remaining: FileSplit[],
  ) {}
  start(): void {}
  addReader(): void {}
  handleSplitRequest(subtask: number): void {
    const s = this.remaining.shift();
    if (s) this.ctx.assignSplit(s, subtask);
    else this.ctx.signalNoMoreSplits(subtask);
  }
  addSplitsBack(splits: FileSplit[]): void {
    this.remaining.unshift(...splits);
  }
  snapshotState(): FileSplit[] {
    return this.remaining.map((s) => ({ ...s }));
  }
  close(): void {}
}

const CHUNK = 64 * 1024;
const EMPTY = Buffer.alloc(0);

class TextFileReader implements SourceReader<string, FileSplit> {
  private split: FileSplit | undefined;
  private queue: FileSplit[] = [];
  private fd = -1;
  /** Bytes read from the file but not yet consumed; they start at file offset `split.pos`. */
  private pending: Buffer = EMPTY;
  private filePos = 0;
  private eof = false;
  private requested = false;
  private noMore = false;
  constructor(private readonly ctx: SourceReaderContext) {}
  start(): void {
    this.request();
  }
  private request(): void {
    if (!this.requested && !this.noMore) {
      this.requested = true;
      this.ctx.sendSplitRequest();
    }
  }
  addSplits(splits: FileSplit[]): void {
    this.requested = false;
    this.queue.push(...splits);
    this.ctx.wakeup();
  }
  notifyNoMoreSplits(): void {
    this.requested = false;
    this.noMore = true;
    this.ctx.wakeup();
  }
  private openSplit(s: FileSplit): void {
    try {
      this.fd = openSync(s.path, 'r');
    } catch (e) {
      throw new EddyError(`readTextFile: cannot open '${s.path}': ${(e as Error).message}`, { domain: 'external', retriable: true, cause: e });
    }
    this.split = s;
    this.pending = EMPTY;
    this.eof = false;
    if (s.pos < 0) {
      if (s.start === 0) s.pos = 0;
      else {
        // Skip the line we land in: consume through the first newline at or after start - 1.
        s.pos = s.start - 1;
        this.filePos = s.pos;
        for (;;) {
          const i = this.pending.indexOf(10);
          if (i >= 0) {
            s.pos += i + 1;
            this.pending = this.pending.subarray(i + 1);
            break;
          }
          s.pos += this.pending.length;
          this.pending = EMPTY;
          if (!this.readMore()) break;
        }
      }
    }
    this.filePos = s.pos + this.pending.length;
  }
  /** Appends the next chunk of the file to `pending`; false at end of file. */
  private readMore(): boolean {
    if (this.eof) return false;
    const chunk = Buffer.allocUnsafe(CHUNK);
    const n = readSync(this.fd, chunk, 0, CHUNK, this.filePos);
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.filePos += n;
    this.pending = this.pending.length === 0 ? chunk.subarray(0, n) : Buffer.concat([this.pending, chunk.subarray(0, n)]);
    return true;
  }
  pollNext(out: ReaderOutput<string>, max: number): InputStatus {
    if (!this.split) {
      const next = this.queue.shift();
      if (!next) {
        if (this.noMore) return InputStatus.EndOfInput;
        this.request();
        return InputStatus.NothingAvailable;
      }
      this.openSplit(next);
    }
    const s = this.split!;
    let emitted = 0;
    while (emitted < max && s.pos < s.end) {
      let i = this.pending.indexOf(10);
      while (i < 0 && this.readMore()) i = this.pending.indexOf(10);
      if (i < 0 && this.pending.length === 0) {
        s.pos = s.end;
        break;
      }
      const lineLen = i < 0 ? this.pending.length : i;
      let e = lineLen;
      if (e > 0 && this.pending[e - 1] === 13) e--;
      out.collect(this.pending.toString('utf8', 0, e));
      emitted++;
      const consumed = i < 0 ? lineLen : lineLen + 1;
      s.pos += consumed;
      this.pending = this.pending.subarray(consumed);
      if (s.line > 0) s.line++;
    }
    if (s.pos >= s.end) {
      closeSync(this.fd);
      this.fd = -1;
      this.split = undefined;
      this.pending = EMPTY;
      if (this.queue.length === 0) this.request();
    }
    return this.split || this.queue.length > 0 ? InputStatus.MoreAvailable : this.noMore ? InputStatus.EndOfInput : InputStatus.NothingAvailable;
  }
  snapshotState(): FileSplit[] {
    return [...(this.split ? [{ ...this.split }] : []), ...this.queue.map((s) => ({ ...s }))];
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export class TextFileSource implements Source<string, FileSplit, FileSplit[]> {
  readonly boundedness = 'bounded' as const;
  readonly name = 'TextFile';
  constructor(
    private readonly path: string,
    private readonly opts: { splitSize?: number } = {},
  ) {}
  createEnumerator(ctx: SplitEnumeratorContext<FileSplit>, restored?: FileSplit[]): SplitEnumerator<FileSplit, FileSplit[]> {
    if (restored) return new FileSplitEnumerator(ctx, restored);
    const files = listFiles(this.path);
    const sizes = files.map((f) => statSync(f).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const target = this.opts.splitSize ?? Math.max(64 * 1024, Math.ceil(total / (ctx.parallelism * 4)));
    const splits: FileSplit[] = [];
    files.forEach((path, fi) => {
      const size = sizes[fi]!;
      for (let start = 0; start < size || (start === 0 && size === 0); start += target) {
        const end = Math.min(size, start + target);
        splits.push({ id: `${path}:${start}`, path, start, end, pos: -1, line: start === 0 ? 1 : -1 });
        if (size === 0) break;
      }
    });
    return new FileSplitEnumerator(ctx, splits);
  }
  createReader(ctx: SourceReaderContext): SourceReader<string, FileSplit> {
    return new TextFileReader(ctx);
  }
}
