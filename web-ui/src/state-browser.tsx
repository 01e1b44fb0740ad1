/**
 * The state browser: pick a keyed operator and one of its states, type a key as JSON, and read that key's
 * current value from the running job (GET /jobs/:jid/vertices/:vid/state, docs/rest-api.md).
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
  namespace: string;
  value: unknown;
  exists?: boolean;
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
  const vertex = ops.find((o) => o.id === op)?.vertex;
  useEffect(() => {
    setStates(undefined);
    setStatesError(undefined);
    setResult(undefined);
    if (!vertex) return;
    api<{ states: string[] }>(`/jobs/${job.jid}/vertices/${vertex}/state?operator=${encodeURIComponent(op)}`).then(
      (r) => {
        setStates(r.states);
        setState(r.states[0] ?? '');
      },
      (e: Error) => setStatesError(e.message),
    );
  }, [op, vertex]);
  const query = async (ev: Event) => {
    ev.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      JSON.parse(key);
    } catch {
      setError(`the key is not JSON: ${key} (a string needs quotes: "alice")`);
      return;
    }
    try {
      setResult(await api<StateValue>(`/jobs/${job.jid}/vertices/${vertex}/state?operator=${encodeURIComponent(op)}&state=${encodeURIComponent(state)}&key=${encodeURIComponent(key)}`));
    } catch (e) {
      setError((e as Error).message);
    }
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
      {statesError && <p class="muted">{statesError}</p>}
      {states && states.length === 0 && <p class="muted">This operator has no keyed state.</p>}
      {error && <p class="error" id="state-error">{error}</p>}
      {result && (
        <div id="state-result">
          <p class="muted">
            {result.operatorName} · {result.state} ({result.kind}) · key <code>{JSON.stringify(result.key)}</code> · key group {result.keyGroup} · subtask {result.subtask}
            {result.exists === false ? ' · no value for this key' : ''}
          </p>
          <pre class="value" id="state-value">{JSON.stringify(result.value, null, 2)}</pre>
        </div>
      )}
    </div>
  );
}
