/**
 * Compiles a {@link Pattern} into the automaton the NFA runs: states with TAKE, IGNORE and PROCEED edges,
 * built back to front from a final state, the same graph Flink's `NFACompiler` builds (so matches agree).
 *
 * - A single stage is one state: TAKE to the next stage, IGNORE to itself unless contiguity is strict.
 * - `times(n, m)` chains `n` mandatory states, then `m - n` optional ones that may PROCEED to the next stage.
 * - A looping stage adds a state with a TAKE edge to itself and a PROCEED edge to the next stage.
 * - `optional()` adds a PROCEED edge past the stage (and a twin state without it for the IGNORE branch).
 * - `notNext` is a state that PROCEEDs on "not matching" and to a STOP state on "matching"; `notFollowedBy`
 *   becomes STOP edges on the states that follow it, or, as the last stage, a PENDING state that completes
 *   when `within` runs out.
 * - `greedy()` guards the next stage's edges with "not the loop's condition"; `until` guards the loop.
 * - A group stage compiles its inner pattern in place (again for each repetition).
 */
import { andCondition, notCondition, type MaybeCondition } from '../pattern/condition.ts';
import type { ConsumingStrategy } from '../pattern/quantifier.ts';
import type { Pattern } from '../pattern/pattern.ts';
import { stageNamesOf, stagesOf } from '../pattern/validate-pattern.ts';
import { PROCEED, State, type CompiledPattern, type StateKind } from './state.ts';

type P<T> = Pattern<T, any>;
/** An ignore condition, or `false` when the stage has no IGNORE edge (strict contiguity). */
type IgnoreCond<T> = MaybeCondition<T> | false;

/** Name of the final state (not a valid stage name to record events under). */
export const FINAL_STATE_NAME = '$end$';

class Compiler<T> {
  readonly states: State<T>[] = [];
  private readonly nameCounts = new Map<string, number>();
  private readonly stopStates = new Map<string, State<T>>();
  private readonly firstOfLoop = new Map<P<T>, boolean>();
  private readonly originalStateMap = new Map<string, State<T>>();
  private currentGroup: P<T> | null = null;
  private following: P<T> | null = null;

  constructor(private current: P<T>) {}

  compile(): State<T> {
    const end = this.createState(FINAL_STATE_NAME, 'final');
    const sink = this.createMiddleStates(end);
    const start = this.convertPattern(sink);
    start.start = true;
    return start;
  }

  private createState(stage: string, kind: StateKind): State<T> {
    const n = this.nameCounts.get(stage) ?? 0;
    this.nameCounts.set(stage, n + 1);
    const s = new State<T>(n === 0 ? stage : `${stage}:${n}`, stage, kind);
    this.states.push(s);
    return s;
  }

  private createStopState(notCond: MaybeCondition<T>, name: string): State<T> {
    let stop = this.stopStates.get(name);
    if (stop === undefined) {
      stop = this.createState(name, 'stop');
      // the STOP state takes the forbidden event; reaching it discards the whole branch
      stop.addTake(null, notCond);
      this.stopStates.set(name, stop);
    }
    return stop;
  }

  private createMiddleStates(sink: State<T>): State<T> {
    let lastSink = sink;
    while (this.current.previous !== null) {
      const c = this.current;
      if (c.quantifier.consuming === 'not-follow') {
        if (lastSink.isFinal) {
          // a trailing notFollowedBy: wait (ignoring the rest) until `within` completes the match
          const pending = this.createState(c.name, 'pending');
          const notCond = this.takeCondition(c);
          pending.addProceed(this.createStopState(notCond, c.name), notCond);
          pending.addIgnore(null, notCondition(notCond));
          lastSink = pending;
        }
        // otherwise: STOP edges on the following states (addStopStates / addStopStateToLooping)
      } else if (c.quantifier.consuming === 'not-next') {
        const notNext = this.createState(c.name, 'normal');
        const notCond = this.takeCondition(c);
        const stop = this.createStopState(notCond, c.name);
        if (lastSink.isFinal) notNext.addIgnore(lastSink, notCondition(notCond));
        else notNext.addProceed(lastSink, notCondition(notCond));
        notNext.addProceed(stop, notCond);
        lastSink = notNext;
      } else {
        lastSink = this.convertPattern(lastSink);
      }
      this.following = c;
      this.current = c.previous!;
    }
    return lastSink;
  }

