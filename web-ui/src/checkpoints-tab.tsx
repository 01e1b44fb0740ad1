/**
 * Checkpoint history (GET /jobs/:jid/checkpoints, every second): counts, the latest completed and restored
 * checkpoints, the last ten with status, duration and size; a row opens its per-vertex details
 * (…/checkpoints/details/:id).
 */
import { useState } from 'preact/hooks';
import { fmtBytes, fmtDuration, fmtTime, usePoll } from './api.ts';

interface Checkpoint {
  id: number;
  status: string;
  is_savepoint: boolean;
  checkpoint_type: string;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  end_to_end_duration: number;
  checkpointed_size: number;
  state_size: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  external_path?: string;
  failure_message?: string;
  tasks?: Record<string, { status: string; end_to_end_duration: number; checkpointed_size: number; state_size: number; num_subtasks: number; num_acknowledged_subtasks: number; latest_ack_timestamp: number }>;
}

interface Stats {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  latest: { completed: Checkpoint | null; savepoint: Checkpoint | null; failed: Checkpoint | null; restored: { id: number; external_path: string; is_savepoint: boolean } | null };
  history: Checkpoint[];
}

export function CheckpointsTab({ jid, names }: { jid: string; names: Map<string, string> }) {
  const { data, error } = usePoll<Stats>(`/jobs/${jid}/checkpoints`, 1000);
  const [open, setOpen] = useState<number>();
  const { data: details } = usePoll<Checkpoint>(open !== undefined ? `/jobs/${jid}/checkpoints/details/${open}` : null, 2000);
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="muted">loading…</p>;
  const c = data.counts;
  return (
    <div>
      <div class="panel counts" id="checkpoint-counts">
        <div><b id="cp-completed">{c.completed}</b><span>completed</span></div>
        <div><b>{c.in_progress}</b><span>in progress</span></div>
        <div><b>{c.failed}</b><span>failed</span></div>
        <div><b>{c.restored}</b><span>restored</span></div>
        <div><b>{c.total}</b><span>total</span></div>
        {data.latest.completed && (
          <div class="wide"><span>latest completed</span><code>{data.latest.completed.external_path ?? `#${data.latest.completed.id}`}</code></div>
        )}
        {data.latest.restored && (
          <div class="wide"><span>restored from</span><code>{data.latest.restored.external_path}</code></div>
        )}
      </div>
      <div class="panel">
        <h2>History</h2>
        <table class="grid" id="checkpoint-history">
          <thead>
            <tr><th>Id</th><th>Status</th><th>Type</th><th>Triggered</th><th>Duration</th><th>Checkpointed size</th><th>Acknowledged</th><th>Path / failure</th></tr>
          </thead>
          <tbody>
            {data.history.map((h) => (
              <tr key={h.id} class={`link${open === h.id ? ' selected' : ''}`} onClick={() => setOpen(open === h.id ? undefined : h.id)}>
                <td>{h.id}</td>
                <td><span class={`state state-${h.status}`}>{h.status}</span></td>
                <td>{h.is_savepoint ? 'SAVEPOINT' : h.checkpoint_type}</td>
                <td>{fmtTime(h.trigger_timestamp)}</td>
                <td class="num">{fmtDuration(h.end_to_end_duration)}</td>
                <td class="num">{fmtBytes(h.checkpointed_size)}</td>
                <td class="num">{h.num_acknowledged_subtasks}/{h.num_subtasks}</td>
                <td class="mono small">{h.failure_message ?? h.external_path ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open !== undefined && details && details.id === open && (
        <div class="panel" id="checkpoint-details">
          <h2>Checkpoint {open}: per vertex</h2>
          <table class="grid">
            <thead>
              <tr><th>Vertex</th><th>Status</th><th>Acknowledged</th><th>Duration</th><th>Checkpointed size</th><th>State size</th><th>Latest ack</th></tr>
            </thead>
            <tbody>
              {Object.entries(details.tasks ?? {}).map(([vid, t]) => (
                <tr key={vid}>
                  <td>{names.get(vid) ?? vid}</td>
                  <td><span class={`state state-${t.status}`}>{t.status}</span></td>
                  <td class="num">{t.num_acknowledged_subtasks}/{t.num_subtasks}</td>
                  <td class="num">{fmtDuration(t.end_to_end_duration)}</td>
                  <td class="num">{fmtBytes(t.checkpointed_size)}</td>
                  <td class="num">{fmtBytes(t.state_size)}</td>
                  <td>{fmtTime(t.latest_ack_timestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
