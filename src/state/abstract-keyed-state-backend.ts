/**
 * What both keyed backends share: the current key (normalised once per `setCurrentKey`), the registry of
 * states by descriptor name, handle creation, and snapshot/restore in the canonical format. Subclasses
 * provide a {@link StateTable} per state and react to key changes.
 *
 * Key normalisation: strings and numbers are used as they are (`-0` folded to `0`), so the heap backend's
 * hot path allocates nothing; any other key is represented by `canonicalKey(key)`, which compares objects
 * by value whatever their property order.
 */
import { EddyError, ConfigurationError, canonicalKey, keyGroupOf, type Clock, type KeyGroupRange } from '../core/index.ts';
import type { InternalKvState, Namespace } from './internal-kv-state.ts';
import { VOID_NAMESPACE } from './internal-kv-state.ts';
import type { AnyStateDescriptor, StateKind, ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, AggregatingStateDescriptor } from './state-descriptor.ts';
import type { KeyedStateBackend, KeyedStateSize, StateBackendKind } from './keyed-state-backend.ts';
import type { StateTable } from './state-table.ts';
import type { KeyContext } from './abstract-kv-state.ts';
import type { AbstractKvState } from './abstract-kv-state.ts';
import { ValueStateImpl, ReducingStateImpl, AggregatingStateImpl, ListStateImpl, MapStateImpl } from './state-handles.ts';
import { checkKeyedStateSnapshot, decodeKeyGroup, type KeyedStateSnapshot, type PendingKeyedSnapshot, type SnapshotStateMeta } from './keyed-state-snapshot.ts';
import { KeyedSnapshotWriter, type CapturedState } from './keyed-snapshot-writer.ts';
import { incrementalToCanonical } from './backends/lmdb/lmdb-incremental-restore.ts';

/** Options every backend takes. */
export interface BaseBackendOptions {
  operatorId: string;
  /** For error messages (default: the operator id). */
  operatorName?: string;
  maxParallelism: number;
  keyGroupRange: KeyGroupRange;
  clock: Clock;
}

/** Base class of the heap and lmdb backends. */
export abstract class AbstractKeyedStateBackend implements KeyedStateBackend, KeyContext {
  abstract readonly kind: StateBackendKind;
  readonly operatorId: string;
  readonly operatorName: string;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly clock: Clock;

  /** `currentKeyGroup - keyGroupRange.start`, or -1 when no key is set. */
  currentKeyGroupIndex = -1;
  currentKeyGroup = -1;
  currentKey: unknown = undefined;
  /** The key as used in maps: the string/number itself (-0 → 0), else its canonical string. */
  currentMapKey: string | number = '';
  currentKeyIsPrimitive = true;

  protected readonly tables = new Map<string, StateTable>();
  private readonly handles = new Map<string, AbstractKvState>();
  private readonly restoredMeta = new Map<string, SnapshotStateMeta>();
  private everyRecordCleanup: AbstractKvState[] = [];
  private disposed = false;

  constructor(o: BaseBackendOptions) {
    if (!Number.isInteger(o.maxParallelism) || o.maxParallelism < 1 || o.maxParallelism > 32768) {
      throw new ConfigurationError(`maxParallelism must be an integer in 1..32768, got ${o.maxParallelism}`);
    }
    if (o.keyGroupRange.start < 0 || o.keyGroupRange.end >= o.maxParallelism) {
      throw new ConfigurationError(`${o.keyGroupRange} is outside 0..${o.maxParallelism - 1}`);
    }
    this.operatorId = o.operatorId;
    this.operatorName = o.operatorName ?? o.operatorId;
    this.maxParallelism = o.maxParallelism;
    this.keyGroupRange = o.keyGroupRange;
    this.clock = o.clock;
  }

  /** Creates the storage for a state (at registration or restore). */
  protected abstract createTable(name: string, kind: StateKind): StateTable;
  /** Called after the current key changed. */
  protected abstract onKeyChanged(): void;
  abstract batch<T>(fn: () => T): T;
  protected abstract disposeStorage(): void;

