/**
 * The state handles user functions see (Flink's names, synchronous), and {@link InternalKvState}, what the
 * runtime, windows and CEP see in addition: the namespace a handle is scoped to and namespace merging.
 *
 * Every handle is scoped to the backend's current key (set by the runtime only) and to its own current
 * namespace ({@link VOID_NAMESPACE} unless a window or the CEP operator sets one). Accessing a handle
 * while no key is set throws an `EddyError`.
 */

/** A state namespace: a window, a CEP buffer, ... Flink's `N`. */
export type Namespace = string | number;

/** The namespace of plain keyed state (Flink's `VoidNamespace`). */
export const VOID_NAMESPACE: Namespace = '';

/** Handle methods shared by every keyed state. */
export interface State {
  /** Removes the value for the current key and namespace. */
  clear(): void;
}

/** One value per key and namespace. */
export interface ValueState<T> extends State {
  /** The value, the descriptor's `defaultValue` when there is none, or `undefined`. */
  value(): T | undefined;
  /** Replaces the value; `null` and `undefined` clear it (Flink semantics). */
  update(value: T | undefined | null): void;
}

/** An ordered list per key and namespace. `get()` returns a fresh array (empty when there is none). */
export interface ListState<T> extends State {
  get(): T[];
  add(value: T): void;
  addAll(values: T[]): void;
  /** Replaces the whole list; an empty array clears it. */
  update(values: T[]): void;
}

/** A map per key and namespace. Map keys compare like stream keys (`-0` is `0`, objects by value). */
export interface MapState<K, V> extends State {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  putAll(entries: Map<K, V> | Record<string, V>): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
}

/** One value per key and namespace, folded with the descriptor's reduce function. */
export interface ReducingState<T> extends State {
  get(): T | undefined;
  add(value: T): void;
}

/** An accumulator per key and namespace; `get()` returns `getResult(acc)`. */
export interface AggregatingState<IN, OUT> extends State {
  get(): OUT | undefined;
  add(value: IN): void;
}

/** What every handle offers the runtime besides the user API. */
export interface InternalKvState {
  /** The descriptor name of this state. */
  readonly name: string;
  /** Scopes later calls to `ns` (until changed). */
  setCurrentNamespace(ns: Namespace): void;
  getCurrentNamespace(): Namespace;
  /** Removes the value for the current key and namespace. */
  clear(): void;
}

/** A state whose values can be merged across namespaces (list, reducing, aggregating): session windows. */
export interface InternalMergingState extends InternalKvState {
  /**
   * Merges the values of `sources` (for the current key) into `target` and clears the sources.
   * Aggregating state needs the descriptor's `merge` function.
   */
  mergeNamespaces(target: Namespace, sources: Namespace[]): void;
}

export type InternalValueState<T> = ValueState<T> & InternalKvState;
export type InternalListState<T> = ListState<T> & InternalMergingState;
export type InternalMapState<K, V> = MapState<K, V> & InternalKvState;
export type InternalReducingState<T> = ReducingState<T> & InternalMergingState;
export type InternalAggregatingState<IN, OUT> = AggregatingState<IN, OUT> & InternalMergingState;
