/**
 * One step of the automaton: the partial matches that one partial match becomes on one event (Flink's
 * `NFA.computeNextStates`), with Flink's Dewey-version bookkeeping so branches that share buffer nodes
 * stay apart.
 *
 * 1. Collect the TAKE and IGNORE edges the event may follow, through PROCEED (epsilon) moves.
 * 2. Create one partial match per edge: IGNORE keeps the last node, TAKE adds a buffer node; if the target
 *    can PROCEED to the final state, a completed match is produced as well. The start state always survives
 *    (with a new version when it branched).
 *
 * Results are appended to {@link PRODUCED}. Scratch arrays and the condition context are module-level and
 * shared by every NFA: a step is synchronous and never re-entered (conditions must not call into an NFA).
 * A partial match that only skips the event is returned as is: no allocation on the most common path.
 */
import type { ConditionContext, MaybeCondition } from '../pattern/condition.ts';
import { addStage, increase, type Dewey } from './dewey-number.ts';
import { SharedBuffer, type BufferNode } from './shared-buffer.ts';
import { ComputationState, materialize } from './computation-state.ts';
import { IGNORE, PROCEED, TAKE, type State, type Transition } from './state.ts';

const NO_EVENTS: readonly never[] = [];

/**
 * The condition context, one for all instances: bound to the partial match whose edges are being tested;
 * its events are materialised only if a condition asks for them.
 */
class StepContext<T> implements ConditionContext<T> {
  cs: ComputationState<T> | null = null;
  events: Map<string, T[]> | null = null;
  ts = 0;
  getEventsForPattern(name: string): readonly T[] {
    const s = this.cs;
    if (s === null || s.node === null) return NO_EVENTS;
    if (this.events === null) this.events = materialize(SharedBuffer.extract(s.node, s.version));
    return this.events.get(name) ?? NO_EVENTS;
  }
  timestamp(): number {
    return this.ts;
  }
}

/** The shared condition context. */
export const CTX = new StepContext<unknown>();
/** Output of {@link computeNextStates}, read and cleared by the NFA. */
export const PRODUCED: ComputationState<any>[] = [];
const EDGES: Transition<any>[] = [];
const STACK: State<any>[] = [];

/** Starts an event: binds the context's timestamp and the buffer's current event. */
export function beginStep(seq: number, ts: number, event: unknown): void {
  SharedBuffer.beginEvent(seq, ts, event);
  CTX.ts = ts;
}

/** Unbinds the context after an event. */
export function endStep(): void {
  CTX.cs = null;
  CTX.events = null;
}

/**
 * Appends to {@link PRODUCED} what `cs` becomes on `event`; releases `cs`'s buffer reference unless
 * `cs` itself is kept. `startState(k)` supplies the start state at version `[k]`.
 */
export function computeNextStates<T>(cs: ComputationState<T>, event: T, ts: number, seq: number,
  startState: (k: number) => ComputationState<T>): void {
  const ctx = CTX as StepContext<T>;
  ctx.cs = cs;
  ctx.events = null;
  const edges = EDGES as Transition<T>[];
  const stack = STACK as State<T>[];
  let n = 0;
  let takes = 0;
  let ignores = 0;
  stack.push(cs.state);
  while (stack.length > 0) {
    const trs = stack.pop()!.transitions;
    for (let i = 0; i < trs.length; i++) {
      const t = trs[i]!;
      if (t.condition !== null && !t.condition(event, ctx)) continue;
      if (t.action === PROCEED) stack.push(t.target);
      else {
        edges[n++] = t;
        if (t.action === TAKE) takes++;
        else if (t.target !== cs.state) ignores++;
      }
    }
  }
  const selfIncrease = takes === 0 && ignores === 0 ? 0 : ignores + Math.max(1, takes);
  let takesToVisit = Math.max(0, takes - 1);
  let ignoresToVisit = ignores;
  const takesToSkip = takesToVisit;
  const produced = PRODUCED as ComputationState<T>[];
  const isStart = cs.state.start;
  let kept = false;
  for (let i = 0; i < n; i++) {
    const e = edges[i]!;
    if (e.action === IGNORE) {
      if (isStart) continue;
      if (e.target === cs.state) {
        if (selfIncrease === 0 && !kept) {
          kept = true; // only skips this event: keep the same partial match
          produced.push(cs);
        } else {
          add(e.target, cs.node, increase(cs.version, selfIncrease), cs.startTs, cs.prevTs, cs.startSeq);
        }
      } else {
        add(e.target, cs.node, addStage(increase(cs.version, takesToSkip + ignoresToVisit)), cs.startTs, cs.prevTs, cs.startSeq);
        ignoresToVisit--;
      }
    } else {
      const current = increase(cs.version, takesToVisit);
      const nextVersion = addStage(current);
      takesToVisit--;
      const node = SharedBuffer.put(e.source.stage, cs.node, current);
      const startTs = isStart ? ts : cs.startTs;
      const startSeq = isStart ? seq : cs.startSeq;
      add(e.target, node, nextVersion, startTs, ts, startSeq);
      const fin = findFinalAfterProceed(e.target, event, ctx);
      if (fin !== null) add(fin, node, nextVersion, startTs, ts, startSeq);
    }
  }
  if (isStart) {
    produced.push(selfIncrease === 0 ? cs : startState(cs.version[0]! + selfIncrease));
  } else if (!kept && cs.node !== null) {
    SharedBuffer.release(cs.node);
  }
}

