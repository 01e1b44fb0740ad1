/**
 * The one-record-at-a-time operators: map, filter, flatMap. Each is a direct call into the user
 * function and the next operator; nothing is allocated per record.
 */
import type { Collector, FilterLike, FlatMapLike, MapLike } from '../functions.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';

export class StreamMap<IN, OUT> extends AbstractStreamOperator<IN, OUT> {
  private readonly fn: (v: IN) => OUT;
  constructor(f: MapLike<IN, OUT>) {
    super();
    this.functions.push(f);
    if (typeof f === 'function') this.fn = f;
    else this.fn = (v) => f.map(v);
  }
  processElement(value: IN, timestamp: number): void {
    this.output.collect(this.fn(value), timestamp);
  }
}

export class StreamFilter<T> extends AbstractStreamOperator<T, T> {
  private readonly fn: (v: T) => boolean;
  constructor(f: FilterLike<T>) {
    super();
    this.functions.push(f);
    if (typeof f === 'function') this.fn = f;
    else this.fn = (v) => f.filter(v);
  }
  processElement(value: T, timestamp: number): void {
    if (this.fn(value)) this.output.collect(value, timestamp);
  }
}

/** Emits with the input record's timestamp (Flink's TimestampedCollector). */
export class TimestampedCollector<T> implements Collector<T> {
  timestamp = 0;
  constructor(private readonly out: { collect(v: T, ts: number): void }) {}
  collect(value: T): void {
    this.out.collect(value, this.timestamp);
  }
}

export class StreamFlatMap<IN, OUT> extends AbstractStreamOperator<IN, OUT> {
  private readonly fn: (v: IN, out: Collector<OUT>) => void;
  private collector!: TimestampedCollector<OUT>;
  constructor(f: FlatMapLike<IN, OUT>) {
    super();
    this.functions.push(f);
    if (typeof f === 'function') this.fn = f;
    else this.fn = (v, out) => f.flatMap(v, out);
  }
  override open(): void {
    this.collector = new TimestampedCollector<OUT>(this.output);
    super.open();
  }
  processElement(value: IN, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn(value, this.collector);
  }
}
