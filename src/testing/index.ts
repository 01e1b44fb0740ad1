/**
 * testing (`eddy/testing`): the public test kit. {@link OperatorHarness} and {@link TwoInputOperatorHarness}
 * run a pipeline fragment in-process with a manual clock, keyed state and timers, snapshots and restore.
 * May import `core`, `state` and `api` (never `runtime`).
 */
export { OperatorHarness, TwoInputOperatorHarness, AbstractHarness } from './operator-harness.ts';
export { HarnessRuntime } from './harness-runtime.ts';
export type { HarnessOutput, HarnessRecord, HarnessWatermark, HarnessSnapshot } from './harness-runtime.ts';
export { HarnessNode, HarnessCounters } from './harness-node.ts';
export type { HarnessOptions, HarnessOperatorSnapshot } from './harness-node.ts';
export { ManualClock } from '../core/index.ts';
