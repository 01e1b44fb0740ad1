/**
 * {@link OperatorHarness}: tests a pipeline fragment without threads. `build` gets a placeholder input
 * stream and returns the stream to observe; the harness instantiates every operator in between (map,
 * filter, keyBy → window, process, …) in one in-process chain with a manual clock, a keyed state backend
 * and timer service per keyed operator, and lets a test push records, watermarks and processing time,
 * read the ordered output, snapshot, and restore into a fresh harness (Flink's operator test harnesses).
 *
 * @example
 * const h = OperatorHarness.of((s: DataStream<{ key: string; n: number }>) =>
 *   s.keyBy((r) => r.key).window(TumblingEventTimeWindows.of(3000)).reduce((a, b) => ({ ...a, n: a.n + b.n })));
 * h.processElement({ key: 'a', n: 1 }, 1000);
 * h.processWatermark(2999);
 * h.output(); // [{ value: { key: 'a', n: 1 }, timestamp: 2999 }, { watermark: 2999 }]
 */
import { NO_TIMESTAMP } from '../core/index.ts';
import { StreamEnvironment, type DataStream, type OutputTag } from '../api/index.ts';
import type { HarnessOptions } from './harness-node.ts';
import { HarnessRuntime, type HarnessOutput, type HarnessRecord, type HarnessSnapshot } from './harness-runtime.ts';

/** Shared surface of the one- and two-input harnesses. */
export abstract class AbstractHarness<OUT> {
  protected constructor(/** @internal */ protected readonly rt: HarnessRuntime) {}

  /** Sets processing time to `t` (absolute ms); fires due processing-time timers and wake-ups. */
  setProcessingTime(t: number): void {
    this.rt.setProcessingTime(t);
  }
  /** The current processing time. */
  getProcessingTime(): number {
    return this.rt.clock.now();
  }
  /** Everything emitted so far, in order: records (`{ value, timestamp? }`) and watermarks (`{ watermark }`). */
  output(): HarnessOutput<OUT>[] {
    return this.rt.outputList() as HarnessOutput<OUT>[];
  }
  /** Only the records of {@link output}. */
  records(): HarnessRecord<OUT>[] {
    return this.output().filter((e): e is HarnessRecord<OUT> => 'value' in e);
  }
  /** Only the record values of {@link output}. */
  values(): OUT[] {
    return this.records().map((r) => r.value);
  }
  /** Only the watermarks of {@link output}. */
  watermarks(): number[] {
    return this.output().flatMap((e) => ('watermark' in e ? [e.watermark] : []));
  }
  /** Forgets the output and side outputs gathered so far. */
  clearOutput(): void {
    this.rt.clearOutput();
  }
  /** Records any operator emitted to side output `tag`, in order. */
  sideOutput<X>(tag: OutputTag<X>): HarnessRecord<X>[] {
    return this.rt.sideOutput(tag as OutputTag<unknown>) as HarnessRecord<X>[];
  }
  /** A metric counter summed over the operators, e.g. `numLateRecordsDropped`. */
  counter(name: string): number {
    return this.rt.counter(name);
  }
  /** Keyed state, timers, operator state and custom state of every operator (structured-clone-able). */
  snapshot(): HarnessSnapshot {
    return this.rt.snapshot();
  }
  /**
   * Asynchronous operators (async I/O): processes the mail they asked for — completed requests are
   * emitted, waiting ones started — as the task loop would. Deterministic: nothing is emitted otherwise.
   */
  processMail(): void {
    this.rt.processMail();
  }
  /** Waits for every asynchronous request of the pipeline, processing mail as it arrives. */
  settle(): Promise<void> {
    return this.rt.settle();
  }
  /** Sends the final watermark and calls `finish()` on every operator (end of a bounded input). */
  endInput(): void {
    this.rt.endInput();
  }
  /** Closes operators and releases state (temporary lmdb directories included). */
  close(): void {
    this.rt.close();
  }
}

/** A harness around `build(input)`: one input. */
export class OperatorHarness<IN, OUT> extends AbstractHarness<OUT> {
  private constructor(rt: HarnessRuntime) {
    super(rt);
  }

  /** Builds the pipeline and opens its operators. */
  static of<IN, OUT>(build: (input: DataStream<IN>) => DataStream<OUT>, opts: HarnessOptions = {}): OperatorHarness<IN, OUT> {
    return OperatorHarness.create(build, opts, undefined);
  }

