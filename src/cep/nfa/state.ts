/**
 * The compiled automaton's states and edges (Flink's `State` and `StateTransition`).
 *
 * Each state belongs to a pattern stage (`stage`, the name events are recorded under) and has a unique
 * internal `name` (`b`, `b:1`, … when a stage needs several states, e.g. `times(3)`). Edges are:
 * - TAKE: the event is added to the partial match and the match moves to `target`;
 * - IGNORE: the event is skipped and the match moves to `target` (often itself);
 * - PROCEED: an epsilon move to `target`, which then sees the same event.
 * A `null` condition is "always true" and is not called.
 */
import type { MaybeCondition } from '../pattern/condition.ts';

export const TAKE = 0;
export const IGNORE = 1;
export const PROCEED = 2;
/** Edge action. */
export type Action = typeof TAKE | typeof IGNORE | typeof PROCEED;

/** What reaching a state means. */
export type StateKind = 'normal' | 'final' | 'stop' | 'pending';

/** An edge of the automaton. */
export interface Transition<T> {
  readonly action: Action;
  readonly source: State<T>;
  readonly target: State<T>;
  condition: MaybeCondition<T>;
}

/** A state of the automaton. */
export class State<T> {
  readonly transitions: Transition<T>[] = [];
  start = false;
  /** Position in the compiled state list (stable for a given pattern; used by snapshots). */
  index = -1;

  constructor(
    readonly name: string,
    readonly stage: string,
    readonly kind: StateKind,
  ) {}

  get isFinal(): boolean {
    return this.kind === 'final';
  }
  get isStop(): boolean {
    return this.kind === 'stop';
  }
  get isPending(): boolean {
    return this.kind === 'pending';
  }

  /** Adds an edge (`target` defaults to this state, for self-loops). */
  add(action: Action, target: State<T> | null, condition: MaybeCondition<T>): void {
    this.transitions.push({ action, source: this, target: target ?? this, condition });
  }
  addTake(target: State<T> | null, condition: MaybeCondition<T>): void {
    this.add(TAKE, target, condition);
  }
  addIgnore(target: State<T> | null, condition: MaybeCondition<T>): void {
    this.add(IGNORE, target, condition);
  }
  addProceed(target: State<T>, condition: MaybeCondition<T>): void {
    this.add(PROCEED, target, condition);
  }

  /** `a --take--> b:1` lines, for debugging and tests. */
  describe(): string {
    const names = ['take', 'ignore', 'proceed'];
    const t = this.transitions.map((e) => `${names[e.action]}${e.condition === null ? '' : '?'}->${e.target.name}`);
    return `${this.name}${this.start ? '(start)' : ''}[${this.kind}] ${t.join(' ')}`;
  }
}

/** The output of the compiler: everything an NFA instance needs, shared by all instances. */
export interface CompiledPattern<T> {
  readonly states: readonly State<T>[];
  readonly startState: State<T>;
  /** Smallest `within(ms)` of the first-and-last kind, or 0 for none. */
  readonly windowTime: number;
  /** `within(ms, 'previous-and-current')` by stage name. */
  readonly stageWindows: ReadonlyMap<string, number>;
  /** Stage names in pattern order (groups expanded). */
  readonly stageNames: readonly string[];
  /** State by internal name. */
  readonly byName: ReadonlyMap<string, State<T>>;
}
