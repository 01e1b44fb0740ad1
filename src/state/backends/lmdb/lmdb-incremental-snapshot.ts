/**
 * Incremental checkpoints of the lmdb backend (Flink's `state.backend.incremental`, in the manner of its
 * changelog backend: a materialized base plus changes since).
 *
 * - The backend records every lmdb key it writes or deletes in a dirty set (one string per distinct
 *   key, only when incremental checkpoints are on).
 * - A checkpoint swaps the dirty set for an empty one, opens a read transaction, and writes a *delta
 *   file* into the job's shared directory: each dirty key with its value as of the capture, or a
 *   tombstone. Its state is then {base, deltas so far, this delta} — an {@link IncrementalKeyedHandle}.
 * - A *base* is materialized when the deltas since the base exceed `materializeRatio` of the base (at least
 *   `minMaterializeBytes`) or number `maxDeltas`: a child process copies the data file of a snapshot the
 *   worker pins with a read transaction (see {@link IncrementalCheckpointer.materialize}; the child never
 *   opens the environment with lmdb). The snapshot is pinned after capture *n* and may include
 *   writes made after it; that is harmless because every such key is dirty since *n* and so is in every
 *   later checkpoint's deltas, which overwrite it. The first checkpoint captured after the copy is done
 *   references {new base, deltas after *n*}; until then checkpoints keep using the old chain, so a slow
 *   copy never delays a checkpoint.
 * - After a restore that was not a plain file copy (another parallelism, from canonical state) the first
 *   checkpoint is a full dump (a delta with every entry) and the chain restarts from it.
 *
 * Shared files are named `<operator>-<first>-<last>-<run>-<checkpoint>.{delta,base.mdb}` (run: random per
 * backend instance, so runs and restarts never collide). The JobManager reference-counts them across
 * retained checkpoints (see fs-checkpoint-storage).
 */
import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Database, Transaction } from 'lmdb';
import { EddyError, faultPoint, type KeyGroupRange } from '../../../core/index.ts';
import {
  INCREMENTAL_HANDLE_FORMAT,
  KEYED_STATE_SNAPSHOT_VERSION,
  type KeyedStateSnapshot,
  type PendingKeyedSnapshot,
  type SharedStateFile,
  type SnapshotStateMeta,
} from '../../keyed-state-snapshot.ts';
import { DeltaFileWriter, fsyncDirSync } from './delta-file.ts';

/** Tuning of incremental checkpoints (all optional). */
export interface IncrementalCheckpointOptions {
  /** Materialize a new base when the deltas since the base exceed this fraction of its size (default 0.05: bounds what a restore must apply). */
  materializeRatio?: number;
  /** …or when there are this many deltas since the base (default 8). */
  maxDeltas?: number;
  /** No materialization before the deltas reach this many bytes (default 16 MiB). */
  minMaterializeBytes?: number;
}

/** Where the incremental checkpointer reports what went wrong without failing the job (a failed base copy). */
export interface IncrementalReporting {
  warn?: (message: string) => void;
}

/** What the incremental checkpointer needs from the lmdb backend. */
export interface IncrementalHost {
  readonly operatorId: string;
  readonly operatorName: string;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly db: Database<Uint8Array, Buffer>;
  /** Directory of the backend's own lmdb environment. */
  readonly envDir: string;
  readonly dbName: string;
  readonly inBatch: boolean;
  readonly seq: number;
  /** Keys written or deleted since the last capture (latin1 strings of the binary keys). */
  dirty: Set<string>;
  /** Writes cached batch writes to lmdb. */
  flushCaches(): void;
  /** Metadata and lmdb ids of every state, in one order. */
  stateInfo(): { states: SnapshotStateMeta[]; ids: number[] };
}

interface Chain {
  base: SharedStateFile | undefined;
  deltas: SharedStateFile[];
  deltaBytes: number;
}

interface Materialization {
  /** The copy holds the state of capture `after` or later. */
  after: number;
  /** Deltas of checkpoints captured after `after`: the new base's chain. */
  deltas: SharedStateFile[];
  result?: SharedStateFile;
  error?: Error;
  done: Promise<void>;
}

