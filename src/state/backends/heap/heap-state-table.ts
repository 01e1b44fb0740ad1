/**
 * {@link HeapStateTable}: one state's data on the heap. Per slot (key group × key type, see
 * `HeapKeyedStateBackend`) a Map from key to stored value for the VOID namespace, and — only once another
 * namespace is used — a Map from namespace to such a Map. Lists are arrays appended in place; maps are
 * {@link UserKeyMap}s. Empty namespace maps are dropped so that windows do not leak.
 *
 * Copy-on-write snapshots (as Flink's CopyOnWriteStateMap, per entry): a capture only takes references to
 * the slot maps (O(slots)) and marks the slots shared. The first access to a shared slot afterwards
 * replaces its maps with *shallow* copies (native Map copies), so the capture keeps the old maps; the
 * values stay shared, and a read of a value that is still the captured one (user code may mutate what it
 * reads) copies that one value first. Writes need no copy: they replace the entry in the live map. Once
 * every capture has encoded the slot's key group (or was released), the slot's values are private again.
 * So a checkpoint costs one Map copy per touched slot plus one deep copy per value read while its key group
 * waits to be encoded — not a deep copy of every touched slot.
 *
 * Single-value kinds (value, reducing, aggregating) keep their VOID-namespace values in {@link Cell}s, so
 * that a read-modify-write ({@link HeapStateTable.readModifyWrite}, a keyed aggregate's per-record step) is
 * one Map lookup and a store into the cell. A cell is mutated in place only when no open capture holds it
 * (after a shallow copy the capture's map and the live map share cells); otherwise the live map gets a new
 * cell. Other namespaces (windows) hold the stored values directly.
 */
import type { StateKind } from '../../state-descriptor.ts';
import type { StateTable, Purge, TableCapture } from '../../state-table.ts';
import { VOID_NAMESPACE, type Namespace } from '../../internal-kv-state.ts';
import type { KeyGroupRange } from '../../../core/index.ts';
import { UserKeyMap } from './user-key-map.ts';
import { deepCopy } from './deep-copy.ts';

type KeyMap = Map<string | number, unknown>;

/** The mutable entry of a single-value state in the VOID namespace (see the file comment). */
class Cell {
  constructor(public v: unknown) {}
}

