/**
 * One vertex's subtasks: state, records in/out (GET /jobs/:jid/vertices/:vid), busy / backpressured / idle
 * ms per second (60 s averages) and live state size (the vertex metric query), and the input watermark
 * (…/watermarks), polled every second.
 */
import { fmtBytes, fmtCount, fmtDuration, fmtWatermark, usePoll, type MetricValue, type VertexMetrics } from './api.ts';

interface VertexDetails {
  parallelism: number;
  subtasks: { subtask: number; status: string; attempt: number; duration: number; 'taskmanager-id': string; metrics: VertexMetrics }[];
}

const RATES = ['busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'idleTimeMsPerSecond'];
/** Live state size of the task (summed over its operators); absent when no operator has such state. */
const SIZES = ['keyedStateEntries', 'keyedStateBytes', 'operatorStateEntries'];

export function SubtasksTable({ jid, vertexId, name }: { jid: string; vertexId: string; name: string }) {
  const base = `/jobs/${jid}/vertices/${vertexId}`;
  const { data, error } = usePoll<VertexDetails>(base, 1000);
  const n = data?.parallelism ?? 0;
  const ids = Array.from({ length: n }, (_, i) => [...RATES, ...SIZES].map((r) => `${i}.${r}`)).flat().join(',');
  const { data: rates } = usePoll<MetricValue[]>(n ? `${base}/metrics?get=${ids}` : null, 1000);
  const { data: wms } = usePoll<MetricValue[]>(`${base}/watermarks`, 1000);
  const metric = (list: MetricValue[] | undefined, id: string) => list?.find((m) => m.id === id)?.value;
  const ms = (i: number, r: string) => {
    const v = metric(rates, `${i}.${r}`);
    return v === undefined ? '–' : String(Math.round(Number(v)));
  };
  const keyed = (i: number) => {
    const e = metric(rates, `${i}.keyedStateEntries`);
    if (e === undefined) return '–';
    const b = metric(rates, `${i}.keyedStateBytes`);
    return b === undefined ? fmtCount(Number(e)) : `${fmtCount(Number(e))} · ${fmtBytes(Number(b))}`;
  };
  const opState = (i: number) => {
    const e = metric(rates, `${i}.operatorStateEntries`);
    return e === undefined || Number(e) === 0 ? '–' : fmtCount(Number(e));
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
              <th title="averaged over the last 60 s">Busy ms/s</th><th title="averaged over the last 60 s">Backpressured ms/s</th><th title="averaged over the last 60 s">Idle ms/s</th>
              <th title="live keyed state: entries (· bytes on lmdb)">Keyed state</th><th title="live operator state entries">Operator state</th><th>Input watermark</th>
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
                <td class="num keyed-state-size">{keyed(s.subtask)}</td>
                <td class="num">{opState(s.subtask)}</td>
                <td class="mono">{fmtWatermark(metric(wms, `${s.subtask}.currentInputWatermark`))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
