/**
 * Two streams connected for a two-input operator: `connect(other)` → `map/flatMap/process` with one
 * function per input; keyed on both sides with `keyBy(k1, k2)`. `connect(broadcastStream)` →
 * `process(BroadcastProcessFunction | KeyedBroadcastProcessFunction)`.
 */
import { ConfigurationError } from '../core/index.ts';
import type { TwoInputTransformation } from './transformation.ts';
import type { CoFlatMapFunction, CoMapFunction, CoProcessFunctionLike, KeySelectorLike } from './functions.ts';
import { toKeySelector } from './functions.ts';
import { DataStream } from './datastream.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { BroadcastStream } from './broadcast-stream.ts';
import { CoStreamFlatMap, CoStreamMap, CoProcessOperator } from './operators/co-operators.ts';
import {
  BroadcastProcessOperator,
  type BroadcastProcessFunctionLike,
  type KeyedBroadcastProcessFunctionLike,
} from './operators/broadcast-process-operator.ts';

export class ConnectedStreams<A, B> {
  constructor(
    readonly first: DataStream<A>,
    readonly second: DataStream<B>,
  ) {
    if (first.env !== second.env) throw new ConfigurationError('connect: streams belong to different environments');
  }

  private keyOf(s: DataStream<unknown>): ((v: any) => unknown) | undefined {
    return (s as KeyedStream<unknown, unknown>).keySelector as ((v: any) => unknown) | undefined;
  }

  private two<R>(name: string, factory: () => any): DataStream<R> {
    const k1 = this.keyOf(this.first as DataStream<unknown>);
    const k2 = this.keyOf(this.second as DataStream<unknown>);
    if ((k1 === undefined) !== (k2 === undefined))
      throw new ConfigurationError(`${name}: both connected streams must be keyed, or neither (use keyBy on both)`);
    const t = this.first.env.addTransformation<TwoInputTransformation>({
      kind: 'two-input',
      name,
      input1: this.first.transformation,
      input2: this.second.transformation,
      factory,
      keySelector1: k1,
      keySelector2: k2,
    });
    return new DataStream<R>(this.first.env, t);
  }

  keyBy<K>(key1: KeySelectorLike<A, K>, key2: KeySelectorLike<B, K>): ConnectedStreams<A, B> {
    return new ConnectedStreams<A, B>(this.first.keyBy(key1), this.second.keyBy(key2));
  }

  map<R>(fn: CoMapFunction<A, B, R>): DataStream<R> {
    if (typeof fn?.map1 !== 'function' || typeof fn?.map2 !== 'function') throw new ConfigurationError('CoMap: expected an object with map1() and map2()');
    return this.two<R>('CoMap', () => new CoStreamMap<A, B, R>(fn));
  }
  flatMap<R>(fn: CoFlatMapFunction<A, B, R>): DataStream<R> {
    if (typeof fn?.flatMap1 !== 'function' || typeof fn?.flatMap2 !== 'function')
      throw new ConfigurationError('CoFlatMap: expected an object with flatMap1() and flatMap2()');
    return this.two<R>('CoFlatMap', () => new CoStreamFlatMap<A, B, R>(fn));
  }
  process<R>(fn: CoProcessFunctionLike<A, B, R>): DataStream<R> {
    if (typeof fn?.processElement1 !== 'function' || typeof fn?.processElement2 !== 'function')
      throw new ConfigurationError('CoProcess: expected an object with processElement1() and processElement2()');
    return this.two<R>('CoProcess', () => new CoProcessOperator<A, B, R>(fn));
  }
}

export class BroadcastConnectedStream<A, B> {
  constructor(
    readonly nonBroadcast: DataStream<A>,
    readonly broadcast: BroadcastStream<B>,
  ) {}

  process<R>(fn: BroadcastProcessFunctionLike<A, B, R> | KeyedBroadcastProcessFunctionLike<unknown, A, B, R>): DataStream<R> {
    if (typeof fn?.processElement !== 'function' || typeof fn?.processBroadcastElement !== 'function')
      throw new ConfigurationError('broadcast process: expected an object with processElement() and processBroadcastElement()');
    const k1 = (this.nonBroadcast as KeyedStream<A, unknown>).keySelector as ((v: any) => unknown) | undefined;
    const descriptors = this.broadcast.descriptors;
    const t = this.nonBroadcast.env.addTransformation<TwoInputTransformation>({
      kind: 'two-input',
      name: k1 ? 'KeyedBroadcastProcess' : 'BroadcastProcess',
      input1: this.nonBroadcast.transformation,
      input2: this.broadcast.transformation,
      factory: () => new BroadcastProcessOperator<A, B, R>(fn as any, descriptors, k1 !== undefined),
      keySelector1: k1,
      broadcastInput2: true,
    });
    return new DataStream<R>(this.nonBroadcast.env, t);
  }
}
