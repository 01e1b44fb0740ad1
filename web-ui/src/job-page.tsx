/**
 * A job's page: its header (state, duration, Cancel, Savepoint) and tabs — Overview (the DAG, the live
 * throughput chart, the selected vertex's subtasks), Checkpoints, Exceptions, State, Flame graph. The job's
 * details and every vertex's rates are polled once a second here and handed down.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, fmtDuration, usePoll, type JobDetails } from './api.ts';
import { JobGraph, type VertexLive } from './job-graph.tsx';
import { ThroughputChart, type Sample } from './throughput-chart.tsx';
import { SubtasksTable } from './subtasks-table.tsx';
import { CheckpointsTab } from './checkpoints-tab.tsx';
import { ExceptionsTab } from './exceptions-tab.tsx';
import { StateBrowser } from './state-browser.tsx';
import { FlameGraphPanel } from './flame-graph.tsx';
import { SavepointButton } from './savepoint-button.tsx';

const TABS: [string, string][] = [
  ['overview', 'Overview'],
  ['checkpoints', 'Checkpoints'],
  ['exceptions', 'Exceptions'],
  ['state', 'State'],
  ['flamegraph', 'Flame graph'],
];

const ENDED = new Set(['FINISHED', 'FAILED', 'CANCELED']);
const HISTORY = 120;

interface AggMetric {
  id: string;
  avg?: number;
  sum?: number;
}

/** Every vertex's busy / backpressured ratio and records/s (subtasks/metrics, aggregated), once a second. */
function useVertexLive(jid: string, details: JobDetails | undefined): { live: Map<string, VertexLive>; history: Sample[] } {
  const [live, setLive] = useState(new Map<string, VertexLive>());
  const history = useRef<Sample[]>([]);
  const ids = details?.vertices.map((v) => v.id).join(',') ?? '';
  const running = details !== undefined && !ENDED.has(details.state);
  useEffect(() => {
    if (!ids || !running) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const m = new Map<string, VertexLive>();
      await Promise.all(
        ids.split(',').map(async (id) => {
          try {
            const r = await api<AggMetric[]>(`/jobs/${jid}/vertices/${id}/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond,numRecordsOutPerSecond,numRecordsInPerSecond&agg=avg,sum`);
            const get = (name: string) => r.find((x) => x.id === name);
            m.set(id, {
              busy: (get('busyTimeMsPerSecond')?.avg ?? 0) / 1000,
              backpressured: (get('backPressuredTimeMsPerSecond')?.avg ?? 0) / 1000,
              recordsOut: get('numRecordsOutPerSecond')?.sum ?? 0,
              recordsIn: get('numRecordsInPerSecond')?.sum ?? 0,
            });
          } catch {
            /* a vertex that ended has no live metrics */
          }
        }),
      );
      if (stop) return;
      const h = history.current;
      h.push({ t: Date.now() / 1000, out: Object.fromEntries([...m].map(([id, v]) => [id, v.recordsOut])) });
      if (h.length > HISTORY) h.shift();
      setLive(m);
      timer = setTimeout(tick, 1000);
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [jid, ids, running]);
  return { live, history: history.current };
}

export function JobPage({ jid, tab }: { jid: string; tab: string }) {
  const { data: job, error } = usePoll<JobDetails>(`/jobs/${jid}`, 1000);
  const { live, history } = useVertexLive(jid, job);
  const [selected, setSelected] = useState<string>();
  const [cancelError, setCancelError] = useState<string>();
  const ended = job ? ENDED.has(job.state) : false;
  const cancel = async () => {
    if (!confirm(`Cancel job '${job?.name}'?`)) return;
    try {
      await api(`/jobs/${jid}?mode=cancel`, { method: 'PATCH' });
      setCancelError(undefined);
    } catch (e) {
      setCancelError((e as Error).message);
    }
  };
  const names = new Map(job?.vertices.map((v) => [v.id, v.name]));
  return (
    <section>
      <div class="job-head">
        <a href="#/" class="back">← Jobs</a>
        <h1>{job?.name ?? jid}</h1>
        {job && <span class={`state state-${job.state}`} id="job-state">{job.state}</span>}
        {job && <span class="muted">{fmtDuration(job.duration)}</span>}
        <span class="spacer" />
        {job && <SavepointButton jid={jid} disabled={ended} />}
        <button id="cancel" class="danger" disabled={!job || ended} onClick={cancel}>Cancel job</button>
      </div>
      {error && <p class="error">{error}</p>}
      {cancelError && <p class="error">{cancelError}</p>}
      <nav class="tabs">
        {TABS.map(([id, label]) => (
          <a key={id} href={`#/jobs/${jid}/${id}`} class={tab === id ? 'active' : ''} data-tab={id}>{label}</a>
        ))}
      </nav>
      {job && tab === 'overview' && (
        <>
          <JobGraph job={job} live={live} selected={selected} onSelect={setSelected} />
          <div class="row">
            <div class="panel grow">
              <h2>Records out per second</h2>
              <ThroughputChart history={history} names={names} tick={live} />
            </div>
          </div>
          {selected && names.has(selected) && <SubtasksTable jid={jid} vertexId={selected} name={names.get(selected)!} />}
          {!selected && <p class="muted">Click a vertex to see its subtasks.</p>}
        </>
      )}
      {job && tab === 'checkpoints' && <CheckpointsTab jid={jid} names={names} />}
      {job && tab === 'exceptions' && <ExceptionsTab jid={jid} />}
      {job && tab === 'state' && <StateBrowser job={job} />}
      {job && tab === 'flamegraph' && <FlameGraphPanel job={job} />}
    </section>
  );
}
