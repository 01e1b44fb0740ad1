/**
 * The pattern builder: Flink's `Pattern` API, stage by stage.
 *
 * A pattern is a chain of stages read back to front: each `Pattern` object is one stage (or one group of
 * stages) and points at the stage before it. Chaining methods (`next`, `followedBy`, …) return the new stage;
 * modifying methods (`where`, `times`, `optional`, …) change the current stage and return it, so Flink code
 * ports line by line. Misuse is rejected at once with a {@link ConfigurationError} naming the stage; checks
 * that need the whole chain (duplicate names, a trailing `notFollowedBy` without `within`) run when the
 * pattern is compiled (see `validate-pattern.ts`).
 */
import { ConfigurationError } from '../../core/index.ts';
import { andCondition, orCondition, type Condition, type ConditionContext, type MaybeCondition } from './condition.ts';
import { Quantifier, type ConsumingStrategy } from './quantifier.ts';
import { AfterMatchSkipStrategy } from './after-match-skip-strategy.ts';

/** How `within` measures time: from the first event (Flink's default) or from the previous one. */
export type WithinType = 'first-and-last' | 'previous-and-current';

function fail(stage: string, message: string): never {
  throw new ConfigurationError(`CEP pattern stage "${stage}": ${message}`);
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigurationError(`CEP pattern: a stage name must be a non-empty string, got ${String(name)}`);
  }
  return name;
}

/**
 * One stage of an event pattern (or a group of stages), linked to the stage before it.
 *
 * @typeParam T the event type of the stream
 * @typeParam F the type this stage's events are narrowed to by {@link Pattern.subtype}
 *
 * @example
 * ```ts
 * const p = Pattern.begin<Tx>('small').where((t) => t.amount < 1)
 *   .notFollowedBy('confirm').where((t) => t.kind === 'confirm')
 *   .followedBy('large').where((t) => t.amount > 500)
 *   .within(60_000);
 * ```
 */
export class Pattern<T, F extends T = T> {
  /** Take condition (`null`: every event). */
  condition: MaybeCondition<T> = null;
  /** `until` condition of a looping stage. */
  untilCondition: MaybeCondition<T> = null;
  readonly quantifier: Quantifier;
  /** Repetitions of a times or looping stage (`from` is the minimum). */
  timesRange: { from: number; to: number } = { from: 1, to: 1 };
  /** `within(ms)` / `within(ms, 'first-and-last')` set on this stage. */
  windowFirstAndLast: number | null = null;
  /** `within(ms, 'previous-and-current')` set on this stage. */
  windowPreviousAndCurrent: number | null = null;

  protected constructor(
    /** Stage name (for a group: `group(<name of its last stage>)`). */
    readonly name: string,
    /** The stage before this one, or `null` for the first stage. */
    readonly previous: Pattern<T, any> | null,
    consuming: ConsumingStrategy,
    /** Skip strategy set on `begin` and carried along the chain. */
    readonly skipStrategy: AfterMatchSkipStrategy,
    /** For a group stage: the last stage of the inner pattern. */
    readonly group: Pattern<T, any> | null = null,
  ) {
    this.quantifier = new Quantifier(consuming);
  }

  /** Starts a pattern with a stage named `name` (or with a group pattern). */
  static begin<T>(name: string, skip?: AfterMatchSkipStrategy): Pattern<T, T>;
  static begin<T>(group: Pattern<T, any>, skip?: AfterMatchSkipStrategy): Pattern<T, T>;
  static begin<T>(nameOrGroup: string | Pattern<T, any>, skip = AfterMatchSkipStrategy.noSkip()): Pattern<T, T> {
    if (nameOrGroup instanceof Pattern) {
      // Flink starts a group sequence with strict contiguity (it only matters for the group's repetitions)
      return new Pattern<T, T>(`group(${nameOrGroup.name})`, null, 'strict', skip, nameOrGroup);
    }
    return new Pattern<T, T>(checkName(nameOrGroup), null, 'skip-till-next', skip);
  }

