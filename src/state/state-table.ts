/**
 * {@link StateTable}: the storage primitives one registered state needs from a backend, always for the
 * backend's current key. Handles (see `abstract-kv-state.ts`) implement the user API and TTL on top of
 * these, so the heap and lmdb backends share every handle.
 *
 * Stored values: the user value, or a {@link TtlValue} `[value, timestamp]` for TTL states. Canonical
 * values (what snapshots carry for one key and namespace): single-value kinds the stored value, lists an
 * array of stored elements, maps an array of `[mapKey, stored]` pairs.
 */
import type { StateKind } from './state-descriptor.ts';
import type { Namespace } from './internal-kv-state.ts';

/** Decides what is left of a stored value after expiry: the value itself, a trimmed one, or `undefined`. */
export type Purge = (stored: unknown) => unknown;

/** Storage of one state in one backend, addressed by (current key, namespace[, map key]). */
export interface StateTable {
  readonly name: string;
  readonly kind: StateKind;

  /** Single-value kinds: the stored value or `undefined`. */
  get(ns: Namespace): unknown;
  put(ns: Namespace, stored: unknown): void;
  /**
   * Optional (heap): single-value kinds, VOID namespace only — stores and returns `fn(current, arg)`
   * (`current` undefined when absent; `undefined`/`null` removes) with one lookup of the current key. `fn`
   * may mutate `current` (the table protects captured values). Handles use it for plain states (no TTL, no
   * serializer); without it they read then write.
   */
  readModifyWrite?(fn: (current: unknown, arg: unknown) => unknown, arg: unknown): unknown;
  /** Removes everything stored for the current key in `ns` (any kind). */
  remove(ns: Namespace): void;

  /** Lists: the stored elements (a fresh array the caller may keep) or `undefined` when empty. */
  listGet(ns: Namespace): unknown[] | undefined;
  /** Appends stored elements. */
  listAdd(ns: Namespace, stored: unknown[]): void;
  /** Replaces the list; an empty array removes it. */
  listSet(ns: Namespace, stored: unknown[]): void;

  /** Maps, by user map key. */
  mapGet(ns: Namespace, mapKey: unknown): unknown;
  mapPut(ns: Namespace, mapKey: unknown, stored: unknown): void;
  mapRemove(ns: Namespace, mapKey: unknown): void;
  /** A snapshot of the entries (safe to mutate the map while iterating). */
  mapEntries(ns: Namespace): Array<[unknown, unknown]>;
  mapIsEmpty(ns: Namespace): boolean;

  /** Distinct original keys that have a value in `ns`. */
  keys(ns: Namespace): Iterable<unknown>;
  /** The namespaces the current key has a value in, VOID included (the state browser; not for the hot path). */
  namespaces(): Namespace[];

  /**
   * Incremental TTL cleanup: examines up to `n` stored units (values, list elements, map entries) across
   * all keys and namespaces, resuming where the previous step stopped, and drops what `purge` rejects.
   */
  cleanupStep(n: number, purge: Purge): void;

  /**
   * A consistent view of this state as of now, read later (snapshots). `ctx` is what the backend's
   * `beginCapture` returned (the lmdb read transaction). Later writes do not show in the view.
   */
  capture(ctx: unknown): TableCapture;
  /** Inserts a canonical value for `key` (in `keyGroup`, already filtered by the backend). */
  restoreEntry(keyGroup: number, key: unknown, ns: Namespace, value: unknown): void;
  /** Drops all data (dispose). */
  dropAll(): void;
}

/** A captured view of one state (see {@link StateTable.capture}). */
export interface TableCapture {
  /** Calls `fn(key, namespace, canonicalValue)` for every entry in key group `keyGroup`. */
  forEachInKeyGroup(keyGroup: number, fn: (key: unknown, ns: Namespace, value: unknown) => void): void;
  /**
   * Optional fast path: the entries of `keyGroup` already encoded as msgpack (`count` entries whose bytes
   * are the concatenation of `chunks`), without decoding values. Not used when TTL cleanup must filter.
   */
  encodeKeyGroup?(keyGroup: number): { count: number; chunks: Uint8Array[] };
  /** The capture will not read `keyGroup` again (lets copy-on-write stop early). */
  doneWith?(keyGroup: number): void;
  /** The capture is finished or abandoned. Idempotent. */
  release?(): void;
}
