// The state browser and the flame graph against a running job (worker threads, real HTTP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, type JobClient } from '../../src/index.ts';
import { RestServer } from '../../src/web/index.ts';

const T = { timeout: 120_000 };

interface Flame {
  name: string;
  value: number;
  children: Flame[];
}
const names = (f: Flame): string[] => [f.name, ...f.children.flatMap(names)];

test('state browser and flame graph of a running job', T, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-state-'));
  const server = new RestServer(join(dir, 'jobs'));
  const url = await server.start(0);
  let client: JobClient | undefined;
  const run = runJob(new URL('../metrics/jobs/metered.ts', import.meta.url), {
    params: { n: 1000, forever: true, windows: true },
    log: () => {},
    onJobStart: (c) => {
      client = c;
      server.register(c);
    },
  });
  run.catch(() => undefined);
  t.after(async () => {
    client?.cancel();
    await run.catch(() => undefined);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = async (path: string) => {
    const r = await fetch(`${url}${path}`);
    return { status: r.status, body: (await r.json()) as any };
  };
  // wait until the keyed operator took in all 1000 numbers (the bids are all filtered out)
  let plan: any;
  for (;;) {
    if (client) {
      const d = await get(`/jobs/${client.jobId}`);
      plan = d.body.plan;
      const keyed = d.body.vertices?.find((v: any) => v.name.startsWith('count per key'));
      const windowed = d.body.vertices?.find((v: any) => v.name.startsWith('window contents per key'));
      if (d.body.state === 'RUNNING' && keyed?.metrics['read-records'] === 1000 && windowed?.metrics['read-records'] === 1000) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const jid = client!.jobId;
  const keyedNode = plan.nodes.find((n: any) => n.description.startsWith('count per key'));
  const op = keyedNode.operators[0];
  assert.equal(op.name, 'count per key');
  const base = `/jobs/${jid}/vertices/${keyedNode.id}/state`;
  // every key of x % 10 saw exactly 100 of the numbers 0..999: the job's counts
  for (const key of [0, 3, 9]) {
    const r = await get(`${base}?operator=${op.id}&state=count&key=${key}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual({ ...r.body, keyGroup: undefined, subtask: undefined }, {
      operator: op.id, operatorName: 'count per key', state: 'count', kind: 'value', key, keyGroup: undefined, subtask: undefined, namespace: 'VOID', window: null, value: 100, exists: true,
      hasVoidValue: true, windows: [], windowsTruncated: false,
    });
  }
  // by operator name too; a key never seen; the list of states
  assert.equal((await get(`${base}?operator=count%20per%20key&state=count&key=42`)).body.exists, false);
  assert.deepEqual((await get(`${base}?operator=${op.id}`)).body, { operator: op.id, operatorName: 'count per key', states: ['count'] });
  // clear errors
  const e1 = await get(`${base}?operator=${op.id}&state=nope&key=1`);
  assert.equal(e1.status, 404);
  assert.deepEqual(e1.body, { errors: ["operator 'count per key': operator has no keyed state 'nope' (its states: count)"] });
  const e2 = await get(`${base}?operator=${op.id}&state=count&key=%7Bbad`);
  assert.equal(e2.status, 400);
  assert.match(e2.body.errors[0], /^query parameter 'key' is not JSON: /);
  const e3 = await get(`${base}?operator=zzz&state=count&key=1`);
  assert.equal(e3.status, 404);
  assert.match(e3.body.errors[0], /has no operator 'zzz'/);
  const e4 = await get(`${base}?state=count&key=1`);
  assert.deepEqual(e4, { status: 400, body: { errors: ["query parameter 'operator' is required: an operator id (see /plan) or name of the vertex"] } });

  // windowed state: the windows key 3 has contents in, and one window's contents (see metered.ts)
  const FUTURE = 4_000_000_000_000;
  const wNode = plan.nodes.find((n: any) => n.description.startsWith('window contents per key'));
  const wOp = wNode.operators.find((o: any) => o.name === 'window contents per key');
  const wBase = `/jobs/${jid}/vertices/${wNode.id}/state?operator=${wOp.id}&state=window-contents&key=3`;
  const listed = await get(wBase);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body.namespace, 'VOID');
  assert.equal(listed.body.exists, false);
  assert.equal(listed.body.hasVoidValue, false);
  const expectedWindows = Array.from({ length: 10 }, (_, w) => ({ namespace: `${FUTURE + 100 * w}:${FUTURE + 100 * w + 100}`, window: { start: FUTURE + 100 * w, end: FUTURE + 100 * w + 100 } }));
  assert.deepEqual([...listed.body.windows].sort((a: any, b: any) => a.window.start - b.window.start), expectedWindows);
  const contents = (w: number) => Array.from({ length: 10 }, (_, i) => 100 * w + 3 + 10 * i);
  const byNs = await get(`${wBase}&namespace=${encodeURIComponent(expectedWindows[2]!.namespace)}`);
  assert.equal(byNs.status, 200, JSON.stringify(byNs.body));
  assert.deepEqual([byNs.body.kind, byNs.body.namespace, byNs.body.window, byNs.body.exists], ['list', expectedWindows[2]!.namespace, expectedWindows[2]!.window, true]);
  assert.deepEqual(byNs.body.value, contents(2));
  const byBounds = await get(`${wBase}&window=${FUTURE + 700},${FUTURE + 800}`);
  assert.deepEqual(byBounds.body.value, contents(7));
  const noWindow = await get(`${wBase}&window=${FUTURE + 50},${FUTURE + 150}`);
  assert.deepEqual([noWindow.status, noWindow.body.exists, noWindow.body.value], [200, false, null]);
  const badWindow = await get(`${wBase}&window=10`);
  assert.deepEqual(badWindow, { status: 400, body: { errors: ["query parameter 'window' must be 'start,end' in epoch milliseconds (window=0,10000), got '10'"] } });
  const both = await get(`${wBase}&window=1,2&namespace=x`);
  assert.equal(both.status, 400);

  // flame graph of the busy source subtask: the user's filter function is in it
  const src = plan.nodes.find((n: any) => n.description.startsWith('bids'));
  const f = await get(`/jobs/${jid}/vertices/${src.id}/flamegraph?subtask=0&seconds=2`);
  assert.equal(f.status, 200, JSON.stringify(f.body));
  assert.equal(f.body.data.name, 'root');
  assert.ok(f.body.samples > 100, String(f.body.samples));
  assert.ok(names(f.body.data).some((n) => n.includes('dropEveryBidInUserFunction')), `the user function is in the profile: ${JSON.stringify(f.body.data).slice(0, 2000)}`);
  const bad = await get(`/jobs/${jid}/vertices/${src.id}/flamegraph?subtask=5`);
  assert.deepEqual(bad, { status: 400, body: { errors: ["query parameter 'subtask' must be below the vertex's parallelism 2, got 5"] } });
});
