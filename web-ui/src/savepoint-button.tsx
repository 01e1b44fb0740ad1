/** Triggers a savepoint (POST /jobs/:jid/savepoints), polls its status and shows where it was written. */
import { useState } from 'preact/hooks';
import { api } from './api.ts';

interface Status {
  status: { id: string };
  operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string; class?: string } };
}

export function SavepointButton({ jid, disabled }: { jid: string; disabled: boolean }) {
  const [dir, setDir] = useState('savepoints');
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<{ ok: boolean; text: string }>();
  const trigger = async () => {
    setBusy(true);
    setOut(undefined);
    try {
      const { 'request-id': id } = await api<{ 'request-id': string }>(`/jobs/${jid}/savepoints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 'target-directory': dir }),
      });
      for (;;) {
        const s = await api<Status>(`/jobs/${jid}/savepoints/${id}`);
        if (s.status.id === 'COMPLETED') {
          const f = s.operation?.['failure-cause'];
          setOut(f ? { ok: false, text: f['stack-trace'] ?? f.class ?? 'failed' } : { ok: true, text: s.operation?.location ?? '' });
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } catch (e) {
      setOut({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };
  // the result is a line of its own under the job's header (a flex item of .job-head, see style.css)
  return (
    <>
      <span class="savepoint">
        <input class="mono" value={dir} title="target directory (relative to the job's working directory)" onInput={(e) => setDir((e.target as HTMLInputElement).value)} />
        <button id="savepoint" disabled={disabled || busy || dir.trim() === ''} onClick={trigger}>{busy ? 'Savepoint…' : 'Savepoint'}</button>
      </span>
      {out && <div id="savepoint-result" class={out.ok ? 'ok' : 'error'} title={out.text}>{out.ok ? `Savepoint written to ${out.text}` : `Savepoint failed: ${out.text.split('\n')[0]}`}</div>}
    </>
  );
}