  setCurrentKey(key: unknown): void {
    if (this.everyRecordCleanup.length > 0) this.runEveryRecordCleanup();
    if (key === this.currentKey && this.currentKeyGroupIndex >= 0) return;
    let mk: string | number;
    let prim = true;
    if (typeof key === 'string') mk = key;
    else if (typeof key === 'number') mk = key === 0 ? 0 : key;
    else if (key === undefined) throw new EddyError(`operator ${this.operatorName}: the key is undefined (did the key selector return nothing?)`, { domain: 'user' });
    else {
      mk = canonicalKey(key);
      prim = false;
    }
    // For non-primitive keys core hashes exactly `canonicalKey(key)`: hashing `mk` avoids computing it twice.
    const kg = keyGroupOf(prim ? key : mk, this.maxParallelism);
    if (!this.keyGroupRange.contains(kg)) {
      throw new EddyError(`operator ${this.operatorName}: key ${describeKey(key)} is in key group ${kg}, outside this subtask's ${this.keyGroupRange}`);
    }
    this.applyKey(key, mk, prim, kg);
  }
  /** Sets a key whose key group is already known (a timer's): skips hashing. */
  setCurrentKeyInGroup(key: unknown, keyGroup: number): void {
    if (typeof key !== 'string' && typeof key !== 'number') return this.setCurrentKey(key);
    if (this.everyRecordCleanup.length > 0) this.runEveryRecordCleanup();
    if (key === this.currentKey && this.currentKeyGroupIndex >= 0) return;
    this.applyKey(key, typeof key === 'number' && key === 0 ? 0 : key, true, keyGroup);
  }
  private applyKey(key: unknown, mk: string | number, prim: boolean, kg: number): void {
    this.currentKey = typeof key === 'number' ? mk : key;
    this.currentMapKey = mk;
    this.currentKeyIsPrimitive = prim;
    this.currentKeyGroup = kg;
    this.currentKeyGroupIndex = kg - this.keyGroupRange.start;
    this.onKeyChanged();
  }
  clearCurrentKey(): void {
    this.currentKey = undefined;
    this.currentKeyGroup = -1;
    this.currentKeyGroupIndex = -1;
  }
  getCurrentKey(): unknown {
    return this.currentKey;
  }
  getCurrentKeyGroup(): number {
    return this.currentKeyGroup;
  }
  throwNotKeyed(): never {
    throw new EddyError(`state accessed outside a keyed context (operator ${this.operatorName}): keyed state is only available while processing a record or timer of a keyed stream`, { domain: 'user' });
  }

  getState<T>(d: ValueStateDescriptor<T>): ValueStateImpl<T> {
    return this.getPartitionedState(d) as ValueStateImpl<T>;
  }
  getListState<T>(d: ListStateDescriptor<T>): ListStateImpl<T> {
    return this.getPartitionedState(d) as ListStateImpl<T>;
  }
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapStateImpl<K, V> {
    return this.getPartitionedState(d) as MapStateImpl<K, V>;
  }
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingStateImpl<T> {
    return this.getPartitionedState(d) as ReducingStateImpl<T>;
  }
  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingStateImpl<IN, ACC, OUT> {
    return this.getPartitionedState(d) as AggregatingStateImpl<IN, ACC, OUT>;
  }

  getPartitionedState(d: AnyStateDescriptor): InternalKvState {
    const existing = this.handles.get(d.name);
    if (existing !== undefined) {
      if (existing.table.kind !== d.kind) throw this.kindClash(d.name, existing.table.kind, d.kind);
      return existing;
    }
    const meta = this.restoredMeta.get(d.name);
    if (meta !== undefined && meta.ttl !== (d.ttl !== undefined)) {
      throw new ConfigurationError(
        `operator ${this.operatorName}: state '${d.name}' was snapshotted ${meta.ttl ? 'with' : 'without'} TTL and is now registered ${d.ttl ? 'with' : 'without'} it; changing TTL on existing state is not supported`,
      );
    }
    if (meta !== undefined && meta.serialized !== (d.serializer !== undefined)) {
      throw new ConfigurationError(
        `operator ${this.operatorName}: state '${d.name}' was snapshotted ${meta.serialized ? 'with' : 'without'} a custom serializer and is now registered ${d.serializer ? 'with' : 'without'} one`,
      );
    }
    const table = this.tableFor(d.name, d.kind);
    let h: AbstractKvState;
    switch (d.kind) {
      case 'value': h = new ValueStateImpl(this, table, d); break;
      case 'list': h = new ListStateImpl(this, table, d); break;
      case 'map': h = new MapStateImpl(this, table, d); break;
      case 'reducing': h = new ReducingStateImpl(this, table, d); break;
      case 'aggregating': h = new AggregatingStateImpl(this, table, d); break;
      default: throw new ConfigurationError(`unknown state descriptor kind ${String((d as { kind?: unknown }).kind)}`);
    }
    this.handles.set(d.name, h);
    if (h.ttl && h.ttl.config.runCleanupForEveryRecord && h.ttl.cleanupSize > 0) this.everyRecordCleanup.push(h);
    return h;
  }

  getKeys(stateName: string, namespace: Namespace = VOID_NAMESPACE): Iterable<unknown> {
    const t = this.tables.get(stateName);
    return t === undefined ? [] : t.keys(namespace);
  }
  applyToAllKeys<S extends InternalKvState>(namespace: Namespace, descriptor: AnyStateDescriptor, fn: (key: unknown, state: S) => void): void {
    const state = this.getPartitionedState(descriptor) as S;
    const keys = [...this.getKeys(descriptor.name, namespace)];
    const savedKey = this.currentKey;
    const savedNs = state.getCurrentNamespace();
    try {
      this.batch(() => {
        state.setCurrentNamespace(namespace);
        for (const k of keys) {
          this.setCurrentKey(k);
          fn(k, state);
        }
      });
    } finally {
      state.setCurrentNamespace(savedNs);
      if (savedKey === undefined) this.clearCurrentKey();
      else this.setCurrentKey(savedKey);
    }
  }
  getStateNames(): string[] {
    return [...this.tables.keys()];
  }
  getNamespaces(stateName: string): Namespace[] {
    if (this.currentKey === undefined) throw new EddyError('getNamespaces() needs a current key', { domain: 'internal' });
    return this.tables.get(stateName)?.namespaces() ?? [];
  }
  abstract stateSize(): KeyedStateSize;

