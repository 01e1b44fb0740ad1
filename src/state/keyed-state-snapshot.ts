/**
 * The canonical keyed-state snapshot: backend-independent, versioned and structured-clone-able, so a
 * checkpoint or savepoint written by one backend restores into the other and at any parallelism.
 *
 * Layout (version 1): metadata about each state, then one blob per non-empty key group. A blob is the
 * msgpackr encoding (see `statePackr`) of `[stateName, key, namespace, canonicalValue][]`, where the
 * canonical value is the stored value for single-value kinds, an array of stored elements for lists and
 * an array of `[mapKey, stored]` pairs for maps; TTL states store `[value, lastAccessTimestamp]` in place
 * of each value, and a descriptor's own serializer makes each value its bytes. Rescaling is filtering: a subtask restores only the key groups inside its range.
 */
import { ConfigurationError, type KeyGroupRange } from '../core/index.ts';
import type { StateKind } from './state-descriptor.ts';
import type { Namespace } from './internal-kv-state.ts';
import { unpackState } from './type-serializer.ts';

/** Current version of {@link KeyedStateSnapshot}. */
export const KEYED_STATE_SNAPSHOT_VERSION = 1;

/** Metadata of one registered state in a snapshot. */
export interface SnapshotStateMeta {
  name: string;
  kind: StateKind;
  /** Values are stored as `[value, timestamp]`. */
  ttl: boolean;
  /** Values are the bytes of the descriptor's own serializer (not plain msgpackr data). */
  serialized: boolean;
}

/** The entries of one key group. */
export interface KeyGroupBlob {
  keyGroup: number;
  /** msgpackr of {@link SnapshotEntry}[]. */
  data: Uint8Array;
}

/** One entry of a key-group blob. */
export type SnapshotEntry = [stateName: string, key: unknown, namespace: Namespace, value: unknown];

/** A keyed-state snapshot of one operator subtask (or a merge/filter of several). */
export interface KeyedStateSnapshot {
  version: 1;
  operatorId: string;
  maxParallelism: number;
  checkpointId: number;
  /** The backend that wrote it (informational; any backend restores any snapshot). */
  backend: string;
  states: SnapshotStateMeta[];
  /** Non-empty key groups, ascending (empty when {@link incremental} is set). */
  keyGroups: KeyGroupBlob[];
  /**
   * An incremental checkpoint of the lmdb backend: the state is in shared files of the job (a base lmdb
   * data file plus ordered delta files) instead of `keyGroups`. Never in savepoints. See
   * docs/checkpoint-format.md ("Incremental checkpoints").
   */
  incremental?: IncrementalKeyedHandle;
}

/** A file in the job's shared checkpoint directory (`<job>/shared/`), with its size and SHA-256. */
export interface SharedStateFile {
  /** File name inside the shared directory. */
  file: string;
  size: number;
  sha256: string;
}

/** Format tag of {@link IncrementalKeyedHandle}. */
export const INCREMENTAL_HANDLE_FORMAT = 'lmdb-incremental-1';

/**
 * The state of one lmdb operator subtask as shared files: `base` (an lmdb data file, absent when the state
 * was empty when tracking started) with `deltas` applied in order (each sets or deletes lmdb entries).
 */
export interface IncrementalKeyedHandle {
  format: typeof INCREMENTAL_HANDLE_FORMAT;
  /** Absolute path of the shared directory (re-pointed on load to `<checkpoint>/../shared`). */
  dir: string;
  /** The key groups the files hold: `[first, last]`. */
  keyGroupRange: [number, number];
  /** Name of the lmdb database inside the base file. */
  dbName: string;
  /** lmdb state id of each entry of `states` (same order): the first u16 after the key group in every key. */
  stateIds: number[];
  /** Next list-element sequence number (greater than every sequence number in the files). */
  seq: number;
  base?: SharedStateFile;
  deltas: SharedStateFile[];
}

/** The shared files a snapshot references (none for canonical snapshots). */
export function sharedFilesOf(s: KeyedStateSnapshot | undefined): SharedStateFile[] {
  const h = s?.incremental;
  if (h === undefined) return [];
  return h.base ? [h.base, ...h.deltas] : [...h.deltas];
}

/**
 * A snapshot captured but not yet encoded (two-phase: `captureSnapshot` is the cheap synchronous part at
 * the barrier; encoding runs later, e.g. a few key groups per mailbox slice). Later state writes do not
 * show in it. Call {@link finish} or {@link release} exactly once: a capture pins memory (heap) or an lmdb
 * read transaction (lmdb).
 */
export interface PendingKeyedSnapshot {
  readonly checkpointId: number;
  /** Encodes up to `maxKeyGroups` more key groups; returns true when every key group is encoded. */
  writeSome(maxKeyGroups: number): boolean;
  /** Encodes whatever is left, releases the capture and returns the snapshot. */
  finish(): KeyedStateSnapshot;
  /** Releases the capture without a result (checkpoint aborted). Idempotent. */
  release(): void;
}

/** Decodes the entries of a key-group blob. */
export function decodeKeyGroup(blob: KeyGroupBlob): SnapshotEntry[] {
  return unpackState(blob.data) as SnapshotEntry[];
}

/** Checks that `s` is a snapshot this version can restore into a backend with `maxParallelism`. */
export function checkKeyedStateSnapshot(s: KeyedStateSnapshot, operatorId: string, maxParallelism: number): void {
  if (!s || s.version !== KEYED_STATE_SNAPSHOT_VERSION) {
    throw new ConfigurationError(`operator ${operatorId}: unsupported keyed state snapshot version ${String(s?.version)} (this eddy reads version ${KEYED_STATE_SNAPSHOT_VERSION})`);
  }
  if (s.maxParallelism !== maxParallelism) {
    throw new ConfigurationError(
      `operator ${operatorId}: snapshot was taken with maxParallelism ${s.maxParallelism}, the job now uses ${maxParallelism}; maxParallelism cannot change across a restore`,
    );
  }
}

/**
 * The part of `snapshots` that a subtask owning `range` needs: the runtime can send each subtask only its
 * key groups. Metadata is kept whole. Incremental snapshots are kept whole when their key groups overlap
 * `range` (the backend filters while restoring) and dropped otherwise.
 */
export function filterKeyedStateSnapshots(snapshots: KeyedStateSnapshot[], range: KeyGroupRange): KeyedStateSnapshot[] {
  return snapshots
    .filter((s) => s.incremental === undefined || (s.incremental.keyGroupRange[0] <= range.end && s.incremental.keyGroupRange[1] >= range.start))
    .map((s) => ({ ...s, keyGroups: s.keyGroups.filter((b) => range.contains(b.keyGroup)) }));
}

/** Number of bytes of key-group data in a snapshot (for metrics). */
export function keyedStateSnapshotSize(s: KeyedStateSnapshot): number {
  let n = 0;
  for (const b of s.keyGroups) n += b.data.byteLength;
  return n;
}
