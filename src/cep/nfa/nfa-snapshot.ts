/**
 * NFA snapshots: the whole state of one NFA instance as plain data (arrays, numbers, strings and the
 * user's events), so it can be structured-cloned, msgpack-encoded or kept in keyed state.
 *
 * The shared buffer is written as a node table: each node names its stage, its event (an index into a
 * deduplicated event table) and its edges (node indices with their Dewey versions). Partial matches
 * name their automaton state by its internal name, which compilation derives deterministically from the
 * pattern, so a snapshot restores into an NFA compiled from the same pattern. `format` versions the layout.
 */
import { ConfigurationError } from '../../core/index.ts';
import { internDewey, type Dewey } from './dewey-number.ts';
import { BufferNode } from './shared-buffer.ts';
import { ComputationState } from './computation-state.ts';
import type { NFA, TimedOutMatch } from './nfa.ts';

/** A partial match: state name, node index (-1: none), version, start ts, previous ts, start sequence. */
export type PartialMatchSnapshot = [state: string, node: number, version: number[], startTs: number, prevTs: number, startSeq: number];

/** The serialisable state of one NFA. */
export interface NFASnapshot<T> {
  readonly format: 1;
  readonly seq: number;
  /** Latest event timestamp seen (`null` before any). */
  readonly lastTs: number | null;
  /** `[seq, ts, event]`. */
  readonly events: Array<[seq: number, ts: number, value: T]>;
  /** `[stage, event index, reference count, edges as [target node index or -1, version]]`. */
  readonly nodes: Array<[stage: string, event: number, refs: number, edges: Array<[target: number, version: number[]]>]>;
  readonly partials: PartialMatchSnapshot[];
  /** Completed matches held back by a skip strategy. */
  readonly completed: PartialMatchSnapshot[];
  /** Timed-out matches not yet returned by `advanceTime`. */
  readonly timedOut: Array<{ match: Array<[string, T[]]>; timestamp: number }>;
  readonly droppedPartialMatches: number;
}

/** Captures `nfa` (nothing is shared with the live instance except event values). */
export function takeSnapshot<T>(nfa: NFA<T>): NFASnapshot<T> {
  const nodeIndex = new Map<BufferNode<T>, number>();
  const nodeList: BufferNode<T>[] = [];
  const eventIndex = new Map<number, number>(); // seq -> index
  const events: Array<[number, number, T]> = [];
  const visit = (root: BufferNode<T> | null): void => {
    if (root === null || nodeIndex.has(root)) return;
    const stack = [root];
    nodeIndex.set(root, nodeList.length);
    nodeList.push(root);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (!eventIndex.has(n.seq)) {
        eventIndex.set(n.seq, events.length);
        events.push([n.seq, n.ts, n.value]);
      }
      for (let i = 0; i < n.edgeCount; i++) {
        const e = n.edge(i);
        if (e.target !== null && !nodeIndex.has(e.target)) {
          nodeIndex.set(e.target, nodeList.length);
          nodeList.push(e.target);
          stack.push(e.target);
        }
      }
    }
  };
  const states = (list: readonly ComputationState<T>[]): PartialMatchSnapshot[] =>
    list.map((s) => {
      visit(s.node);
      return [s.state.name, s.node === null ? -1 : nodeIndex.get(s.node)!, s.version.slice(), s.startTs, s.prevTs, s.startSeq];
    });
  const partials = states(nfa.partials);
  const completed = states(nfa.completed ?? []);
  const nodes = nodeList.map((n): [string, number, number, Array<[number, number[]]>] => [
    n.stage,
    eventIndex.get(n.seq)!,
    n.refs,
    Array.from({ length: n.edgeCount }, (_, i): [number, number[]] => {
      const e = n.edge(i);
      return [e.target === null ? -1 : nodeIndex.get(e.target)!, e.version.slice()];
    }),
  ]);
  return {
    format: 1,
    seq: nfa.seq,
    lastTs: nfa.lastTs === -Infinity ? null : nfa.lastTs,
    events,
    nodes,
    partials,
    completed,
    timedOut: (nfa.pendingTimeouts ?? []).map((t) => ({ match: [...t.match.entries()].map(([k, v]) => [k, v.slice()]), timestamp: t.timestamp })),
    droppedPartialMatches: nfa.dropped,
  };
}

function bad(message: string): never {
  throw new ConfigurationError(`CEP: cannot restore NFA snapshot: ${message}`);
}

/** Loads `snap` into a fresh NFA compiled from the same pattern. */
export function restoreInto<T>(nfa: NFA<T>, snap: NFASnapshot<T>): void {
  if (snap === null || typeof snap !== 'object' || snap.format !== 1) bad(`unknown format ${String((snap as { format?: unknown })?.format)}`);
  const nodes: BufferNode<T>[] = snap.nodes.map(([stage, ev]) => {
    const e = snap.events[ev];
    if (e === undefined) bad(`node refers to missing event ${ev}`);
    return new BufferNode<T>(stage, e[0], e[1], e[2], null, []);
  });
  snap.nodes.forEach(([, , refs, edges], i) => {
    const n = nodes[i]!;
    n.refs = refs;
    if (edges.length === 0) bad(`node ${i} has no edge`);
    edges.forEach(([target, version], j) => {
      if (target !== -1 && nodes[target] === undefined) bad(`edge to missing node ${target}`);
      const t = target === -1 ? null : nodes[target]!;
      if (j === 0) {
        n.target = t;
        n.version = internDewey(version);
      } else {
        (n.more ??= []).push({ target: t, version: internDewey(version) });
      }
    });
  });
  const byName = nfa.compiled.byName;
  const states = (list: readonly PartialMatchSnapshot[]): ComputationState<T>[] =>
    list.map(([name, node, version, startTs, prevTs, startSeq]) => {
      const st = byName.get(name);
      if (st === undefined) bad(`state "${name}" does not exist in this pattern (was the pattern changed?)`);
      return new ComputationState(st, node === -1 ? null : nodes[node]!, internDewey(version), startTs, prevTs, startSeq);
    });
  const partials = states(snap.partials);
  if (partials.length === 0 || !partials[partials.length - 1]!.isStart) bad('no start state');
  nfa.setPartials(partials);
  const completed = states(snap.completed);
  nfa.completed = completed.length > 0 ? completed : null;
  nfa.seq = snap.seq;
  nfa.lastTs = snap.lastTs ?? -Infinity;
  const timedOut = snap.timedOut.map((t): TimedOutMatch<T> => ({ match: new Map(t.match), timestamp: t.timestamp }));
  nfa.pendingTimeouts = timedOut.length > 0 ? timedOut : null;
  nfa.dropped = snap.droppedPartialMatches;
}
