// Writes the golden savepoint fixture test/golden/savepoint-v1/ (run once per format version:
//   node --import tsx test/golden/make-savepoint-v1.ts
// and commit the result). The fixture must restore in every later version (test/golden/golden.test.ts).
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runJob, type JobClient } from '../../src/index.ts';

const dir = fileURLToPath(new URL('./savepoint-v1/', import.meta.url));
rmSync(dir, { recursive: true, force: true });
let client: JobClient | undefined;
const run = runJob(new URL('../jobs/savepoint-job.ts', import.meta.url), { params: { p: 2 }, checkpointDir: '/tmp/eddy-golden', onJobStart: (c) => (client = c) });
await new Promise((r) => setTimeout(r, 1500));
await client!.stopWithSavepoint(dir);
const r = await run;
const per: Record<number, number> = {};
for (const row of r.collected as { key: number }[]) per[row.key] = (per[row.key] ?? 0) + 1;
writeFileSync(new URL('./savepoint-v1.expected.json', import.meta.url), JSON.stringify({ recordsBeforeSavepointPerKey: per }, null, 1));
console.log('wrote', dir);
