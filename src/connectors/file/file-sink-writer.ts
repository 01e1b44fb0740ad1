/**
 * The {@link FileSink}'s per-subtask writer. Records go, one encoded line each, into a hidden
 * in-progress part file (`.part-<subtask>-<n>.inprogress`); a file rolls when it reaches the size or
 * record limit. On a checkpoint barrier (`prepareCommit`) the open file is fsynced, closed and renamed
 * to pending (`.part-<subtask>-<n>.pending`), and every pending file becomes a committable; the
 * committer renames it to `part-<subtask>-<n>` once the checkpoint completes. The writer's state is the
 * next part counter: on restore, hidden part files of the restored subtasks numbered at or above it hold
 * records written after the checkpoint (they will be replayed) and are deleted, as are hidden part files of
 * subtasks the restored state does not cover (failed attempts or runs that are not restored). Committed
 * files are never touched, and new part numbers start above every existing file's.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SinkWriter, SinkWriterContext } from '../../api/index.ts';
import { fsyncPathSync, listPartFiles, partName, type OutputFileConfig } from './part-files.ts';

/** What the committer renames: `<dir>/<pending>` → `<dir>/<committed>`. */
export interface FileSinkCommittable {
  dir: string;
  pending: string;
  committed: string;
}

/** Per-subtask writer state: the next part number to use. */
export interface FileSinkWriterState {
  subtask: number;
  nextCounter: number;
}

/** Resolved options of a row-format file sink. */
export interface FileSinkSettings extends OutputFileConfig {
  dir: string;
  maxPartSize: number;
  maxRecordsPerPart: number;
  encode: (value: unknown) => string;
}

const WRITE_BUFFER = 64 * 1024;

export class FileSinkWriter<T> implements SinkWriter<T, FileSinkCommittable, FileSinkWriterState> {
  private counter = 0;
  private fd: number | undefined;
  private current = '';
  private currentCounter = 0;
  private size = 0;
  private records = 0;
  private buffer: string[] = [];
  private buffered = 0;
  /** Closed files (rolled, or at the barrier) renamed to pending, not yet handed over. */
  private readonly pending: FileSinkCommittable[] = [];

  constructor(
    private readonly s: FileSinkSettings,
    private readonly ctx: SinkWriterContext,
    restored: FileSinkWriterState[] | undefined,
  ) {
    mkdirSync(s.dir, { recursive: true });
    const files = listPartFiles(s, s.dir);
    let next = 0;
    // Discard what the failed attempt wrote after the restored checkpoint, for every restored subtask.
    const restoredNext = new Map<number, number>();
    for (const st of restored ?? []) restoredNext.set(st.subtask, Math.max(restoredNext.get(st.subtask) ?? 0, st.nextCounter));
    for (const f of files) {
      const from = restoredNext.get(f.subtask);
      // Hidden files no restored state references: written after the restored checkpoint (replayed now), or
      // by a failed attempt or an earlier run that this one does not restore. Subtask j's files belong to
      // writer j % parallelism (as its restored state does after a rescale).
      const unreferenced = from !== undefined ? f.counter >= from : f.subtask % ctx.parallelism === ctx.subtaskIndex;
      if (f.stage !== 'committed' && unreferenced) {
        rmSync(join(s.dir, f.name), { force: true });
        continue;
      }
      if (f.subtask === ctx.subtaskIndex) next = Math.max(next, f.counter + 1);
    }
    this.counter = Math.max(next, restoredNext.get(ctx.subtaskIndex) ?? 0);
  }

  write(value: T): void {
    const line = this.s.encode(value) + '\n';
    if (this.fd === undefined) this.open();
    const bytes = Buffer.byteLength(line);
    this.buffer.push(line);
    this.buffered += bytes;
    this.size += bytes;
    this.records++;
    if (this.buffered >= WRITE_BUFFER) this.drain();
    if (this.size >= this.s.maxPartSize || this.records >= this.s.maxRecordsPerPart) this.roll();
  }

  flush(): void {
    this.drain();
  }

  prepareCommit(): FileSinkCommittable[] {
    this.roll();
    return this.pending.splice(0);
  }

  snapshotState(): FileSinkWriterState[] {
    return [{ subtask: this.ctx.subtaskIndex, nextCounter: this.counter }];
  }

  close(): void {
    // An in-progress file left here is discarded by the next attempt (or stays hidden).
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    const n = (this.currentCounter = this.counter++);
    this.current = partName(this.s, this.ctx.subtaskIndex, n, 'inprogress');
    this.fd = openSync(join(this.s.dir, this.current), 'w');
    this.size = 0;
    this.records = 0;
  }

  private drain(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer.join(''));
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off);
    this.buffer = [];
    this.buffered = 0;
  }

  /** Closes the open part file (if any): fsync, close, rename to pending. */
  private roll(): void {
    if (this.fd === undefined) return;
    this.drain();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    const n = this.currentCounter;
    const pending = partName(this.s, this.ctx.subtaskIndex, n, 'pending');
    renameSync(join(this.s.dir, this.current), join(this.s.dir, pending));
    fsyncPathSync(this.s.dir, true);
    this.pending.push({ dir: this.s.dir, pending, committed: partName(this.s, this.ctx.subtaskIndex, n, 'committed') });
  }
}