/** Per-backend state of incremental checkpoints. */
export class IncrementalCheckpointer {
  private readonly run = randomUUID().slice(0, 8);
  private chain: Chain = { base: undefined, deltas: [], deltaBytes: 0 };
  private materializing: Materialization | undefined;
  private pending: IncrementalPendingSnapshot | undefined;
  /** The next capture must dump everything (the chain does not describe the current state). */
  needFullDump = false;
  private readonly ratio: number;
  private readonly maxDeltas: number;
  private readonly minBytes: number;
  /** Why the last materialization failed (retried after the next delta). */
  lastMaterializationError: Error | undefined;
  private readonly warn: (message: string) => void;
  /** The copy process of the materialization in flight. */
  private copyProcess: ChildProcess | undefined;

  constructor(
    private readonly host: IncrementalHost,
    readonly sharedDir: string,
    o: IncrementalCheckpointOptions & IncrementalReporting = {},
  ) {
    this.warn = o.warn ?? ((m) => console.warn(`[eddy] ${m}`));
    this.ratio = o.materializeRatio ?? 0.05;
    this.maxDeltas = o.maxDeltas ?? 8;
    this.minBytes = o.minMaterializeBytes ?? 16 * 1024 * 1024;
    mkdirSync(sharedDir, { recursive: true });
  }

  /** Continues from a restored chain (fast restore path). */
  adopt(base: SharedStateFile | undefined, deltas: SharedStateFile[]): void {
    this.chain = { base, deltas: [...deltas], deltaBytes: deltas.reduce((n, d) => n + d.size, 0) };
    this.needFullDump = false;
  }

  get fileStem(): string {
    const r = this.host.keyGroupRange;
    return `${safeName(this.host.operatorId)}-${r.start}-${r.end}-${this.run}`;
  }

  capture(checkpointId: number): PendingKeyedSnapshot {
    this.pending?.completeNow();
    const h = this.host;
    h.flushCaches();
    const m = this.materializing;
    if (m?.result) {
      this.chain = { base: m.result, deltas: m.deltas, deltaBytes: m.deltas.reduce((n, d) => n + d.size, 0) };
      this.materializing = undefined;
    } else if (m?.error) {
      this.lastMaterializationError = m.error;
      this.materializing = undefined;
      this.warn(`${m.error.message}; checkpoints keep the previous base and its deltas, and a new copy is tried after the next checkpoint`);
    }
    const full = this.needFullDump;
    const keys = h.dirty;
    h.dirty = new Set();
    const eager = h.inBatch;
    const txn = eager ? undefined : h.db.useReadTransaction();
    const { states, ids } = h.stateInfo();
    trace(() => `${this.fileStem} capture ${checkpointId} dirty=${keys.size} full=${full} eager=${eager} base=${this.chain.base?.file} deltas=${this.chain.deltas.map((d) => d.file.split('-').pop()).join(',')} m=${m ? m.after : '-'}`);
    const p = new IncrementalPendingSnapshot(this, checkpointId, full, full ? undefined : keys, txn, states, ids, h.seq, full ? { base: undefined, deltas: [], deltaBytes: 0 } : this.chain);
    this.pending = p;
    if (eager) p.completeNow();
    return p;
  }

  /** Resolves when the base copy in flight (if any) has finished or failed (tests, shutdown). */
  materialized(): Promise<void> {
    return this.materializing?.done ?? Promise.resolve();
  }

  private dueForBase(): boolean {
    const c = this.chain;
    if (c.deltas.length === 0) return false;
    return c.deltas.length >= this.maxDeltas || c.deltaBytes > Math.max(this.minBytes, this.ratio * (c.base?.size ?? 0));
  }

