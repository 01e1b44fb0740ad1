/**
 * The job graph as a DAG: one box per job vertex (a chain of operators), laid out left to right by elkjs
 * (layered), edges labelled with their ship strategy. A box shows the parallelism and records/s, and is
 * coloured by its subtasks' mean busy time (blue idle → red busy) with a dark bar for backpressured time,
 * as Flink's UI does. Clicking a box selects the vertex.
 */
import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import { useEffect, useState } from 'preact/hooks';
import { fmtCount, type JobDetails } from './api.ts';

export interface VertexLive {
  busy: number;
  backpressured: number;
  recordsOut: number;
  recordsIn: number;
}

interface Layout {
  key: string;
  width: number;
  height: number;
  nodes: { id: string; x: number; y: number; w: number; h: number }[];
  edges: { id: string; points: { x: number; y: number }[]; label: string; lx: number; ly: number }[];
}

const W = 290;
const H = 84;
const elk = new ELK();

async function layout(job: JobDetails, key: string): Promise<Layout> {
  const nodes = job.plan.nodes;
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.padding': '[top=20,left=20,bottom=20,right=20]',
    },
    children: nodes.map((n) => ({ id: n.id, width: W, height: H })),
    edges: nodes.flatMap((n) =>
      (n.inputs ?? []).map((i): ElkExtendedEdge => ({ id: `${i.id}->${n.id}`, sources: [i.id], targets: [n.id], labels: [{ text: i.ship_strategy, width: 70, height: 14 }] })),
    ),
  };
  const g = await elk.layout(graph);
  return {
    key,
    width: g.width ?? 0,
    height: g.height ?? 0,
    nodes: (g.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? W, h: c.height ?? H })),
    edges: (g.edges ?? []).map((e) => {
      const s = e.sections?.[0];
      const points = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint] : [];
      const l = e.labels?.[0];
      return { id: e.id, points, label: (l?.text as string) ?? '', lx: l?.x ?? 0, ly: l?.y ?? 0 };
    }),
  };
}

/** Flink's colouring: from pale blue (idle) through violet to red (fully busy). */
export function busyColor(busy: number): string {
  const b = Math.min(1, Math.max(0, busy));
  return `hsl(${Math.round(210 + 150 * b) % 360}, ${Math.round(60 + 15 * b)}%, ${Math.round(88 - 18 * b)}%)`;
}

function path(points: { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  return `M${first!.x},${first!.y} ` + rest.map((p) => `L${p.x},${p.y}`).join(' ');
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function JobGraph({ job, live, selected, onSelect }: { job: JobDetails; live: Map<string, VertexLive>; selected?: string; onSelect(id: string): void }) {
  const key = job.plan.nodes.map((n) => `${n.id}:${(n.inputs ?? []).map((i) => i.id).join('+')}`).join(',');
  const [lay, setLay] = useState<Layout>();
  useEffect(() => {
    let live = true;
    void layout(job, key).then((l) => live && setLay(l));
    return () => {
      live = false;
    };
  }, [key]);
  const byId = new Map(job.vertices.map((v) => [v.id, v]));
  if (!lay || lay.key !== key) return <div class="panel graph-panel"><p class="muted">laying out the job graph…</p></div>;
  return (
    <div class="panel graph-panel">
      <svg id="job-graph" data-ready="true" width={lay.width} height={lay.height} viewBox={`0 0 ${lay.width} ${lay.height}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#7a8699" />
          </marker>
        </defs>
        {lay.edges.map((e) => (
          <g key={e.id} class="edge">
            <path d={path(e.points)} marker-end="url(#arrow)" />
            <text x={e.lx} y={e.ly + 11}>{e.label}</text>
          </g>
        ))}
        {lay.nodes.map((n) => {
          const v = byId.get(n.id);
          const l = live.get(n.id);
          const busy = l?.busy ?? 0;
          const bp = l?.backpressured ?? 0;
          return (
            <g key={n.id} class={`vertex${selected === n.id ? ' selected' : ''}`} data-vertex-id={n.id} transform={`translate(${n.x},${n.y})`} onClick={() => onSelect(n.id)}>
              <title>{v?.name}</title>
              <rect width={n.w} height={n.h} rx="6" fill={l ? busyColor(busy) : '#eef1f5'} />
              <rect class="bp-bar" x="0" y={n.h - 6} width={n.w * Math.min(1, bp)} height="6" rx="2" />
              <text x="10" y="20" class="v-name">{clip(v?.name ?? n.id, 36)}</text>
              <text x="10" y="40" class="v-line">Parallelism {v?.parallelism ?? '?'} · {v?.status ?? ''}</text>
              <text x="10" y="58" class="v-line">{l ? `${fmtCount(l.recordsIn)} in/s · ${fmtCount(l.recordsOut)} out/s` : 'records/s –'}</text>
              <text x="10" y="74" class="v-line small">{l ? `busy ${Math.round(busy * 100)}% · backpressured ${Math.round(bp * 100)}%` : ''}</text>
            </g>
          );
        })}
      </svg>
      <div class="legend">
        <span><i style={{ background: busyColor(0) }} /> idle</span>
        <span><i style={{ background: busyColor(0.5) }} /> 50% busy</span>
        <span><i style={{ background: busyColor(1) }} /> busy</span>
        <span><i class="bp" /> backpressured (bar)</span>
      </div>
    </div>
  );
}
