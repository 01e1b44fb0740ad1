/**
 * Quantifiers: how many events a stage takes and how it treats the events in between.
 *
 * Mirrors Flink's `Quantifier`: a *consuming strategy* for the gap before the stage (strict for `next`,
 * skip-till-next for `followedBy`, skip-till-any for `followedByAny`, or one of the two negations), an
 * *inner* consuming strategy for the gaps between the events of a looping or times stage (skip-till-next by
 * default, strict after `consecutive()`, skip-till-any after `allowCombinations()`), and properties.
 */

/** How events between two taken events are treated. */
export type ConsumingStrategy = 'strict' | 'skip-till-next' | 'skip-till-any' | 'not-follow' | 'not-next';

/** An inclusive range of repetitions. */
export interface Times {
  readonly from: number;
  readonly to: number;
}

/** Mutable while the pattern is being built; read by the compiler. */
export class Quantifier {
  /** Strategy for the gap before the stage's first event. */
  consuming: ConsumingStrategy;
  /** Strategy for gaps between the stage's own events (looping and times stages). */
  inner: ConsumingStrategy = 'skip-till-next';
  /** `oneOrMore` / `timesOrMore`: the stage may take any number of events after its minimum. */
  looping = false;
  /** `times(n)` / `times(min, max)`. */
  times = false;
  /** `optional()`. */
  optional = false;
  /** `greedy()`. */
  greedy = false;

  constructor(consuming: ConsumingStrategy) {
    this.consuming = consuming;
  }

  /** True for the two negated strategies (`notNext`, `notFollowedBy`). */
  get isNot(): boolean {
    return this.consuming === 'not-follow' || this.consuming === 'not-next';
  }

  /** True once `times`, `timesOrMore` or `oneOrMore` was applied. */
  get isQuantified(): boolean {
    return this.looping || this.times;
  }

  /** A readable form for error messages: `oneOrMore`, `times`, `one`. */
  describe(): string {
    if (this.looping) return 'looping (oneOrMore/timesOrMore)';
    if (this.times) return 'times';
    return 'one';
  }
}
