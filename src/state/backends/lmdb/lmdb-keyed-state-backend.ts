/**
 * {@link LmdbKeyedStateBackend}: keyed state on disk in an embedded lmdb database (npm `lmdb`), so state
 * can exceed the Node heap. Value-like states keep a bounded write-back cache of decoded values in JS
 * (`cacheEntries` per state, see `LmdbStateTable`); lists and maps are read and written in lmdb directly.
 *
 * One lmdb environment per slot directory, shared by every operator of the slot (reference counted); each
 * operator subtask uses its own named database `eddy-state:<operatorId>:<first>-<last key group>`, cleared
 * when the backend opens (the
 * directory is a working copy: durability comes from checkpoints). The environment runs with `noSync`.
 *
 * Writes outside {@link batch} commit one transaction each (~60 k/s measured here); inside `batch` they
 * share one write transaction (~250–300 k/s), and reads inside it see the batch's writes. A batch whose
 * function throws still commits what it wrote before the throw (as on the heap backend, whose writes are
 * not undone either): cached writes of earlier batches and of the failed one cannot be told apart.
 */
import { join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import type { Database, RootDatabase, Transaction } from 'lmdb';
import { ConfigurationError } from '../../../core/index.ts';
import { AbstractKeyedStateBackend, type BaseBackendOptions } from '../../abstract-keyed-state-backend.ts';
import type { StateKind } from '../../state-descriptor.ts';
import type { StateTable } from '../../state-table.ts';
import type { KeyedStateSize } from '../../keyed-state-backend.ts';
import type { KeyedStateSnapshot, PendingKeyedSnapshot, SnapshotStateMeta } from '../../keyed-state-snapshot.ts';
import { ALWAYS_FITS_CHARS, LmdbKeyCodec } from './lmdb-key-codec.ts';
import { LmdbStateTable, type LmdbTableHost } from './lmdb-state-table.ts';
import { openLmdbEnvironment } from './lmdb-env.ts';
import { trace, IncrementalCheckpointer, type IncrementalCheckpointOptions, type IncrementalHost, type IncrementalReporting } from './lmdb-incremental-snapshot.ts';
import { materializeIncremental } from './lmdb-incremental-restore.ts';

/** Options of the lmdb backend: a slot directory, or an environment opened by the caller. */
export interface LmdbBackendOptions extends BaseBackendOptions {
  /** Working directory of the slot's lmdb environment (created if missing). */
  dir?: string;
  /** An environment the caller opened and will close (takes precedence over `dir`). */
  lmdbEnv?: RootDatabase;
  /**
   * Incremental checkpoints: snapshots write delta files (and, now and then, a base copy of the
   * environment) into `sharedDir` and return a handle to them. Needs `dir`; the operator subtask then gets
   * an environment of its own under it (a base is a copy of a whole environment).
   */
  incremental?: IncrementalCheckpointOptions & IncrementalReporting & { sharedDir: string };
  /**
   * Most (key, namespace) entries each value-like state caches in JS (default {@link DEFAULT_CACHE_ENTRIES}).
   * Changes are written back to lmdb when the cache is full, before snapshots and before scans.
   */
  cacheEntries?: number;
}

/** Default of {@link LmdbBackendOptions.cacheEntries}: tens of thousands of hot keys per state (about 10 MB of small values). */
export const DEFAULT_CACHE_ENTRIES = 65_536;

interface SharedEnv {
  env: RootDatabase;
  refs: number;
}
const sharedEnvs = new Map<string, SharedEnv>();

/** Opens (or shares) the slot environment in `dir`. */
function acquireEnv(dir: string): RootDatabase {
  const path = resolve(dir);
  let s = sharedEnvs.get(path);
  if (s === undefined) {
    const env = openLmdbEnvironment(path);
    sharedEnvs.set(path, (s = { env, refs: 0 }));
  }
  s.refs++;
  return s.env;
}
function releaseEnv(env: RootDatabase): void {
  for (const [path, s] of sharedEnvs) {
    if (s.env !== env) continue;
    if (--s.refs === 0) {
      sharedEnvs.delete(path);
      void s.env.close();
    }
    return;
  }
}

/** Keyed state in lmdb. */
export class LmdbKeyedStateBackend extends AbstractKeyedStateBackend implements LmdbTableHost, IncrementalHost {
  readonly kind = 'lmdb' as const;
  db: Database<Uint8Array, Buffer>;
  env: RootDatabase;
  readonly dbName: string;
  private readonly ownsEnv: boolean;
  /** Own environment directory (incremental mode), else undefined. */
  private ownEnvDir: string | undefined;
  get envDir(): string {
    return this.ownEnvDir ?? '';
  }
  /** Incremental checkpoints, when enabled. */
  readonly incremental: IncrementalCheckpointer | undefined;
  /** Keys written or deleted since the last incremental capture (undefined: not tracking). */
  dirty: Set<string>;
  private tracking: boolean;
  /** lmdb ids of restored states not registered yet (fast restore keeps the ids in the files). */
  private readonly restoredIds = new Map<string, number>();
  /** Key buffer of the current key: encoded when first needed after a key change (cache hits never need it). */
  private readonly keyCodec = new LmdbKeyCodec();
  private keyStale = true;
  get codec(): LmdbKeyCodec {
    if (this.keyStale) {
      this.keyCodec.setKey(this.currentKeyGroup, this.currentKey);
      this.keyStale = false;
    }
    return this.keyCodec;
  }
  readonly cacheEntries: number;
  /** Key buffer for restore, snapshots and scans. */
  readonly scratch = new LmdbKeyCodec();
  /** Next list-element sequence number (the database starts empty, so memory is enough). */
  seq = 0;
  private batchDepth = 0;
  private nextStateId = 1;

  constructor(o: LmdbBackendOptions) {
    super(o);
    this.cacheEntries = o.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
    if (!Number.isInteger(this.cacheEntries) || this.cacheEntries < 2) throw new ConfigurationError(`operator ${this.operatorName}: cacheEntries must be an integer of at least 2, got ${o.cacheEntries}`);
    this.dbName = `eddy-state:${o.operatorId}:${o.keyGroupRange.start}-${o.keyGroupRange.end}`;
    if (o.incremental && !o.lmdbEnv) {
      if (!o.dir) throw new ConfigurationError(`operator ${this.operatorName}: incremental checkpoints of the lmdb state backend need a working directory (dir)`);
      this.ownEnvDir = join(resolve(o.dir), `${o.operatorId.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${o.keyGroupRange.start}-${o.keyGroupRange.end}`, 'env-0');
      rmSync(this.ownEnvDir, { recursive: true, force: true });
      this.env = openLmdbEnvironment(this.ownEnvDir);
      this.ownsEnv = true;
    } else if (o.lmdbEnv) {
      this.env = o.lmdbEnv;
      this.ownsEnv = false;
    } else if (o.dir) {
      this.env = acquireEnv(o.dir);
      this.ownsEnv = true;
    } else throw new ConfigurationError(`operator ${this.operatorName}: the lmdb state backend needs a working directory (dir) or an lmdb environment`);
    this.db = this.env.openDB<Buffer, Buffer>({ name: this.dbName, keyEncoding: 'binary', encoding: 'binary' });
    this.db.clearSync();
    this.dirty = new Set();
    this.tracking = o.incremental !== undefined;
    this.incremental = o.incremental ? new IncrementalCheckpointer(this, o.incremental.sharedDir, o.incremental) : undefined;
  }

  put(key: Buffer, value: Uint8Array): void {
    this.db.putSync(key, value);
    // Incremental checkpoints: one string per distinct key written since the last capture (latin1 keeps
    // every byte); nothing at all when they are off.
    if (this.tracking) this.dirty.add(key.toString('latin1'));
  }
  del(key: Buffer): void {
    this.db.removeSync(key);
    if (this.tracking) this.dirty.add(key.toString('latin1'));
  }

  protected onKeyChanged(): void {
    this.keyStale = true;
    // A key that may be too long is encoded at once, so that it is rejected here.
    const mk = this.currentMapKey;
    if (typeof mk === 'string' && mk.length > ALWAYS_FITS_CHARS) void this.codec;
  }

  protected createTable(name: string, kind: StateKind): StateTable {
    const id = this.restoredIds.get(name) ?? this.nextStateId++;
    if (id > 0xfffe) throw new ConfigurationError(`operator ${this.operatorName}: too many states`);
    return new LmdbStateTable(this, name, kind, id);
  }

  /** True while a write transaction is open. */
  get inBatch(): boolean {
    return this.batchDepth > 0;
  }

  batch<T>(fn: () => T): T {
    if (this.batchDepth > 0) return fn();
    this.batchDepth++;
    let failed = false;
    let error: unknown;
    try {
      const r = this.db.transactionSync(() => {
        try {
          return fn();
        } catch (e) {
          // committed all the same: see the file comment
          failed = true;
          error = e;
          return undefined;
        }
      });
      if (failed) throw error;
      return r as T;
    } finally {
      this.batchDepth--;
    }
  }

  /** Writes every table's cached changes back to lmdb (one transaction unless a batch is open). */
  flushCaches(): void {
    let any = false;
    for (const t of this.tables.values()) if ((t as LmdbStateTable).hasDirty) any = true;
    if (!any) return;
    this.batch(() => {
      for (const t of this.tables.values()) (t as LmdbStateTable).flushCache();
    });
  }

  private pendingRecords(): number {
    let n = 0;
    for (const t of this.tables.values()) n += (t as LmdbStateTable).pendingRecords();
    return n;
  }

  stateInfo(): { states: SnapshotStateMeta[]; ids: number[] } {
    return { states: this.stateMetas(), ids: [...this.tables.values()].map((t) => (t as LmdbStateTable).stateId) };
  }

  override captureSnapshot(checkpointId: number): PendingKeyedSnapshot {
    if (this.incremental) return this.incremental.capture(checkpointId);
    this.flushCaches(); // before the capture's read transaction starts
    return super.captureSnapshot(checkpointId);
  }

  /**
   * With incremental checkpoints, a single incremental snapshot of exactly this key-group range restores
   * by copying its base file into place and applying its deltas (no decoding); anything else goes through
   * the canonical path (incremental snapshots are converted first), after which the next checkpoint is
   * a full dump.
   */
  override restore(snapshots: KeyedStateSnapshot[]): void {
    // Restored entries are written to lmdb directly: cached changes go first, the cache is dropped.
    this.flushCaches();
    for (const t of this.tables.values()) (t as LmdbStateTable).discardCache();
    const inc = this.incremental;
    const h = snapshots.length === 1 ? snapshots[0]!.incremental : undefined;
    const r = this.keyGroupRange;
    if (inc && this.ownEnvDir && h && h.keyGroupRange[0] === r.start && h.keyGroupRange[1] === r.end && h.dbName === this.dbName && this.tables.size === 0) {
      const s = snapshots[0]!;
      this.checkRestorable(s);
      const dir = join(this.ownEnvDir, '..', 'env-restored');
      trace(() => `restore ${this.dbName} base=${h.base?.file} deltas=${h.deltas.map((d) => d.file).join(',')}`);
      const { env, db } = materializeIncremental(h, dir);
      const old = this.env;
      this.env = env;
      this.db = db;
      void old.close();
      rmSync(this.ownEnvDir, { recursive: true, force: true });
      this.ownEnvDir = dir;
      for (let i = 0; i < s.states.length; i++) this.restoredIds.set(s.states[i]!.name, h.stateIds[i]!);
      this.nextStateId = Math.max(this.nextStateId, ...h.stateIds.map((id) => id + 1));
      this.seq = Math.max(this.seq, h.seq);
      this.registerRestoredStates(s.states);
      inc.adopt(h.base, h.deltas);
      this.dirty = new Set();
      return;
    }
    const saved = this.tracking;
    // Restored entries are not tracked one by one: the next checkpoint dumps everything instead.
    this.tracking = false;
    try {
      super.restore(snapshots);
    } finally {
      this.tracking = saved;
    }
    if (inc) inc.needFullDump = true;
  }

  /** A read transaction: the captured view is isolated from later writes (MVCC). */
  protected override beginCapture(): unknown {
    return this.db.useReadTransaction();
  }
  protected override endCapture(ctx: unknown): void {
    (ctx as Transaction).done();
  }
  protected override captureMustBeEager(): boolean {
    return this.batchDepth > 0;
  }

  /** Approximate number of entries (all states), cached changes included. */
  entryCount(): number {
    return this.db.getCount() + this.pendingRecords();
  }

  /**
   * The database's record count, corrected by the cached changes not written back yet, and the bytes of the
   * pages it uses (lmdb's own statistics; reported every 500 ms, so the cache is not written back for it).
   */
  stateSize(): KeyedStateSize {
    const s = this.db.getStats() as { entryCount: number; pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    return { entries: s.entryCount + this.pendingRecords(), bytes: s.pageSize * (s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages) };
  }

  protected disposeStorage(): void {
    if (this.ownEnvDir !== undefined) {
      // An environment of its own (incremental). A base copy in flight (a child process) is stopped.
      this.incremental?.dispose();
      void this.env.close();
      return;
    }
    try {
      this.db.clearSync();
      this.db.dropSync();
    } finally {
      if (this.ownsEnv) releaseEnv(this.env);
    }
  }
}
