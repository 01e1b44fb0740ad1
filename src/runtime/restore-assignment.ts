/**
 * Splits a completed checkpoint (or savepoint) into what each subtask of the new job gets: keyed state
 * and timers filtered to the subtask's key-group range, operator list state redistributed (even split,
 * union, broadcast), custom operator state by old subtask, and source splits handed back to the
 * enumerators. Also checks that a savepoint fits the job (matching operators, maxParallelism), and that
 * in-flight data of an unaligned checkpoint (channel state) goes back to the same parallelism.
 */
import { ConfigurationError, KeyGroupRange } from '../core/index.ts';
import { filterKeyedStateSnapshots, redistributeOperatorState, type OperatorStateSnapshot } from '../state/index.ts';
import type { ChannelStateEntry, CompletedCheckpoint, OperatorSubtaskState } from '../checkpoint/index.ts';
import { edgeKey } from './channel-state.ts';
import type { JobGraph } from '../graph/index.ts';
import type { RestoredOperatorState } from './operator-chain.ts';

export interface RestoreAssignment {
  /** slot → operatorId → state */
  perSlot: Record<string, RestoredOperatorState>[];
  /** source vertex index → { enumerator state, splits by old subtask } */
  sources: Map<number, { enumState: unknown; splits: { subtask: number; splits: unknown[] }[] }>;
}

export function checkCompatible(cp: CompletedCheckpoint, graph: JobGraph, allowNonRestored: boolean): void {
  checkChannelStateEnds(cp, graph);
  const nodes = new Map(graph.vertices.flatMap((v) => v.nodes.map((n) => [n.operatorId, { n, v }] as const)));
  for (const [opId, states] of cp.states) {
    const hit = nodes.get(opId);
    const hasState = states.some((s) => s.keyed?.keyGroups.length || s.keyed?.incremental || s.operator?.states.length || s.custom !== undefined || s.splits?.length || s.timers);
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

/**
 * In-flight data can only go back to the channels it was taken from: the operator and the vertices at the
 * other end of its channels must have the parallelism they had (as Flink required before rescaling of
 * unaligned checkpoints).
 */
function checkChannelState(cp: CompletedCheckpoint, opId: string, name: string, parallelism: number, states: OperatorSubtaskState[]): void {
  for (const s of states) {
    const cs = s.channels;
    if (cs === undefined || (cs.inputs.length === 0 && cs.outputs.length === 0)) continue;
    const fail = (what: string) => {
      throw new ConfigurationError(
        `${cp.metadata.kind} ${cp.metadata.checkpointId} (${cp.location}) holds in-flight data of operator '${name}' (id ${opId}, subtask ${s.subtask + 1}) ` +
          `from an unaligned checkpoint, which can only be restored at the same parallelism: ${what}. ` +
          `Restore from an aligned checkpoint or a savepoint to change the parallelism`,
      );
    };
    if (cs.parallelism !== parallelism) fail(`it was taken at parallelism ${cs.parallelism}, the job now runs it at ${parallelism}`);
    for (const e of [...cs.inputs, ...cs.outputs]) if (e.peer >= e.peerParallelism) fail(`channel ${e.edge} names subtask ${e.peer + 1} of ${e.peerParallelism}`);
  }
}

/** Checks channel state against the job's parallelism everywhere (both ends of every channel). */
function checkChannelStateEnds(cp: CompletedCheckpoint, graph: JobGraph): void {
  const byEdge = new Map<string, { from: number; to: number }>();
  for (const e of graph.edges) byEdge.set(edgeKey(e), { from: e.source.parallelism, to: e.target.parallelism });
  for (const v of graph.vertices)
    for (const n of v.nodes)
      for (const s of cp.states.get(n.operatorId) ?? []) {
        const cs = s.channels;
        if (cs === undefined) continue;
        checkChannelState(cp, n.operatorId, n.name, v.parallelism, [s]);
        const bad = (entry: ChannelStateEntry, input: boolean): boolean => {
          const p = byEdge.get(entry.edge);
          return p === undefined || (input ? p.from : p.to) !== entry.peerParallelism;
        };
        for (const [entries, input] of [[cs.inputs, true], [cs.outputs, false]] as const)
          for (const e of entries)
            if (bad(e, input))
              throw new ConfigurationError(
                `${cp.metadata.kind} ${cp.metadata.checkpointId} (${cp.location}) holds in-flight data of operator '${n.name}' (id ${n.operatorId}, subtask ${s.subtask + 1}) ` +
                  `on ${input ? 'input' : 'output'} edge ${e.edge} ${input ? 'from' : 'to'} ${e.peerParallelism} ${input ? 'upstream' : 'downstream'} subtasks; ` +
                  `this job does not have that edge at that parallelism. ` +
                  `In-flight data restores only at the same parallelism: restore from an aligned checkpoint or a savepoint`,
              );
      }
}

export function assignRestore(cp: CompletedCheckpoint, graph: JobGraph): RestoreAssignment {
  checkChannelStateEnds(cp, graph);
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
      const finished = finishedSubtasks(cp, n.name, n.operatorId, n.kind === 'source', subtaskStates, p);
      for (let i = 0; i < p; i++) {
        const range = KeyGroupRange.forSubtask(v.maxParallelism, p, i);
        const r: RestoredOperatorState = {};
        if (keyed.length) r.keyed = filterKeyedStateSnapshots(keyed, range).filter((k) => k.keyGroups.length > 0 || k.states.length > 0);
        if (timers.length) r.timers = timers;
        if (redistributed) r.operator = redistributed[i];
        const customs = subtaskStates.filter((s) => s.custom !== undefined && s.subtask % p === i).map((s) => s.custom);
        r.custom = customs;
        const channels = subtaskStates.find((s) => s.subtask === i)?.channels;
        if (channels !== undefined) r.channels = channels;
        if (finished(i)) r.finished = true;
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

/**
 * Which new subtasks of an operator restore finished. Every old subtask finished: all of them, at any
 * parallelism. None: none. Some (a source whose readers ended at different times, or what is chained to it
 * by forward edges): the same subtasks at the same parallelism; at another parallelism a source restores
 * running (a finished reader holds no splits, so the others' splits are spread as usual), anything else is
 * refused, since the finished subtasks' state was not kept.
 */
function finishedSubtasks(cp: CompletedCheckpoint, name: string, opId: string, source: boolean, old: OperatorSubtaskState[], p: number): (i: number) => boolean {
  const done = old.filter((s) => s.finished === true);
  if (done.length === 0) return () => false;
  if (done.length === old.length) return () => true;
  if (old.length === p) {
    const set = new Set(done.map((s) => s.subtask));
    return (i) => set.has(i);
  }
  if (source) return () => false;
  throw new ConfigurationError(
    `${cp.metadata.kind} ${cp.metadata.checkpointId} (${cp.location}): ${done.length} of the ${old.length} subtasks of operator '${name}' (id ${opId}) had finished when it was taken; ` +
      `a partly finished operator restores only at its parallelism (${old.length}), the job now runs it at ${p}`,
  );
}
