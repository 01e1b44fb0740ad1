/**
 * {@link HeapStateTable}: one state's data on the heap. Per slot (key group × key type, see
 * `HeapKeyedStateBackend`) a Map from key to stored value for the VOID namespace, and — only once another
 * namespace is used — a Map from namespace to such a Map. Lists are arrays appended in place; maps are
 * {@link UserKeyMap}s. Empty namespace maps are dropped so that windows do not leak.
 *
 * Copy-on-write snapshots, per slot: a capture only takes references to the slot maps (O(slots)) and marks
 * the slots shared. The first access to a shared slot afterwards (read or write: user code may mutate
 * what it reads) replaces the slot's maps with deep copies, so the capture keeps the old ones untouched.
 * A slot stops being shared when every capture has encoded its key group or was released, so only slots
 * touched while their key group waits to be encoded are ever copied.
 */
import type { StateKind } from '../../state-descriptor.ts';
import type { StateTable, Purge, TableCapture } from '../../state-table.ts';
import { VOID_NAMESPACE, type Namespace } from '../../internal-kv-state.ts';
import type { KeyGroupRange } from '../../../core/index.ts';
import { UserKeyMap } from './user-key-map.ts';
import { deepCopy } from './deep-copy.ts';

type KeyMap = Map<string | number, unknown>;

/** What a heap table needs from its backend (`HeapKeyedStateBackend` implements it). */
export interface HeapTableHost {
  readonly keyGroupRange: KeyGroupRange;
  /** Key groups in the range; object-key slots start at this index. */
  readonly groups: number;
  /** Slot of the current key. */
  readonly currentSlot: number;
  /** The current key as a Map key (string/number itself, else its canonical string). */
  readonly currentMapKey: string | number;
  originalKey(keyGroupIndex: number, canonical: string): unknown;
  locate(kg: number, key: unknown): { slot: number; mapKey: string | number };
}

/** Heap storage of one state. */
export class HeapStateTable implements StateTable {
  /** VOID-namespace maps per slot. */
  private readonly v: Array<KeyMap | undefined>;
  /** Other namespaces per slot, created on first use. */
  private readonly n: Array<Map<Namespace, KeyMap> | undefined>;
  private cleanupCursor: Iterator<[KeyMap, string | number]> | undefined;
  /** Per slot: open captures that still reference the slot's live maps. */
  private readonly shared: Uint16Array;
  private openCaptures = 0;

  constructor(
    private readonly b: HeapTableHost,
    readonly name: string,
    readonly kind: StateKind,
  ) {
    this.v = new Array(b.groups * 2);
    this.n = new Array(b.groups * 2);
    this.shared = new Uint16Array(b.groups * 2);
  }

  /** Makes the current slot private before any access while a capture shares it. */
  private touch(): void {
    const slot = this.b.currentSlot;
    if (this.shared[slot] !== 0) this.own(slot);
  }
  /** Replaces a shared slot's maps (and values) with deep copies; the captures keep the originals. */
  private own(slot: number): void {
    this.shared[slot] = 0;
    const copy = (m: KeyMap): KeyMap => new Map(Array.from(m, ([k, s]) => [k, deepCopy(s)]));
    const vm = this.v[slot];
    if (vm !== undefined) this.v[slot] = copy(vm);
    const byNs = this.n[slot];
    if (byNs !== undefined) this.n[slot] = new Map(Array.from(byNs, ([ns, m]) => [ns, copy(m)]));
  }

  private map(ns: Namespace): KeyMap | undefined {
    if (ns === VOID_NAMESPACE) return this.v[this.b.currentSlot];
    return this.n[this.b.currentSlot]?.get(ns);
  }
  private mapForWrite(ns: Namespace, slot = this.b.currentSlot): KeyMap {
    if (ns === VOID_NAMESPACE) return (this.v[slot] ??= new Map());
    const byNs = (this.n[slot] ??= new Map());
    let m = byNs.get(ns);
    if (m === undefined) byNs.set(ns, (m = new Map()));
    return m;
  }

  get(ns: Namespace): unknown {
    if (this.shared[this.b.currentSlot] !== 0) this.own(this.b.currentSlot);
    const m = ns === VOID_NAMESPACE ? this.v[this.b.currentSlot] : this.map(ns);
    return m === undefined ? undefined : m.get(this.b.currentMapKey);
  }
  put(ns: Namespace, stored: unknown): void {
    const slot = this.b.currentSlot;
    if (this.shared[slot] !== 0) this.own(slot);
    if (ns === VOID_NAMESPACE) {
      const m = this.v[slot];
      if (m !== undefined) {
        m.set(this.b.currentMapKey, stored);
        return;
      }
    }
    this.mapForWrite(ns, slot).set(this.b.currentMapKey, stored);
  }
  remove(ns: Namespace): void {
    this.touch();
    const m = this.map(ns);
    if (m === undefined) return;
    m.delete(this.b.currentMapKey);
    if (m.size === 0 && ns !== VOID_NAMESPACE) this.n[this.b.currentSlot]!.delete(ns);
  }

  listGet(ns: Namespace): unknown[] | undefined {
    const l = this.get(ns) as unknown[] | undefined;
    return l === undefined ? undefined : l.slice();
  }
  listAdd(ns: Namespace, stored: unknown[]): void {
    const l = this.get(ns) as unknown[] | undefined;
    if (l === undefined) this.put(ns, stored.slice());
    else for (const e of stored) l.push(e);
  }
  listSet(ns: Namespace, stored: unknown[]): void {
    if (stored.length === 0) this.remove(ns);
    else this.put(ns, stored.slice());
  }

