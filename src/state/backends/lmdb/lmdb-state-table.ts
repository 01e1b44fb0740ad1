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
import type { Namespace } from '../../internal-kv-state.ts';
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
  /** Next list-element sequence number. */
  seq: number;
  batch<T>(fn: () => T): T;
}

/** lmdb storage of one state. */
export class LmdbStateTable implements StateTable {
  private cleanupKg = -1;
  private cleanupAfter: Buffer | undefined;

  constructor(
    private readonly b: LmdbTableHost,
    readonly name: string,
    readonly kind: StateKind,
    readonly stateId: number,
  ) {}

  /** Wraps a stored unit with the original key when the current key is not a string or number. */
  private enc(stored: unknown): Uint8Array {
    return packState(this.b.codec.primitive ? stored : [stored, this.b.currentKey]);
  }

  get(ns: Namespace): unknown {
    const c = this.b.codec;
    const buf = this.b.db.getBinaryFast(c.view(c.forState(this.stateId, ns)));
    if (buf === undefined) return undefined;
    const v = unpackState(buf);
    return c.primitive ? v : (v as [unknown, unknown])[0];
  }
  put(ns: Namespace, stored: unknown): void {
    const c = this.b.codec;
    this.b.db.putSync(c.view(c.forState(this.stateId, ns)), this.enc(stored));
  }
  remove(ns: Namespace): void {
    const c = this.b.codec;
    const end = c.forState(this.stateId, ns);
    if (this.kind !== 'list' && this.kind !== 'map') {
      this.b.db.removeSync(c.view(end));
      return;
    }
    const start = c.copy(end);
    const upper = c.copy(c.writeUpper(end));
    this.b.batch(() => {
      for (const k of [...this.b.db.getKeys({ start, end: upper })]) this.b.db.removeSync(k);
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
      for (const s of stored) this.b.db.putSync(c.view(c.writeSeq(end, this.b.seq++)), this.enc(s));
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
    this.b.db.putSync(k, packState(c.primitive ? [mapKey, stored] : [mapKey, stored, this.b.currentKey]));
  }
  mapRemove(ns: Namespace, mapKey: unknown): void {
    const c = this.b.codec;
    this.b.db.removeSync(c.view(c.writeMapKey(c.forState(this.stateId, ns), mapKey)));
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

  *keys(ns: Namespace): Iterable<unknown> {
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
    if (doomed.length > 0) this.b.batch(() => doomed.forEach((k) => this.b.db.removeSync(k)));
  }

  /** A view through the backend's capture read transaction (`txn`): isolated from later writes. */
  capture(txn: unknown): TableCapture {
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
    const db = this.b.db;
    const wrap = (stored: unknown) => packState(s.primitive ? stored : [stored, key]);
    if (this.kind === 'list') for (const e of value as unknown[]) db.putSync(s.view(s.writeSeq(end, this.b.seq++)), wrap(e));
    else if (this.kind === 'map') {
      for (const [mk, st] of value as Array<[unknown, unknown]>) db.putSync(s.view(s.writeMapKey(end, mk)), packState(s.primitive ? [mk, st] : [mk, st, key]));
    } else db.putSync(s.view(end), wrap(value));
  }
  dropAll(): void {}
}
