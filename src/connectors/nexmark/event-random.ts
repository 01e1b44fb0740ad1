/**
 * The per-event random source. Event `n` of seed `s` draws from a stream that depends only on `(s, n)`,
 * so any reader can generate any event without generating its predecessors — the property that makes
 * every split of the number range across parallel readers yield the same events.
 *
 * Construction (allocation-free): the event's 64-bit starting state is
 * `(x, y) = (fmix32(lo32(n) ^ k1), fmix32(x ^ hi32(n)·φ ^ k2))` with `k1, k2` derived from the seed, which
 * is injective in `n` for a fixed seed (fmix32 is a bijection); draws then step Marsaglia's two-word
 * xorshift (period 2⁶⁴ − 1), six shifts/xors and no multiply per draw. Two events' streams could only
 * overlap if their start states were within a few steps on a 2⁶⁴ cycle: negligible. Not cryptographic;
 * uniform enough for a workload generator. Never uses `Math.random`.
 */

const TWO_POW_32 = 4294967296;

/** MurmurHash3's 32-bit finalizer: a fast bijective avalanche on 32-bit integers. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A reusable random stream positioned on one event at a time: call {@link EventRandom.reset} with the
 * event number, then draw.
 */
export class EventRandom {
  private readonly k1: number;
  private readonly k2: number;
  private x = 0;
  private y = 0;

  /** @param seed any safe integer; distinct seeds give unrelated streams. */
  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) | 0;
    this.k1 = fmix32(lo ^ fmix32(hi ^ 0x243f6a88));
    this.k2 = fmix32(this.k1 ^ 0x9e3779b9) | 1;
  }

  /** Positions the stream at the first draw of event `n` (a non-negative safe integer). */
  reset(n: number): void {
    const lo = n >>> 0;
    const hi = ((n - lo) / TWO_POW_32) | 0;
    const x = fmix32(lo ^ this.k1) | 0;
    this.x = x;
    // Never (0, 0): y is 0 only for one x, and that x is then non-zero unless k2 collides (it is odd).
    this.y = fmix32(x ^ Math.imul(hi, 0x9e3779b9) ^ this.k2) | 0;
    if ((x | this.y) === 0) this.y = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    let t = this.x;
    const s = this.y;
    this.x = s;
    t ^= t << 11;
    t ^= t >>> 8;
    const y = s ^ (s >>> 19) ^ t;
    this.y = y;
    return y >>> 0;
  }

  /** Uniform integer in `[0, bound)`, for `1 <= bound <= 2**32` (multiply-shift, negligible bias). */
  nextInt(bound: number): number {
    return Math.floor((this.nextU32() * bound) / TWO_POW_32);
  }

  /** Uniform double in `[0, 1)` with 32 bits of resolution. */
  nextDouble(): number {
    return this.nextU32() / TWO_POW_32;
  }
}
