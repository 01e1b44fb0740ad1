// Metrics end to end: a real job (worker threads) served by the REST server, scraped over HTTP in
// Prometheus's text format and queried on Flink's REST paths; exact values where the job fixes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, type JobClient } from '../../src/index.ts';
import { RestServer } from '../../src/web/index.ts';

const T = { timeout: 120_000 };
const JOB = new URL('./jobs/metered.ts', import.meta.url);

/** Prometheus text → samples (name, labels, value). */
function parse(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function withServer(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-metrics-'));
  const server = new RestServer(join(dir, 'jobs'));
  const url = await server.start(0);
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server, url, dir };
}

test('a bounded job: exact record counts and user metrics in Prometheus and REST after it ends', T, async (t) => {
  const { server, url, dir } = await withServer(t);
  let client: JobClient | undefined;
  const r = await runJob(JOB, { params: { n: 1000 }, checkpointDir: join(dir, 'cp'), log: () => {}, onJobStart: (c) => { client = c; server.register(c); } });
  assert.equal(r.status, 'finished');
  const jobId = client!.jobId;
  assert.match(jobId, /^[0-9a-f]{32}$/);

  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const samples = parse(await res.text());
  const op = (name: string, operator: string) =>
    samples.filter((s) => s.name === `eddy_taskmanager_job_task_operator_${name}` && s.labels.operator_name === operator && s.labels.job_id === jobId);
  const sum = (xs: { value: number }[]) => xs.reduce((a, b) => a + b.value, 0);
  // two subtasks each, the sums are the job's counts
  assert.equal(op('numRecordsIn', 'metered map').length, 2);
  assert.equal(sum(op('numRecordsIn', 'metered map')), 1000);
  assert.equal(sum(op('numRecordsOut', 'metered map')), 1000);
  assert.equal(sum(op('numRecordsIn', 'count per key')), 1000);
  assert.equal(sum(op('numRecordsOut', 'count per key')), 1000);
  assert.equal(sum(op('numLateRecordsDropped', 'count per key')), 0);
  // live state: 10 keys (x % 10), one ValueState entry each, spread over the two subtasks
  assert.equal(sum(op('keyedStateEntries', 'count per key')), 10);
  assert.equal(op('keyedStateBytes', 'count per key').length, 0, 'the heap backend reports no bytes');
  assert.equal(op('keyedStateEntries', 'metered map').length, 0, 'a non-keyed operator has no keyed state');
  // user metrics: group names join the name, key/value groups are labels
  assert.equal(sum(op('numbers_seen', 'metered map')), 1000);
  const hist = op('numbers_value_count', 'metered map');
  assert.equal(sum(hist), 1000);
  const last = op('numbers_parity_last', 'metered map');
  assert.deepEqual(last.map((s) => s.labels.parity), ['even', 'even']);
  assert.deepEqual(last.map((s) => s.value).sort((a, b) => a - b), [499, 999]); // each subtask's last number of its half
  // labels as Flink's reporter has them
  const one = op('numRecordsIn', 'count per key')[0]!;
  assert.deepEqual(Object.keys(one.labels).sort(), ['job_id', 'job_name', 'operator_id', 'operator_name', 'subtask_index', 'task_attempt_num', 'task_id', 'task_name', 'tm_id']);
  assert.equal(one.labels.job_name, 'metered');
  assert.match(one.labels.task_id!, /^[0-9a-f]{32}$/);
  // job scope
  const job = (name: string) => samples.find((s) => s.name === `eddy_jobmanager_job_${name}` && s.labels.job_id === jobId)?.value;
  assert.equal(job('numRestarts'), 0);
  assert.equal(job('numberOfCompletedCheckpoints'), 0);
  assert.equal(samples.find((s) => s.name === 'eddy_jobmanager_job_status' && s.labels.job_id === jobId && s.labels.status === 'FINISHED')?.value, 1);

  // REST: the same values on Flink's paths
  const details = (await (await fetch(`${url}/jobs/${jobId}`)).json()) as { state: string; vertices: { id: string; name: string; status: string; metrics: Record<string, number> }[] };
  assert.equal(details.state, 'FINISHED');
  assert.equal(details.vertices.length, client!.graph.vertices.length);
  assert.deepEqual(details.vertices.map((v) => [v.name, v.status]), [
    ['Sequence Source -> metered map', 'FINISHED'],
    ['count per key -> Discard', 'FINISHED'],
  ].map(([n, s]) => [details.vertices.find((v) => v.name.endsWith(n!.split(' -> ')[1]!))!.name, s]));
  const keyed = details.vertices.find((v) => v.name.startsWith('count per key'))!;
  assert.equal(keyed.metrics['read-records'], 1000);
  // bytes: the binary batches that crossed between the two slots, counted by both ends
  const source = details.vertices.find((v) => v !== keyed)!;
  assert.ok(source.metrics['write-bytes']! > 0, 'records crossed between slots');
  assert.equal(keyed.metrics['read-bytes'], source.metrics['write-bytes']);
  assert.equal(source.metrics['read-bytes'], 0);
  const vm = (await (await fetch(`${url}/jobs/${jobId}/vertices/${keyed.id}/subtasks/metrics?get=numRecordsIn&agg=sum`)).json()) as unknown;
  assert.deepEqual(vm, [{ id: 'numRecordsIn', sum: 1000 }]);
  const listed = (await (await fetch(`${url}/jobs/${jobId}/vertices/${keyed.id}/metrics?get=0.numRecordsIn,1.numRecordsIn,0.nope`)).json()) as { id: string; value: string }[];
  assert.deepEqual(listed.map((m) => m.id), ['0.numRecordsIn', '1.numRecordsIn']);
  assert.equal(listed.reduce((a, m) => a + Number(m.value), 0), 1000);
  const sizes = (await (await fetch(`${url}/jobs/${jobId}/vertices/${keyed.id}/metrics?get=0.keyedStateEntries,1.keyedStateEntries,0.count per key.keyedStateEntries`)).json()) as { id: string; value: string }[];
  assert.equal(Number(sizes[0]!.value) + Number(sizes[1]!.value), 10);
  assert.equal(sizes[2]!.value, sizes[0]!.value);
  const wms = (await (await fetch(`${url}/jobs/${jobId}/vertices/${keyed.id}/watermarks`)).json()) as { id: string; value: string }[];
  assert.deepEqual(wms.map((w) => w.id), ['0.currentInputWatermark', '1.currentInputWatermark']);
});

