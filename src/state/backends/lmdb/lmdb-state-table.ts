/**
 * {@link LmdbStateTable}: one state's data in the operator's lmdb database (see `lmdb-key-codec.ts` for
 * the key layout). Values are msgpackr-encoded stored values; entries of non-primitive keys carry the
 * original key too (`[stored, key]`), so `getKeys` and snapshots return keys as they were set. Lists store
 * one entry per element under a sequence suffix (an append is one put, not a rewrite of the list); maps
 * one entry per map key, valued `[mapKey, stored(, key)]`.
 */
import type { StateKind } from '../../state-descriptor.ts';
import type { Database, Transaction } from 'lmdb';
import type { KeyGroupRange } from '../../../core/index.ts';
import type { StateTable, Purge, TableCapture } from '../../state-table.ts';
import { VOID_NAMESPACE, type Namespace } from '../../internal-kv-state.ts';
import { packState, unpackState } from '../../type-serializer.ts';
import { parseKey, primitiveFromCanonical, statePrefix, type LmdbKeyCodec } from './lmdb-key-codec.ts';
import { encodeLmdbKeyGroup } from './lmdb-snapshot-encoder.ts';

/** What an lmdb table needs from its backend (`LmdbKeyedStateBackend` implements it). */
export interface LmdbTableHost {
  readonly db: Database<Uint8Array, Buffer>;
  readonly keyGroupRange: KeyGroupRange;
  /** Key buffer holding the current key (encoded on first use after a key change). */
  readonly codec: LmdbKeyCodec;
  /** Key buffer for restore and cache write-back. */
  readonly scratch: LmdbKeyCodec;
  readonly currentKey: unknown;
  readonly currentKeyGroup: number;
  /** The current key's identity in maps (the string/number itself, else its canonical string). */
  readonly currentMapKey: string | number;
  /** The current key is a string or a number (read back from the lmdb key, not stored with the value). */
  readonly currentKeyIsPrimitive: boolean;
  /** True while a write transaction (a batch) is open: value writes are cached, and written back later. */
  readonly inBatch: boolean;
  /** Most entries a table's cache holds (see {@link LmdbStateTable}). */
  readonly cacheEntries: number;
  /** Next list-element sequence number. */
  seq: number;
  batch<T>(fn: () => T): T;
  /** Writes an entry (every table write goes through here, so incremental checkpoints see it). */
  put(key: Buffer, value: Uint8Array): void;
  /** Deletes an entry (likewise). */
  del(key: Buffer): void;
}

/** Whether lmdb holds an entry for a cached (key, namespace). */
const ABSENT = 0;
const STORED = 1;
/** Not known: the entry was written without being read (resolved when the live size is asked for). */
const UNKNOWN = 2;

/** A cached (key, namespace) of a value-like state. */
interface CacheEntry {
  kg: number;
  key: unknown;
  /** The key in its cache map. */
  mk: string | number;
  ns: Namespace;
  primitive: boolean;
  /** The stored value; undefined = none. */
  value: unknown;
  /** `value` is newer than lmdb's. */
  dirty: boolean;
  /** Whether lmdb holds an entry for it, as read or last written (ABSENT: a removal needs no delete). */
  onDisk: number;
  /** Read or written since the last eviction (kept by the next one). */
  used: boolean;
}

type KeyMap = Map<string | number, CacheEntry>;

/** lmdb storage of one state. */
export class LmdbStateTable implements StateTable {
  private cleanupKg = -1;
  private cleanupAfter: Buffer | undefined;
  /**
   * Write-back cache of value-like states (value, reducing, aggregating), bounded to
   * `host.cacheEntries` entries: for string and number keys, key → entry in the VOID namespace and
   * namespace → key → entry in the others; for other keys (by canonical form, kept apart so that `true`
   * and a string equal to its canonical form stay distinct) namespace → key → entry. Reads of a cached
   * key touch neither lmdb nor msgpack; writes inside a batch only update the entry and mark it dirty.
   * Dirty entries are written back (inside a write transaction) when evicted (see {@link evict}), before
   * a snapshot, and before anything reads lmdb across keys (scans); so lmdb holds the state except for at
   * most `cacheEntries` recent changes per state, and state still grows past the heap.
   */
  private readonly voidCache: KeyMap = new Map();
  private readonly nsCache = new Map<Namespace, KeyMap>();
  private readonly objectKeyCache = new Map<Namespace, KeyMap>();
  private cacheSize = 0;
  private readonly dirty: CacheEntry[] = [];
  private readonly cacheable: boolean;

