/**
 * The NFA: runs a compiled pattern over events, one instance per key.
 *
 * A pure state machine (no timers, no I/O, no clock): the caller passes each event with its timestamp to
 * {@link NFA.process} and tells it that time has passed with {@link NFA.advanceTime}. Semantics are Flink's
 * `NFA`: every partial match moves along the edges its conditions allow (see `step.ts`), events live once
 * in the shared buffer, `within` times partial matches out, and completed matches go through the
 * after-match skip strategy. An instance is small: its partial matches form a linked list ordered by first
 * event (no array per key), and the start state, the automaton and the options are shared.
 */
import type { Pattern } from '../pattern/pattern.ts';
import { validatePattern } from '../pattern/validate-pattern.ts';
import { createNFAConfig, PartialMatchLimitError, type NFAConfig, type NFAMetrics, type NFAOptions } from './nfa-config.ts';
import { SharedBuffer } from './shared-buffer.ts';
import { ComputationState, compareStates, idsByStage, isSorted, materialize } from './computation-state.ts';
import type { CompiledPattern } from './state.ts';
import { compileStates } from './nfa-compiler.ts';
import { beginStep, computeNextStates, endStep, PRODUCED } from './step.ts';
import { restoreInto, takeSnapshot, type NFASnapshot } from './nfa-snapshot.ts';

/** A completed match: stage name → the events it took, in order, stages in pattern order. */
export type Match<T> = Map<string, T[]>;

/** A partial match that expired under `within`, with the time it expired at. */
export interface TimedOutMatch<T> {
  readonly match: Match<T>;
  readonly timestamp: number;
}

const NO_MATCHES: readonly never[] = Object.freeze([]);

/**
 * A running pattern. Create with {@link NFA.compile} (or an `NFAFactory` when you need many).
 *
 * @example
 * ```ts
 * const nfa = NFA.compile(Pattern.begin<number>('a').where((x) => x > 0).next('b').where((x) => x < 0));
 * nfa.process(5, 1);                // []
 * nfa.process(-1, 2);               // [Map { 'a' => [5], 'b' => [-1] }]
 * ```
 */
export class NFA<T> {
  /** @internal oldest partial match; the list runs through `next`, ordered by first event */
  head: ComputationState<T> | null = null;
  /** @internal number of partial matches in the list */
  size = 0;
  /** @internal the start state (shared and immutable) */
  start: ComputationState<T>;
  /** @internal completed matches held back by a skip strategy until no earlier partial match exists */
  completed: ComputationState<T>[] | null = null;
  /** @internal */ seq = 0;
  /** @internal */ lastTs = -Infinity;
  /** @internal timed-out matches found by `process`, returned by the next `advanceTime` */
  pendingTimeouts: TimedOutMatch<T>[] | null = null;
  /** @internal */ dropped = 0;
  private readonly config: NFAConfig<T>;

  /** Use {@link NFA.compile} or an `NFAFactory`. */
  constructor(config: NFAConfig<T>) {
    this.config = config;
    this.start = config.startState(1);
  }

  /** Validates and compiles `pattern` and returns a fresh NFA. */
  static compile<T>(pattern: Pattern<T, any>, options: NFAOptions = {}): NFA<T> {
    const skip = options.skip ?? pattern.getAfterMatchSkipStrategy();
    validatePattern(pattern, skip);
    return new NFA(createNFAConfig(compileStates(pattern), { ...options, skip }));
  }

  /** Rebuilds an NFA from {@link NFA.snapshot} output; `pattern` must be the one the snapshot was taken with. */
  static restore<T>(pattern: Pattern<T, any>, snapshot: NFASnapshot<T>, options: NFAOptions = {}): NFA<T> {
    return NFA.compile(pattern, options).restoreFrom(snapshot);
  }

