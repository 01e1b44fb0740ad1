/**
 * {@link createKeyedStateBackend}: the one factory the runtime calls per keyed operator subtask; picks the
 * heap or the lmdb backend. Kept apart from the interface so that the interface imports no implementation.
 */
import { ConfigurationError } from '../core/index.ts';
import type { KeyedStateBackend, StateBackendKind } from './keyed-state-backend.ts';
import type { BaseBackendOptions } from './abstract-keyed-state-backend.ts';
import { HeapKeyedStateBackend } from './backends/heap/heap-keyed-state-backend.ts';
import { LmdbKeyedStateBackend, type LmdbBackendOptions } from './backends/lmdb/lmdb-keyed-state-backend.ts';

/** Options of {@link createKeyedStateBackend}. */
export interface KeyedStateBackendOptions extends BaseBackendOptions {
  kind: StateBackendKind;
  /** lmdb: working directory of the slot's environment (shared by the slot's operators). */
  dir?: string;
  /** lmdb: an environment opened by the caller (it closes it). */
  lmdbEnv?: LmdbBackendOptions['lmdbEnv'];
  /** lmdb: incremental checkpoints into a shared directory (ignored by the heap backend). */
  incremental?: LmdbBackendOptions['incremental'];
}

/**
 * Creates the keyed state backend of one operator subtask.
 * @example
 * const backend = createKeyedStateBackend({
 *   kind: 'lmdb', dir: '.eddy/slot-0', operatorId: 'count', maxParallelism: 128,
 *   keyGroupRange: KeyGroupRange.forSubtask(128, 2, 0), clock: SystemClock,
 * });
 */
export function createKeyedStateBackend(o: KeyedStateBackendOptions): KeyedStateBackend {
  switch (o.kind) {
    case 'heap':
      return new HeapKeyedStateBackend(o);
    case 'lmdb':
      return new LmdbKeyedStateBackend(o);
    default:
      throw new ConfigurationError(`unknown state backend '${String((o as { kind?: unknown }).kind)}' (use 'heap' or 'lmdb')`);
  }
}
