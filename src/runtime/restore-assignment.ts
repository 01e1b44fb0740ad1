/**
 * Splits a completed checkpoint (or savepoint) into what each subtask of the new job gets: keyed state
 * and timers filtered to the subtask's key-group range, operator list state redistributed (even split,
 * union, broadcast), custom operator state by old subtask, and source splits handed back to the
 * enumerators. Also checks that a savepoint fits the job (matching operators, maxParallelism).
 */
import { ConfigurationError, KeyGroupRange } from '../core/index.ts';
import { filterKeyedStateSnapshots, redistributeOperatorState, type OperatorStateSnapshot } from '../state/index.ts';
import type { CompletedCheckpoint, OperatorSubtaskState } from '../checkpoint/index.ts';
import type { JobGraph } from '../graph/index.ts';
import type { RestoredOperatorState } from './operator-chain.ts';

export interface RestoreAssignment {
  /** slot → operatorId → state */
  perSlot: Record<string, RestoredOperatorState>[];
  /** source vertex index → { enumerator state, splits by old subtask } */
  sources: Map<number, { enumState: unknown; splits: { subtask: number; splits: unknown[] }[] }>;
}

export function checkCompatible(cp: CompletedCheckpoint, graph: JobGraph, allowNonRestored: boolean): void {
  const nodes = new Map(graph.vertices.flatMap((v) => v.nodes.map((n) => [n.operatorId, { n, v }] as const)));
  for (const [opId, states] of cp.states) {
    const hit = nodes.get(opId);
    const hasState = states.some((s) => s.keyed?.keyGroups.length || s.operator?.states.length || s.custom !== undefined || s.splits?.length || s.timers);
    if (!hit) {
      if (hasState && !allowNonRestored)
        throw new ConfigurationError(
          `${cp.metadata.kind} ${cp.location} has state for operator '${opId}', which this job does not have ` +
            `(operators are matched by uid; set .uid('${opId}') on the operator, or pass --allow-non-restored-state to drop that state)`,
        );
      continue;
    }
    for (const s of states) {
      if (s.keyed && s.keyed.maxParallelism !== hit.v.maxParallelism)
        throw new ConfigurationError(
          `${cp.metadata.kind} ${cp.location}: operator '${opId}' was written with maxParallelism ${s.keyed.maxParallelism}, the job uses ${hit.v.maxParallelism}; key groups cannot be remapped`,
        );
    }
  }
}

export function assignRestore(cp: CompletedCheckpoint, graph: JobGraph): RestoreAssignment {
  const perSlot: Record<string, RestoredOperatorState>[] = Array.from({ length: graph.slots }, () => ({}));
  const sources: RestoreAssignment['sources'] = new Map();
  for (const v of graph.vertices) {
    const p = v.parallelism;
    for (const n of v.nodes) {
      const old: OperatorSubtaskState[] = (cp.states.get(n.operatorId) ?? []).slice().sort((a, b) => a.subtask - b.subtask);
      if (old.length === 0) continue;
      const subtaskStates = old.filter((s) => s.subtask >= 0);
      const keyed = subtaskStates.flatMap((s) => (s.keyed ? [s.keyed] : []));
      const timers = subtaskStates.flatMap((s) => (s.timers ? [s.timers] : []));
      const maxOld = Math.max(0, ...subtaskStates.map((s) => s.subtask + 1));
      const opSnaps: (OperatorStateSnapshot | undefined)[] = Array.from({ length: maxOld }, (_, i) => subtaskStates.find((s) => s.subtask === i)?.operator);
      const redistributed = opSnaps.some((x) => x) ? redistributeOperatorState(opSnaps, p) : undefined;
      for (let i = 0; i < p; i++) {
        const range = KeyGroupRange.forSubtask(v.maxParallelism, p, i);
        const r: RestoredOperatorState = {};
        if (keyed.length) r.keyed = filterKeyedStateSnapshots(keyed, range).filter((k) => k.keyGroups.length > 0 || k.states.length > 0);
        if (timers.length) r.timers = timers;
        if (redistributed) r.operator = redistributed[i];
        const customs = subtaskStates.filter((s) => s.custom !== undefined && s.subtask % p === i).map((s) => s.custom);
        r.custom = customs;
        perSlot[i]![n.operatorId] = r;
      }
      if (n.kind === 'source') {
        const en = old.find((s) => s.subtask === -1);
        sources.set(v.index, {
          enumState: en?.custom,
          splits: subtaskStates.map((s) => ({ subtask: s.subtask % p, splits: s.splits ?? [] })),
        });
      }
    }
  }
  return { perSlot, sources };
}