  /** The compiled automaton (shared by all instances of the pattern). */
  get compiled(): CompiledPattern<T> {
    return this.config.compiled;
  }
  /** Counters an operator can export. */
  get metrics(): NFAMetrics {
    return { droppedPartialMatches: this.dropped };
  }

  /**
   * Feeds one event. Returns the matches it completes (in order of their first events; a shared, frozen
   * empty array when there are none). Partial matches that `within` expired by `timestamp` are dropped
   * first; they are reported by the next `advanceTime`.
   */
  process(event: T, timestamp: number): readonly Match<T>[] {
    const cfg = this.config;
    let matches: Match<T>[] | null = null;
    if (cfg.hasWindows && (this.head !== null || this.completed !== null)) matches = this.expire(timestamp, null, true);
    const seq = this.seq++;
    beginStep(seq, timestamp, event);
    const produced = PRODUCED as ComputationState<T>[];
    let head: ComputationState<T> | null = null;
    let tail: ComputationState<T> | null = null;
    let size = 0;
    let potential: ComputationState<T>[] | null = null;
    let cs = this.head;
    const start = this.start;
    for (;;) {
      const current: ComputationState<T> = cs ?? start;
      const next = cs === null ? null : cs.next;
      const from = produced.length;
      computeNextStates(current, event, timestamp, seq, cfg.startState);
      let stop = false;
      let firstRetained: ComputationState<T> | null = null;
      const mark = tail as ComputationState<T> | null;
      for (let j = from; j < produced.length; j++) {
        const s = produced[j]!;
        if (s.state.start) {
          this.start = s;
        } else if (s.state.isFinal) {
          (potential ??= []).push(s);
        } else if (s.state.isStop) {
          stop = true;
          if (s.node !== null) SharedBuffer.release(s.node);
        } else {
          s.next = null;
          if (tail === null) head = s;
          else tail.next = s;
          tail = s;
          size++;
          firstRetained ??= s;
        }
      }
      if (stop && firstRetained !== null) {
        // a STOP state was reached on this branch: drop everything it produced
        for (let s: ComputationState<T> | null = firstRetained; s !== null; s = s.next) {
          if (s.node !== null) SharedBuffer.release(s.node);
          size--;
        }
        if (mark === null) {
          head = null;
          tail = null;
        } else {
          mark.next = null;
          tail = mark;
        }
      }
      if (cs === null) break;
      cs = next;
    }
    while (produced.length > 0) produced.pop();
    endStep();
    this.head = head;
    this.size = size;
    if (timestamp < this.lastTs) {
      this.sortList();
      if (potential !== null && !isSorted(potential)) potential.sort(compareStates);
    } else {
      this.lastTs = timestamp;
    }
    if (cfg.skip.isSkip) {
      // also when nothing completed now: held-back matches may have been unblocked by a STOP state
      if (potential !== null || this.completed !== null) this.emitWithSkip(potential ?? [], (matches ??= []));
    } else if (potential !== null) {
      matches ??= [];
      {
        for (const m of potential) {
          matches.push(materialize(SharedBuffer.extract(m.node!, m.version)));
          SharedBuffer.release(m.node!);
        }
      }
    }
    if (size > cfg.maxPartials) this.enforceLimit();
    return matches !== null && matches.length > 0 ? matches : NO_MATCHES;
  }

  /**
   * Tells the NFA that time reached `timestamp` (the watermark, in event time). Returns the matches this
   * completes (a trailing `notFollowedBy` whose `within` ran out, or matches a skip strategy held back)
   * and the partial matches that expired, each with its expiry time.
   */
  advanceTime(timestamp: number): { matches: Match<T>[]; timedOut: TimedOutMatch<T>[] } {
    const timedOut = this.pendingTimeouts ?? [];
    this.pendingTimeouts = null;
    let matches: Match<T>[] = [];
    if (this.config.hasWindows) matches = this.expire(timestamp, timedOut, false) ?? [];
    else if (this.completed !== null) this.emitWithSkip([], matches);
    return { matches, timedOut };
  }

