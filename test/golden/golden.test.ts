// Formats are forever: the savepoint written by format version 1 (test/golden/savepoint-v1, made by
// make-savepoint-v1.ts) must restore in this and every later version, at any parallelism, and the job
// must continue exactly where it stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from 'eddy';

const FIXTURE = fileURLToPath(new URL('./savepoint-v1/', import.meta.url));
const before = JSON.parse(readFileSync(new URL('./savepoint-v1.expected.json', import.meta.url), 'utf8')).recordsBeforeSavepointPerKey as Record<string, number>;
const N = 12_000;

for (const p of [1, 2, 3]) {
  test(`the v1 savepoint fixture restores at parallelism ${p} and the job finishes exactly`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-golden-'));
    try {
      const r = await runJob(new URL('../jobs/savepoint-job.ts', import.meta.url), { params: { p, pace: 0 }, fromSavepoint: FIXTURE, checkpointDir: dir, log: () => {} });
      const per = new Map<number, { n: number; max: number; sums: Set<number> }>();
      for (const row of r.collected as { key: number; v: number }[]) {
        const e = per.get(row.key) ?? { n: 0, max: 0, sums: new Set<number>() };
        e.n++;
        e.max = Math.max(e.max, row.v);
        e.sums.add(row.v);
        per.set(row.key, e);
      }
      assert.deepEqual([...per.keys()].sort((a, b) => a - b), Array.from({ length: 13 }, (_, k) => k), 'every key continues');
      for (let k = 0; k < 13; k++) {
        let n = 0;
        let sum = 0;
        for (let v = 1; v <= N; v++)
          if (v % 13 === k) {
            n++;
            sum += v;
          }
        assert.equal((before[k] ?? 0) + (per.get(k)?.n ?? 0), n, `records of key ${k}: before + after the savepoint`);
        // running sums only grow: a record emitted twice (and another lost) would repeat one
        assert.equal(per.get(k)?.sums.size, per.get(k)?.n, `running sums of key ${k} are distinct`);
        assert.equal(per.get(k)?.max, sum, `final sum of key ${k}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
