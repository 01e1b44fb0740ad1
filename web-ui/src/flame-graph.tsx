/**
 * A flame graph of one subtask's worker thread: GET /jobs/:jid/vertices/:vid/flamegraph answers a
 * {name, value, children} call tree (value = samples in the node and below); drawn here as an icicle in
 * SVG, root on top, each frame as wide as its share of the samples. Click a frame to zoom into it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type JobDetails } from './api.ts';

export interface Frame {
  name: string;
  value: number;
  children: Frame[];
}

interface Profile {
  seconds: number;
  subtask: number;
  samples: number;
  data: Frame;
}

const ROW = 18;

function depth(f: Frame): number {
  return 1 + Math.max(0, ...f.children.map(depth));
}

/** A stable warm colour per function name (flame graphs colour by name, not by meaning). */
function color(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
  const u = (h >>> 0) % 1000;
  return `hsl(${10 + (u % 45)}, ${70 + (u % 20)}%, ${58 + (u % 14)}%)`;
}

function Icicle({ root, onZoom }: { root: Frame; onZoom(f: Frame): void }) {
  // drawn at the container's width in pixels, so that labels keep their size
  const box = useRef<HTMLDivElement>(null);
  const [WIDTH, setWidth] = useState(1100);
  useEffect(() => {
    const measure = () => box.current && setWidth(box.current.clientWidth || 1100);
    measure();
    addEventListener('resize', measure);
    return () => removeEventListener('resize', measure);
  }, []);
  const rects: preact.JSX.Element[] = [];
  const total = root.value || 1;
  const walk = (f: Frame, x: number, d: number) => {
    const w = (f.value / total) * WIDTH;
    if (w < 0.5) return;
    rects.push(
      <g key={`${d}-${x}`} class="frame" transform={`translate(${x},${d * ROW})`} onClick={() => onZoom(f)}>
        <title>{`${f.name}\n${f.value} samples (${((f.value / total) * 100).toFixed(1)}%)`}</title>
        <rect width={Math.max(0, w - 0.5)} height={ROW - 1} fill={d === 0 ? '#c9ced6' : color(f.name)} />
        {w > 40 && <text x="4" y={ROW - 5}>{f.name.slice(0, Math.floor((w - 8) / 6.5))}</text>}
      </g>,
    );
    let cx = x;
    for (const c of f.children) {
      walk(c, cx, d + 1);
      cx += (c.value / total) * WIDTH;
    }
  };
  walk(root, 0, 0);
  const h = depth(root) * ROW;
  return (
    <div ref={box}>
      <svg id="flame-graph" width={WIDTH} height={h} viewBox={`0 0 ${WIDTH} ${h}`}>
        {rects}
      </svg>
    </div>
  );
}

export function FlameGraphPanel({ job }: { job: JobDetails }) {
  const [vertex, setVertex] = useState(job.vertices[0]?.id ?? '');
  const [subtask, setSubtask] = useState(0);
  const [seconds, setSeconds] = useState(2);
  const [busy, setBusy] = useState(false);
  const [profile, setProfile] = useState<Profile>();
  const [zoom, setZoom] = useState<Frame[]>([]);
  const [error, setError] = useState<string>();
  const parallelism = job.vertices.find((v) => v.id === vertex)?.parallelism ?? 1;
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const p = await api<Profile>(`/jobs/${job.jid}/vertices/${vertex}/flamegraph?subtask=${subtask}&seconds=${seconds}`);
      setProfile(p);
      setZoom([]);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const root = zoom[zoom.length - 1] ?? profile?.data;
  return (
    <div class="panel" id="flame-panel">
      <h2>Flame graph</h2>
      <div class="form">
        <label>
          Vertex
          <select id="flame-vertex" value={vertex} onChange={(e) => setVertex((e.target as HTMLSelectElement).value)}>
            {job.vertices.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
          </select>
        </label>
        <label>
          Subtask
          <select id="flame-subtask" value={subtask} onChange={(e) => setSubtask(Number((e.target as HTMLSelectElement).value))}>
            {Array.from({ length: parallelism }, (_, i) => <option key={i} value={i}>{i}</option>)}
          </select>
        </label>
        <label>
          Seconds
          <input type="number" min="0.1" max="30" step="0.5" value={seconds} onInput={(e) => setSeconds(Number((e.target as HTMLInputElement).value))} />
        </label>
        <button id="flame-run" disabled={busy} onClick={run}>{busy ? `Profiling ${seconds} s…` : 'Profile'}</button>
      </div>
      <p class="muted">The profile covers the whole worker thread of the slot that runs this subtask (a slot runs subtask i of every vertex).</p>
      {error && <p class="error">{error}</p>}
      {profile && root && (
        <>
          <p class="muted">
            {profile.samples} samples over {profile.seconds} s, subtask {profile.subtask}
            {zoom.length > 0 && <> · zoomed into <code>{root.name}</code> <button class="link-button" onClick={() => setZoom([])}>reset zoom</button></>}
          </p>
          <Icicle root={root} onZoom={(f) => setZoom(f === root ? zoom.slice(0, -1) : [...zoom, f])} />
        </>
      )}
    </div>
  );
}