  private chain(nameOrGroup: string | Pattern<T, any>, consuming: ConsumingStrategy): Pattern<T, T> {
    if (nameOrGroup instanceof Pattern) {
      return new Pattern<T, T>(`group(${nameOrGroup.name})`, this, consuming, this.skipStrategy, nameOrGroup);
    }
    return new Pattern<T, T>(checkName(nameOrGroup), this, consuming, this.skipStrategy);
  }

  /** Strict contiguity: the next stage must take the very next event. */
  next(nameOrGroup: string | Pattern<T, any>): Pattern<T, T> {
    return this.chain(nameOrGroup, 'strict');
  }
  /** Relaxed contiguity: non-matching events in between are skipped. */
  followedBy(nameOrGroup: string | Pattern<T, any>): Pattern<T, T> {
    return this.chain(nameOrGroup, 'skip-till-next');
  }
  /** Non-deterministic relaxed contiguity: matching events may be skipped too. */
  followedByAny(nameOrGroup: string | Pattern<T, any>): Pattern<T, T> {
    return this.chain(nameOrGroup, 'skip-till-any');
  }
  /** The very next event must not match this stage's condition. */
  notNext(name: string): Pattern<T, T> {
    if (this.quantifier.optional) fail(name, `notNext cannot follow the optional stage "${this.name}"`);
    return this.chain(name, 'not-next');
  }
  /** No event matching this stage's condition may occur before the next stage (or before `within` ends). */
  notFollowedBy(name: string): Pattern<T, T> {
    if (this.quantifier.optional) fail(name, `notFollowedBy cannot follow the optional stage "${this.name}"`);
    return this.chain(name, 'not-follow');
  }

  /** Adds a condition, AND-ed with the conditions already set. */
  where(condition: (event: F, ctx: ConditionContext<T>) => boolean): this {
    this.checkNotGroup('where');
    this.checkFunction(condition, 'where');
    this.condition = andCondition(this.condition, condition as Condition<T>);
    return this;
  }
  /** Adds an alternative condition, OR-ed with the conditions already set. */
  or(condition: (event: F, ctx: ConditionContext<T>) => boolean): this {
    this.checkNotGroup('or');
    this.checkFunction(condition, 'or');
    this.condition = this.condition === null ? (condition as Condition<T>) : orCondition(this.condition, condition as Condition<T>);
    return this;
  }
  /** Narrows the stage to events the type guard accepts (Flink's `subtype(Class)`). */
  subtype<S extends F>(guard: (event: F) => event is S): Pattern<T, S> {
    this.checkNotGroup('subtype');
    this.checkFunction(guard, 'subtype');
    this.condition = andCondition(this.condition, ((e: T) => guard(e as F)) as Condition<T>);
    return this as unknown as Pattern<T, S>;
  }
  /** Stops a looping stage: an event matching `condition` ends the loop and is not taken. */
  until(condition: (event: F, ctx: ConditionContext<T>) => boolean): this {
    this.checkNotNot('until');
    this.checkFunction(condition, 'until');
    if (!this.quantifier.looping) fail(this.name, 'until() applies only to looping stages (oneOrMore/timesOrMore)');
    if (this.untilCondition !== null) fail(this.name, 'until() was already applied');
    this.untilCondition = condition as Condition<T>;
    return this;
  }

