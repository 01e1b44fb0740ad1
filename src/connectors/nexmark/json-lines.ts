/**
 * JSON-lines output of the generator, used by `eddy nexmark generate --events N --seed S`: one event per
 * line, `{"kind":"person"|"auction"|"bid", ...fields}` with fields in the order of the model and times as
 * epoch-ms numbers. Lines are joined into chunks of about 64 KiB so the writer is called rarely.
 */
import type { NexmarkConfig } from './config.ts';
import { NexmarkGenerator } from './generator.ts';

/** Options of {@link writeJsonLines}: the generator config plus an optional sub-range. */
export interface JsonLinesOptions extends NexmarkConfig {
  /** First event number (default 0). */
  from?: number;
  /** One past the last event number (default and cap: `events`). */
  to?: number;
  /** Approximate characters per chunk (default 65 536). */
  chunkChars?: number;
}

/**
 * Yields the JSON lines of events `[from, to)` in chunks of whole lines (each ending in `\n`). Pull-based,
 * so a caller writing to a stream can wait for `drain` between chunks, and `events: Infinity` works.
 * @example for (const chunk of jsonLinesChunks({ events: 100, seed: 1 })) process.stdout.write(chunk);
 */
export function* jsonLinesChunks(options: JsonLinesOptions): Generator<string, void, undefined> {
  const { from = 0, to = Infinity, chunkChars = 65_536, ...config } = options;
  const gen = new NexmarkGenerator(config, from, to);
  let chunk = '';
  for (let e = gen.next(); e !== undefined; e = gen.next()) {
    chunk += JSON.stringify(e) + '\n';
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Writes the JSON lines of events `[from, to)` through `write` synchronously; returns the number of
 * events written. For an unbounded or back-pressured output use {@link jsonLinesChunks}.
 * @example writeJsonLines({ events: 3, seed: 42 }, (s) => process.stdout.write(s));
 */
export function writeJsonLines(options: JsonLinesOptions, write: (chunk: string) => void): number {
  for (const chunk of jsonLinesChunks(options)) write(chunk);
  const { from = 0, to = Infinity, events } = options;
  return Math.max(0, Math.min(to, events) - from);
}