  mapGet(ns: Namespace, mapKey: unknown): unknown {
    return (this.get(ns) as UserKeyMap | undefined)?.get(mapKey);
  }
  mapPut(ns: Namespace, mapKey: unknown, stored: unknown): void {
    let um = this.get(ns) as UserKeyMap | undefined;
    if (um === undefined) this.put(ns, (um = new UserKeyMap()));
    um.set(mapKey, stored);
  }
  mapRemove(ns: Namespace, mapKey: unknown): void {
    const um = this.get(ns) as UserKeyMap | undefined;
    if (um === undefined) return;
    um.delete(mapKey);
    if (um.size === 0) this.remove(ns);
  }
  mapEntries(ns: Namespace): Array<[unknown, unknown]> {
    return (this.get(ns) as UserKeyMap | undefined)?.entries() ?? [];
  }
  mapIsEmpty(ns: Namespace): boolean {
    const um = this.get(ns) as UserKeyMap | undefined;
    return um === undefined || um.size === 0;
  }

  *keys(ns: Namespace): Iterable<unknown> {
    const g = this.b.groups;
    for (let slot = 0; slot < 2 * g; slot++) {
      const m = ns === VOID_NAMESPACE ? this.v[slot] : this.n[slot]?.get(ns);
      if (m === undefined) continue;
      if (slot < g) yield* m.keys();
      else for (const c of m.keys()) yield this.b.originalKey(slot - g, c as string);
    }
  }

  /** True if `slot` holds `mapKey` in any namespace. */
  hasSlotKey(slot: number, mapKey: string | number): boolean {
    if (this.v[slot]?.has(mapKey)) return true;
    const byNs = this.n[slot];
    if (byNs) for (const m of byNs.values()) if (m.has(mapKey)) return true;
    return false;
  }

  cleanupStep(n: number, purge: Purge): void {
    if (this.openCaptures > 0) return; // resumes once the snapshot is encoded
    this.cleanupCursor ??= this.walk();
    for (let i = 0; i < n; ) {
      const r = this.cleanupCursor.next();
      if (r.done) {
        this.cleanupCursor = undefined;
        return;
      }
      const [m, k] = r.value;
      const s = m.get(k);
      if (s === undefined) continue;
      if (this.kind === 'map') {
        i += (s as UserKeyMap).size;
        (s as UserKeyMap).purge(purge);
        if ((s as UserKeyMap).size === 0) m.delete(k);
        continue;
      }
      i += this.kind === 'list' ? (s as unknown[]).length : 1;
      const kept = purge(s);
      if (kept === undefined) m.delete(k);
      else if (kept !== s) m.set(k, kept);
    }
  }
  private *walk(): Generator<[KeyMap, string | number]> {
    for (let slot = 0; slot < this.v.length; slot++) {
      const vm = this.v[slot];
      if (vm) for (const k of vm.keys()) yield [vm, k];
      const byNs = this.n[slot];
      if (byNs) for (const m of byNs.values()) for (const k of m.keys()) yield [m, k];
    }
  }

  /** References the slot maps and marks them shared (copy-on-write); O(slots). */
  capture(): TableCapture {
    const v = this.v.slice();
    const n = this.n.slice();
    for (let slot = 0; slot < v.length; slot++) if (v[slot] !== undefined || n[slot] !== undefined) this.shared[slot]++;
    this.openCaptures++;
    this.cleanupCursor = undefined;
    const b = this.b;
    const canonical = this.kind === 'map' ? (s: unknown) => (s as UserKeyMap).entries() : (s: unknown) => s;
    let released = false;
    /** The capture no longer needs `slot`: unshare it if the live table still uses the captured maps. */
    const drop = (slot: number) => {
      if (this.shared[slot] !== 0 && this.v[slot] === v[slot] && this.n[slot] === n[slot]) this.shared[slot]--;
      v[slot] = undefined;
      n[slot] = undefined;
    };
    return {
      forEachInKeyGroup(kg, fn) {
        const idx = kg - b.keyGroupRange.start;
        for (const slot of [idx, idx + b.groups]) {
          const orig = slot === idx ? (k: string | number) => k : (k: string | number) => b.originalKey(idx, k as string);
          const vm = v[slot];
          if (vm) for (const [k, s] of vm) fn(orig(k), VOID_NAMESPACE, canonical(s));
          const byNs = n[slot];
          if (byNs) for (const [ns, m] of byNs) for (const [k, s] of m) fn(orig(k), ns, canonical(s));
        }
      },
      doneWith(kg) {
        const idx = kg - b.keyGroupRange.start;
        drop(idx);
        drop(idx + b.groups);
      },
      release: () => {
        if (released) return;
        released = true;
        for (let slot = 0; slot < v.length; slot++) drop(slot);
        this.openCaptures--;
      },
    };
  }
  restoreEntry(kg: number, key: unknown, ns: Namespace, value: unknown): void {
    const { slot, mapKey } = this.b.locate(kg, key);
    if (this.shared[slot] !== 0) this.own(slot);
    const stored = this.kind === 'map' ? UserKeyMap.from(value as Array<[unknown, unknown]>) : this.kind === 'list' ? (value as unknown[]).slice() : value;
    this.mapForWrite(ns, slot).set(mapKey, stored);
  }
  dropAll(): void {
    this.v.fill(undefined);
    this.n.fill(undefined);
  }
}
