/**
 * state: everything an operator keeps between records. Descriptors and handles (Flink's names, synchronous),
 * TTL, the keyed state backends (`heap`: Maps per key group; `lmdb`: on disk, larger than the heap) behind
 * one {@link KeyedStateBackend} interface, the canonical rescalable snapshot format, operator state (list,
 * union list, broadcast) with its redistribution, and the per-operator timer service.
 *
 * Imports only `src/core/index.ts` (key groups, errors, clock) and the `lmdb` and `msgpackr` packages.
 * This file is the only entry: nothing outside `src/state` imports a file below it.
 */
export { VOID_NAMESPACE } from './internal-kv-state.ts';
export type {
  Namespace,
  State,
  ValueState,
  ListState,
  MapState,
  ReducingState,
  AggregatingState,
  InternalKvState,
  InternalMergingState,
  InternalValueState,
  InternalListState,
  InternalMapState,
  InternalReducingState,
  InternalAggregatingState,
} from './internal-kv-state.ts';
export {
  StateDescriptor,
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
} from './state-descriptor.ts';
export type { StateKind, StateDescriptorOptions, AggregateFunction, AnyStateDescriptor } from './state-descriptor.ts';
export type { ValueStateImpl } from './state-handles.ts';
export { StateTtlConfig, StateTtlConfigBuilder } from './state-ttl-config.ts';
export type { TtlUpdateType, TtlStateVisibility } from './state-ttl-config.ts';
export { DEFAULT_SERIALIZER, statePackr, packState, unpackState, packDetached } from './type-serializer.ts';
export type { TypeSerializer } from './type-serializer.ts';

export type { KeyedStateBackend, KeyedStateSize, StateBackendKind } from './keyed-state-backend.ts';
export { createKeyedStateBackend } from './create-keyed-state-backend.ts';
export type { KeyedStateBackendOptions } from './create-keyed-state-backend.ts';
export { HeapKeyedStateBackend } from './backends/heap/heap-keyed-state-backend.ts';
export { deepCopy } from './backends/heap/deep-copy.ts';
export { LmdbKeyedStateBackend } from './backends/lmdb/lmdb-keyed-state-backend.ts';
export type { LmdbBackendOptions } from './backends/lmdb/lmdb-keyed-state-backend.ts';

export {
  KEYED_STATE_SNAPSHOT_VERSION,
  decodeKeyGroup,
  checkKeyedStateSnapshot,
  filterKeyedStateSnapshots,
  keyedStateSnapshotSize,
  sharedFilesOf,
  INCREMENTAL_HANDLE_FORMAT,
} from './keyed-state-snapshot.ts';
export type {
  KeyedStateSnapshot,
  KeyGroupBlob,
  SnapshotEntry,
  SnapshotStateMeta,
  PendingKeyedSnapshot,
  SharedStateFile,
  IncrementalKeyedHandle,
} from './keyed-state-snapshot.ts';
export { incrementalToCanonical } from './backends/lmdb/lmdb-incremental-restore.ts';
export { hashFile } from './backends/lmdb/lmdb-incremental-snapshot.ts';
export type { IncrementalCheckpointOptions } from './backends/lmdb/lmdb-incremental-snapshot.ts';

export { OperatorStateStore } from './operator/operator-state-store.ts';
export type { OperatorStateSnapshot, OperatorStateEntry, OperatorStateMode, BroadcastState } from './operator/operator-state-store.ts';
export { redistributeOperatorState } from './operator/operator-state-store.ts';

export { InternalTimerService } from './timers/internal-timer-service.ts';
export type { OnTimer, TimerServiceSnapshot } from './timers/internal-timer-service.ts';
