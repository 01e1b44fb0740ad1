// Rates as Flink's MeterView: the change of a count over the last 60 s divided by that time, over the age
// of a younger meter or task. Synthetic reports with chosen times and counts; the expected rates are
// worked out by hand from those numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterView } from '../../src/metrics/index.ts';
import { StreamEnvironment } from '../../src/index.ts';
import { buildJobGraph, buildStreamGraph } from '../../src/graph/index.ts';
import { JobMetrics, RATE_WINDOW_MS } from '../../src/runtime/job-metrics.ts';
import type { TaskStats } from '../../src/runtime/slot.ts';

const T = { timeout: 10_000 };

test('MeterView: rate over its age while younger than the time span, then over the last 60 s', T, () => {
  let now = 1_000_000;
  const m = new MeterView(60, () => now);
  now += 10_000;
  m.markEvent(500);
  assert.equal(m.getRate(), 50); // 500 events in its first 10 s
  for (let s = 1; s <= 120; s++) {
    now += 500;
    m.markEvent(s <= 60 ? 100 : 0); // 200/s for 30 s, then nothing
    m.getRate();
  }
  // at t = 70 s: the window is 10 s…70 s; 6000 events were marked between 10 s and 40 s
  assert.equal(now, 1_070_000);
  assert.equal(m.getRate(), 6000 / 60);
  assert.equal(m.getCount(), 6500);
  now += 30_000;
  assert.equal(m.getRate(), 0); // 40 s…100 s: no events
  assert.throws(() => new MeterView(0), /time span must be > 0/);
});

test('JobMetrics: records and busy time per second over 60 s, over the task age before that', T, () => {
  const env = StreamEnvironment.create({ parallelism: 1 });
  env.fromElements(1, 2, 3).map((x) => x * 2).name('double').keyBy((x) => x).map((x) => x).name('after shuffle').print();
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.config));
  const jm = new JobMetrics(graph);
  const v = graph.vertices.find((x) => x.nodes.some((n) => n.name === 'after shuffle'))!;
  const ops = v.nodes.map((n) => ({ id: n.operatorId, name: n.name }));
  const start = 5_000_000;
  // a report every 500 ms: 100 records in and out per report (200/s), busy 250 ms per second for 40 s,
  // then 400 records per report (800/s) and fully busy
  let records = 0;
  let busy = 0;
  const report = (at: number): TaskStats => ({
    vertex: v.index,
    subtask: 0,
    finished: false,
    backpressured: false,
    at,
    busyMs: busy,
    backPressuredMs: 0,
    sinceMs: at - start,
    operators: ops.map((o) => ({ ...o, recordsIn: records, recordsOut: records, metrics: [] })),
  });
  for (let i = 1; i <= 80; i++) {
    records += 100;
    busy += 125;
    jm.onReport([report(start + i * 500)]);
  }
  // 40 s old: over its age
  let t = jm.task(v.index, 0)!;
  assert.equal(t.values.numRecordsInPerSecond, 200);
  assert.equal(t.values.busyTimeMsPerSecond, 250);
  assert.equal(t.values.idleTimeMsPerSecond, 750);
  assert.equal(t.operators[0]!.values.numRecordsInPerSecond, 200);
  for (let i = 81; i <= 160; i++) {
    records += 400;
    busy += 500;
    jm.onReport([report(start + i * 500)]);
  }
  // at 80 s the window is 20 s…80 s: 20 s at 200/s and 40 s at 800/s
  t = jm.task(v.index, 0)!;
  const expected = (20 * 200 + 40 * 800) / 60;
  assert.equal(t.values.numRecordsInPerSecond, expected);
  assert.equal(t.values.busyTimeMsPerSecond, (20 * 250 + 40 * 1000) / 60);
  assert.equal(t.values.numRecordsIn, 80 * 100 + 80 * 400);
  assert.equal(RATE_WINDOW_MS, 60_000);
});