  constructor(
    private readonly b: LmdbTableHost,
    readonly name: string,
    readonly kind: StateKind,
    readonly stateId: number,
  ) {
    this.cacheable = kind !== 'list' && kind !== 'map';
  }

  private cached(ns: Namespace): CacheEntry | undefined {
    const b = this.b;
    const m = this.cacheMap(b.currentKeyIsPrimitive, ns);
    return m === undefined ? undefined : m.get(b.currentMapKey);
  }

  /** The cache map of keys of this kind (string/number or other) in `ns`, if any. */
  private cacheMap(primitive: boolean, ns: Namespace): KeyMap | undefined {
    return !primitive ? this.objectKeyCache.get(ns) : ns === VOID_NAMESPACE ? this.voidCache : this.nsCache.get(ns);
  }

  /** Caches the current key's entry in `ns` (not cached yet), evicting first when the cache is full. */
  private insert(ns: Namespace, value: unknown, onDisk: number): CacheEntry {
    if (this.cacheSize >= this.b.cacheEntries) this.evict();
    const b = this.b;
    const e: CacheEntry = { kg: b.currentKeyGroup, key: b.currentKey, mk: b.currentMapKey, ns, primitive: b.currentKeyIsPrimitive, value, dirty: false, onDisk, used: true };
    this.place(e);
    return e;
  }

  /** The current key's entry in `ns`, read from lmdb into the cache when missing. */
  private load(ns: Namespace): CacheEntry {
    const e = this.cached(ns);
    if (e !== undefined) {
      e.used = true;
      return e;
    }
    const c = this.b.codec;
    const buf = this.b.db.getBinaryFast(c.view(c.forState(this.stateId, ns)));
    if (buf === undefined) return this.insert(ns, undefined, ABSENT);
    const v = unpackState(buf);
    return this.insert(ns, this.b.currentKeyIsPrimitive ? v : (v as [unknown, unknown])[0], STORED);
  }

  private markDirty(e: CacheEntry): void {
    e.used = true;
    if (e.dirty) return;
    e.dirty = true;
    this.dirty.push(e);
  }

  /** True when cached changes wait to be written back. */
  get hasDirty(): boolean {
    return this.dirty.length > 0;
  }

  /** How many lmdb records writing back the cached changes would add (negative: remove). */
  pendingRecords(): number {
    let n = 0;
    for (const e of this.dirty) {
      if (!e.dirty) continue;
      if (e.onDisk === UNKNOWN) e.onDisk = this.isStored(e);
      if (e.value === undefined) {
        if (e.onDisk === STORED) n--;
      } else if (e.onDisk === ABSENT) n++;
    }
    return n;
  }

  /** Whether lmdb holds the entry's (key, namespace). */
  private isStored(e: CacheEntry): number {
    const s = this.b.scratch;
    s.setKey(e.kg, e.key);
    return this.b.db.getBinaryFast(s.view(s.forState(this.stateId, e.ns))) === undefined ? ABSENT : STORED;
  }

  /** Writes one cached change to lmdb; must run inside a write transaction. */
  private writeEntry(e: CacheEntry): void {
    e.dirty = false;
    const s = this.b.scratch;
    if (e.value === undefined) {
      if (e.onDisk === ABSENT) return; // never written: nothing to delete
      s.setKey(e.kg, e.key);
      this.b.del(s.view(s.forState(this.stateId, e.ns)));
      e.onDisk = ABSENT;
    } else {
      s.setKey(e.kg, e.key);
      this.b.put(s.view(s.forState(this.stateId, e.ns)), packState(e.primitive ? e.value : [e.value, e.key]));
      e.onDisk = STORED;
    }
  }