  /**
   * @internal Whether `advanceTime(timestamp)` would return nothing and change nothing (O(1) with a
   * first-and-last `within` only). Lets an operator skip the call, and its result objects, per event.
   */
  isIdleAt(timestamp: number): boolean {
    if (this.pendingTimeouts !== null || this.completed !== null) return false;
    const { hasWindows, stageWindows, windowTime } = this.config;
    if (!hasWindows) return true;
    const first = this.head;
    return stageWindows === null && (first === null || timestamp - first.startTs < windowTime);
  }

  /** A plain, structured-clone/msgpack-friendly copy of the state (events included). */
  snapshot(): NFASnapshot<T> {
    return takeSnapshot(this);
  }

  /** Replaces this (fresh) instance's state with a snapshot's; used by `NFA.restore` and `NFAFactory`. */
  restoreFrom(snapshot: NFASnapshot<T>): this {
    restoreInto(this, snapshot);
    return this;
  }

  /** @internal partial matches as an array, the start state last (snapshots, tests) */
  get partials(): ComputationState<T>[] {
    const out: ComputationState<T>[] = [];
    for (let s = this.head; s !== null; s = s.next) out.push(s);
    out.push(this.start);
    return out;
  }
  /** @internal replaces the partial matches (the last one must be the start state) */
  setPartials(list: ComputationState<T>[]): void {
    this.start = list[list.length - 1]!;
    this.head = null;
    this.size = 0;
    for (let i = list.length - 2; i >= 0; i--) {
      list[i]!.next = this.head;
      this.head = list[i]!;
      this.size++;
    }
  }

  /**
   * The earliest time at which `advanceTime` would change something (a partial match expires under
   * `within`, a trailing `notFollowedBy` completes), or `undefined` when nothing can expire. An operator
   * registers its timer there. O(partial matches) with per-stage windows, O(1) otherwise.
   */
  nextTimeout(): number | undefined {
    const { hasWindows, windowTime, stageWindows } = this.config;
    if (!hasWindows) return undefined;
    if (this.pendingTimeouts !== null) return this.lastTs === -Infinity ? -Infinity : this.lastTs;
    let min = Infinity;
    if (stageWindows === null) {
      if (this.head !== null) min = this.head.startTs + windowTime;
    } else {
      for (let cs = this.head; cs !== null; cs = cs.next) {
        const sw = stageWindows.get(cs.state.stage);
        if (sw !== undefined && cs.prevTs + sw < min) min = cs.prevTs + sw;
        if (windowTime > 0 && cs.startTs + windowTime < min) min = cs.startTs + windowTime;
      }
    }
    return min === Infinity ? undefined : min;
  }

  /** Open partial matches (the start state not counted). */
  get partialMatchCount(): number {
    return this.size;
  }
  /** Events held by the shared buffer, counted per (event, stage) node (walks the buffer: for tests/metrics). */
  get bufferSize(): number {
    const roots = this.partials.map((p) => p.node);
    for (const c of this.completed ?? []) roots.push(c.node);
    return SharedBuffer.countReachable(roots);
  }
  /** True when nothing is buffered: no open partial match, no held-back match, no unreported timeout. */
  get isEmpty(): boolean {
    return this.head === null && this.completed === null && this.pendingTimeouts === null;
  }

  private sortList(): void {
    const list = this.partials;
    list.pop();
    if (isSorted(list)) return;
    list.sort(compareStates);
    list.push(this.start);
    this.setPartials(list);
  }

