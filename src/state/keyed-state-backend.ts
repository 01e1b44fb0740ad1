/**
 * {@link KeyedStateBackend}: the keyed state of one operator subtask, for the key groups it owns. The
 * runtime sets the current key before each record or timer; handles are scoped to it. Two
 * implementations: `heap` (Maps per key group) and `lmdb` (on disk, larger than the Node heap), created by
 * `createKeyedStateBackend`.
 */
import type { Clock, KeyGroupRange } from '../core/index.ts';
import type {
  InternalKvState,
  Namespace,
  ValueState,
  ListState,
  MapState,
  ReducingState,
  AggregatingState,
} from './internal-kv-state.ts';
import type {
  AnyStateDescriptor,
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
} from './state-descriptor.ts';
import type { KeyedStateSnapshot, PendingKeyedSnapshot } from './keyed-state-snapshot.ts';

/** The backend kinds. */
export type StateBackendKind = 'heap' | 'lmdb';

/**
 * The live size of a backend's keyed state (read when metrics are reported, never per record). `entries`:
 * heap, one per key and namespace of each state (a map state's key counts once); lmdb, the database's
 * records (one per map entry). `bytes`: lmdb only, the pages its database uses (the heap cannot tell).
 */
export interface KeyedStateSize {
  entries: number;
  bytes?: number;
}

/** Keyed state of one operator subtask. */
export interface KeyedStateBackend {
  readonly kind: StateBackendKind;
  readonly operatorId: string;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly clock: Clock;

  /**
   * Sets the key later state accesses are scoped to. Throws if `key` is undefined or belongs to a key group
   * outside {@link keyGroupRange}. Setting the same key again is cheap (the key group is cached).
   */
  setCurrentKey(key: unknown): void;
  /**
   * Sets a key whose key group the caller already computed (the sender of a keyed exchange, a timer):
   * skips hashing and the range check. Non-primitive keys are hashed anyway.
   */
  setCurrentKeyInGroup(key: unknown, keyGroup: number): void;
  /** Unsets the current key: handle accesses throw until a key is set again. */
  clearCurrentKey(): void;
  getCurrentKey(): unknown;
  /** The key group of the current key, `-1` when none is set. */
  getCurrentKeyGroup(): number;

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> & InternalKvState;
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> & InternalKvState & { mergeNamespaces(target: Namespace, sources: Namespace[]): void };
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> & InternalKvState;
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> & InternalKvState & { mergeNamespaces(target: Namespace, sources: Namespace[]): void };
  getAggregatingState<IN, ACC, OUT>(
    d: AggregatingStateDescriptor<IN, ACC, OUT>,
  ): AggregatingState<IN, OUT> & InternalKvState & { mergeNamespaces(target: Namespace, sources: Namespace[]): void };
  /** The handle for a descriptor of any kind: the same instance per name; another kind under a used name throws. */
  getPartitionedState(d: AnyStateDescriptor): InternalKvState;

  /** Original keys (as set, `-0` read back as `0`) that have a value for `stateName` in `namespace` (default VOID). */
  getKeys(stateName: string, namespace?: Namespace): Iterable<unknown>;
  /**
   * Calls `fn(key, state)` for every key that has a value in `namespace` for `descriptor`'s state, with the
   * current key set to it (Flink's `applyToAllKeys`; the broadcast state pattern's `applyToKeyedState`).
   * `fn` may read, update or clear the state. The previous current key is restored afterwards.
   */
  applyToAllKeys<S extends InternalKvState>(namespace: Namespace, descriptor: AnyStateDescriptor, fn: (key: unknown, state: S) => void): void;
  /** Names of the registered (or restored) states. */
  getStateNames(): string[];
  /** The namespaces (windows) the current key has a value in for `stateName`, VOID included (state browser). */
  getNamespaces(stateName: string): Namespace[];
  /** The live size of all keyed state (see {@link KeyedStateSize}); costs O(key groups × states), not O(keys). */
  stateSize(): KeyedStateSize;

  /**
   * Runs `fn` as one unit of work. The lmdb backend wraps it in a single write transaction (about 5× the
   * write throughput of one commit per write); the heap backend just calls it. Nestable. The runtime should
   * wrap each record batch (and each timer firing round) in it.
   */
  batch<T>(fn: () => T): T;

  /** Captures and encodes all state synchronously into the canonical snapshot format. */
  snapshot(checkpointId: number): KeyedStateSnapshot;
  /**
   * Two-phase snapshot: a cheap synchronous capture now (heap: copies of the maps; lmdb: a read
   * transaction), encoded later with `writeSome`/`finish`, while the task keeps processing records.
   * On lmdb, a capture taken inside `batch()` is encoded at once (it could not be isolated otherwise).
   */
  captureSnapshot(checkpointId: number): PendingKeyedSnapshot;
  /** Restores snapshots (of any backend and parallelism), keeping only key groups in {@link keyGroupRange}. */
  restore(snapshots: KeyedStateSnapshot[]): void;
  /** Releases memory and files. The backend is unusable afterwards. */
  dispose(): void;
}
