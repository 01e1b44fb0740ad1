/**
 * One vertex's subtasks: state, records in/out (GET /jobs/:jid/vertices/:vid), busy / backpressured / idle
 * ms per second (the vertex metric query) and the input watermark (…/watermarks), polled every second.
 */
import { fmtCount, fmtDuration, fmtWatermark, usePoll, type MetricValue, type VertexMetrics } from './api.ts';

interface VertexDetails {
  parallelism: number;
  subtasks: { subtask: number; status: string; attempt: number; duration: number; 'taskmanager-id': string; metrics: VertexMetrics }[];
}

const RATES = ['busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'idleTimeMsPerSecond'];

export function SubtasksTable({ jid, vertexId, name }: { jid: string; vertexId: string; name: string }) {
  const base = `/jobs/${jid}/vertices/${vertexId}`;
  const { data, error } = usePoll<VertexDetails>(base, 1000);
  const n = data?.parallelism ?? 0;
  const ids = Array.from({ length: n }, (_, i) => RATES.map((r) => `${i}.${r}`)).flat().join(',');
  const { data: rates } = usePoll<MetricValue[]>(n ? `${base}/metrics?get=${ids}` : null, 1000);
  const { data: wms } = usePoll<MetricValue[]>(`${base}/watermarks`, 1000);
  const metric = (list: MetricValue[] | undefined, id: string) => list?.find((m) => m.id === id)?.value;
  const ms = (i: number, r: string) => {
    const v = metric(rates, `${i}.${r}`);
    return v === undefined ? '–' : String(Math.round(Number(v)));
  };
  return (
    <div class="panel" id="subtasks">
      <h2>Subtasks of <span class="mono-name">{name}</span></h2>
      {error && <p class="error">{error}</p>}
      {data && (
        <table class="grid">
          <thead>
            <tr>
              <th>#</th><th>Status</th><th>Attempt</th><th>Slot</th><th>Duration</th><th>Records in</th><th>Records out</th>
              <th>Busy ms/s</th><th>Backpressured ms/s</th><th>Idle ms/s</th><th>Input watermark</th>
            </tr>
          </thead>
          <tbody>
            {data.subtasks.map((s) => (
              <tr key={s.subtask} class="subtask-row">
                <td>{s.subtask}</td>
                <td><span class={`state state-${s.status}`}>{s.status}</span></td>
                <td>{s.attempt}</td>
                <td>{s['taskmanager-id']}</td>
                <td>{fmtDuration(s.duration)}</td>
                <td class="num" title={String(s.metrics['read-records'])}>{fmtCount(s.metrics['read-records'])}</td>
                <td class="num" title={String(s.metrics['write-records'])}>{fmtCount(s.metrics['write-records'])}</td>
                <td class="num">{ms(s.subtask, 'busyTimeMsPerSecond')}</td>
                <td class="num">{ms(s.subtask, 'backPressuredTimeMsPerSecond')}</td>
                <td class="num">{ms(s.subtask, 'idleTimeMsPerSecond')}</td>
                <td class="mono">{fmtWatermark(metric(wms, `${s.subtask}.currentInputWatermark`))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