  /** Starts copying the environment into a new base file (asynchronous, off the JS thread). */
  private materialize(after: number): void {
    const file = `${this.fileStem}-${after}.base.mdb`;
    const tmp = join(this.sharedDir, `.tmp-${this.fileStem}-${after}`);
    const m: Materialization = { after, deltas: [], done: Promise.resolve() };
    trace(() => `${this.fileStem} materialize after ${after}`);
    const dataFile = join(this.envDir, 'data.mdb');
    let pin: Transaction | undefined;
    const unpin = () => {
      try {
        pin?.done();
      } catch {
        // the environment was closed meanwhile (the backend was disposed): nothing is pinned any more
      }
      pin = undefined;
    };
    m.done = (async () => {
      try {
        await mkdir(tmp, { recursive: true });
        const metaFile = join(tmp, 'meta');
        // Once the copy process is up: pin the state as of then. A read transaction keeps every page of its
        // snapshot unchanged until it ends, and the meta pages read in the same synchronous step describe
        // that snapshot (this thread is the environment's only writer, and this runs between two of its
        // transactions). Pinning only then keeps the pin (which stops lmdb reusing pages) as short as the copy.
        const pinNow = (): number => {
          pin = this.host.db.useReadTransaction();
          const { metas, size } = readMetaPages(dataFile, this.pageSize());
          writeFileSync(metaFile, metas);
          return size;
        };
        const got = await copyInChildProcess(dataFile, tmp, metaFile, pinNow, unpin, (c) => (this.copyProcess = c));
        await rename(join(tmp, 'data.mdb'), join(this.sharedDir, file));
        fsyncDirSync(this.sharedDir); // the rename must be durable before a checkpoint references the base
        m.result = { file, ...got };
        trace(() => `${this.fileStem} materialized ${file}`);
      } catch (e) {
        m.error = new EddyError(`operator ${this.host.operatorName}: materializing an incremental checkpoint base into ${join(this.sharedDir, file)} failed: ${(e as Error).message}`, {
          domain: 'external',
          cause: e,
        });
        await rm(join(this.sharedDir, file), { force: true }).catch(() => undefined);
      } finally {
        unpin();
        await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      }
    })();
    this.materializing = m;
  }

  private pageSizeBytes = 0;
  /** The environment's page size (fixed when it was created). */
  private pageSize(): number {
    if (this.pageSizeBytes === 0) this.pageSizeBytes = (this.host.db.getStats() as { root: { pageSize: number } }).root.pageSize;
    return this.pageSizeBytes;
  }

  /**
   * The backend closes: a copy in flight is killed now (its base would belong to no checkpoint), so that
   * nothing writes into the shared directory once the worker is gone — a restart sweeps it right after.
   */
  dispose(): void {
    this.copyProcess?.kill('SIGKILL');
    this.copyProcess = undefined;
  }

  /** A pending snapshot wrote its delta: extend the chains. */
  completed(p: IncrementalPendingSnapshot, delta: SharedStateFile | undefined): void {
    if (this.pending === p) this.pending = undefined;
    trace(() => `${this.fileStem} completed ${p.checkpointId} delta=${delta?.file} size=${delta?.size} sameChain=${this.chain === p.chain}`);
    if (p.full) {
      this.chain = { base: undefined, deltas: delta ? [delta] : [], deltaBytes: delta?.size ?? 0 };
      this.needFullDump = false;
      return;
    }
    if (delta === undefined) return;
    if (this.chain === p.chain) {
      this.chain.deltas.push(delta);
      this.chain.deltaBytes += delta.size;
    }
    const m = this.materializing;
    if (m !== undefined && p.checkpointId > m.after) m.deltas.push(delta);
    // The copy starts after this capture, so it holds (at least) the state this checkpoint describes.
    if (m === undefined && this.dueForBase()) this.materialize(p.checkpointId);
  }

  /** A pending snapshot was released without a result: its keys are dirty again. */
  released(p: IncrementalPendingSnapshot, keys: Set<string> | undefined): void {
    if (this.pending === p) this.pending = undefined;
    if (keys) for (const k of keys) this.host.dirty.add(k);
  }

  private get envDir(): string {
    return this.host.envDir;
  }

  get hostRef(): IncrementalHost {
    return this.host;
  }
}

const ENTRIES_PER_UNIT = 1024;
/** `EDDY_DEBUG_CHECKPOINTS`: the incremental checkpointer logs captures, deltas, base copies and restores. */
const TRACE = typeof process !== 'undefined' && process.env.EDDY_DEBUG_CHECKPOINTS !== undefined;
export function trace(msg: () => string): void {
  if (TRACE) console.error(`[eddy incremental ${new Date().toISOString().slice(11, 23)}] ${msg()}`);
}

