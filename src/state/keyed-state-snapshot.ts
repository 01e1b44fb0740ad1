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
  /** Non-empty key groups, ascending. */
  keyGroups: KeyGroupBlob[];
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
 * key groups. Metadata is kept whole.
 */
export function filterKeyedStateSnapshots(snapshots: KeyedStateSnapshot[], range: KeyGroupRange): KeyedStateSnapshot[] {
  return snapshots.map((s) => ({ ...s, keyGroups: s.keyGroups.filter((b) => range.contains(b.keyGroup)) }));
}

/** Number of bytes of key-group data in a snapshot (for metrics). */
export function keyedStateSnapshotSize(s: KeyedStateSnapshot): number {
  let n = 0;
  for (const b of s.keyGroups) n += b.data.byteLength;
  return n;
}
