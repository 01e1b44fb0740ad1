/**
 * graph: transformations → stream graph (one node per operator, partitioning on edges) → job graph
 * (chains of operators as vertices, physical channels between subtasks). Pure: runs nothing.
 * May import `api` and `core`.
 */
export { buildStreamGraph } from './stream-graph.ts';
export type { StreamGraph, StreamNode, StreamEdge } from './stream-graph.ts';
export { buildJobGraph, isChainable } from './job-graph.ts';
export type { JobGraph, JobVertex, JobEdge } from './job-graph.ts';