/** Kinds whose VOID-namespace values are kept in cells. */
function usesCells(kind: StateKind): boolean {
  return kind === 'value' || kind === 'reducing' || kind === 'aggregating';
}

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
  /**
   * Per slot, after its maps were shallow-copied: the maps open captures hold, whose values the live maps
   * may still share (a read copies such a value first). Undefined when the slot's values are private.
   */
  private readonly origs: Array<Array<{ v: KeyMap | undefined; n: Map<Namespace, KeyMap> | undefined }> | undefined>;
  private openCaptures = 0;
  /** VOID-namespace values are {@link Cell}s (single-value kinds). */
  private readonly cells: boolean;

  constructor(
    private readonly b: HeapTableHost,
    readonly name: string,
    readonly kind: StateKind,
  ) {
    this.v = new Array(b.groups * 2);
    this.n = new Array(b.groups * 2);
    this.shared = new Uint16Array(b.groups * 2);
    this.origs = new Array(b.groups * 2);
    this.cells = usesCells(kind);
  }

  /** Makes the current slot private before any access while a capture shares it. */
  private touch(): void {
    const slot = this.b.currentSlot;
    if (this.shared[slot] !== 0) this.own(slot);
  }
  /** Replaces a shared slot's maps with shallow copies; the captures keep the originals (and their values). */
  private own(slot: number): void {
    const captures = this.shared[slot]!;
    this.shared[slot] = 0;
    const vm = this.v[slot];
    const byNs = this.n[slot];
    // one entry per capture holding these maps: each capture's drop removes its own
    const os = (this.origs[slot] ??= []);
    for (let i = 0; i < captures; i++) os.push({ v: vm, n: byNs });
    if (vm !== undefined) this.v[slot] = new Map(vm);
    if (byNs !== undefined) this.n[slot] = new Map(Array.from(byNs, ([ns, m]) => [ns, new Map(m)]));
  }
  /** `value` was read from `m` (live map of `slot`, namespace `ns`): a private copy if a capture still holds it. */
  private unshare(slot: number, ns: Namespace, m: KeyMap, key: string | number, value: unknown): unknown {
    for (const o of this.origs[slot]!) {
      const om = ns === VOID_NAMESPACE ? o.v : o.n?.get(ns);
      if (om !== undefined && om.get(key) === value) {
        const c = deepCopy(value);
        m.set(key, c);
        return c;
      }
    }
    return value;
  }
  /** Whether an open capture's VOID map of `slot` holds `cell` under `key` (then it must not be mutated). */
  private capturedCell(slot: number, key: string | number, cell: Cell): boolean {
    const os = this.origs[slot];
    if (os === undefined) return false;
    for (const o of os) if (o.v !== undefined && o.v.get(key) === cell) return true;
    return false;
  }
  /** `cell` (live VOID map `m` of `slot`) replaced by a private copy of itself and of its value. */
  private ownCell(m: KeyMap, key: string | number, cell: Cell): Cell {
    const c = new Cell(deepCopy(cell.v));
    m.set(key, c);
    return c;
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
    const slot = this.b.currentSlot;
    if (this.shared[slot] !== 0) this.own(slot);
    const m = ns === VOID_NAMESPACE ? this.v[slot] : this.map(ns);
    if (m === undefined) return undefined;
    const key = this.b.currentMapKey;
    if (this.cells && ns === VOID_NAMESPACE) {
      const cell = m.get(key) as Cell | undefined;
      if (cell === undefined) return undefined;
      const value = cell.v;
      if (this.origs[slot] === undefined || typeof value !== 'object' || value === null || !this.capturedCell(slot, key, cell)) return value;
      return this.ownCell(m, key, cell).v;
    }
    const value = m.get(key);
    if (this.origs[slot] === undefined || typeof value !== 'object' || value === null) return value;
    return this.unshare(slot, ns, m, key, value);
  }
  /**
   * Single-value kinds, VOID namespace, for the current key: stores and returns `fn(current, arg)`
   * (`current` undefined when there is none; `undefined`/`null` removes the entry) with one Map lookup
   * when the key exists. `fn` may mutate `current`: a value an open capture still holds is copied first.
   */
  readModifyWrite(fn: (current: unknown, arg: unknown) => unknown, arg: unknown): unknown {
    const slot = this.b.currentSlot;
    if (this.shared[slot] !== 0) this.own(slot);
    const key = this.b.currentMapKey;
    let m = this.v[slot];
    let cell = m === undefined ? undefined : (m.get(key) as Cell | undefined);
    if (cell === undefined) {
      const next = fn(undefined, arg);
      if (next !== undefined && next !== null) (m ??= this.v[slot] = new Map()).set(key, new Cell(next));
      return next;
    }
    if (this.origs[slot] !== undefined && this.capturedCell(slot, key, cell)) cell = this.ownCell(m!, key, cell);
    const next = fn(cell.v, arg);
    if (next === undefined || next === null) m!.delete(key);
    else cell.v = next;
    return next;
  }
  put(ns: Namespace, stored: unknown): void {
    const slot = this.b.currentSlot;
    if (this.shared[slot] !== 0) this.own(slot);
    if (ns === VOID_NAMESPACE) {
      const m = this.v[slot];
      if (this.cells) {
        const key = this.b.currentMapKey;
        const cell = m === undefined ? undefined : (m.get(key) as Cell | undefined);
        // in place unless a capture still holds the cell
        if (cell !== undefined && (this.origs[slot] === undefined || !this.capturedCell(slot, key, cell))) cell.v = stored;
        else this.mapForWrite(ns, slot).set(key, new Cell(stored));
        return;
      }
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

  namespaces(): Namespace[] {
    const slot = this.b.currentSlot;
    const key = this.b.currentMapKey;
    const out: Namespace[] = [];
    if (this.v[slot]?.has(key)) out.push(VOID_NAMESPACE);
    const byNs = this.n[slot];
    if (byNs !== undefined) for (const [ns, m] of byNs) if (m.has(key)) out.push(ns);
    return out;
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
      let s = m.get(k);
      if (s === undefined) continue;
      // no capture is open (see above): a cell may be updated in place
      const cell = s instanceof Cell ? s : undefined;
      if (cell !== undefined) s = cell.v;
      if (this.kind === 'map') {
        i += (s as UserKeyMap).size;
        (s as UserKeyMap).purge(purge);
        if ((s as UserKeyMap).size === 0) m.delete(k);
        continue;
      }
      i += this.kind === 'list' ? (s as unknown[]).length : 1;
      const kept = purge(s);
      if (kept === undefined) m.delete(k);
      else if (kept !== s) {
        if (cell !== undefined) cell.v = kept;
        else m.set(k, kept);
      }
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
    const voidValue = this.cells ? (s: unknown) => (s as Cell).v : canonical;
    let released = false;
    /** The capture no longer needs `slot`: unshare it if the live table still uses the captured maps. */
    const drop = (slot: number) => {
      if (this.shared[slot] !== 0 && this.v[slot] === v[slot] && this.n[slot] === n[slot]) this.shared[slot]--;
      else {
        // the live slot was copied: its values no longer need guarding for this capture
        const os = this.origs[slot];
        if (os !== undefined) {
          const i = os.findIndex((o) => o.v === v[slot] && o.n === n[slot]);
          if (i >= 0) os.splice(i, 1);
          if (os.length === 0) this.origs[slot] = undefined;
        }
      }
      v[slot] = undefined;
      n[slot] = undefined;
    };
    return {
      forEachInKeyGroup(kg, fn) {
        const idx = kg - b.keyGroupRange.start;
        for (const slot of [idx, idx + b.groups]) {
          const orig = slot === idx ? (k: string | number) => k : (k: string | number) => b.originalKey(idx, k as string);
          const vm = v[slot];
          if (vm) for (const [k, s] of vm) fn(orig(k), VOID_NAMESPACE, voidValue(s));
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
    this.mapForWrite(ns, slot).set(mapKey, this.cells && ns === VOID_NAMESPACE ? new Cell(stored) : stored);
  }
  /** Stored (key, namespace) entries in the live maps: O(slots + namespaces), for the state-size metric. */
  entryCount(): number {
    let n = 0;
    for (const m of this.v) if (m !== undefined) n += m.size;
    for (const byNs of this.n) if (byNs !== undefined) for (const m of byNs.values()) n += m.size;
    return n;
  }
  dropAll(): void {
    this.v.fill(undefined);
    this.n.fill(undefined);
    this.origs.fill(undefined);
  }
}
