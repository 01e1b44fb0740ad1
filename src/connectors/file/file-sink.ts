/**
 * `FileSink`: an exactly-once row-format file sink (Flink's `FileSink.forRowFormat`). Each subtask
 * writes encoded lines into hidden in-progress part files that become pending on a checkpoint barrier
 * and are committed — renamed to their visible name `part-<subtask>-<n>` — when the checkpoint
 * completes. Committed files are exactly the part files whose names do not start with `.`.
 */
import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../../core/index.ts';
import type { Committer, Sink, SinkWriter, SinkWriterContext } from '../../api/index.ts';
import { fsyncPathSync } from './part-files.ts';
import { FileSinkWriter, type FileSinkCommittable, type FileSinkSettings, type FileSinkWriterState } from './file-sink-writer.ts';

/** Encodes a record as one line: strings as they are, other values as JSON. */
export function defaultLineEncoder(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/**
 * Renames pending part files to their committed names. Idempotent: a committable whose pending file is
 * gone but whose committed file exists was committed before (it is retried after a restore).
 */
export class FileSinkCommitter implements Committer<FileSinkCommittable> {
  commit(committables: FileSinkCommittable[]): void {
    const dirs = new Set<string>();
    for (const c of committables) {
      const from = join(c.dir, c.pending);
      const to = join(c.dir, c.committed);
      if (existsSync(from)) {
        renameSync(from, to);
        dirs.add(c.dir);
      } else if (!existsSync(to)) {
        throw new Error(`FileSink: cannot commit ${to}: neither it nor its pending file ${from} exists (was the output directory changed?)`);
      }
    }
    for (const d of dirs) fsyncPathSync(d, true);
  }
}

/** A row-format file sink; build one with {@link FileSink.forRowFormat}. */
export class FileSink<T> implements Sink<T, FileSinkCommittable, FileSinkWriterState> {
  readonly name = 'FileSink';
  /** @internal use the builder */
  constructor(readonly settings: Readonly<FileSinkSettings>) {}

  /** Starts a builder of a sink writing one line per record into part files under `dir`. */
  static forRowFormat<T>(dir: string, encoder?: (value: T) => string): FileSinkBuilder<T> {
    return new FileSinkBuilder<T>(dir, encoder);
  }

  createWriter(ctx: SinkWriterContext, restored?: FileSinkWriterState[]): SinkWriter<T, FileSinkCommittable, FileSinkWriterState> {
    return new FileSinkWriter<T>(this.settings, ctx, restored);
  }

  createCommitter(): Committer<FileSinkCommittable> {
    return new FileSinkCommitter();
  }
}

/** Options of {@link FileSink.forRowFormat}; every method returns the builder. */
export class FileSinkBuilder<T> {
  private prefix = 'part';
  private suffix = '';
  private maxSize = 128 * 1024 * 1024;
  private maxRecords = Number.POSITIVE_INFINITY;
  private encoder: (value: T) => string;

  constructor(
    private readonly dir: string,
    encoder?: (value: T) => string,
  ) {
    if (typeof dir !== 'string' || dir === '') throw new ConfigurationError('FileSink.forRowFormat: the output directory must be a non-empty path');
    this.encoder = encoder ?? defaultLineEncoder;
  }

  /** Committed names are `<prefix>-<subtask>-<n><suffix>` (default prefix `part`, no suffix). */
  withOutputFileConfig(cfg: { partPrefix?: string; partSuffix?: string }): this {
    if (cfg.partPrefix !== undefined) this.withPartPrefix(cfg.partPrefix);
    if (cfg.partSuffix !== undefined) this.withPartSuffix(cfg.partSuffix);
    return this;
  }

  withPartPrefix(prefix: string): this {
    if (!/^[^./\\][^/\\]*$/.test(prefix)) throw new ConfigurationError(`FileSink: part prefix '${prefix}' must be non-empty, not start with '.', and hold no '/'`);
    this.prefix = prefix;
    return this;
  }

  withPartSuffix(suffix: string): this {
    if (/[/\\]/.test(suffix)) throw new ConfigurationError(`FileSink: part suffix '${suffix}' must not hold '/'`);
    this.suffix = suffix;
    return this;
  }

  /** Rolls to a new part file once the current one holds at least `bytes` (default 128 MiB). */
  withMaxPartSize(bytes: number): this {
    if (!(bytes > 0)) throw new ConfigurationError(`FileSink: max part size must be > 0 (got ${bytes})`);
    this.maxSize = bytes;
    return this;
  }

  /** Rolls to a new part file after `records` records (default: no limit). */
  withMaxRecordsPerPart(records: number): this {
    if (!(records >= 1)) throw new ConfigurationError(`FileSink: max records per part must be >= 1 (got ${records})`);
    this.maxRecords = records;
    return this;
  }

  /** Encodes a record as one line (without the newline). */
  withEncoder(encoder: (value: T) => string): this {
    this.encoder = encoder;
    return this;
  }

  build(): FileSink<T> {
    return new FileSink<T>({
      dir: resolve(this.dir),
      partPrefix: this.prefix,
      partSuffix: this.suffix,
      maxPartSize: this.maxSize,
      maxRecordsPerPart: this.maxRecords,
      encode: this.encoder as (value: unknown) => string,
    });
  }
}
