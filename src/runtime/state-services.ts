/**
 * Creates the state an operator subtask uses: a keyed state backend and a timer service when its
 * input is keyed, an operator state store always, and its metric counters.
 */
import { KeyGroupRange } from '../core/index.ts';
import type { OperatorMetrics } from '../api/index.ts';
import { createKeyedStateBackend, InternalTimerService, OperatorStateStore, type KeyedStateBackend } from '../state/index.ts';
import type { JobVertex, StreamNode } from '../graph/index.ts';
import type { ChainEnv } from './operator-chain.ts';

export interface OperatorStateServices {
  keyed: KeyedStateBackend | undefined;
  timers: InternalTimerService | undefined;
  operatorState: OperatorStateStore;
  metrics: OperatorMetrics & { snapshot(): Record<string, number> };
  dispose(): void;
}

class Counters implements OperatorMetrics {
  private readonly map = new Map<string, { count: number; inc(n?: number): void }>();
  counter(name: string) {
    let c = this.map.get(name);
    if (!c) {
      const cc = {
        count: 0,
        inc(n = 1) {
          cc.count += n;
        },
      };
      c = cc;
      this.map.set(name, c);
    }
    return c;
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.map].map(([k, v]) => [k, v.count]));
  }
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
    metrics: new Counters(),
    dispose() {
      keyed?.dispose();
    },
  };
}
