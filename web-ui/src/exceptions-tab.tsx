/** The job's failures and restarts, newest first, each with the user's stack (GET /jobs/:jid/exceptions). */
import { fmtTime, usePoll } from './api.ts';

interface Exceptions {
  'root-exception': string | null;
  timestamp: number | null;
  exceptionHistory: { entries: { exceptionName: string; stacktrace: string; timestamp: number; taskName: string | null }[] };
}

export function ExceptionsTab({ jid }: { jid: string }) {
  const { data, error } = usePoll<Exceptions>(`/jobs/${jid}/exceptions`, 2000);
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="muted">loading…</p>;
  const entries = data.exceptionHistory.entries;
  return (
    <div id="exceptions">
      {entries.length === 0 && <div class="panel"><p class="muted">No exceptions: the job has not failed.</p></div>}
      {entries.map((e, i) => (
        <div class="panel" key={`${e.timestamp}-${i}`}>
          <h2>
            {e.exceptionName} <span class="muted">{e.taskName ? `in ${e.taskName} · ` : ''}{fmtTime(e.timestamp)}</span>
          </h2>
          <pre class="stack">{e.stacktrace}</pre>
        </div>
      ))}
    </div>
  );
}
