/**
 * Savepoints are canonical: {@link toCanonicalStates} converts the incremental (lmdb) keyed snapshots of a
 * checkpoint's states into key-group blobs, so a savepoint references no shared file and restores into any
 * backend at any parallelism. Runs in the JobManager and reads the shared files synchronously (a base of
 * 1 GB takes seconds): savepoints are rare and explicit.
 */
import { KeyGroupRange } from '../core/index.ts';
import { incrementalToCanonical } from '../state/index.ts';
import type { OperatorSubtaskState } from './checkpoint-format.ts';

/** `states` with every incremental keyed snapshot replaced by its canonical form (others unchanged). */
export function toCanonicalStates(states: Map<string, OperatorSubtaskState[]>): Map<string, OperatorSubtaskState[]> {
  const out = new Map<string, OperatorSubtaskState[]>();
  for (const [op, list] of states)
    out.set(
      op,
      list.map((st) => {
        const h = st.keyed?.incremental;
        if (!h) return st;
        return { ...st, keyed: incrementalToCanonical(st.keyed!, new KeyGroupRange(h.keyGroupRange[0], h.keyGroupRange[1])) };
      }),
    );
  return out;
}