/**
 * Whether `event` would make the start state take it, i.e. whether a fresh NFA would change at all. An
 * operator uses this to avoid creating state for keys that have none. Allocation-free.
 */
export function canStart<T>(start: ComputationState<T>, event: T, ts: number, takes: readonly MaybeCondition<T>[] | null): boolean {
  const ctx = CTX as StepContext<T>;
  ctx.cs = start; // the start state has no events: getEventsForPattern returns [] either way
  ctx.ts = ts;
  if (takes !== null) {
    // fast path: the TAKE conditions reachable through unconditional PROCEED edges, flattened once
    for (let i = 0; i < takes.length; i++) {
      const c = takes[i]!;
      if (c === null || c(event, ctx)) return true;
    }
    return false;
  }
  const stack = STACK as State<T>[];
  stack.push(start.state);
  let found = false;
  while (stack.length > 0) {
    const trs = stack.pop()!.transitions;
    if (found) continue; // drain
    for (let i = 0; i < trs.length; i++) {
      const t = trs[i]!;
      if (t.action === IGNORE || (t.condition !== null && !t.condition(event, ctx))) continue;
      if (t.action === TAKE) {
        found = true;
        break;
      }
      stack.push(t.target);
    }
  }
  return found;
}

/**
 * The TAKE conditions a start state can fire, flattened through PROCEED edges, or `null` when a PROCEED
 * edge on the way has a condition (then {@link canStart} walks the graph).
 */
export function startTakeConditions<T>(start: State<T>): MaybeCondition<T>[] | null {
  const out: MaybeCondition<T>[] = [];
  const seen = new Set<State<T>>();
  const todo = [start];
  while (todo.length > 0) {
    const st = todo.pop()!;
    if (seen.has(st)) continue;
    seen.add(st);
    for (const t of st.transitions) {
      if (t.action === TAKE) out.push(t.condition);
      else if (t.action === PROCEED) {
        if (t.condition !== null) return null;
        todo.push(t.target);
      }
    }
  }
  return out;
}

function add<T>(state: State<T>, node: BufferNode<T> | null, version: Dewey, startTs: number, prevTs: number, startSeq: number): void {
  if (node !== null) node.refs++;
  (PRODUCED as ComputationState<T>[]).push(new ComputationState(state, node, version, startTs, prevTs, startSeq));
}

/** A final state reachable from `state` through PROCEED edges that accept `event`, if any. */
function findFinalAfterProceed<T>(state: State<T>, event: T, ctx: StepContext<T>): State<T> | null {
  const stack = STACK as State<T>[];
  stack.push(state);
  let found: State<T> | null = null;
  while (stack.length > 0) {
    const trs = stack.pop()!.transitions;
    if (found !== null) continue; // drain
    for (let i = 0; i < trs.length; i++) {
      const t = trs[i]!;
      if (t.action !== PROCEED || (t.condition !== null && !t.condition(event, ctx))) continue;
      if (t.target.isFinal) {
        found = t.target;
        break;
      }
      stack.push(t.target);
    }
  }
  return found;
}