  private convertPattern(sink: State<T>): State<T> {
    const q = this.current.quantifier;
    let lastSink: State<T>;
    if (q.looping) {
      this.setFirstOfLoop(false);
      const looping = this.createLooping(this.copyWithoutTransitiveNots(sink));
      this.setFirstOfLoop(true);
      lastSink = this.createTimesState(looping, sink);
    } else if (q.times) {
      lastSink = this.createTimesState(sink, sink);
    } else {
      lastSink = this.createSingleton(sink, sink, this.takeCondition(this.current),
        this.ignoreCondition(this.current), this.isPatternOptional(this.current));
    }
    this.addStopStates(lastSink);
    return lastSink;
  }

  private createTimesState(sink: State<T>, proceedState: State<T>): State<T> {
    const c = this.current;
    const { from, to } = c.timesRange;
    let lastSink = sink;
    this.setFirstOfLoop(false);
    const until = c.untilCondition;
    const innerIgnore = this.extendWithUntil(this.innerIgnoreCondition(c), until, false);
    const take = this.extendWithUntil(this.takeCondition(c), until, true) as MaybeCondition<T>;
    if (c.quantifier.greedy && from !== to) {
      if (until !== null) this.originalStateMap.set(sink.name, this.copyState(sink));
      this.updateWithGreedyCondition(sink, take);
    }
    for (let i = from; i < to; i++) {
      lastSink = this.createSingleton(lastSink, proceedState, take, innerIgnore, true);
      this.addStopStateToLooping(lastSink);
    }
    for (let i = 0; i < from - 1; i++) {
      lastSink = this.createSingleton(lastSink, null, take, innerIgnore, false);
      this.addStopStateToLooping(lastSink);
    }
    this.setFirstOfLoop(true);
    return this.createSingleton(lastSink, proceedState, take, this.ignoreCondition(c), c.quantifier.optional);
  }

  private createSingleton(sink: State<T>, proceedState: State<T> | null, take: MaybeCondition<T>,
    ignore: IgnoreCond<T>, isOptional: boolean): State<T> {
    const c = this.current;
    if (c.group !== null) return this.createGroupState(c, sink, proceedState!, isOptional);
    const single = this.createState(c.name, 'normal');
    const target = this.copyWithoutTransitiveNots(sink);
    single.addTake(target, take);
    const proceedCond = this.trueCondition();
    if (isOptional && !this.headOfGroup(c)) {
      if (c.quantifier.greedy) {
        const until = c.untilCondition;
        if (until !== null) single.addProceed(this.originalStateMap.get(proceedState!.name)!, andCondition(proceedCond, until));
        single.addProceed(proceedState!, until !== null ? andCondition(proceedCond, notCondition(until)) : proceedCond);
      } else {
        single.addProceed(proceedState!, proceedCond);
      }
    }
    if (ignore !== false) {
      let ignoreState = single;
      if (isOptional) {
        ignoreState = this.createState(c.name, 'normal');
        ignoreState.addTake(target, take);
        ignoreState.addIgnore(null, ignore);
        this.addStopStates(ignoreState);
      }
      single.addIgnore(ignoreState, ignore);
    }
    return single;
  }

  private inGroup(group: P<T>, f: () => State<T>): State<T> {
    const saved = [this.current, this.following, this.currentGroup] as const;
    this.currentGroup = group;
    this.current = group.group!;
    try {
      return f();
    } finally {
      [this.current, this.following, this.currentGroup] = saved;
    }
  }

