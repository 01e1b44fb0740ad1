/**
 * Stream graph → job graph: operators connected by forward edges with equal parallelism (and a single
 * input) are chained into one vertex, where they call each other directly. Each job edge connects the
 * output of one operator in a vertex to the head of another, and expands into physical channels
 * between subtasks according to its partitioner.
 */
import type { PartitionerKind } from '../api/index.ts';
import type { StreamEdge, StreamGraph, StreamNode } from './stream-graph.ts';

export interface JobVertex {
  index: number;
  /** The head operator's id. */
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  /** Operators in the chain, head first (topological order within the chain). */
  nodes: StreamNode[];
  head: StreamNode;
  inputs: JobEdge[];
  outputs: JobEdge[];
}

export interface JobEdge {
  index: number;
  source: JobVertex;
  /** The operator inside the source vertex whose output feeds this edge. */
  sourceNode: StreamNode;
  target: JobVertex;
  partitioner: PartitionerKind;
  keySelector?: (v: any) => unknown;
  sideTag?: string;
  inputIndex: 1 | 2;
  /** Channels of this edge, as [upstream subtask, downstream subtask] pairs, with global channel ids. */
  channels: { id: number; from: number; to: number }[];
}

export interface JobGraph {
  vertices: JobVertex[];
  edges: JobEdge[];
  /** Number of slots (worker threads) needed: the largest parallelism. */
  slots: number;
  /** A description that two evaluations of the same job module must agree on. */
  fingerprint: string;
}

export function isChainable(e: StreamEdge): boolean {
  return (
    e.partitioner === 'forward' &&
    e.source.parallelism === e.target.parallelism &&
    e.target.inEdges.length === 1 &&
    !e.target.twoInput &&
    e.target.keySelectors === undefined &&
    e.target.kind === 'operator' &&
    e.target.chaining === 'default' &&
    e.source.chaining !== 'never'
  );
}

/** Which downstream subtasks an upstream subtask of a `rescale` edge feeds. */
function rescaleTargets(from: number, pUp: number, pDown: number): number[] {
  const out: number[] = [];
  if (pDown >= pUp) {
    for (let d = 0; d < pDown; d++) if (Math.floor((d * pUp) / pDown) === from) out.push(d);
  } else out.push(Math.floor((from * pDown) / pUp));
  return out;
}

export function buildJobGraph(sg: StreamGraph): JobGraph {
  const vertexOf = new Map<StreamNode, JobVertex>();
  const vertices: JobVertex[] = [];
  for (const n of sg.nodes) {
    const chainedIn = n.inEdges.length === 1 && isChainable(n.inEdges[0]!);
    if (chainedIn) continue;
    const v: JobVertex = {
      index: vertices.length,
      id: n.operatorId,
      name: n.name,
      parallelism: n.parallelism,
      maxParallelism: n.maxParallelism,
      nodes: [],
      head: n,
      inputs: [],
      outputs: [],
    };
    const stack = [n];
    while (stack.length) {
      const x = stack.shift()!;
      v.nodes.push(x);
      vertexOf.set(x, v);
      for (const e of x.outEdges) if (isChainable(e)) stack.push(e.target);
    }
    v.name = v.nodes.map((x) => x.name).join(' -> ');
    vertices.push(v);
  }
  // Vertices must be in an order where a vertex's inputs come first? Not required; keep creation order.
  const edges: JobEdge[] = [];
  let channelId = 0;
  for (const v of vertices) {
    for (const n of v.nodes) {
      for (const e of n.outEdges) {
        if (isChainable(e)) continue;
        const target = vertexOf.get(e.target)!;
        const je: JobEdge = {
          index: edges.length,
          source: v,
          sourceNode: n,
          target,
          partitioner: e.partitioner,
          keySelector: e.keySelector,
          sideTag: e.sideTag,
          inputIndex: e.inputIndex,
          channels: [],
        };
        const pu = v.parallelism;
        const pd = target.parallelism;
        for (let u = 0; u < pu; u++) {
          let targets: number[];
          switch (e.partitioner) {
            case 'forward':
              targets = [u];
              break;
            case 'rescale':
              targets = rescaleTargets(u, pu, pd);
              break;
            default:
              targets = Array.from({ length: pd }, (_, i) => i);
          }
          for (const d of targets) je.channels.push({ id: channelId++, from: u, to: d });
        }
        edges.push(je);
        v.outputs.push(je);
        target.inputs.push(je);
      }
    }
  }
  const slots = Math.max(1, ...vertices.map((v) => v.parallelism));
  const fingerprint = JSON.stringify({
    v: vertices.map((v) => [v.id, v.parallelism, v.nodes.map((n) => n.operatorId)]),
    e: edges.map((e) => [e.source.index, e.sourceNode.operatorId, e.target.index, e.partitioner, e.sideTag ?? null, e.inputIndex, e.channels.length]),
  });
  return { vertices, edges, slots, fingerprint };
}
