/**
 * {@link HeapKeyedStateBackend}: keyed state in JS Maps, per key group and per state. Fast (one Map lookup
 * per access, no allocation for string and number keys), bounded by the heap.
 *
 * Each state table has a "slot" per key group for string/number keys and a second slot per key group for
 * all other keys (kept under their canonical string; the original object key is remembered per key
 * group). The current slot is computed once per `setCurrentKey`.
 *
 * Snapshot capture copies the maps (about 10× cheaper than encoding them); the encoding runs later. The
 * plan is copy-on-write maps (Flink's CopyOnWriteStateMap) so that the capture becomes O(1).
 */
import { canonicalKey, keyGroupOf } from '../../../core/index.ts';
import { AbstractKeyedStateBackend, type BaseBackendOptions } from '../../abstract-keyed-state-backend.ts';
import type { StateKind } from '../../state-descriptor.ts';
import type { StateTable } from '../../state-table.ts';
import type { KeyedStateSize } from '../../keyed-state-backend.ts';
import { HeapStateTable, type HeapTableHost } from './heap-state-table.ts';

/** Options of the heap backend. */
export type HeapBackendOptions = BaseBackendOptions;

/** Keyed state on the JS heap. */
export class HeapKeyedStateBackend extends AbstractKeyedStateBackend implements HeapTableHost {
  readonly kind = 'heap' as const;
  /** Number of key groups in the range: object-key slots start here. */
  readonly groups: number;
  /** Slot of the current key in every table: key-group index, plus `groups` for non-primitive keys. */
  currentSlot = -1;
  /** Original object keys by canonical string, per key-group index. */
  private readonly objectKeys: Array<Map<string, unknown> | undefined>;
  private openCaptures = 0;

  constructor(o: HeapBackendOptions) {
    super(o);
    this.groups = o.keyGroupRange.size;
    this.objectKeys = new Array(this.groups);
  }

  protected onKeyChanged(): void {
    const idx = this.currentKeyGroupIndex;
    if (this.currentKeyIsPrimitive) this.currentSlot = idx;
    else {
      this.currentSlot = idx + this.groups;
      const m = (this.objectKeys[idx] ??= new Map());
      if (!m.has(this.currentMapKey as string)) m.set(this.currentMapKey as string, this.currentKey);
    }
  }
  /** Entries of every table's live maps (no byte count: the heap cannot tell what its objects take). */
  stateSize(): KeyedStateSize {
    let entries = 0;
    for (const t of this.tables.values()) entries += (t as HeapStateTable).entryCount();
    return { entries };
  }

  override clearCurrentKey(): void {
    super.clearCurrentKey();
    this.currentSlot = -1;
  }

  /** The original key of an object-key slot entry. */
  originalKey(keyGroupIndex: number, canonical: string): unknown {
    return this.objectKeys[keyGroupIndex]?.get(canonical);
  }

  /** Slot and map key of an arbitrary key in key group `kg` (restore); remembers object keys. */
  locate(kg: number, key: unknown): { slot: number; mapKey: string | number } {
    const idx = kg - this.keyGroupRange.start;
    if (typeof key === 'string') return { slot: idx, mapKey: key };
    if (typeof key === 'number') return { slot: idx, mapKey: key === 0 ? 0 : key };
    const c = canonicalKey(key);
    const m = (this.objectKeys[idx] ??= new Map());
    if (!m.has(c)) m.set(c, key);
    return { slot: idx + this.groups, mapKey: c };
  }

  /** Forgets object keys that no table holds any more (called after snapshots). */
  pruneObjectKeys(): void {
    for (let idx = 0; idx < this.groups; idx++) {
      const m = this.objectKeys[idx];
      if (m === undefined) continue;
      for (const c of m.keys()) {
        let used = false;
        for (const t of this.tables.values()) if ((t as HeapStateTable).hasSlotKey(idx + this.groups, c)) used = true;
        if (!used && !(this.currentMapKey === c && this.currentKeyGroupIndex === idx)) m.delete(c);
      }
    }
  }

  protected override beginCapture(): unknown {
    this.openCaptures++;
    return undefined;
  }
  protected override endCapture(): void {
    // Captured views resolve object keys through the registry: prune it only when none is open.
    if (--this.openCaptures === 0) this.pruneObjectKeys();
  }

  protected createTable(name: string, kind: StateKind): StateTable {
    return new HeapStateTable(this, name, kind);
  }
  batch<T>(fn: () => T): T {
    return fn();
  }
  protected disposeStorage(): void {
    this.objectKeys.fill(undefined);
  }
  /** Key group of a key (exposed for tests). */
  keyGroupOf(key: unknown): number {
    return keyGroupOf(key, this.maxParallelism);
  }
}