  private createGroupState(group: P<T>, sink: State<T>, proceedState: State<T>, isOptional: boolean): State<T> {
    const proceedCond = this.trueCondition();
    return this.inGroup(group, () => {
      const first = this.convertPattern(this.createMiddleStates(sink));
      if (isOptional) first.addProceed(proceedState, proceedCond);
      return first;
    });
  }

  private createLoopingGroupState(group: P<T>, sink: State<T>): State<T> {
    const proceedCond = this.trueCondition();
    const dummy = this.createState(group.name, 'normal');
    return this.inGroup(group, () => {
      const first = this.convertPattern(this.createMiddleStates(dummy));
      first.addProceed(sink, proceedCond);
      dummy.addProceed(first, proceedCond);
      return first;
    });
  }

  private createLooping(sink: State<T>): State<T> {
    const c = this.current;
    if (c.group !== null) return this.createLoopingGroupState(c, sink);
    const until = c.untilCondition;
    const ignore = this.extendWithUntil(this.innerIgnoreCondition(c), until, false);
    const take = this.extendWithUntil(this.takeCondition(c), until, true) as MaybeCondition<T>;
    const proceedCond = this.trueCondition();
    const looping = this.createState(c.name, 'normal');
    if (c.quantifier.greedy) {
      if (until !== null) {
        const copy = this.copyState(sink);
        looping.addProceed(copy, andCondition(proceedCond, until));
        this.originalStateMap.set(sink.name, copy);
      }
      looping.addProceed(sink, until !== null ? andCondition(proceedCond, notCondition(until)) : proceedCond);
      this.updateWithGreedyCondition(sink, this.takeCondition(c));
    } else {
      looping.addProceed(sink, proceedCond);
    }
    looping.addTake(null, take);
    this.addStopStateToLooping(looping);
    if (ignore !== false) {
      const ignoreState = this.createState(c.name, 'normal');
      ignoreState.addTake(looping, take);
      ignoreState.addIgnore(null, ignore);
      looping.addIgnore(ignoreState, ignore);
      this.addStopStateToLooping(ignoreState);
    }
    return looping;
  }

  /** Not-conditions that still apply at the current stage: a trailing run of optional/notFollowedBy stages. */
  private currentNotConditions(): Array<[MaybeCondition<T>, string]> {
    const out: Array<[MaybeCondition<T>, string]> = [];
    let p = this.current;
    while (p.previous !== null && (p.previous.quantifier.optional || p.previous.quantifier.consuming === 'not-follow')) {
      p = p.previous;
      if (p.quantifier.consuming === 'not-follow') out.push([this.takeCondition(p), p.name]);
    }
    return out;
  }

  /** Taking an event in an optional stage cancels earlier notFollowedBy stages: a copy of `sink` without them. */
  private copyWithoutTransitiveNots(sink: State<T>): State<T> {
    const nots = this.currentNotConditions();
    if (nots.length === 0 || !this.current.quantifier.optional) return sink;
    const copy = this.createState(sink.stage, sink.kind);
    for (const t of sink.transitions) {
      if (t.action === PROCEED) {
        let target = t.target;
        if (target.isStop) {
          if (nots.some(([, name]) => name === target.stage)) continue;
        } else {
          target = this.copyWithoutTransitiveNots(target);
        }
        copy.add(t.action, target, t.condition);
      } else {
        copy.add(t.action, t.target === t.source ? copy : t.target, t.condition);
      }
    }
    return copy;
  }

  private copyState(state: State<T>): State<T> {
    const copy = this.createState(state.stage, state.kind);
    for (const t of state.transitions) copy.add(t.action, t.target === t.source ? copy : t.target, t.condition);
    return copy;
  }

  private addStopStates(state: State<T>): void {
    for (const [cond, name] of this.currentNotConditions()) state.addProceed(this.createStopState(cond, name), cond);
  }

  private addStopStateToLooping(state: State<T>): void {
    const f = this.following;
    if (f !== null && f.quantifier.consuming === 'not-follow') {
      const cond = this.takeCondition(f);
      state.addProceed(this.createStopState(cond, f.name), cond);
    }
  }

