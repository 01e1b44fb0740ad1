// Async I/O end to end on worker threads (test/jobs/async-job.ts): exact output in both modes, the
// capacity bound seen by the user function, watermarks never overtaken, end of input waiting for every
// request, a timeout failing the job with the operator and the input, and a failure + restore that
// re-issues the requests in flight at the checkpoint, with exactly-once output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';
import type { Enriched } from '../jobs/async-job.ts';

const JOB = new URL('../jobs/async-job.ts', import.meta.url);

function counters(p: number): { buf: SharedArrayBuffer; view: Int32Array } {
  const buf = new SharedArrayBuffer(4 * (2 + p));
  return { buf, view: new Int32Array(buf) };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

for (const mode of ['ordered', 'unordered'] as const) {
  for (const head of ['source', 'input'] as const) {
    test(`${mode}Wait, ${head === 'source' ? 'chained to the source' : 'heading its task'}: every result once, capacity held, no record behind the watermark`, { timeout: 120_000 }, async () => {
      const n = 1500;
      const p = 2;
      const capacity = 6;
      const c = counters(p);
      const r = await runJob(JOB, { params: { mode, n, p, capacity, head, counters: c.buf } });
      const out = r.collected as Enriched[];
      assert.deepEqual(
        out.map((e) => e.x).sort((a, b) => a - b),
        range(n),
      );
      for (const e of out) assert.equal(e.y, e.x * 2);
      assert.deepEqual(
        out.filter((e) => e.late).map((e) => e.x),
        [],
        'a result arrived behind the watermark',
      );
      assert.equal(c.view[0], n, 'one request per record');
      assert.equal(c.view[1], capacity, 'the most requests in flight in one subtask is the capacity');
      if (mode === 'ordered') {
        // per subtask, results leave in the order records arrived; chained to the source that is the
        // order of the subtask's range of the sequence
        for (let s = 0; s < p; s++) {
          const xs = out.filter((e) => e.subtask === s).map((e) => e.x);
          if (head === 'source') assert.deepEqual(xs, [...xs].sort((a, b) => a - b), `subtask ${s} out of order`);
        }
      }
      assert.equal(liveWorkerCount(), 0);
    });
  }
}

test('a request that times out fails the job naming the operator and the input', { timeout: 120_000 }, async () => {
  await assert.rejects(runJob(JOB, { params: { n: 200, p: 1, hangAt: 50, timeoutMs: 300 } }), (e: Error) => {
    assert.match(e.message, /operator 'enrich'/);
    assert.match(e.message, /async request timed out after 300 ms for input 50/);
    return true;
  });
  assert.equal(liveWorkerCount(), 0);
});

for (const head of ['source', 'input'] as const) {
  test(`failure and restore (${head}): requests in flight at the checkpoint are issued again, output exactly once`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-async-'));
    const log: string[] = [];
    try {
      const n = 3000;
      const c = counters(2);
      const r = await runJob(JOB, {
        params: { mode: 'unordered', n, p: 2, capacity: 16, head, failAfter: 200, interval: 40, counters: c.buf },
        checkpointDir: dir,
        stateDir: join(dir, 'state'),
        log: (l) => log.push(l),
      });
      assert.equal(r.restarts, 1, log.join('\n'));
      assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
      const xs = (r.collected as Enriched[]).map((e) => e.x).sort((a, b) => a - b);
      assert.deepEqual(xs, range(n));
      assert.ok(c.view[0]! > n, 'requests were issued again after the restore');
      assert.equal(liveWorkerCount(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
