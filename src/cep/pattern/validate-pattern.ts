/**
 * Whole-pattern checks, run when a pattern is compiled: the rules that need the full chain rather than one
 * stage. Every error is a {@link ConfigurationError} that names the offending stage.
 *
 * - stage names are unique, across groups too;
 * - a trailing `notFollowedBy` needs a `within` (it can only succeed when time runs out);
 * - a not-stage may not follow an optional stage (Flink's rule);
 * - the stage named by `skipToFirst`/`skipToLast` exists.
 *
 * A pattern whose every stage is optional (`a*` alone, `a? b?`) is valid, as in Flink: the automaton reaches
 * its final state only through an event it took, so every match holds at least one event.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Pattern } from './pattern.ts';
import type { AfterMatchSkipStrategy } from './after-match-skip-strategy.ts';

function fail(stage: string, message: string): never {
  throw new ConfigurationError(`CEP pattern stage "${stage}": ${message}`);
}

/** Stages of a chain, first to last. */
export function stagesOf<T>(last: Pattern<T, any>): Pattern<T, any>[] {
  const out: Pattern<T, any>[] = [];
  for (let p: Pattern<T, any> | null = last; p !== null; p = p.previous) out.push(p);
  return out.reverse();
}

/** Names of every (non-group) stage, groups expanded in order. */
export function stageNamesOf<T>(last: Pattern<T, any>): string[] {
  const names: string[] = [];
  for (const s of stagesOf(last)) {
    if (s.group !== null) names.push(...stageNamesOf(s.group));
    else names.push(s.name);
  }
  return names;
}

function hasFirstAndLastWindow<T>(last: Pattern<T, any>): boolean {
  for (const s of stagesOf(last)) {
    if (s.windowFirstAndLast !== null) return true;
    if (s.group !== null && hasFirstAndLastWindow(s.group)) return true;
  }
  return false;
}

function checkChain<T>(last: Pattern<T, any>, seen: Set<string>, inGroup: boolean): void {
  const stages = stagesOf(last);
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    if (s.group !== null) {
      checkChain(s.group, seen, true);
    } else {
      if (seen.has(s.name)) fail(s.name, 'duplicate stage name (names must be unique, groups included)');
      seen.add(s.name);
    }
    const prev = i > 0 ? stages[i - 1]! : null;
    if (s.quantifier.isNot && prev !== null && prev.quantifier.optional) {
      fail(s.name, `a not-stage cannot follow the optional stage "${prev.name}"`);
    }
    if (s.quantifier.isNot && i === stages.length - 1 && inGroup) {
      fail(s.name, 'a not-stage cannot end a group pattern');
    }
  }
}

/**
 * Validates a complete pattern (given by its last stage) before compilation.
 * @throws ConfigurationError naming the offending stage
 */
export function validatePattern<T>(last: Pattern<T, any>, skip: AfterMatchSkipStrategy): void {
  checkChain(last, new Set(), false);
  if (last.quantifier.consuming === 'not-follow' && !hasFirstAndLastWindow(last) && last.windowPreviousAndCurrent === null) {
    fail(last.name, 'notFollowedBy as the last stage needs within(ms): without a time bound it could never complete');
  }
  if (skip.stage !== null && !stageNamesOf(last).includes(skip.stage)) {
    fail(skip.stage, `named by the skip strategy ${skip.toString()} but not in the pattern`);
  }
}
