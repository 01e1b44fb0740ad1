/**
 * Helpers for the CEP tests: events written as a string of tokens, matches rendered compactly.
 *
 * `events('a b:5 c')` gives `{ id: 'a0', type: 'a', v: 0 }, { id: 'b1', type: 'b', v: 5 }, …`: the id is the
 * type plus the position, `v` an optional number after a colon. Matches render as `a0 b1 c2` (events in stage
 * order) or, with `byStage`, as `a=a0 b=b1,b3`.
 */
import { NFA, type AfterMatchSkipStrategy, type Match, type NFAOptions, type Pattern } from '../../src/cep/index.ts';

export interface Ev {
  id: string;
  type: string;
  v: number;
}

/** Parses `'a b:5 c'` into events. */
export function events(input: string): Ev[] {
  return input.trim().split(/\s+/).map((tok, i) => {
    const [type, v] = tok.split(':');
    return { id: `${type}${i}`, type: type!, v: v === undefined ? 0 : Number(v) };
  });
}

/** `(e) => e.type === t`. */
export const is = (t: string) => (e: Ev): boolean => e.type === t;

/** `a0 b1 c2`. */
export function fmt(m: Match<Ev>): string {
  return [...m.values()].flat().map((e) => e.id).join(' ');
}

/** `a=a0 b=b1,b3`. */
export function fmtStages(m: Match<Ev>): string {
  return [...m].map(([k, v]) => `${k}=${v.map((e) => e.id).join(',')}`).join(' ');
}

export interface RunOptions extends NFAOptions {
  /** Timestamps per event (default: the position). */
  ts?: number[];
  /** Call `advanceTime` with this after the last event (default: none). */
  end?: number;
  byStage?: boolean;
}

/** Runs `pattern` over `input` with a fresh NFA and returns rendered matches in emission order. */
export function run(pattern: Pattern<Ev, any>, input: string, opts: RunOptions = {}): string[] {
  const nfa = NFA.compile(pattern, opts);
  const f = opts.byStage ? fmtStages : fmt;
  const out: string[] = [];
  events(input).forEach((e, i) => {
    for (const m of nfa.process(e, opts.ts?.[i] ?? i)) out.push(f(m));
  });
  if (opts.end !== undefined) for (const m of nfa.advanceTime(opts.end).matches) out.push(f(m));
  return out;
}

/** Same as {@link run} but sorted, for cases where only the set of matches matters. */
export function runSorted(pattern: Pattern<Ev, any>, input: string, opts: RunOptions = {}): string[] {
  return run(pattern, input, opts).sort();
}

/** Runs with a skip strategy. */
export function runSkip(pattern: Pattern<Ev, any>, input: string, skip: AfterMatchSkipStrategy, opts: RunOptions = {}): string[] {
  return run(pattern, input, { ...opts, skip });
}