  snapshot(checkpointId: number): KeyedStateSnapshot {
    return this.captureSnapshot(checkpointId).finish();
  }

  /** Metadata of every state (registered or restored), in table order. */
  protected stateMetas(): SnapshotStateMeta[] {
    const states: SnapshotStateMeta[] = [];
    for (const t of this.tables.values()) {
      const h = this.handles.get(t.name);
      const m = this.restoredMeta.get(t.name);
      states.push({
        name: t.name,
        kind: t.kind,
        ttl: h ? h.ttl !== undefined : (m?.ttl ?? false),
        serialized: h ? h.serializer !== undefined : (m?.serialized ?? false),
      });
    }
    return states;
  }

  /** Creates the tables of restored states and remembers their metadata (TTL/serializer checks). */
  protected registerRestoredStates(states: SnapshotStateMeta[]): void {
    for (const m of states) {
      this.tableFor(m.name, m.kind);
      this.restoredMeta.set(m.name, m);
    }
  }

  /** Throws unless `s` can be restored here (version, maxParallelism). */
  protected checkRestorable(s: KeyedStateSnapshot): void {
    checkKeyedStateSnapshot(s, this.operatorName, this.maxParallelism);
  }

  captureSnapshot(checkpointId: number): PendingKeyedSnapshot {
    const eager = this.captureMustBeEager();
    const ctx = eager ? undefined : this.beginCapture();
    const states = this.stateMetas();
    const captured: CapturedState[] = [];
    for (const t of this.tables.values()) {
      const h = this.handles.get(t.name);
      const purge = h?.ttl !== undefined && h.ttl.config.cleanupInFullSnapshot ? h.ttl : undefined;
      captured.push({ name: t.name, kind: t.kind, view: t.capture(ctx), purge });
    }
    const writer = new KeyedSnapshotWriter({
      operatorId: this.operatorId,
      maxParallelism: this.maxParallelism,
      checkpointId,
      backend: this.kind,
      keyGroupRange: this.keyGroupRange,
      states,
      captured,
      now: this.clock.now(),
      onRelease: () => {
        if (!eager) this.endCapture(ctx);
      },
    });
    if (eager) writer.writeSome(Infinity);
    return writer;
  }
  /** Starts a capture (lmdb: a read transaction); the result is passed to every table's `capture`. */
  protected beginCapture(): unknown {
    return undefined;
  }
  /** Ends a capture started by {@link beginCapture}. */
  protected endCapture(_ctx: unknown): void {}
  /** True when a capture cannot be isolated from later writes and must be encoded at once (lmdb inside `batch`). */
  protected captureMustBeEager(): boolean {
    return false;
  }

  restore(snapshots: KeyedStateSnapshot[]): void {
    const saved = this.currentKey;
    this.batch(() => {
      for (const given of snapshots) {
        checkKeyedStateSnapshot(given, this.operatorName, this.maxParallelism);
        // Incremental (lmdb) snapshots are converted to key-group blobs of this range first.
        const s = given.incremental ? incrementalToCanonical(given, this.keyGroupRange) : given;
        this.registerRestoredStates(s.states);
        for (const blob of s.keyGroups) {
          if (!this.keyGroupRange.contains(blob.keyGroup)) continue;
          for (const [name, key, ns, value] of decodeKeyGroup(blob)) {
            const t = this.tables.get(name);
            if (t === undefined) throw new EddyError(`operator ${this.operatorName}: snapshot entry for state '${name}' missing from the snapshot metadata`);
            t.restoreEntry(blob.keyGroup, key, ns, value);
          }
        }
      }
    });
    if (saved !== undefined) this.setCurrentKey(saved);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearCurrentKey();
    this.handles.clear();
    this.tables.clear();
    this.disposeStorage();
  }

  private tableFor(name: string, kind: StateKind): StateTable {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = this.createTable(name, kind);
      this.tables.set(name, t);
    } else if (t.kind !== kind) throw this.kindClash(name, t.kind, kind);
    return t;
  }
  private kindClash(name: string, had: StateKind, want: StateKind): ConfigurationError {
    return new ConfigurationError(`operator ${this.operatorName}: state '${name}' is already registered as ${had} state, cannot register it as ${want} state`);
  }
  private runEveryRecordCleanup(): void {
    for (const h of this.everyRecordCleanup) h.table.cleanupStep(h.ttl!.cleanupSize, h.ttl!.purge);
  }
}

/** A short description of a key for error messages. */
export function describeKey(key: unknown): string {
  const s = typeof key === 'string' ? JSON.stringify(key) : typeof key === 'object' && key !== null ? canonicalKey(key).slice(1) : String(key);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}