  /** Exactly `n` events, or between `min` and `max` (inclusive) when two arguments are given. */
  times(n: number): this;
  times(min: number, max: number): this;
  times(a: number, b?: number): this {
    this.checkQuantifiable('times');
    const from = a;
    const to = b ?? a;
    if (!Number.isInteger(from) || !Number.isInteger(to)) fail(this.name, `times(${a}${b === undefined ? '' : `, ${b}`}) needs integers`);
    if (b === undefined && from < 1) fail(this.name, `times(${a}) needs a count of at least 1`);
    if (from < 0) fail(this.name, `times(${a}, ${b}) needs a non-negative minimum`);
    if (to < from) fail(this.name, `times(${a}, ${b}): the maximum is smaller than the minimum`);
    if (to === 0) fail(this.name, `times(${a}, ${b}): minimum and maximum cannot both be 0`);
    this.quantifier.times = true;
    if (from === 0) this.quantifier.optional = true;
    this.timesRange = { from: Math.max(1, from), to };
    return this;
  }
  /** At least `n` events (a looping stage). */
  timesOrMore(n: number): this {
    this.checkQuantifiable('timesOrMore');
    if (!Number.isInteger(n) || n < 1) fail(this.name, `timesOrMore(${n}) needs a count of at least 1`);
    this.quantifier.looping = true;
    this.timesRange = { from: n, to: n };
    return this;
  }
  /** One or more events (a looping stage). */
  oneOrMore(): this {
    return this.timesOrMore(1);
  }
  /** The stage may take no event at all. */
  optional(): this {
    this.checkNotNot('optional');
    if (this.quantifier.optional) fail(this.name, 'optional() was already applied');
    if (this.previous !== null && this.previous.quantifier.greedy) {
      fail(this.name, `an optional stage cannot follow the greedy stage "${this.previous.name}" (as in Flink)`);
    }
    this.quantifier.optional = true;
    return this;
  }
  /** A looping/times stage takes as many events as it can before the next stage may start. */
  greedy(): this {
    this.checkNotNot('greedy');
    this.checkNotGroup('greedy');
    if (!this.quantifier.isQuantified) fail(this.name, 'greedy() applies only to looping or times stages');
    if (this.quantifier.inner === 'skip-till-any') fail(this.name, 'greedy() does not combine with allowCombinations()');
    this.quantifier.greedy = true;
    return this;
  }
  /** Strict contiguity between the events of a looping/times stage. */
  consecutive(): this {
    this.checkInner('consecutive');
    if (this.quantifier.inner === 'skip-till-any') fail(this.name, 'use either allowCombinations() or consecutive(), not both');
    this.quantifier.inner = 'strict';
    return this;
  }
  /** Non-deterministic relaxed contiguity between the events of a looping/times stage. */
  allowCombinations(): this {
    this.checkInner('allowCombinations');
    if (this.quantifier.inner === 'strict') fail(this.name, 'use either allowCombinations() or consecutive(), not both');
    if (this.quantifier.greedy) fail(this.name, 'greedy() does not combine with allowCombinations()');
    this.quantifier.inner = 'skip-till-any';
    return this;
  }
  /**
   * Bounds the match in time: by default the last event must come less than `ms` after the first
   * (`'first-and-last'`); with `'previous-and-current'`, this stage's event must come less than `ms` after
   * the event before it. With several `within`s of the first kind, the smallest wins.
   */
  within(ms: number, type: WithinType = 'first-and-last'): this {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) fail(this.name, `within(${String(ms)}) needs a positive number of milliseconds`);
    if (type === 'first-and-last') this.windowFirstAndLast = ms;
    else if (type === 'previous-and-current') this.windowPreviousAndCurrent = ms;
    else fail(this.name, `within(): unknown type "${String(type)}" (use 'first-and-last' or 'previous-and-current')`);
    return this;
  }

  /** The skip strategy given to `begin` (NFA options may override it). */
  getAfterMatchSkipStrategy(): AfterMatchSkipStrategy {
    return this.skipStrategy;
  }
  /** True for a stage built from a group pattern. */
  get isGroup(): boolean {
    return this.group !== null;
  }

  private checkFunction(f: unknown, method: string): void {
    if (typeof f !== 'function') fail(this.name, `${method}() needs a function, got ${typeof f}`);
  }
  private checkNotGroup(method: string): void {
    if (this.group !== null) fail(this.name, `${method}() does not apply to a group pattern`);
  }
  private checkNotNot(method: string): void {
    if (this.quantifier.isNot) fail(this.name, `${method}() does not apply to a not-stage (notNext/notFollowedBy)`);
  }
  private checkQuantifiable(method: string): void {
    this.checkNotNot(method);
    if (this.quantifier.isQuantified) fail(this.name, `${method}(): a quantifier (${this.quantifier.describe()}) was already applied`);
  }
  private checkInner(method: string): void {
    this.checkNotNot(method);
    if (!this.quantifier.isQuantified) fail(this.name, `${method}() applies only to looping or times stages`);
  }
}