test('checkpoint counts: REST and Prometheus agree with the job result', T, async (t) => {
  const { server, url, dir } = await withServer(t);
  let client: JobClient | undefined;
  const r = await runJob(new URL('../../examples/nexmark/count.ts', import.meta.url), {
    params: { events: 300_000, checkpoint: 50 },
    checkpointDir: join(dir, 'cp'),
    log: () => {},
    onJobStart: (c) => { client = c; server.register(c); },
  });
  const completed = (r.checkpoints as { completed: number }).completed;
  assert.ok(completed >= 1, JSON.stringify(r.checkpoints));
  const cps = (await (await fetch(`${url}/jobs/${client!.jobId}/checkpoints`)).json()) as { counts: Record<string, number>; latest: { completed: { id: number; status: string; num_acknowledged_subtasks: number; num_subtasks: number; external_path: string } | null }; history: { id: number }[] };
  assert.equal(cps.counts.completed, completed);
  assert.equal(cps.counts.in_progress, 0);
  assert.equal(cps.latest.completed!.status, 'COMPLETED');
  assert.equal(cps.latest.completed!.num_acknowledged_subtasks, cps.latest.completed!.num_subtasks);
  assert.match(cps.latest.completed!.external_path, /chk-\d+$/);
  const ids = cps.history.map((h) => h.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  const details = (await (await fetch(`${url}/jobs/${client!.jobId}/checkpoints/details/${cps.latest.completed!.id}`)).json()) as { tasks: Record<string, { num_acknowledged_subtasks: number }> };
  assert.equal(Object.keys(details.tasks).length, client!.graph.vertices.length);
  const config = (await (await fetch(`${url}/jobs/${client!.jobId}/checkpoints/config`)).json()) as { mode: string; interval: number };
  assert.deepEqual([config.mode, config.interval], ['exactly_once', 50]);
  const samples = parse(await (await fetch(`${url}/metrics`)).text());
  assert.equal(samples.find((s) => s.name === 'eddy_jobmanager_job_numberOfCompletedCheckpoints' && s.labels.job_id === client!.jobId)?.value, completed);
});

test('live keyed state size on lmdb: entries and the bytes of the pages the database uses', T, async (t) => {
  const { server, url, dir } = await withServer(t);
  let client: JobClient | undefined;
  const r = await runJob(JOB, { params: { n: 2000 }, stateBackend: 'lmdb', stateDir: join(dir, 'state'), checkpointDir: join(dir, 'cp'), log: () => {}, onJobStart: (c) => { client = c; server.register(c); } });
  assert.equal(r.status, 'finished');
  const samples = parse(await (await fetch(`${url}/metrics`)).text());
  const op = (name: string) => samples.filter((s) => s.name === `eddy_taskmanager_job_task_operator_${name}` && s.labels.operator_name === 'count per key' && s.labels.job_id === client!.jobId);
  assert.equal(op('keyedStateEntries').reduce((a, s) => a + s.value, 0), 10);
  const bytes = op('keyedStateBytes');
  assert.equal(bytes.length, 2);
  // whole pages of the database; 10 counts may all still be in the backend's write-back cache (0 pages)
  for (const b of bytes) assert.ok(b.value >= 0 && b.value % 4096 === 0, `whole lmdb pages: ${b.value}`);
});

test('CEP: numPartialMatches counts the open partial matches of every key', T, async (t) => {
  const { server, url, dir } = await withServer(t);
  let client: JobClient | undefined;
  const r = await runJob(new URL('./jobs/cep-partials.ts', import.meta.url), { params: { n: 1000 }, checkpointDir: join(dir, 'cp'), log: () => {}, onJobStart: (c) => { client = c; server.register(c); } });
  assert.equal(r.status, 'finished');
  const samples = parse(await (await fetch(`${url}/metrics`)).text());
  const op = (name: string) => samples.filter((s) => s.name === `eddy_taskmanager_job_task_operator_${name}` && s.labels.operator_name === 'a then b' && s.labels.job_id === client!.jobId);
  assert.equal(op('numPartialMatches').length, 2);
  assert.equal(op('numPartialMatches').reduce((a, s) => a + s.value, 0), 450); // 90 open on each of keys 5–9
  assert.equal(op('numRecordsOut').reduce((a, s) => a + s.value, 0), 450); // every `a` of keys 0–4 matched
});
