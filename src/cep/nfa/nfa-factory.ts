/**
 * A compiled pattern that stamps out NFA instances: compile (and validate) once, then create or restore one
 * NFA per key. This is what the CEP operator holds; tests and single-key users can call `NFA.compile`.
 */
import { AfterMatchSkipStrategy } from '../pattern/after-match-skip-strategy.ts';
import type { Pattern } from '../pattern/pattern.ts';
import { validatePattern } from '../pattern/validate-pattern.ts';
import { compileStates } from './nfa-compiler.ts';
import { NFA } from './nfa.ts';
import { createNFAConfig, type NFAConfig, type NFAOptions } from './nfa-config.ts';
import type { NFASnapshot } from './nfa-snapshot.ts';
import type { CompiledPattern } from './state.ts';
import type { ComputationState } from './computation-state.ts';
import { canStart, startTakeConditions } from './step.ts';
import type { MaybeCondition } from '../pattern/condition.ts';

/**
 * Creates NFAs for one pattern.
 *
 * @example
 * ```ts
 * const factory = NFAFactory.of(pattern, { skip: AfterMatchSkipStrategy.skipPastLastEvent() });
 * const perKey = new Map<string, NFA<Tx>>();
 * const nfa = perKey.get(card) ?? factory.create();
 * ```
 */
export class NFAFactory<T> {
  private readonly config: NFAConfig<T>;
  private readonly startTakes: readonly MaybeCondition<T>[] | null;
  private readonly start: ComputationState<T>;

  private constructor(readonly compiled: CompiledPattern<T>, options: NFAOptions & { skip: AfterMatchSkipStrategy }) {
    this.config = createNFAConfig(compiled, options);
    this.startTakes = startTakeConditions(compiled.startState);
    this.start = this.config.startState(1);
  }

  /** Validates and compiles `pattern`. @throws ConfigurationError naming the offending stage */
  static of<T>(pattern: Pattern<T, any>, options: NFAOptions = {}): NFAFactory<T> {
    const skip = options.skip ?? pattern.getAfterMatchSkipStrategy();
    validatePattern(pattern, skip);
    return new NFAFactory(compileStates(pattern), { ...options, skip });
  }

  /** The skip strategy instances use. */
  get skip(): AfterMatchSkipStrategy {
    return this.config.skip;
  }

  /**
   * Whether a fresh NFA would take `event` (start a partial match). When false, processing it on a fresh
   * NFA changes nothing, so an operator need not create state for a key that has none. No allocation.
   */
  canStart(event: T, timestamp: number): boolean {
    return canStart(this.start, event, timestamp, this.startTakes);
  }

  /** A fresh NFA (only the start state). */
  create(): NFA<T> {
    return new NFA(this.config);
  }

  /** An NFA rebuilt from a snapshot taken by an instance of the same pattern. */
  restore(snapshot: NFASnapshot<T>): NFA<T> {
    return this.create().restoreFrom(snapshot);
  }
}
