/**
 * Transformations: the logical plan a job's DataStream calls build. Nothing here runs; the graph layer
 * turns transformations into a stream graph and a job graph, and the runtime executes that.
 *
 * Physical transformations (source, one-input, two-input, sink) become operators; virtual ones
 * (partition, side-output, union) become edge properties.
 */
import type { Source } from './source.ts';
import type { Sink } from './sink.ts';
import type { StreamOperator, TwoInputStreamOperator } from './operator.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';
import type { OutputTag } from './output-tag.ts';

export type PartitionerKind = 'forward' | 'rebalance' | 'rescale' | 'shuffle' | 'broadcast' | 'hash' | 'global';

import type { RecordType } from './record-type.ts';

export type OperatorFactory = () => StreamOperator<any, any> | TwoInputStreamOperator<any, any, any>;

interface Base {
  readonly id: number;
  name: string;
  uid?: string;
  parallelism?: number;
  maxParallelism?: number;
  /** Set by `disableChaining()` / `startNewChain()`. */
  chaining?: 'default' | 'never' | 'head';
  /** Set by `returns()`: the type of the records this transformation emits. */
  recordType?: RecordType;
}

export interface SourceTransformation extends Base {
  kind: 'source';
  source: Source<any, any, any>;
  watermarkStrategy: WatermarkStrategy<any>;
}
export interface OneInputTransformation extends Base {
  kind: 'one-input';
  input: Transformation;
  factory: OperatorFactory;
  /** Set when the input is keyed: the operator gets keyed state and timers. */
  keySelector?: (v: any) => unknown;
  /** Sinks are one-input operators with no outputs. */
  isSink?: boolean;
  sink?: Sink<any, any, any>;
}
export interface TwoInputTransformation extends Base {
  kind: 'two-input';
  input1: Transformation;
  input2: Transformation;
  factory: OperatorFactory;
  keySelector1?: (v: any) => unknown;
  keySelector2?: (v: any) => unknown;
  /** Broadcast-state pattern: input 2 is a broadcast stream. */
  broadcastInput2?: boolean;
}
export interface PartitionTransformation extends Base {
  kind: 'partition';
  input: Transformation;
  partitioner: PartitionerKind;
  keySelector?: (v: any) => unknown;
}
export interface SideOutputTransformation extends Base {
  kind: 'side-output';
  input: Transformation;
  tag: OutputTag<any>;
}
export interface UnionTransformation extends Base {
  kind: 'union';
  inputs: Transformation[];
}

export type Transformation =
  | SourceTransformation
  | OneInputTransformation
  | TwoInputTransformation
  | PartitionTransformation
  | SideOutputTransformation
  | UnionTransformation;

/** The inputs of a transformation, in order. */
export function inputsOf(t: Transformation): Transformation[] {
  switch (t.kind) {
    case 'source':
      return [];
    case 'one-input':
    case 'partition':
    case 'side-output':
      return [t.input];
    case 'two-input':
      return [t.input1, t.input2];
    case 'union':
      return t.inputs;
  }
}
