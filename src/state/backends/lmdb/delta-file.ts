/**
 * Delta files of incremental lmdb checkpoints: the entries that changed since the previous checkpoint,
 * each with its value as of the capture or a tombstone. Applying a base and its deltas in order gives the
 * state of the newest checkpoint.
 *
 * ```
 * "EDDYDLT1"                                       8-byte magic
 * { keyLen u16 BE, key, valueLen u32 BE, value }*  valueLen 0xFFFFFFFF = tombstone (no value bytes)
 * ```
 * Keys are the backend's binary lmdb keys (key group first); a key occurs at most once per file. The writer
 * is synchronous and buffered (1 MiB), hashing what it writes, so the SHA-256 is ready without a re-read.
 */
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import type { Database } from 'lmdb';
import { EddyError } from '../../../core/index.ts';
import type { SharedStateFile } from '../../keyed-state-snapshot.ts';

const MAGIC = Buffer.from('EDDYDLT1', 'latin1');
const TOMBSTONE = 0xffffffff;
const CHUNK = 1 << 20;

/** Writes one delta file. Call {@link finish} (durable, returns the reference) or {@link abort}. */
export class DeltaFileWriter {
  private fd: number;
  private buf = Buffer.allocUnsafe(CHUNK);
  private at = 0;
  private size = 0;
  private readonly hash: Hash = createHash('sha256');
  /** Number of entries written. */
  entries = 0;

  constructor(
    readonly path: string,
    readonly file: string,
  ) {
    this.fd = openSync(path, 'wx');
    this.put(MAGIC);
  }

  private put(b: Uint8Array): void {
    if (this.at + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      this.writeOut(b);
      return;
    }
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  private writeOut(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
    this.hash.update(b);
    this.size += b.length;
  }
  private flush(): void {
    if (this.at === 0) return;
    this.writeOut(this.buf.subarray(0, this.at));
    this.at = 0;
  }
  private header(key: Uint8Array, valueLen: number): void {
    if (this.at + 6 + key.length > this.buf.length) this.flush();
    this.buf.writeUInt16BE(key.length, this.at);
    this.buf.set(key, this.at + 2);
    this.at += 2 + key.length;
    this.buf.writeUInt32BE(valueLen, this.at);
    this.at += 4;
  }

  /** An entry's value as of the capture (`value` may be lmdb's reused buffer: it is copied now). */
  set(key: Uint8Array, value: Uint8Array): void {
    this.header(key, value.length);
    this.put(value);
    this.entries++;
  }
  /** An entry that no longer exists. */
  delete(key: Uint8Array): void {
    this.header(key, TOMBSTONE);
    this.entries++;
  }

  /** Flushes, fsyncs and closes; the file's reference. */
  finish(): SharedStateFile {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    return { file: this.file, size: this.size, sha256: this.hash.digest('hex') };
  }

  /** Closes and deletes the partial file. Idempotent. */
  abort(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
    rmSync(this.path, { force: true });
  }
}

/**
 * Applies a delta file to `db` (call inside a write transaction). With `keep`, only entries whose key
 * group passes it are applied. Returns the number of entries applied.
 */
export function applyDeltaFile(path: string, db: Database<Uint8Array, Buffer>, keep?: (keyGroup: number) => boolean): number {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new EddyError(`incremental checkpoint delta file ${path} cannot be read: ${(e as Error).message}`, { domain: 'external', cause: e });
  }
  if (b.length < MAGIC.length || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt(path, 0);
  let at = MAGIC.length;
  let n = 0;
  while (at < b.length) {
    if (at + 2 > b.length) throw corrupt(path, at);
    const kl = b.readUInt16BE(at);
    if (at + 6 + kl > b.length) throw corrupt(path, at);
    const key = b.subarray(at + 2, at + 2 + kl);
    const vl = b.readUInt32BE(at + 2 + kl);
    at += 6 + kl;
    const apply = keep === undefined || keep(key.readUInt16BE(0));
    if (vl === TOMBSTONE) {
      if (apply) db.removeSync(key);
    } else {
      if (at + vl > b.length) throw corrupt(path, at);
      if (apply) db.putSync(key, b.subarray(at, at + vl));
      at += vl;
    }
    if (apply) n++;
  }
  return n;
}

function corrupt(path: string, at: number): EddyError {
  return new EddyError(`incremental checkpoint delta file ${path} is truncated or corrupt at byte ${at}`, { domain: 'external' });
}
