import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob } from 'eddy';

const JOB = new URL('../jobs/backpressure.ts', import.meta.url);

for (const p of [1, 2]) {
  test(`a slow sink holds the source back: in-flight records stay bounded (parallelism ${p})`, async () => {
    const counters = new SharedArrayBuffer(12);
    const c = new Int32Array(counters);
    const batchSize = 64;
    const buffers = 2;
    const n = 30_000;
    await runJob(JOB, { params: { counters, p, n, batchSize, buffers } });
    assert.equal(c[0], n);
    assert.equal(c[1], n);
    // Per sending subtask and channel: `buffers` batches in flight + one in backlog + one being filled,
    // plus the batch the receiver is processing. Everything else must wait in the source.
    const channels = p * p;
    const bound = channels * (buffers + 3) * batchSize;
    assert.ok(c[2]! <= bound, `max records between source and sink ${c[2]} > bound ${bound}`);
    assert.ok(c[2]! < n / 4, `the source ran ahead by ${c[2]} of ${n}`);
  });
}
