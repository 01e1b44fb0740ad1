/**
 * The state browser: pick a keyed operator and one of its states, type a key as JSON, and read that key's
 * current value from the running job (GET /jobs/:jid/vertices/:vid/state, docs/rest-api.md). A lookup also
 * lists the windows the key has state in: pick one to read its contents, or type a window's bounds.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type JobDetails } from './api.ts';

interface StateValue {
  operatorName: string;
  state: string;
  kind: string;
  key: unknown;
  keyGroup: number;
  subtask: number;
  namespace: string | number;
  window: WindowBounds | null;
  value: unknown;
  exists?: boolean;
  hasVoidValue: boolean;
  windows: { namespace: string | number; window: WindowBounds | null }[];
  windowsTruncated: boolean;
}

interface WindowBounds {
  start: number;
  end: number;
}

/** A window's label: its bounds as UTC times (with the date when it is not the same as the start's). */
function windowLabel(ns: string | number, w: WindowBounds | null): string {
  if (w === null) return ns === 'G' ? 'global window' : String(ns);
  const iso = (t: number) => {
    const d = new Date(t);
    return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace('T', ' ').replace('Z', '');
  };
  const [s, e] = [iso(w.start), iso(w.end)];
  return `[${s}, ${e.slice(0, 10) === s.slice(0, 10) ? e.slice(11) : e})`;
}

export function StateBrowser({ job }: { job: JobDetails }) {
  const ops = job.plan.nodes.flatMap((n) => (n.operators ?? []).map((o) => ({ vertex: n.id, id: o.id, name: o.name })));
  const [op, setOp] = useState(ops[0]?.id ?? '');
  const [states, setStates] = useState<string[]>();
  const [statesError, setStatesError] = useState<string>();
  const [state, setState] = useState('');
  const [key, setKey] = useState('');
  const [result, setResult] = useState<StateValue>();
  const [error, setError] = useState<string>();
  /** The windows of the last lookup's key (kept while another window of the same key is read). */
  const [windows, setWindows] = useState<StateValue['windows']>();
  const [ns, setNs] = useState<string>('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const vertex = ops.find((o) => o.id === op)?.vertex;
  useEffect(() => {
    setStates(undefined);
    setStatesError(undefined);
    setResult(undefined);
    setWindows(undefined);
    if (!vertex) return;
    api<{ states: string[] }>(`/jobs/${job.jid}/vertices/${vertex}/state?operator=${encodeURIComponent(op)}`).then(
      (r) => {
        setStates(r.states);
        setState(r.states[0] ?? '');
      },
      (e: Error) => setStatesError(e.message),
    );
  }, [op, vertex]);
  /** Reads the key in `where`: the VOID namespace (''), a listed namespace, or typed bounds. */
  const lookup = async (where: { namespace?: string; bounds?: [string, string] }) => {
    setError(undefined);
    setResult(undefined);
    try {
      JSON.parse(key);
    } catch {
      setError(`the key is not JSON: ${key} (a string needs quotes: "alice")`);
      return;
    }
    let url = `/jobs/${job.jid}/vertices/${vertex}/state?operator=${encodeURIComponent(op)}&state=${encodeURIComponent(state)}&key=${encodeURIComponent(key)}`;
    if (where.bounds) {
      const [s, e] = where.bounds.map((x) => x.trim());
      if (!/^-?\d+$/.test(s!) || !/^-?\d+$/.test(e!)) {
        setError(`a window's start and end are epoch milliseconds, got '${s}' and '${e}'`);
        return;
      }
      url += `&window=${s},${e}`;
    } else if (where.namespace) url += `&namespace=${encodeURIComponent(where.namespace)}`;
    try {
      const r = await api<StateValue>(url);
      setResult(r);
      setWindows(r.windows);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const query = (ev: Event) => {
    ev.preventDefault();
    setNs('');
    void lookup({});
  };
  const pickWindow = (value: string) => {
    setNs(value);
    const w = windows?.find((x) => String(x.namespace) === value)?.window;
    if (w) {
      setStart(String(w.start));
      setEnd(String(w.end));
    }
    void lookup({ namespace: value });
  };
  const readBounds = (ev: Event) => {
    ev.preventDefault();
    setNs('');
    void lookup({ bounds: [start, end] });
  };
  return (
    <div class="panel" id="state-browser">
      <h2>State browser</h2>
      <form class="form" onSubmit={query}>
        <label>
          Operator
          <select id="state-operator" value={op} onChange={(e) => setOp((e.target as HTMLSelectElement).value)}>
            {ops.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </label>
        <label>
          State
          <select id="state-name" value={state} disabled={!states?.length} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            {(states ?? []).map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Key (JSON)
          <input id="state-key" class="mono" value={key} placeholder='1007 or "alice"' onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        </label>
        <button id="state-query" type="submit" disabled={!states?.length || key.trim() === ''}>Look up</button>
      </form>
      {windows && (
        <form class="form" id="state-windows" onSubmit={readBounds}>
          <label>
            Window ({windows.length}{result?.windowsTruncated ? '+' : ''} with state for this key)
            <select id="state-window" value={ns} disabled={windows.length === 0} onChange={(e) => pickWindow((e.target as HTMLSelectElement).value)}>
              <option value="">{windows.length === 0 ? 'none' : 'pick a window…'}</option>
              {[...windows]
                .sort((a, b) => (a.window?.start ?? 0) - (b.window?.start ?? 0))
                .map((w) => <option key={String(w.namespace)} value={String(w.namespace)}>{windowLabel(w.namespace, w.window)}</option>)}
            </select>
          </label>
          <label>
            Start (epoch ms)
            <input id="state-window-start" class="mono" value={start} placeholder="1700000000000" onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            End (exclusive)
            <input id="state-window-end" class="mono" value={end} placeholder="1700000010000" onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />
          </label>
          <button id="state-window-read" type="submit" disabled={start.trim() === '' || end.trim() === ''}>Read window</button>
        </form>
      )}
      {statesError && <p class="muted">{statesError}</p>}
      {states && states.length === 0 && <p class="muted">This operator has no keyed state.</p>}
      {error && <p class="error" id="state-error">{error}</p>}
      {result && (
        <div id="state-result">
          <p class="muted" id="state-where">
            {result.operatorName} · {result.state} ({result.kind}) · key <code>{JSON.stringify(result.key)}</code> · key group {result.keyGroup} · subtask {result.subtask} ·{' '}
            {result.namespace === 'VOID' ? 'no window' : `window ${windowLabel(result.namespace, result.window)}`}
            {result.exists === false ? (result.namespace === 'VOID' ? ' · no value outside windows' : ' · no value in this window') : ''}
          </p>
          <pre class="value" id="state-value">{JSON.stringify(result.value, null, 2)}</pre>
        </div>
      )}
    </div>
  );
}
