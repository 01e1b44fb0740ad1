/**
 * `DataStream<T>`: the typed stream API. Each method adds a transformation and returns the new stream;
 * nothing runs until `execute()`.
 */
import { checkRecordType, type RecordType } from './record-type.ts';
import { ConfigurationError } from '../core/index.ts';
import { showValue } from './config.ts';
import type { StreamEnvironment } from './environment.ts';
import type {
  OneInputTransformation,
  OperatorFactory,
  PartitionTransformation,
  PartitionerKind,
  SideOutputTransformation,
  Transformation,
  UnionTransformation,
} from './transformation.ts';
import type { FilterLike, FlatMapLike, KeySelectorLike, MapLike, ProcessFunctionLike } from './functions.ts';
import { toKeySelector } from './functions.ts';
import type { OutputTag } from './output-tag.ts';
import type { Sink } from './sink.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';
import type { JobExecutionResult } from './launch.ts';
import { StreamMap, StreamFilter, StreamFlatMap } from './operators/simple-operators.ts';
import { ProcessOperator } from './operators/process-operators.ts';
import { SinkOperator } from './operators/sink-operator.ts';
import { TimestampsAndWatermarksOperator } from './operators/timestamps-and-watermarks.ts';
import { PrintSink } from './sinks/print-sink.ts';
import { CollectSink } from './sinks/collect-sink.ts';
import type { KeyedStream } from './keyed-stream.ts';
import { ConnectedStreams, BroadcastConnectedStream } from './connected-streams.ts';
import { BroadcastStream } from './broadcast-stream.ts';
import type { MapStateDescriptor } from '../state/index.ts';
import { AllWindowedStream, CoGroupedStreams, JoinedStreams, type WindowAssigner, type Window } from './windowing/index.ts';

/**
 * @internal Subclasses of DataStream, bound when their modules load (KeyedStream extends DataStream,
 * and DataStream.keyBy creates one: a static import both ways would be a cycle).
 */
export const streamClasses: { KeyedStream?: new (env: StreamEnvironment, t: Transformation, sel: (v: any) => any) => KeyedStream<any, any> } = {};

function checkFn(what: string, f: unknown, method?: string): void {
  const ok = typeof f === 'function' || (f !== null && typeof f === 'object' && (!method || typeof (f as any)[method] === 'function'));
  if (!ok) throw new ConfigurationError(`${what}: expected a function${method ? ` or an object with ${method}()` : ''}, got ${f === null ? 'null' : typeof f}`);
}

export class DataStream<T> {
  constructor(
    readonly env: StreamEnvironment,
    /** @internal */ readonly transformation: Transformation,
  ) {}

  /** Adds a one-input operator after this stream. */
  transform<R>(name: string, factory: OperatorFactory, keySelector?: (v: T) => unknown): DataStream<R> {
    const t = this.env.addTransformation<OneInputTransformation>({
      kind: 'one-input',
      name,
      input: this.transformation,
      factory,
      keySelector,
    });
    return new DataStream<R>(this.env, t);
  }

  map<R>(fn: MapLike<T, R>): DataStream<R> {
    checkFn('map', fn, 'map');
    return this.transform<R>('Map', () => new StreamMap<T, R>(fn));
  }
  filter(fn: FilterLike<T>): DataStream<T> {
    checkFn('filter', fn, 'filter');
    return this.transform<T>('Filter', () => new StreamFilter<T>(fn));
  }
  flatMap<R>(fn: FlatMapLike<T, R>): DataStream<R> {
    checkFn('flatMap', fn, 'flatMap');
    return this.transform<R>('FlatMap', () => new StreamFlatMap<T, R>(fn));
  }
  process<R>(fn: ProcessFunctionLike<T, R>): DataStream<R> {
    checkFn('process', fn, 'processElement');
    return this.transform<R>('Process', () => new ProcessOperator<T, R>(fn));
  }

  keyBy<K>(key: KeySelectorLike<T, K>): KeyedStream<T, K> {
    checkFn('keyBy', key, 'getKey');
    const sel = toKeySelector(key);
    const t = this.partition('hash', sel as (v: T) => unknown);
    return new streamClasses.KeyedStream!(this.env, t, sel) as KeyedStream<T, K>;
  }