  /**
   * Times out partial matches; pending (trailing notFollowedBy) ones complete instead. Timed-out matches
   * go to `timedOut`, or to `pendingTimeouts` when `stash` (called from `process`). Returns the matches
   * completed (or released) by time passing, or `null` for none.
   */
  private expire(ts: number, timedOut: TimedOutMatch<T>[] | null, stash: boolean): Match<T>[] | null {
    const { windowTime, stageWindows } = this.config;
    const first = this.head;
    // the list is ordered by first event: with only a first-and-last window, nothing expires unless the
    // oldest partial match does (O(1) on the common path)
    if (stageWindows === null && (first === null || ts - first.startTs < windowTime) && this.completed === null) return null;
    let potential: ComputationState<T>[] | null = null;
    let prev: ComputationState<T> | null = null;
    for (let cs = first; cs !== null; ) {
      const next: ComputationState<T> | null = cs.next;
      let expiredAt = -Infinity;
      const sw = stageWindows === null ? undefined : stageWindows.get(cs.state.stage);
      if (sw !== undefined && ts - cs.prevTs >= sw) expiredAt = cs.prevTs + sw;
      else if (windowTime > 0 && ts - cs.startTs >= windowTime) expiredAt = cs.startTs + windowTime;
      if (expiredAt === -Infinity) {
        prev = cs;
      } else {
        if (prev === null) this.head = next;
        else prev.next = next;
        this.size--;
        cs.next = null;
        if (cs.state.isPending) {
          (potential ??= []).push(cs);
        } else {
          const t = { match: materialize(SharedBuffer.extract(cs.node!, cs.version)), timestamp: expiredAt };
          if (stash) (this.pendingTimeouts ??= []).push(t);
          else timedOut!.push(t);
          SharedBuffer.release(cs.node!);
        }
      }
      cs = next;
    }
    if (potential === null && this.completed === null) return null;
    const matches: Match<T>[] = [];
    this.emitWithSkip(potential ?? [], matches);
    return matches.length > 0 ? matches : null;
  }

  /** Emits completed matches in order once no earlier partial match is open, pruning per the strategy. */
  private emitWithSkip(potential: ComputationState<T>[], matches: Match<T>[]): void {
    const completed = (this.completed ??= []);
    for (const p of potential) completed.push(p);
    if (potential.length > 0 && !isSorted(completed)) completed.sort(compareStates);
    const skip = this.config.skip;
    while (completed.length > 0) {
      const m = completed[0]!;
      if (this.head !== null && compareStates(m, this.head) > 0) break;
      completed.shift();
      const path = SharedBuffer.extract(m.node!, m.version);
      const pruningId = skip.pruningId(idsByStage(path));
      if (pruningId !== null) {
        this.pruneList(pruningId);
        let w = 0;
        for (let r = 0; r < completed.length; r++) {
          const s = completed[r]!;
          if (skip.shouldPrune({ ts: s.startTs, seq: s.startSeq }, pruningId)) SharedBuffer.release(s.node!);
          else completed[w++] = s;
        }
        while (completed.length > w) completed.pop();
      }
      matches.push(materialize(path));
      SharedBuffer.release(m.node!);
    }
    if (completed.length === 0) this.completed = null;
  }

  private pruneList(pruningId: { ts: number; seq: number }): void {
    const skip = this.config.skip;
    let prev: ComputationState<T> | null = null;
    for (let s = this.head; s !== null; ) {
      const next: ComputationState<T> | null = s.next;
      if (skip.shouldPrune({ ts: s.startTs, seq: s.startSeq }, pruningId)) {
        if (prev === null) this.head = next;
        else prev.next = next;
        s.next = null;
        this.size--;
        if (s.node !== null) SharedBuffer.release(s.node);
      } else {
        prev = s;
      }
      s = next;
    }
  }

  private enforceLimit(): void {
    const { maxPartials, dropOldest } = this.config;
    if (!dropOldest) throw new PartialMatchLimitError(maxPartials, this.size);
    const drop = this.size - maxPartials;
    for (let i = 0; i < drop; i++) {
      const s = this.head!;
      this.head = s.next;
      s.next = null;
      if (s.node !== null) SharedBuffer.release(s.node);
    }
    this.size -= drop;
    this.dropped += drop;
  }
}
