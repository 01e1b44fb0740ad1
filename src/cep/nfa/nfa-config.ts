/**
 * NFA options and their resolved, shared form.
 *
 * `NFAOptions` is what users pass (`skip`, `maxPartialMatches`, `limitPolicy`); `NFAConfig` is computed once
 * per compiled pattern and shared by every instance created from it (the operator creates one NFA per key),
 * together with the cached start states: every fresh key walks the same start versions `[1]`, `[2]`, ….
 */
import { EddyError } from '../../core/index.ts';
import type { AfterMatchSkipStrategy } from '../pattern/after-match-skip-strategy.ts';
import { internDewey, START_VERSION } from './dewey-number.ts';
import { ComputationState } from './computation-state.ts';
import type { CompiledPattern } from './state.ts';

/** Options of an NFA instance. */
export interface NFAOptions {
  /** After-match skip strategy; defaults to the pattern's (`noSkip()` unless given to `begin`). */
  skip?: AfterMatchSkipStrategy;
  /** Most partial matches (the start state not counted) kept at once; default unlimited. */
  maxPartialMatches?: number;
  /** What exceeding `maxPartialMatches` does: throw (default) or drop the oldest partial matches. */
  limitPolicy?: 'error' | 'drop-oldest';
}

/** Counters an operator can export as metrics. */
export interface NFAMetrics {
  /** Partial matches dropped by the `'drop-oldest'` limit policy. */
  droppedPartialMatches: number;
}

/** Raised by the `'error'` limit policy. */
export class PartialMatchLimitError extends EddyError {
  constructor(readonly limit: number, readonly count: number) {
    super(`CEP: ${count} partial matches exceed maxPartialMatches = ${limit} (a pathological pattern, e.g. followedByAny with ` +
      `allowCombinations over a long input?); raise the limit or use limitPolicy 'drop-oldest'`, { domain: 'user', retriable: false });
  }
}

/** A compiled pattern with resolved options, shared by all NFAs created from it. */
export interface NFAConfig<T> {
  readonly compiled: CompiledPattern<T>;
  readonly skip: AfterMatchSkipStrategy;
  readonly maxPartials: number;
  readonly dropOldest: boolean;
  readonly hasWindows: boolean;
  /** Smallest first-and-last `within` (0: none). */
  readonly windowTime: number;
  /** `within(…, 'previous-and-current')` by stage, or `null` when no stage has one. */
  readonly stageWindows: ReadonlyMap<string, number> | null;
  /** Start states by version digit (`[k]`), shared by every instance; see {@link NFAConfig.startState}. */
  readonly starts: Array<ComputationState<T> | undefined>;
  /** The start state at version `[k]` (cached for small `k`: every fresh key walks the same versions). */
  readonly startState: (k: number) => ComputationState<T>;
}

const START_CACHE = 256;

/** Resolves options once for a compiled pattern (see `NFAFactory`). */
export function createNFAConfig<T>(compiled: CompiledPattern<T>, options: NFAOptions & { skip: AfterMatchSkipStrategy }): NFAConfig<T> {
  const starts: Array<ComputationState<T> | undefined> = [];
  const make = (k: number) => new ComputationState(compiled.startState, null, k === 1 ? START_VERSION : internDewey([k]), 0, 0, -1);
  return {
    compiled,
    skip: options.skip,
    maxPartials: options.maxPartialMatches ?? Infinity,
    dropOldest: options.limitPolicy === 'drop-oldest',
    hasWindows: compiled.windowTime > 0 || compiled.stageWindows.size > 0,
    windowTime: compiled.windowTime,
    stageWindows: compiled.stageWindows.size > 0 ? compiled.stageWindows : null,
    starts,
    startState: (k) => (k < START_CACHE ? (starts[k] ??= make(k)) : make(k)),
  };
}