  private updateWithGreedyCondition(state: State<T>, take: MaybeCondition<T>): void {
    const notTake = notCondition(take);
    for (const t of state.transitions) t.condition = andCondition(t.condition, notTake);
  }

  private extendWithUntil(cond: IgnoreCond<T>, until: MaybeCondition<T>, isTake: boolean): IgnoreCond<T> {
    if (until !== null && cond !== false) return andCondition(notCondition(until), cond);
    if (until !== null && isTake) return notCondition(until);
    return cond;
  }

  private strategyIgnore(cs: ConsumingStrategy, p: P<T>): IgnoreCond<T> {
    if (cs === 'skip-till-next') return notCondition(p.condition);
    if (cs === 'skip-till-any') return null;
    return false;
  }

  private innerIgnoreCondition(p: P<T>): IgnoreCond<T> {
    const cs = this.headOfGroup(p) ? this.currentGroup!.quantifier.inner : p.quantifier.inner;
    const ignore = this.strategyIgnore(cs, p);
    const gu = this.currentGroup?.untilCondition ?? null;
    return gu !== null ? this.extendWithUntil(ignore, gu, false) : ignore;
  }

  private ignoreCondition(p: P<T>): IgnoreCond<T> {
    let cs = p.quantifier.consuming;
    if (this.headOfGroup(p)) {
      const gq = this.currentGroup!.quantifier;
      cs = this.isGroupFirstOfLoop() ? gq.consuming : gq.inner;
    }
    const ignore = this.strategyIgnore(cs, p);
    const gu = this.currentGroup?.untilCondition ?? null;
    return gu !== null ? this.extendWithUntil(ignore, gu, false) : ignore;
  }

  private takeCondition(p: P<T>): MaybeCondition<T> {
    const gu = this.currentGroup?.untilCondition ?? null;
    return gu !== null ? (this.extendWithUntil(p.condition, gu, true) as MaybeCondition<T>) : p.condition;
  }

  private trueCondition(): MaybeCondition<T> {
    const gu = this.currentGroup?.untilCondition ?? null;
    return gu !== null ? notCondition(gu) : null;
  }

  private setFirstOfLoop(v: boolean): void {
    if (this.current.group !== null) this.firstOfLoop.set(this.current, v);
  }
  private isGroupFirstOfLoop(): boolean {
    return this.firstOfLoop.get(this.currentGroup!) ?? true;
  }
  private headOfGroup(p: P<T>): boolean {
    return this.currentGroup !== null && p.previous === null;
  }
  private isPatternOptional(p: P<T>): boolean {
    if (this.headOfGroup(p)) return this.isGroupFirstOfLoop() && this.currentGroup!.quantifier.optional;
    return p.quantifier.optional;
  }
}

function collectWindows<T>(last: P<T>, stageWindows: Map<string, number>): number {
  let min = 0;
  for (const s of stagesOf(last)) {
    const w = s.group !== null ? collectWindows(s.group, stageWindows) : 0;
    if (w > 0 && (min === 0 || w < min)) min = w;
    if (s.windowFirstAndLast !== null && (min === 0 || s.windowFirstAndLast < min)) min = s.windowFirstAndLast;
    if (s.windowPreviousAndCurrent !== null && s.group === null) stageWindows.set(s.name, s.windowPreviousAndCurrent);
  }
  return min;
}

/**
 * Compiles a validated pattern (given by its last stage) into the shared, immutable automaton.
 * Deterministic: the same pattern always yields the same state names, which snapshots rely on.
 */
export function compileStates<T>(last: P<T>): CompiledPattern<T> {
  const compiler = new Compiler<T>(last);
  const startState = compiler.compile();
  const states = compiler.states;
  const byName = new Map<string, State<T>>();
  states.forEach((s, i) => {
    s.index = i;
    byName.set(s.name, s);
  });
  const stageWindows = new Map<string, number>();
  const windowTime = collectWindows(last, stageWindows);
  return { states, startState, windowTime, stageWindows, stageNames: stageNamesOf(last), byName };
}
