/**
 * Partial matches (Flink's `ComputationState`) and their order.
 *
 * A partial match is a position in the automaton plus a pointer into the shared buffer: the node of the
 * last event it took and the Dewey version of its branch, the timestamps `within` needs, and the id of its
 * first event. The start state is the one partial match that has taken nothing (`startSeq === -1`).
 * Partial matches are kept ordered by first event (timestamp, then arrival), the start state last; skip
 * strategies and the emission order of matches rely on that order.
 */
import type { Dewey } from './dewey-number.ts';
import type { BufferNode } from './shared-buffer.ts';
import type { State } from './state.ts';

/**
 * One partial match. Immutable except `next`, the link of the NFA's ordered list of partial matches (each
 * partial match is in exactly one list; the shared start state is never linked).
 */
export class ComputationState<T> {
  /** Next partial match of the owning NFA (by first event). */
  next: ComputationState<T> | null = null;

  constructor(
    /** Where the match waits. */
    readonly state: State<T>,
    /** Node of the last event taken (`null` for the start state). */
    readonly node: BufferNode<T> | null,
    /** Branch version. */
    readonly version: Dewey,
    /** Timestamp of the first event. */
    readonly startTs: number,
    /** Timestamp of the last event taken. */
    readonly prevTs: number,
    /** Arrival sequence of the first event; -1 for the start state. */
    readonly startSeq: number,
  ) {}

  /** True for the start state (nothing taken yet). */
  get isStart(): boolean {
    return this.startSeq === -1;
  }
}

/** Orders partial matches by first event; the start state sorts last. */
export function compareStates<T>(a: ComputationState<T>, b: ComputationState<T>): number {
  if (a.startSeq === -1) return b.startSeq === -1 ? 0 : 1;
  if (b.startSeq === -1) return -1;
  if (a.startTs !== b.startTs) return a.startTs < b.startTs ? -1 : 1;
  return a.startSeq - b.startSeq;
}

/** Whether a list is already in {@link compareStates} order (cheap check before a stable sort). */
export function isSorted<T>(list: readonly ComputationState<T>[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareStates(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}

/** Event ids of a match by stage, for skip strategies. */
export function idsByStage<T>(path: readonly BufferNode<T>[]): Map<string, BufferNode<T>[]> {
  const out = new Map<string, BufferNode<T>[]>();
  for (const n of path) {
    const list = out.get(n.stage);
    if (list === undefined) out.set(n.stage, [n]);
    else list.push(n);
  }
  return out;
}

/** A match as users see it: stage name → the events it took, in order. */
export function materialize<T>(path: readonly BufferNode<T>[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const n of path) {
    const list = out.get(n.stage);
    if (list === undefined) out.set(n.stage, [n.value]);
    else list.push(n.value);
  }
  return out;
}
