/**
 * Metric groups: where operators and user functions register metrics (Flink's `MetricGroup`:
 * `counter`, `gauge`, `histogram`, `meter`, `addGroup`). One {@link OperatorMetricGroup} per operator
 * subtask; the slot reads it with {@link OperatorMetricGroup.sample} when it reports. Registering is done
 * in `open()`; updating a metric is a field write.
 */
import { DescriptiveStatisticsHistogram, MeterView, SimpleCounter, type Counter, type Gauge, type Histogram, type HistogramStatistics, type Meter } from './metric-types.ts';

/** What user code registers metrics on (`getRuntimeContext().getMetricGroup()`). */
export interface MetricGroup {
  /** A counter (the same one for the same name in this group). */
  counter(name: string, counter?: Counter): Counter;
  /** A gauge: a function or a {@link Gauge}, read when the metrics are reported. */
  gauge<T extends number>(name: string, gauge: Gauge<T> | (() => T)): Gauge<T>;
  histogram(name: string, histogram?: Histogram): Histogram;
  meter(name: string, meter?: Meter): Meter;
  /** A subgroup: `addGroup('cache')`, or a key/value group `addGroup('region', 'eu')` (a label in Prometheus). */
  addGroup(name: string, value?: string): MetricGroup;
  /** The names of this group's scope below the operator (user groups). */
  getScopeComponents(): string[];
}

/** One metric value, as reported to the JobManager (structured-clone-able). */
export interface MetricSample {
  /** User groups below the operator: names, and `key=value` for key/value groups. */
  scope: string[];
  name: string;
  kind: 'counter' | 'gauge' | 'meter' | 'histogram';
  value: number;
  /** Histograms only. */
  stats?: HistogramStatistics;
}

type Entry = { kind: 'counter'; m: Counter } | { kind: 'gauge'; m: Gauge<number> } | { kind: 'histogram'; m: Histogram } | { kind: 'meter'; m: Meter };

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

class GroupImpl implements MetricGroup {
  readonly entries = new Map<string, Entry>();
  readonly groups = new Map<string, GroupImpl>();
  constructor(readonly scope: string[]) {}

  private add<E extends Entry>(name: string, kind: E['kind'], make: () => E['m']): E['m'] {
    if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`metric name must be a name (letters, digits, _ . -), got ${JSON.stringify(name)}`);
    const had = this.entries.get(name);
    if (had !== undefined) {
      if (had.kind !== kind) throw new TypeError(`metric '${name}' is already registered as a ${had.kind}, not a ${kind}`);
      return had.m;
    }
    const m = make();
    this.entries.set(name, { kind, m } as Entry);
    return m;
  }
  counter(name: string, counter?: Counter): Counter {
    return this.add(name, 'counter', () => counter ?? new SimpleCounter()) as Counter;
  }
  gauge<T extends number>(name: string, gauge: Gauge<T> | (() => T)): Gauge<T> {
    const g: Gauge<T> = typeof gauge === 'function' ? { getValue: gauge } : gauge;
    if (typeof g?.getValue !== 'function') throw new TypeError(`gauge '${name}' must be a function or have getValue()`);
    return this.add(name, 'gauge', () => g as Gauge<number>) as Gauge<T>;
  }
  histogram(name: string, histogram?: Histogram): Histogram {
    return this.add(name, 'histogram', () => histogram ?? new DescriptiveStatisticsHistogram()) as Histogram;
  }
  meter(name: string, meter?: Meter): Meter {
    return this.add(name, 'meter', () => meter ?? new MeterView()) as Meter;
  }
  addGroup(name: string, value?: string): MetricGroup {
    if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`metric group name must be a name (letters, digits, _ . -), got ${JSON.stringify(name)}`);
    const key = value === undefined ? name : `${name}=${String(value)}`;
    let g = this.groups.get(key);
    if (g === undefined) this.groups.set(key, (g = new GroupImpl([...this.scope, key])));
    return g;
  }
  getScopeComponents(): string[] {
    return [...this.scope];
  }

  collect(out: MetricSample[]): void {
    for (const [name, e] of this.entries) {
      const scope = this.scope;
      switch (e.kind) {
        case 'counter':
          out.push({ scope, name, kind: 'counter', value: e.m.getCount() });
          break;
        case 'gauge': {
          let v: number;
          try {
            v = Number(e.m.getValue());
          } catch {
            v = NaN; // a gauge that throws reports NaN rather than failing the task
          }
          out.push({ scope, name, kind: 'gauge', value: v });
          break;
        }
        case 'meter':
          out.push({ scope, name, kind: 'meter', value: e.m.getRate() });
          break;
        case 'histogram': {
          const stats = e.m.getStatistics();
          out.push({ scope, name, kind: 'histogram', value: stats.count, stats });
          break;
        }
      }
    }
    for (const g of this.groups.values()) g.collect(out);
  }
}

/**
 * The metric group of one operator subtask. Its counters double as the operator's internal counters
 * (`numLateRecordsDropped` …: `ctx.metrics.counter(name)`).
 */
export class OperatorMetricGroup extends GroupImpl {
  constructor() {
    super([]);
  }
  /** Every metric registered in this group and its subgroups, read now. */
  sample(): MetricSample[] {
    const out: MetricSample[] = [];
    this.collect(out);
    return out;
  }
  /** The counter's count, or 0 when there is no such counter (in the operator's own group). */
  countOf(name: string): number {
    const e = this.entries.get(name);
    return e?.kind === 'counter' ? e.m.getCount() : 0;
  }
}