  /** @internal */
  partition(kind: PartitionerKind, keySelector?: (v: T) => unknown): PartitionTransformation {
    return this.env.addTransformation<PartitionTransformation>({
      kind: 'partition',
      name: kind,
      input: this.transformation,
      partitioner: kind,
      keySelector,
    });
  }
  private repartition(kind: PartitionerKind): DataStream<T> {
    return new DataStream<T>(this.env, this.partition(kind));
  }
  rebalance(): DataStream<T> {
    return this.repartition('rebalance');
  }
  rescale(): DataStream<T> {
    return this.repartition('rescale');
  }
  forward(): DataStream<T> {
    return this.repartition('forward');
  }
  shuffle(): DataStream<T> {
    return this.repartition('shuffle');
  }
  global(): DataStream<T> {
    return this.repartition('global');
  }
  /** Every record to every downstream subtask; with descriptors, a broadcast-state stream for `connect`. */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): DataStream<T> | BroadcastStream<T> {
    const s = this.repartition('broadcast');
    return descriptors.length === 0 ? s : new BroadcastStream<T>(this.env, s.transformation, descriptors);
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) if (o.env !== this.env) throw new ConfigurationError('union: streams belong to different environments');
    const t = this.env.addTransformation<UnionTransformation>({
      kind: 'union',
      name: 'Union',
      inputs: [this.transformation, ...others.map((o) => o.transformation)],
    });
    return new DataStream<T>(this.env, t);
  }

  /** Window join: `a.join(b).where(k1).equalTo(k2).window(assigner).apply((x, y) => ...)`. */
  join<U>(other: DataStream<U>): JoinedStreams<T, U> {
    return new JoinedStreams<T, U>(this, other);
  }
  /** Window co-group: `a.coGroup(b).where(k1).equalTo(k2).window(assigner).apply((xs, ys, out) => ...)`. */
  coGroup<U>(other: DataStream<U>): CoGroupedStreams<T, U> {
    return new CoGroupedStreams<T, U>(this, other);
  }
  /** Windows over the whole (non-keyed) stream, computed with parallelism 1. */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W> | WindowAssigner<unknown, W>): AllWindowedStream<T, W> {
    return new AllWindowedStream<T, W>(this, assigner as WindowAssigner<T, W>);
  }

  connect<U>(other: BroadcastStream<U>): BroadcastConnectedStream<T, U>;
  connect<U>(other: DataStream<U>): ConnectedStreams<T, U>;
  connect<U>(other: DataStream<U> | BroadcastStream<U>): ConnectedStreams<T, U> | BroadcastConnectedStream<T, U> {
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, U>(this, other);
    return new ConnectedStreams<T, U>(this, other);
  }

  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    // The strategy rides along on the factory: local window aggregation looks upstream for idleness.
    const factory = Object.assign(() => new TimestampsAndWatermarksOperator<T>(strategy), { watermarkStrategy: strategy });
    return this.transform<T>('Timestamps/Watermarks', factory);
  }

  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    const t = this.env.addTransformation<SideOutputTransformation>({
      kind: 'side-output',
      name: `SideOutput(${tag.id})`,
      input: this.transformation,
      tag,
    });
    return new DataStream<X>(this.env, t);
  }

  sinkTo(sink: Sink<T, any, any>, name = sink?.name ?? 'Sink'): DataStreamSink<T> {
    if (!sink || typeof sink.createWriter !== 'function') throw new ConfigurationError(`sinkTo: not a Sink (needs createWriter)`);
    const t = this.env.addTransformation<OneInputTransformation>({
      kind: 'one-input',
      name,
      input: this.transformation,
      factory: () => new SinkOperator<T>(sink),
      isSink: true,
      sink,
    });
    return new DataStreamSink<T>(t);
  }

  /** Prints every record to stdout, prefixed with `subtask> ` when parallel (as Flink does). */
  print(prefix?: string): DataStreamSink<T> {
    return this.sinkTo(new PrintSink<T>(prefix), 'Print');
  }

  /** Runs the job and resolves to every record of this stream (in arrival order). */
  async executeAndCollect(jobName = 'collect'): Promise<T[]> {
    const sink = new CollectSink<T>();
    this.sinkTo(sink, 'Collect');
    const result: JobExecutionResult = await this.env.execute(jobName);
    return (result.collected as T[] | undefined) ?? sink.results();
  }

  /**
   * The transformation that `call` configures, which must be an operator (a source, map, process, window …).
   * Partitionings (`keyBy`, `rebalance` …), unions and side outputs are not operators and have no name,
   * uid, parallelism or chaining of their own, as in Flink (where these methods exist only on operators):
   * rather than being dropped silently, such a call fails naming it.
   */
  protected operatorFor(call: string, property: string): Transformation {
    const t = this.transformation;
    let via: string;
    let what: string;
    switch (t.kind) {
      case 'partition':
        via = t.partitioner === 'hash' ? 'keyBy(...)' : `${t.partitioner}()`;
        what = t.partitioner === 'hash' ? 'a partitioning (a KeyedStream)' : 'a partitioning';
        break;
      case 'union':
        via = 'union(...)';
        what = 'a union of streams';
        break;
      case 'side-output':
        via = `getSideOutput('${t.tag.id}')`;
        what = 'a side output of an operator';
        break;
      default:
        return t;
    }
    throw new ConfigurationError(
      `${via}.${call}: ${via} is ${what}, not an operator: it has no ${property} of its own (as in Flink); ` +
        `set it on the operator that follows, e.g. ${via}.map(fn).${call}`,
    );
  }

  setParallelism(p: number): this {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) throw new ConfigurationError(`setParallelism(${showValue(p)}) on '${this.transformation.name}': must be an integer ≥ 1`);
    const t = this.operatorFor(`setParallelism(${p})`, 'parallelism');
    if (p > this.env.config.maxParallelism)
      throw new ConfigurationError(`setParallelism(${p}) on '${t.name}' exceeds maxParallelism ${this.env.config.maxParallelism}`);
    t.parallelism = p;
    return this;
  }
  /** The operator's name, shown in the job's results, progress, REST, metrics and errors. */
  name(name: string): this {
    checkName(`name(${showValue(name)})`, name);
    this.operatorFor(`name(${showValue(name)})`, 'name').name = name;
    return this;
  }
  uid(uid: string): this {
    if (typeof uid !== 'string' || uid === '') throw new ConfigurationError(`uid(${showValue(uid)}): the uid must be a non-empty string`);
    const self = this.operatorFor(`uid('${uid}')`, 'uid');
    for (const t of this.env.transformations) {
      if (t !== self && t.uid === uid) throw new ConfigurationError(`uid '${uid}' is used by two operators ('${t.name}' and '${self.name}')`);
    }
    self.uid = uid;
    return this;
  }
  disableChaining(): this {
    this.operatorFor('disableChaining()', 'chaining').chaining = 'never';
    return this;
  }
  startNewChain(): this {
    this.operatorFor('startNewChain()', 'chaining').chaining = 'head';
    return this;
  }
  /**
   * Declares the type of this operator's records (as Flink's `returns(TypeInformation)`), e.g.
   * `.returns({ auction: 'number', channel: 'string', tags: ['string'] })`: batches that cross threads are
   * encoded by it without deriving it from the records. A record that does not match is still sent (in
   * the general encoding); see {@link RecordType}.
   */
  returns(type: RecordType): this {
    checkRecordType(type, `returns() on '${this.transformation.name}'`);
    this.operatorFor('returns()', 'record type').recordType = type;
    return this;
  }
}

function checkName(call: string, name: unknown): void {
  if (typeof name !== 'string' || name.trim() === '') throw new ConfigurationError(`${call}: the name must be a non-empty string`);
}

export class DataStreamSink<T> {
  constructor(/** @internal */ readonly transformation: OneInputTransformation) {}
  setParallelism(p: number): this {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1)
      throw new ConfigurationError(`setParallelism(${showValue(p)}) on sink '${this.transformation.name}': must be an integer ≥ 1`);
    this.transformation.parallelism = p;
    return this;
  }
  name(name: string): this {
    checkName(`name(${showValue(name)}) on sink '${this.transformation.name}'`, name);
    this.transformation.name = name;
    return this;
  }
  /** A stable id (see DataStream.uid); uniqueness is checked when the job's graph is built. */
  uid(uid: string): this {
    if (typeof uid !== 'string' || uid === '') throw new ConfigurationError(`uid(${showValue(uid)}) on sink '${this.transformation.name}': the uid must be a non-empty string`);
    this.transformation.uid = uid;
    return this;
  }
  /** @internal */ declare readonly __type?: T;
}
