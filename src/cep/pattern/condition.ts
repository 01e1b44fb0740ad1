/**
 * Conditions: the predicates a pattern stage tests events with.
 *
 * A condition is a plain function `(event, ctx) => boolean`. The context gives iterative conditions
 * read access to the events already taken by stages of the same partial match
 * (`ctx.getEventsForPattern(name)`), as Flink's `IterativeCondition.Context` does. The combinators here
 * (`and`, `or`, `not`) run once, when a pattern is built or compiled, never per event; `null` stands for
 * "always true" so the compiler can skip the call on the hot path.
 */

/** What a condition may read besides the event itself. */
export interface ConditionContext<T> {
  /**
   * The events taken so far by the stage `name` in the partial match being extended, in order.
   * Empty when the stage has taken nothing. The returned array must not be modified.
   */
  getEventsForPattern(name: string): readonly T[];
  /** Timestamp of the event being tested. */
  timestamp(): number;
}

/**
 * A stage condition. Simple conditions ignore `ctx`; iterative ones read it.
 *
 * @example
 * ```ts
 * const rising: Condition<Tick> = (e, ctx) => {
 *   const prev = ctx.getEventsForPattern('up');
 *   return prev.length === 0 || e.price > prev[prev.length - 1]!.price;
 * };
 * ```
 */
export type Condition<T> = (event: T, ctx: ConditionContext<T>) => boolean;

/** A condition that may be absent; `null` means "always true". */
export type MaybeCondition<T> = Condition<T> | null;

/** Both conditions (`null` operands are "true"). */
export function andCondition<T>(a: MaybeCondition<T>, b: MaybeCondition<T>): MaybeCondition<T> {
  if (a === null) return b;
  if (b === null) return a;
  return (e, ctx) => a(e, ctx) && b(e, ctx);
}

/** Either condition (`null` operands are "true", so the result is too). */
export function orCondition<T>(a: MaybeCondition<T>, b: MaybeCondition<T>): MaybeCondition<T> {
  if (a === null || b === null) return null;
  return (e, ctx) => a(e, ctx) || b(e, ctx);
}

/** The negation. `not(null)` ("never") is a function that returns false. */
export function notCondition<T>(a: MaybeCondition<T>): Condition<T> {
  if (a === null) return FALSE as Condition<T>;
  return (e, ctx) => !a(e, ctx);
}

const FALSE: Condition<unknown> = () => false;