  /** Writes all cached changes back; must run inside a write transaction. Entries stay cached, clean. */
  flushCache(): void {
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) if (dirty[i]!.dirty) this.writeEntry(dirty[i]!);
    dirty.length = 0;
  }

  /** Writes back changes if any (inside a transaction of its own unless a batch is open). */
  private writeBack(): void {
    if (this.dirty.length > 0) this.b.batch(() => this.flushCache());
  }

  /**
   * The cache is full: drops the entries not used since the last eviction and those of absent keys
   * (rarely read again), and clears the used marks of the others; then, if still more than half full,
   * drops the oldest down to half. Only dropped entries are written back: a hot key's changes stay in the
   * cache, and a key created and cleared between two evictions never reaches lmdb.
   */
  private evict(): void {
    this.b.batch(() => {
      this.evictPass(false);
      if (this.cacheSize > this.b.cacheEntries >>> 1) this.evictPass(true);
    });
    const dirty = this.dirty;
    let n = 0;
    for (let i = 0; i < dirty.length; i++) if (dirty[i]!.dirty) dirty[n++] = dirty[i]!;
    dirty.length = n;
  }
  private evictPass(oldest: boolean): void {
    this.evictFrom(this.voidCache, oldest);
    for (const maps of [this.nsCache, this.objectKeyCache]) {
      for (const [ns, m] of maps) {
        this.evictFrom(m, oldest);
        if (m.size === 0) maps.delete(ns);
      }
    }
  }
  /** See {@link evict}: one map, first pass (`oldest` false) or second. */
  private evictFrom(m: KeyMap, oldest: boolean): void {
    const keep = this.b.cacheEntries >>> 1;
    for (const e of m.values()) {
      if (oldest ? this.cacheSize <= keep : e.used && e.value !== undefined) {
        if (oldest) return;
        e.used = false;
        continue;
      }
      if (e.dirty) this.writeEntry(e);
      m.delete(e.mk);
      this.cacheSize--;
    }
  }

  /** Puts an entry into its map. */
  private place(e: CacheEntry): void {
    let m = this.cacheMap(e.primitive, e.ns);
    if (m === undefined) (e.primitive ? this.nsCache : this.objectKeyCache).set(e.ns, (m = new Map()));
    m.set(e.mk, e);
    this.cacheSize++;
  }

  /** Drops the cache without writing back (a restore replaced the data). */
  discardCache(): void {
    this.dirty.length = 0;
    this.voidCache.clear();
    this.nsCache.clear();
    this.objectKeyCache.clear();
    this.cacheSize = 0;
  }

  /** Forgets the cached entry of a stored key that was deleted behind the cache (TTL cleanup). */
  private forget(k: Buffer): void {
    const p = parseKey(k);
    const prim = primitiveFromCanonical(p.canonical);
    const m = this.cacheMap(prim !== undefined, p.ns);
    if (m !== undefined && m.delete(prim ?? p.canonical)) this.cacheSize--;
  }

  /** Wraps a stored unit with the original key when the current key is not a string or number. */
  private enc(stored: unknown): Uint8Array {
    return packState(this.b.currentKeyIsPrimitive ? stored : [stored, this.b.currentKey]);
  }

  get(ns: Namespace): unknown {
    return this.load(ns).value;
  }
  put(ns: Namespace, stored: unknown): void {
    this.write(ns, stored, false);
  }
  /**
   * Stores `stored` under (current key, `ns`), or deletes the entry: within a batch in the cache only (a
   * blind write reads nothing), outside one written through (one transaction), the cached entry kept current.
   */
  private write(ns: Namespace, stored: unknown, del: boolean): void {
    if (this.b.inBatch) {
      const e = this.cached(ns) ?? this.insert(ns, undefined, UNKNOWN);
      e.value = del ? undefined : stored;
      this.markDirty(e);
      return;
    }
    const e = this.cached(ns);
    if (e !== undefined) {
      e.value = del ? undefined : stored;
      e.onDisk = del ? ABSENT : STORED;
    }
    const c = this.b.codec;
    const key = c.view(c.forState(this.stateId, ns));
    if (del) this.b.del(key);
    else this.b.put(key, this.enc(stored));
  }
  readModifyWrite(fn: (current: unknown, arg: unknown) => unknown, arg: unknown): unknown {
    const e = this.load(VOID_NAMESPACE);
    const next = fn(e.value, arg);
    if (!this.b.inBatch) {
      if (next === undefined || next === null) this.remove(VOID_NAMESPACE);
      else this.put(VOID_NAMESPACE, next);
      return next;
    }
    e.value = next === null ? undefined : next;
    this.markDirty(e);
    return next;
  }
  remove(ns: Namespace): void {
    if (this.cacheable) {
      this.write(ns, undefined, true);
      return;
    }
    const c = this.b.codec;
    const end = c.forState(this.stateId, ns);
    const start = c.copy(end);
    const upper = c.copy(c.writeUpper(end));
    this.b.batch(() => {
      for (const k of [...this.b.db.getKeys({ start, end: upper })]) this.b.del(k as Buffer);
    });
  }

  /** Decoded values of all entries under the current (key, ns). */
  private scan(ns: Namespace): unknown[] {
    const c = this.b.codec;
    const end = c.forState(this.stateId, ns);
    const start = c.copy(end);
    const upper = c.copy(c.writeUpper(end));
    const out: unknown[] = [];
    for (const { value } of this.b.db.getRange({ start, end: upper })) out.push(unpackState(value));
    return out;
  }

  listGet(ns: Namespace): unknown[] | undefined {
    const vs = this.scan(ns);
    if (vs.length === 0) return undefined;
    return this.b.currentKeyIsPrimitive ? vs : vs.map((v) => (v as [unknown, unknown])[0]);
  }
  listAdd(ns: Namespace, stored: unknown[]): void {
    const write = () => {
      const c = this.b.codec;
      const end = c.forState(this.stateId, ns);
      for (const s of stored) this.b.put(c.view(c.writeSeq(end, this.b.seq++)), this.enc(s));
    };
    if (stored.length === 1) write();
    else this.b.batch(write);
  }
  listSet(ns: Namespace, stored: unknown[]): void {
    this.b.batch(() => {
      this.remove(ns);
      if (stored.length > 0) this.listAdd(ns, stored);
    });
  }

  mapGet(ns: Namespace, mapKey: unknown): unknown {
    const c = this.b.codec;
    const buf = this.b.db.getBinaryFast(c.view(c.writeMapKey(c.forState(this.stateId, ns), mapKey)));
    return buf === undefined ? undefined : (unpackState(buf) as [unknown, unknown])[1];
  }
  mapPut(ns: Namespace, mapKey: unknown, stored: unknown): void {
    const c = this.b.codec;
    const k = c.view(c.writeMapKey(c.forState(this.stateId, ns), mapKey));
    this.b.put(k, packState(c.primitive ? [mapKey, stored] : [mapKey, stored, this.b.currentKey]));
  }
  mapRemove(ns: Namespace, mapKey: unknown): void {
    const c = this.b.codec;
    this.b.del(c.view(c.writeMapKey(c.forState(this.stateId, ns), mapKey)));
  }
  mapEntries(ns: Namespace): Array<[unknown, unknown]> {
    return this.scan(ns).map((v) => [(v as unknown[])[0], (v as unknown[])[1]]);
  }
  mapIsEmpty(ns: Namespace): boolean {
    const c = this.b.codec;
    const end = c.forState(this.stateId, ns);
    const start = c.copy(end);
    const upper = c.copy(c.writeUpper(end));
    for (const _ of this.b.db.getKeys({ start, end: upper, limit: 1 })) return false;
    return true;
  }

  /** The original key of an entry: read back from its canonical form, or from the stored envelope. */
  private originalKey(canonical: string, value: Uint8Array | (() => Uint8Array | undefined)): unknown {
    const p = primitiveFromCanonical(canonical);
    if (p !== undefined) return p;
    const buf = typeof value === 'function' ? value() : value;
    const v = unpackState(buf!) as unknown[];
    return this.kind === 'map' ? v[2] : v[1];
  }

  namespaces(): Namespace[] {
    this.writeBack();
    const c = this.b.codec;
    c.forState(this.stateId, VOID_NAMESPACE); // writes the state id into [kg][sid][klen][key]
    const start = c.copy(c.keyEnd);
    const upper = c.copy(c.writeUpper(c.keyEnd));
    const out: Namespace[] = [];
    for (const k of this.b.db.getKeys({ start, end: upper })) {
      const ns = parseKey(k as Buffer).ns;
      if (out.length === 0 || out[out.length - 1] !== ns) out.push(ns);
    }
    return out;
  }

  *keys(ns: Namespace): Iterable<unknown> {
    this.writeBack();
    const { start: first, end: last } = this.b.keyGroupRange;
    for (let kg = first; kg <= last; kg++) {
      // Collected per key group before yielding: the caller may write state while iterating.
      let prev: string | undefined;
      const found: unknown[] = [];
      for (const k of this.b.db.getKeys({ start: statePrefix(kg, this.stateId), end: statePrefix(kg, this.stateId, true) })) {
        const p = parseKey(k);
        if (p.canonical === prev || p.ns !== ns) continue;
        prev = p.canonical;
        found.push(this.originalKey(p.canonical, () => this.b.db.getBinary(k)));
      }
      yield* found;
    }
  }

  cleanupStep(n: number, purge: Purge): void {
    this.writeBack();
    const { start: first, end: last } = this.b.keyGroupRange;
    if (this.cleanupKg < first || this.cleanupKg > last) this.cleanupKg = first;
    const doomed: Buffer[] = [];
    let examined = 0;
    let wrapped = false;
    while (examined < n) {
      const kg = this.cleanupKg;
      const opts = this.cleanupAfter
        ? { start: this.cleanupAfter, exclusiveStart: true, end: statePrefix(kg, this.stateId, true), limit: n - examined }
        : { start: statePrefix(kg, this.stateId), end: statePrefix(kg, this.stateId, true), limit: n - examined };
      let got = 0;
      for (const { key, value } of this.b.db.getRange(opts)) {
        got++;
        this.cleanupAfter = key;
        const p = parseKey(key);
        const v = unpackState(value);
        const prim = primitiveFromCanonical(p.canonical) !== undefined;
        const unit = this.kind === 'map' ? (v as unknown[])[1] : prim ? v : (v as unknown[])[0];
        if ((this.kind === 'list' ? purge([unit]) : purge(unit)) === undefined) doomed.push(key);
      }
      examined += got;
      if (got < opts.limit) {
        this.cleanupAfter = undefined;
        this.cleanupKg = kg >= last ? first : kg + 1;
        if (kg >= last) {
          if (wrapped) break;
          wrapped = true;
        }
      }
    }
    if (doomed.length === 0) return;
    this.b.batch(() => doomed.forEach((k) => this.b.del(k)));
    if (this.cacheable) for (const k of doomed) this.forget(k);
  }

  /** A view through the backend's capture read transaction (`txn`): isolated from later writes. */
  capture(txn: unknown): TableCapture {
    this.writeBack();
    const t = txn as Transaction | undefined;
    return {
      forEachInKeyGroup: (kg, fn) => this.scanKeyGroup(kg, fn, t),
      encodeKeyGroup: (kg) => encodeLmdbKeyGroup(this.b.db, t, kg, this.stateId, this.kind, this.name),
    };
  }

  private scanKeyGroup(kg: number, fn: (key: unknown, ns: Namespace, value: unknown) => void, transaction: Transaction | undefined): void {
    let prefix: Buffer | undefined;
    let key: unknown;
    let ns: Namespace = '';
    let acc: unknown[] = [];
    const flush = () => {
      if (prefix !== undefined && acc.length > 0) fn(key, ns, acc);
      acc = [];
    };
    for (const { key: k, value } of this.b.db.getRange({ start: statePrefix(kg, this.stateId), end: statePrefix(kg, this.stateId, true), transaction })) {
      const p = parseKey(k);
      const v = unpackState(value) as unknown;
      const prim = primitiveFromCanonical(p.canonical) !== undefined;
      if (this.kind !== 'list' && this.kind !== 'map') {
        fn(this.originalKey(p.canonical, value), p.ns, prim ? v : (v as unknown[])[0]);
        continue;
      }
      const kp = k.subarray(0, p.suffixAt);
      if (prefix === undefined || !kp.equals(prefix)) {
        flush();
        prefix = Buffer.from(kp);
        key = this.originalKey(p.canonical, value);
        ns = p.ns;
      }
      if (this.kind === 'map') acc.push([(v as unknown[])[0], (v as unknown[])[1]]);
      else acc.push(prim ? v : (v as unknown[])[0]);
    }
    flush();
  }

  restoreEntry(kg: number, key: unknown, ns: Namespace, value: unknown): void {
    const s = this.b.scratch;
    s.setKey(kg, key);
    const end = s.forState(this.stateId, ns);
    const b = this.b;
    const wrap = (stored: unknown) => packState(s.primitive ? stored : [stored, key]);
    if (this.kind === 'list') for (const e of value as unknown[]) b.put(s.view(s.writeSeq(end, b.seq++)), wrap(e));
    else if (this.kind === 'map') {
      for (const [mk, st] of value as Array<[unknown, unknown]>) b.put(s.view(s.writeMapKey(end, mk)), packState(s.primitive ? [mk, st] : [mk, st, key]));
    } else b.put(s.view(end), wrap(value));
  }
  dropAll(): void {}
}
