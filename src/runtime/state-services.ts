/**
 * Creates the state an operator subtask uses: a keyed state backend and a timer service when its
 * input is keyed, an operator state store always, and its metric group.
 */
import { KeyGroupRange } from '../core/index.ts';
import { OperatorMetricGroup } from '../metrics/index.ts';
import { createKeyedStateBackend, InternalTimerService, OperatorStateStore, type KeyedStateBackend } from '../state/index.ts';
import type { JobVertex, StreamNode } from '../graph/index.ts';
import type { ChainEnv } from './operator-chain.ts';

export interface OperatorStateServices {
  keyed: KeyedStateBackend | undefined;
  timers: InternalTimerService | undefined;
  operatorState: OperatorStateStore;
  /** The operator's metric group: its own counters (late records …) and what user functions register. */
  metrics: OperatorMetricGroup;
  dispose(): void;
}

export function createOperatorStateServices(node: StreamNode, vertex: JobVertex, env: ChainEnv): OperatorStateServices {
  let keyed: KeyedStateBackend | undefined;
  let timers: InternalTimerService | undefined;
  if (node.keySelectors) {
    keyed = createKeyedStateBackend({
      kind: env.stateBackend,
      dir: env.workDir,
      incremental: env.incremental,
      operatorId: node.operatorId,
      operatorName: node.name,
      maxParallelism: vertex.maxParallelism,
      keyGroupRange: KeyGroupRange.forSubtask(vertex.maxParallelism, vertex.parallelism, env.subtask),
      clock: env.clock,
    });
    timers = new InternalTimerService(keyed, { name: `${node.name} timers` });
  }
  const operatorState = new OperatorStateStore(node.operatorId);
  return {
    keyed,
    timers,
    operatorState,
    metrics: new OperatorMetricGroup(),
    dispose() {
      keyed?.dispose();
    },
  };
}