/** A captured incremental checkpoint: writes its delta file in slices. */
export class IncrementalPendingSnapshot implements PendingKeyedSnapshot {
  private readonly keyList: string[] | undefined;
  private next = 0;
  private scan: Iterator<{ key: Buffer; value: Buffer }> | undefined;
  private writer: DeltaFileWriter | undefined;
  private state: 'open' | 'written' | 'released' = 'open';
  private result: KeyedStateSnapshot | undefined;
  /** The chain this checkpoint extends (the checkpointer's at capture). */
  readonly chain: Chain;
  private readonly chainBase: SharedStateFile | undefined;
  private readonly chainDeltas: SharedStateFile[];

  constructor(
    private readonly owner: IncrementalCheckpointer,
    readonly checkpointId: number,
    readonly full: boolean,
    private readonly keys: Set<string> | undefined,
    private txn: Transaction | undefined,
    private readonly states: SnapshotStateMeta[],
    private readonly ids: number[],
    private readonly seq: number,
    chain: Chain,
  ) {
    this.chain = chain;
    this.chainBase = chain.base;
    this.chainDeltas = chain.deltas.slice();
    this.keyList = keys ? Array.from(keys) : undefined;
    if (full) this.scan = owner.hostRef.db.getRange({ transaction: txn })[Symbol.iterator]() as Iterator<{ key: Buffer; value: Buffer }>;
  }

  private out(): DeltaFileWriter {
    if (this.writer === undefined) {
      const file = `${this.owner.fileStem}-${this.checkpointId}${this.full ? '-full' : ''}.delta`;
      this.writer = new DeltaFileWriter(join(this.owner.sharedDir, file), file);
    }
    return this.writer;
  }

  /** Writes up to `maxUnits` × 1024 entries; true when the delta is complete. */
  writeSome(maxUnits: number): boolean {
    if (this.state === 'released') throw new EddyError(`snapshot ${this.checkpointId} of operator ${this.owner.hostRef.operatorName} was already released`);
    if (this.state === 'written') return true;
    const h = this.owner.hostRef;
    let budget = maxUnits === Infinity ? Infinity : maxUnits * ENTRIES_PER_UNIT;
    if (this.scan) {
      for (; budget > 0; budget--) {
        const r = this.scan.next();
        if (r.done) {
          this.scan = undefined;
          break;
        }
        this.out().set(r.value.key, r.value.value);
      }
      if (this.scan) return false;
    } else if (this.keyList) {
      const list = this.keyList;
      // lmdb-js reads through `options.transaction` (its typings omit the parameter).
      const db = h.db as unknown as { getBinaryFast(k: Buffer, o?: { transaction: Transaction }): Buffer | undefined };
      const opts = this.txn ? { transaction: this.txn } : undefined;
      if (this.txn && h.inBatch) {
        // A capture completed inside a write transaction (a newer capture inside a batch): lmdb-js's point
        // reads go through the open write transaction, ignoring `transaction`, and would see writes made
        // after this capture. Range reads honour it: read the rest through a cursor on the captured view.
        this.readRestThroughCursor(list);
        this.complete();
        return true;
      }
      for (; budget > 0 && this.next < list.length; budget--) {
        const key = Buffer.from(list[this.next++]!, 'latin1');
        const v = db.getBinaryFast(key, opts);
        if (v === undefined) this.out().delete(key);
        // lmdb-js hands out its reused read buffer with `length` set to the value's size: view exactly that.
        else this.out().set(key, v.subarray(0, v.length));
      }
      if (this.next < list.length) return false;
    }
    this.complete();
    return true;
  }

  /** Writes the remaining dirty keys as of the capture, each read through a cursor on its read transaction (rare: see writeSome). */
  private readRestThroughCursor(list: string[]): void {
    const db = this.owner.hostRef.db;
    for (; this.next < list.length; this.next++) {
      const key = Buffer.from(list[this.next]!, 'latin1');
      let found: Buffer | undefined;
      for (const e of db.getRange({ start: key, limit: 1, transaction: this.txn }) as Iterable<{ key: Buffer; value: Buffer }>) if (e.key.equals(key)) found = e.value;
      if (found === undefined) this.out().delete(key);
      else this.out().set(key, found);
    }
  }

  /** Writes everything now (a newer capture or an eager one needs this one done). */
  completeNow(): void {
    if (this.state === 'open') this.writeSome(Infinity);
  }

