/**
 * Transformations → stream graph: one node per physical transformation (source, operator, sink),
 * with partitioning, side-output tags and unions folded into edges. Parallelism defaults are resolved
 * here, and invalid topologies (a forward edge between different parallelisms, say) are rejected.
 */
import { ConfigurationError } from '../core/index.ts';
import type { EnvironmentConfig, PartitionerKind, Transformation, OperatorFactory, Source, Sink, WatermarkStrategy, RecordType } from '../api/index.ts';
import { inputsOf } from '../api/index.ts';

export interface StreamNode {
  /** Transformation id (creation order). */
  id: number;
  /** Stable operator id: the uid if set, else derived from the graph position. */
  operatorId: string;
  uid?: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  kind: 'source' | 'operator';
  twoInput: boolean;
  isSink: boolean;
  chaining: 'default' | 'never' | 'head';
  /** Declared with `returns()`: the type of the records this node emits. */
  recordType?: RecordType;
  factory?: OperatorFactory;
  source?: Source<any, any, any>;
  sink?: Sink<any, any, any>;
  watermarkStrategy?: WatermarkStrategy<any>;
  /** Key selectors of the node's inputs (index 0 = input 1), when keyed. */
  keySelectors: ((v: any) => unknown)[] | undefined;
  broadcastInput2: boolean;
  inEdges: StreamEdge[];
  outEdges: StreamEdge[];
}

export interface StreamEdge {
  source: StreamNode;
  target: StreamNode;
  partitioner: PartitionerKind;
  /** True when the partitioner was chosen by default (forward/rebalance), not by the user. */
  implicit: boolean;
  keySelector?: (v: any) => unknown;
  /** Side-output tag id, when the edge carries a side output. */
  sideTag?: string;
  /** 1 or 2: which input of a two-input target. */
  inputIndex: 1 | 2;
}

interface Resolved {
  node: StreamNode;
  partitioner?: PartitionerKind;
  keySelector?: (v: any) => unknown;
  sideTag?: string;
}

export interface StreamGraph {
  nodes: StreamNode[];
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40);
}

export function buildStreamGraph(transformations: Transformation[], config: EnvironmentConfig): StreamGraph {
  const nodes = new Map<number, StreamNode>();
  const resolved = new Map<number, Resolved[]>();

  const resolve = (t: Transformation): Resolved[] => {
    const cached = resolved.get(t.id);
    if (cached) return cached;
    let r: Resolved[];
    switch (t.kind) {
      case 'source':
      case 'one-input':
      case 'two-input':
        r = [{ node: nodeFor(t) }];
        break;
      case 'partition':
        r = resolve(t.input).map((x) => ({ ...x, partitioner: t.partitioner, keySelector: t.keySelector }));
        break;
      case 'side-output':
        r = resolve(t.input).map((x) => {
          if (x.sideTag !== undefined) throw new ConfigurationError(`getSideOutput(${t.tag.id}) applied to a side output`);
          return { ...x, sideTag: t.tag.id };
        });
        break;
      case 'union':
        r = t.inputs.flatMap((i) => resolve(i));
        break;
    }
    resolved.set(t.id, r);
    return r;
  };

  const nodeFor = (t: Transformation & { kind: 'source' | 'one-input' | 'two-input' }): StreamNode => {
    const existing = nodes.get(t.id);
    if (existing) return existing;
    let parallelism = t.parallelism ?? config.parallelism;
    if (t.kind === 'source' && t.source.maxSourceParallelism !== undefined) parallelism = Math.min(parallelism, t.source.maxSourceParallelism);
    const maxParallelism = t.maxParallelism ?? config.maxParallelism;
    if (parallelism > maxParallelism)
      throw new ConfigurationError(`operator '${t.name}': parallelism ${parallelism} exceeds maxParallelism ${maxParallelism}`);
    const node: StreamNode = {
      id: t.id,
      operatorId: t.uid ?? `${sanitize(t.name)}-${t.id}`,
      uid: t.uid,
      name: t.name,
      parallelism,
      maxParallelism,
      kind: t.kind === 'source' ? 'source' : 'operator',
      twoInput: t.kind === 'two-input',
      isSink: t.kind === 'one-input' && t.isSink === true,
      chaining: t.chaining ?? 'default',
      recordType: t.recordType,
      factory: t.kind === 'source' ? undefined : t.factory,
      source: t.kind === 'source' ? t.source : undefined,
      sink: t.kind === 'one-input' ? t.sink : undefined,
      watermarkStrategy: t.kind === 'source' ? t.watermarkStrategy : undefined,
      keySelectors:
        t.kind === 'one-input'
          ? t.keySelector
            ? [t.keySelector]
            : undefined
          : t.kind === 'two-input' && (t.keySelector1 || t.keySelector2)
            ? // a broadcast input has no key: its elements reach every subtask
              [t.keySelector1 ?? missingKey(t.name), t.broadcastInput2 ? (undefined as never) : (t.keySelector2 ?? ((v: unknown) => v))]
            : undefined,
      broadcastInput2: t.kind === 'two-input' && t.broadcastInput2 === true,
      inEdges: [],
      outEdges: [],
    };
    nodes.set(t.id, node);
    const inputs = inputsOf(t);
    inputs.forEach((input, idx) => {
      for (const r of resolve(input)) addEdge(r, node, (idx + 1) as 1 | 2);
    });
    return node;
  };

  const addEdge = (r: Resolved, target: StreamNode, inputIndex: 1 | 2) => {
    let partitioner = r.partitioner;
    const implicit = partitioner === undefined;
    if (partitioner === undefined) partitioner = r.node.parallelism === target.parallelism ? 'forward' : 'rebalance';
    if (partitioner === 'forward' && r.node.parallelism !== target.parallelism)
      throw new ConfigurationError(
        `forward() between '${r.node.name}' (parallelism ${r.node.parallelism}) and '${target.name}' (parallelism ${target.parallelism}): parallelism must match`,
      );
    const e: StreamEdge = { source: r.node, target, partitioner, implicit, keySelector: r.keySelector, sideTag: r.sideTag, inputIndex };
    r.node.outEdges.push(e);
    target.inEdges.push(e);
  };

  for (const t of transformations) {
    if (t.kind === 'source' || t.kind === 'one-input' || t.kind === 'two-input') nodeFor(t);
  }
  const list = [...nodes.values()].sort((a, b) => a.id - b.id);
  const ids = new Set<string>();
  for (const n of list) {
    if (ids.has(n.operatorId)) throw new ConfigurationError(`duplicate operator id '${n.operatorId}'`);
    ids.add(n.operatorId);
  }
  return { nodes: list };
}

function missingKey(name: string): (v: unknown) => unknown {
  return () => {
    throw new ConfigurationError(`operator '${name}': input 1 is not keyed`);
  };
}
