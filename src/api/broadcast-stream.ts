/** A stream broadcast with state descriptors, for `stream.connect(broadcastStream)` (broadcast state pattern). */
import type { StreamEnvironment } from './environment.ts';
import type { Transformation } from './transformation.ts';
import type { MapStateDescriptor } from '../state/index.ts';

export class BroadcastStream<T> {
  constructor(
    readonly env: StreamEnvironment,
    /** @internal */ readonly transformation: Transformation,
    readonly descriptors: MapStateDescriptor<any, any>[],
  ) {}
  /** @internal */ declare readonly __type?: T;
}