  /** Builds the same pipeline again and restores `snapshot` into it: the new harness continues from there. */
  static restore<IN, OUT>(build: (input: DataStream<IN>) => DataStream<OUT>, snapshot: HarnessSnapshot, opts: HarnessOptions = {}): OperatorHarness<IN, OUT> {
    return OperatorHarness.create(build, opts, snapshot);
  }

  private static create<IN, OUT>(build: (input: DataStream<IN>) => DataStream<OUT>, opts: HarnessOptions, snapshot: HarnessSnapshot | undefined): OperatorHarness<IN, OUT> {
    const env = StreamEnvironment.create(opts.maxParallelism ? { maxParallelism: opts.maxParallelism } : {});
    const input = env.fromCollection<IN>([], 'harness input');
    const out = build(input);
    if (!out || typeof out !== 'object' || !('transformation' in out)) throw new TypeError('OperatorHarness.of: build must return a DataStream');
    return new OperatorHarness<IN, OUT>(new HarnessRuntime([input.transformation], out.transformation, { maxParallelism: env.config.maxParallelism, ...opts }, snapshot));
  }

  /** Pushes a record (without a timestamp when `timestamp` is omitted). */
  processElement(value: IN, timestamp?: number): void {
    this.rt.pushRecord(0, value, timestamp ?? NO_TIMESTAMP);
  }
  /** Pushes several `[value, timestamp]` records. */
  processElements(records: Array<[IN, number]>): void {
    for (const [v, ts] of records) this.processElement(v, ts);
  }
  /** Pushes a watermark. */
  processWatermark(watermark: number): void {
    this.rt.pushWatermark(0, watermark);
  }
}

/** A harness around `build(a, b)`: two inputs (joins, connect, interval joins). */
export class TwoInputOperatorHarness<IN1, IN2, OUT> extends AbstractHarness<OUT> {
  private constructor(rt: HarnessRuntime) {
    super(rt);
  }

  static of<IN1, IN2, OUT>(build: (a: DataStream<IN1>, b: DataStream<IN2>) => DataStream<OUT>, opts: HarnessOptions = {}): TwoInputOperatorHarness<IN1, IN2, OUT> {
    return TwoInputOperatorHarness.create(build, opts, undefined);
  }
  static restore<IN1, IN2, OUT>(
    build: (a: DataStream<IN1>, b: DataStream<IN2>) => DataStream<OUT>,
    snapshot: HarnessSnapshot,
    opts: HarnessOptions = {},
  ): TwoInputOperatorHarness<IN1, IN2, OUT> {
    return TwoInputOperatorHarness.create(build, opts, snapshot);
  }
  private static create<IN1, IN2, OUT>(
    build: (a: DataStream<IN1>, b: DataStream<IN2>) => DataStream<OUT>,
    opts: HarnessOptions,
    snapshot: HarnessSnapshot | undefined,
  ): TwoInputOperatorHarness<IN1, IN2, OUT> {
    const env = StreamEnvironment.create(opts.maxParallelism ? { maxParallelism: opts.maxParallelism } : {});
    const a = env.fromCollection<IN1>([], 'harness input 1');
    const b = env.fromCollection<IN2>([], 'harness input 2');
    const out = build(a, b);
    if (!out || typeof out !== 'object' || !('transformation' in out)) throw new TypeError('TwoInputOperatorHarness.of: build must return a DataStream');
    return new TwoInputOperatorHarness<IN1, IN2, OUT>(
      new HarnessRuntime([a.transformation, b.transformation], out.transformation, { maxParallelism: env.config.maxParallelism, ...opts }, snapshot),
    );
  }

  processElement1(value: IN1, timestamp?: number): void {
    this.rt.pushRecord(0, value, timestamp ?? NO_TIMESTAMP);
  }
  processElement2(value: IN2, timestamp?: number): void {
    this.rt.pushRecord(1, value, timestamp ?? NO_TIMESTAMP);
  }
  /** Watermark of input 1; operators see the minimum of both inputs. */
  processWatermark1(watermark: number): void {
    this.rt.pushWatermark(0, watermark);
  }
  processWatermark2(watermark: number): void {
    this.rt.pushWatermark(1, watermark);
  }
  /** Both inputs' watermark at once. */
  processWatermark(watermark: number): void {
    this.rt.pushWatermark(0, watermark);
    this.rt.pushWatermark(1, watermark);
  }
}
