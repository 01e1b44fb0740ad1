/** Statistics of alternated benchmark pairs (off/on), shared by the suites that measure a cost. */

/** Medians of each side and the median on/off ratio, with its middle half (p25–p75) and range. */
export interface Spread {
  offMs: number;
  onMs: number;
  ratio: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

/** The q-quantile of sorted values (linear interpolation). */
export function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

/** The median of values in any order. */
export function median(xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

/** The spread of pairs `(off[i], on[i])`: ratios `on / off` (the `*Ms` fields are medians of whatever unit is passed). */
export function spread(off: number[], on: number[]): Spread {
  const ratios = on.map((x, i) => x / off[i]!).sort((a, b) => a - b);
  return { offMs: median(off), onMs: median(on), ratio: quantile(ratios, 0.5), p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75), min: ratios[0]!, max: ratios[ratios.length - 1]! };
}