  private complete(): void {
    const delta = this.writer?.finish();
    this.writer = undefined;
    this.endTxn();
    this.state = 'written';
    const h = this.owner.hostRef;
    const r = h.keyGroupRange;
    const deltas = this.full ? [] : this.chainDeltas;
    this.result = {
      version: KEYED_STATE_SNAPSHOT_VERSION,
      operatorId: h.operatorId,
      maxParallelism: h.maxParallelism,
      checkpointId: this.checkpointId,
      backend: 'lmdb',
      states: this.states,
      keyGroups: [],
      incremental: {
        format: INCREMENTAL_HANDLE_FORMAT,
        dir: this.owner.sharedDir,
        keyGroupRange: [r.start, r.end],
        dbName: h.dbName,
        stateIds: this.ids,
        seq: this.seq,
        ...(this.full || this.chainBase === undefined ? {} : { base: this.chainBase }),
        deltas: delta ? [...deltas, delta] : [...deltas],
      },
    };
    this.owner.completed(this, delta);
  }

  finish(): KeyedStateSnapshot {
    if (this.state === 'released') throw new EddyError(`snapshot ${this.checkpointId} of operator ${this.owner.hostRef.operatorName} was already released`);
    this.completeNow();
    return this.result!;
  }

  release(): void {
    if (this.state !== 'open') return;
    this.state = 'released';
    this.writer?.abort();
    this.writer = undefined;
    this.scan?.return?.();
    this.scan = undefined;
    this.endTxn();
    this.owner.released(this, this.keys);
  }

  private endTxn(): void {
    this.txn?.done();
    this.txn = undefined;
  }
}

const COPY_SCRIPT = fileURLToPath(new URL('./lmdb-copy-process.mjs', import.meta.url));

/** The two meta pages at the start of an lmdb data file, and the file's size. */
function readMetaPages(dataFile: string, pageSize: number): { metas: Buffer; size: number } {
  const b = Buffer.alloc(2 * pageSize);
  const fd = openSync(dataFile, 'r');
  try {
    const size = fstatSync(fd).size;
    let at = 0;
    while (at < b.length) {
      const n = readSync(fd, b, at, b.length - at, at);
      if (n === 0) throw new Error(`${dataFile} is shorter than its two meta pages`);
      at += n;
    }
    return { metas: b, size };
  } finally {
    closeSync(fd);
  }
}

/**
 * A copy of the data file `dataFile` into `dest/data.mdb`, made by a child process (see lmdb-copy-process.mjs
 * for why, and why it must not open the environment). When the process is up, `pin` pins the snapshot to
 * copy, saves its meta pages to `metaFile` and returns the data file's size then; `unpin` is called once the
 * data is copied (before the copy is fsynced). Resolves to the copy's size and SHA-256.
 */
function copyInChildProcess(dataFile: string, dest: string, metaFile: string, pin: () => number, unpin: () => void, track: (child: ChildProcess | undefined) => void): Promise<{ size: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    // stdin: a pipe the child watches, so that it dies with this worker (or process) — see the script.
    const child = spawn(process.execPath, [COPY_SCRIPT, dataFile, dest, metaFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    track(child);
    child.on('exit', () => track(undefined));
    faultPoint('lmdb:copy-started');
    let out = '';
    let err = '';
    let stage: 'starting' | 'copying' | 'copied' = 'starting';
    child.stdout.on('data', (d) => {
      out += d;
      if (stage === 'starting' && out.startsWith('ready\n')) {
        stage = 'copying';
        out = out.slice(6);
        try {
          child.stdin.write(`go ${pin()}\n`);
        } catch (e) {
          child.kill('SIGKILL');
          reject(e as Error);
        }
      }
      if (stage === 'copying' && out.startsWith('copied\n')) {
        stage = 'copied';
        out = out.slice(7);
        unpin();
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the copy process exited with ${code}: ${err.trim().slice(0, 500)}`));
      else
        try {
          resolve(JSON.parse(out) as { size: number; sha256: string });
        } catch (e) {
          reject(new Error(`the copy process printed ${JSON.stringify(out.slice(0, 200))}: ${(e as Error).message}`));
        }
    });
  });
}

/** Size and SHA-256 of a file, read as a stream (the JS thread hashes 1 MiB chunks between other work). */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}
