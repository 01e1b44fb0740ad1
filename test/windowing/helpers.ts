/** Shared fixtures of the window tests: record type, reducers, aggregate functions and harness builders. */
import type { AggregateFunction } from '../../src/state/index.ts';
import type { StateBackendKind } from '../../src/state/index.ts';

export interface Ev {
  key: string;
  n: number;
}
export const ev = (key: string, n = 1): Ev => ({ key, n });
export const sum = (a: Ev, b: Ev): Ev => ({ key: a.key, n: a.n + b.n });

/** Counts elements and sums `n`: `[count, sum]`, mergeable. */
export const countSum: AggregateFunction<Ev, [number, number], { count: number; sum: number }> = {
  createAccumulator: () => [0, 0],
  add: (v, acc) => [acc[0] + 1, acc[1] + v.n],
  getResult: (acc) => ({ count: acc[0], sum: acc[1] }),
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

/** The backends the window suite runs against. */
export const BACKENDS: StateBackendKind[] = ['heap', 'lmdb'];
