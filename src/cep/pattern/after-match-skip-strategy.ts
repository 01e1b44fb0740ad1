/**
 * After-match skip strategies: which partial matches survive once a match is emitted.
 *
 * Same five strategies and semantics as Flink's `AfterMatchSkipStrategy`. Each partial match is identified by
 * its first event; an event id is `(timestamp, sequence)`, ordered by timestamp then arrival. After a match,
 * the strategy names a *pruning id* and discards every partial (and pending completed) match that started
 * at or before it (`noSkip`: none; `skipToNext`: the match's first event; `skipPastLastEvent`: its last
 * event) or strictly before it (`skipToFirst(name)` / `skipToLast(name)`: the first / last event the stage
 * `name` took). When that stage took nothing, the strategy does nothing, or throws if built with
 * `throwExceptionOnMiss()`. When that event is the match's own first event, pruning "strictly before" it
 * removes nothing (the strategy acts as `noSkip`), and `throwExceptionOnMiss()` throws instead, as Flink's
 * `SkipToElementStrategy` does: skipping back to where the match started would find the same match again
 * (the reason SQL's MATCH_RECOGNIZE treats it as an error).
 */
import { EddyError } from '../../core/index.ts';

/** Discriminates the strategies (also the JSON form used by dynamic patterns). */
export type SkipKind = 'no-skip' | 'skip-to-next' | 'skip-past-last-event' | 'skip-to-first' | 'skip-to-last';

/** An event id as the NFA sees it: timestamp, then arrival sequence. */
export interface EventIdLike {
  readonly ts: number;
  readonly seq: number;
}

/**
 * Why a `throwExceptionOnMiss()` strategy threw: its stage took no event in the match (`'no-event'`), or the
 * event to skip to is the match's first event (`'match-start'`).
 */
export type SkipMissReason = 'no-event' | 'match-start';

/**
 * Raised by `skipToFirst(stage)`/`skipToLast(stage)` built with `throwExceptionOnMiss()` when the stage took
 * no event in a match, or when the event to skip to is the first event of the match.
 */
export class SkipStrategyMissError extends EddyError {
  constructor(readonly stage: string, kind: SkipKind, readonly reason: SkipMissReason = 'no-event') {
    super(reason === 'no-event'
      ? `after-match skip strategy ${kind}("${stage}"): the stage took no event in this match`
      : `after-match skip strategy ${kind}("${stage}").throwExceptionOnMiss(): the ${kind === 'skip-to-first' ? 'first' : 'last'} ` +
        `event of stage "${stage}" is the first event of the match, so skipping to it would start the same match again`, {
      domain: 'user',
      retriable: false,
    });
  }
}

/** Compares two event ids: negative if `a` comes first. */
export function compareEventIds(a: EventIdLike, b: EventIdLike): number {
  return a.ts !== b.ts ? (a.ts < b.ts ? -1 : 1) : a.seq - b.seq;
}

/** The earliest event id of a match (each stage's list is in order, so only the heads are compared). */
function firstEventId(ids: ReadonlyMap<string, readonly EventIdLike[]>): EventIdLike {
  let first: EventIdLike | null = null;
  for (const list of ids.values()) {
    if (list.length > 0 && (first === null || compareEventIds(list[0]!, first) < 0)) first = list[0]!;
  }
  return first!;
}

/**
 * Which partial matches to drop after a match. Immutable; build with the static factories.
 *
 * @example
 * ```ts
 * const nfa = NFA.compile(pattern, { skip: AfterMatchSkipStrategy.skipToLast('b').throwExceptionOnMiss() });
 * ```
 */
export class AfterMatchSkipStrategy {
  private constructor(
    readonly kind: SkipKind,
    readonly stage: string | null,
    readonly throwOnMiss: boolean,
  ) {}

  /** Every match is emitted; no partial match is discarded. */
  static noSkip(): AfterMatchSkipStrategy {
    return new AfterMatchSkipStrategy('no-skip', null, false);
  }
  /** Discards partial matches that started with the match's first event (or earlier). */
  static skipToNext(): AfterMatchSkipStrategy {
    return new AfterMatchSkipStrategy('skip-to-next', null, false);
  }
  /** Discards partial matches that started at or before the match's last event. */
  static skipPastLastEvent(): AfterMatchSkipStrategy {
    return new AfterMatchSkipStrategy('skip-past-last-event', null, false);
  }
  /** Discards partial matches that started before the first event taken by stage `name`. */
  static skipToFirst(name: string): AfterMatchSkipStrategy {
    return new AfterMatchSkipStrategy('skip-to-first', name, false);
  }
  /** Discards partial matches that started before the last event taken by stage `name`. */
  static skipToLast(name: string): AfterMatchSkipStrategy {
    return new AfterMatchSkipStrategy('skip-to-last', name, false);
  }

  /** The same strategy, throwing {@link SkipStrategyMissError} when its stage took no event. */
  throwExceptionOnMiss(): AfterMatchSkipStrategy {
    return new AfterMatchSkipStrategy(this.kind, this.stage, true);
  }

  /** False for `noSkip` (matches are then emitted as soon as they complete). */
  get isSkip(): boolean {
    return this.kind !== 'no-skip';
  }

  /**
   * The id partial matches are pruned against, or `null` to prune nothing.
   * @param ids event ids of the match, by stage, each list in order
   */
  pruningId(ids: ReadonlyMap<string, readonly EventIdLike[]>): EventIdLike | null {
    switch (this.kind) {
      case 'no-skip':
        return null;
      case 'skip-to-next':
      case 'skip-past-last-event': {
        let best: EventIdLike | null = null;
        const wantMin = this.kind === 'skip-to-next';
        for (const list of ids.values()) {
          for (const id of list) {
            if (best === null || (wantMin ? compareEventIds(id, best) < 0 : compareEventIds(id, best) > 0)) best = id;
          }
        }
        return best;
      }
      case 'skip-to-first':
      case 'skip-to-last': {
        const list = ids.get(this.stage!);
        if (list === undefined || list.length === 0) {
          if (this.throwOnMiss) throw new SkipStrategyMissError(this.stage!, this.kind, 'no-event');
          return null;
        }
        const id = this.kind === 'skip-to-first' ? list[0]! : list[list.length - 1]!;
        if (this.throwOnMiss && compareEventIds(id, firstEventId(ids)) === 0) {
          throw new SkipStrategyMissError(this.stage!, this.kind, 'match-start');
        }
        return id;
      }
    }
  }

  /** Whether a partial match starting at `start` is discarded given the pruning id. */
  shouldPrune(start: EventIdLike, pruningId: EventIdLike): boolean {
    const c = compareEventIds(start, pruningId);
    return this.kind === 'skip-to-first' || this.kind === 'skip-to-last' ? c < 0 : c <= 0;
  }

  /** `skipToLast('b')`, `noSkip()`: for messages and docs. */
  toString(): string {
    const base = this.stage === null ? this.kind : `${this.kind}("${this.stage}")`;
    return this.throwOnMiss ? `${base}.throwExceptionOnMiss()` : base;
  }
}
