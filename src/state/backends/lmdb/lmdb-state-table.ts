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
  /** Key buffer holding the current key. */
  readonly codec: LmdbKeyCodec;
  /** Key buffer for restore. */
  readonly scratch: LmdbKeyCodec;
  readonly currentKey: unknown;
  readonly currentKeyGroup: number;
  /** The current key's identity in maps (the string/number itself, else its canonical string). */
  readonly currentMapKey: string | number;
  /** True while a write transaction (a batch) is open: value writes are cached until it ends. */
  readonly inBatch: boolean;
  /** Registers a table with cached writes to flush when the batch ends. */
  markDirty(t: LmdbStateTable): void;
  /** Next list-element sequence number. */
  seq: number;
  batch<T>(fn: () => T): T;
  /** Writes an entry (every table write goes through here, so incremental checkpoints see it). */
  put(key: Buffer, value: Uint8Array): void;
  /** Deletes an entry (likewise). */
  del(key: Buffer): void;
}

interface CacheEntry {
  kg: number;
  key: unknown;
  primitive: boolean;
  /** The stored value; undefined = removed. */
  value: unknown;
  dirty: boolean;
}

/** lmdb storage of one state. */
export class LmdbStateTable implements StateTable {
  private cleanupKg = -1;
  private cleanupAfter: Buffer | undefined;
  /**
   * Write-back cache of value-like states (value, reducing, aggregating) for the current batch:
   * namespace → key → entry. Repeated reads and writes of a key within one batch (hot keys, windows
   * keyed by few keys) touch lmdb once; dirty entries are written when the batch's transaction ends,
   * and the cache is dropped then, so it never holds more than one batch's keys.
   */
  private readonly cache = new Map<Namespace, Map<string | number, CacheEntry>>();
  private readonly dirty: CacheEntry[] = [];
  private readonly dirtyNs: Namespace[] = [];
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
    return this.cache.get(ns)?.get(this.b.currentMapKey);
  }
  private remember(ns: Namespace, value: unknown, dirty: boolean): void {
    let m = this.cache.get(ns);
    if (m === undefined) this.cache.set(ns, (m = new Map()));
    const b = this.b;
    const e = m.get(b.currentMapKey);
    if (e !== undefined) {
      e.value = value;
      if (dirty && !e.dirty) {
        e.dirty = true;
        if (this.dirty.length === 0) b.markDirty(this);
        this.dirty.push(e);
        this.dirtyNs.push(ns);
      }
      return;
    }
    const n: CacheEntry = { kg: b.currentKeyGroup, key: b.currentKey, primitive: b.codec.primitive, value, dirty };
    m.set(b.currentMapKey, n);
    if (dirty) {
      if (this.dirty.length === 0) b.markDirty(this);
      this.dirty.push(n);
      this.dirtyNs.push(ns);
    }
  }

  /** Writes cached changes (inside the batch's transaction) and drops the cache. */
  flushCache(): void {
    const s = this.b.scratch;
    const b = this.b;
    for (let i = 0; i < this.dirty.length; i++) {
      const e = this.dirty[i]!;
      s.setKey(e.kg, e.key);
      const k = s.view(s.forState(this.stateId, this.dirtyNs[i]!));
      if (e.value === undefined) b.del(k);
      else b.put(k, packState(e.primitive ? e.value : [e.value, e.key]));
    }
    this.dirty.length = 0;
    this.dirtyNs.length = 0;
    this.cache.clear();
  }

  /** Writes cached changes now, if any (a capture inside a batch). */
  flushIfDirty(): void {
    if (this.dirty.length > 0) this.flushCache();
  }

  /** Drops the cache without writing (the transaction was aborted). */
  discardCache(): void {
    this.dirty.length = 0;
    this.dirtyNs.length = 0;
    this.cache.clear();
  }

  /** Wraps a stored unit with the original key when the current key is not a string or number. */
  private enc(stored: unknown): Uint8Array {
    return packState(this.b.codec.primitive ? stored : [stored, this.b.currentKey]);
  }

  get(ns: Namespace): unknown {
    const inBatch = this.cacheable && this.b.inBatch;
    if (inBatch) {
      const e = this.cached(ns);
      if (e !== undefined) return e.value;
    }
    const c = this.b.codec;
    const buf = this.b.db.getBinaryFast(c.view(c.forState(this.stateId, ns)));
    const v = buf === undefined ? undefined : c.primitive ? unpackState(buf) : (unpackState(buf) as [unknown, unknown])[0];
    // Values are immutable to callers (handles copy or replace them), so caching the decoded value is safe.
    if (inBatch) this.remember(ns, v, false);
    return v;
  }
  put(ns: Namespace, stored: unknown): void {
    if (this.cacheable && this.b.inBatch) {
      this.remember(ns, stored, true);
      return;
    }
    const c = this.b.codec;
    this.b.put(c.view(c.forState(this.stateId, ns)), this.enc(stored));
  }
  remove(ns: Namespace): void {
    if (this.cacheable && this.b.inBatch) {
      this.remember(ns, undefined, true);
      return;
    }
    const c = this.b.codec;
    const end = c.forState(this.stateId, ns);
    if (this.kind !== 'list' && this.kind !== 'map') {
      this.b.del(c.view(end));
      return;
    }
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
    return this.b.codec.primitive ? vs : vs.map((v) => (v as [unknown, unknown])[0]);
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
    if (this.dirty.length > 0) this.flushCache();
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
    if (this.dirty.length > 0) this.flushCache();
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
    if (this.dirty.length > 0) this.flushCache();
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
    if (doomed.length > 0) this.b.batch(() => doomed.forEach((k) => this.b.del(k)));
  }

  /** A view through the backend's capture read transaction (`txn`): isolated from later writes. */
  capture(txn: unknown): TableCapture {
    if (this.dirty.length > 0) this.flushCache();
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
