/**
 * Flink's metric types, for user functions and operators: {@link Counter}, {@link Gauge}, {@link Histogram},
 * {@link Meter}. They are updated in the task thread and read by the slot when it reports (every 500 ms),
 * never per record by the runtime itself.
 */

/** A count that goes up (or down). */
export interface Counter {
  inc(n?: number): void;
  dec(n?: number): void;
  getCount(): number;
  /** The same as {@link getCount} (a field-like read for operators). */
  readonly count: number;
}

/** A value computed when the metrics are reported. */
export interface Gauge<T = number> {
  getValue(): T;
}

/** Statistics over the values a {@link Histogram} kept. */
export interface HistogramStatistics {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p75: number;
  p95: number;
  p98: number;
  p99: number;
  p999: number;
}

/** A distribution of values (Flink's `Histogram`). */
export interface Histogram {
  update(value: number): void;
  getCount(): number;
  getStatistics(): HistogramStatistics;
}

/** A rate of events per second (Flink's `Meter`). */
export interface Meter {
  markEvent(n?: number): void;
  getRate(): number;
  getCount(): number;
}

export class SimpleCounter implements Counter {
  private c = 0;
  inc(n = 1): void {
    this.c += n;
  }
  dec(n = 1): void {
    this.c -= n;
  }
  getCount(): number {
    return this.c;
  }
  get count(): number {
    return this.c;
  }
}

/**
 * Keeps the last `windowSize` values (Flink's `DescriptiveStatisticsHistogram`) in a ring: `update` is a store
 * and an index increment; statistics sort a copy when read.
 */
export class DescriptiveStatisticsHistogram implements Histogram {
  private readonly values: Float64Array;
  private n = 0;
  constructor(readonly windowSize = 1024) {
    if (!Number.isInteger(windowSize) || windowSize < 1) throw new RangeError(`histogram window size must be a positive integer, got ${windowSize}`);
    this.values = new Float64Array(windowSize);
  }
  update(value: number): void {
    this.values[this.n % this.windowSize] = value;
    this.n++;
  }
  getCount(): number {
    return this.n;
  }
  getStatistics(): HistogramStatistics {
    const k = Math.min(this.n, this.windowSize);
    const v = this.values.slice(0, k).sort();
    let sum = 0;
    for (let i = 0; i < k; i++) sum += v[i]!;
    const mean = k ? sum / k : 0;
    let sq = 0;
    for (let i = 0; i < k; i++) sq += (v[i]! - mean) ** 2;
    const q = (p: number) => (k ? v[Math.min(k - 1, Math.max(0, Math.ceil(p * k) - 1))]! : 0);
    return { count: this.n, min: k ? v[0]! : 0, max: k ? v[k - 1]! : 0, mean, stddev: k > 1 ? Math.sqrt(sq / (k - 1)) : 0, p50: q(0.5), p75: q(0.75), p95: q(0.95), p98: q(0.98), p99: q(0.99), p999: q(0.999) };
  }
}

/**
 * Events per second over the last `timeSpanSeconds` (Flink's `MeterView`, 60 s by default): `markEvent` adds
 * to a count (a field write); `getRate`, called when the metrics are reported (every 500 ms), samples the
 * count and divides its change since the newest sample at least `timeSpanSeconds` old by the time between
 * them. A meter younger than the time span rates over its age (its count was 0 when it was made).
 */
export class MeterView implements Meter {
  private c = 0;
  /** Sample times and counts, oldest first; the first is at most one sample older than the time span. */
  private readonly times: number[] = [];
  private readonly counts: number[] = [];
  constructor(
    readonly timeSpanSeconds = 60,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!(timeSpanSeconds > 0)) throw new RangeError(`meter time span must be > 0 seconds, got ${timeSpanSeconds}`);
    this.times.push(now());
    this.counts.push(0);
  }
  markEvent(n = 1): void {
    this.c += n;
  }
  getCount(): number {
    return this.c;
  }
  getRate(): number {
    const t = this.now();
    const times = this.times;
    const counts = this.counts;
    if (t > times[times.length - 1]!) {
      times.push(t);
      counts.push(this.c);
    } else counts[counts.length - 1] = this.c;
    const from = t - this.timeSpanSeconds * 1000;
    let drop = 0;
    while (drop + 1 < times.length && times[drop + 1]! <= from) drop++;
    if (drop > 0) {
      times.splice(0, drop);
      counts.splice(0, drop);
    }
    const dt = t - times[0]!;
    return dt > 0 ? ((this.c - counts[0]!) * 1000) / dt : 0;
  }
}
