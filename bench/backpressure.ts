/**
 * Backpressure benchmark: an unbounded source and a sink ~10× slower, for N seconds. Prints one JSON line
 * with the source and sink rates and the process RSS after 5 s and at the end (flat = backpressure works).
 *   node --import tsx bench/backpressure.ts [seconds]
 */
import { runJob, type JobClient } from '../src/index.ts';
import { NexmarkGenerator } from '../src/connectors/nexmark/index.ts';

const seconds = Number(process.argv[2] ?? 60);
// The source's own cost per bid, to make the sink 10× slower.
const g = new NexmarkGenerator({ events: 400_000, seed: 1 });
const t0 = performance.now();
let n = 0;
for (let e = g.next(); e; e = g.next()) n++;
const sourceMicros = ((performance.now() - t0) * 1000) / n;
const sinkMicros = Math.max(1, sourceMicros * 10);

let client: JobClient | undefined;
const run = runJob(new URL('./backpressure-job.ts', import.meta.url), { params: { sinkMicros }, onJobStart: (c) => (client = c), log: () => {} }).catch(() => undefined);
const samples: number[] = [];
const start = Date.now();
let rssStart = 0;
while (Date.now() - start < seconds * 1000) {
  await new Promise((r) => setTimeout(r, 1000));
  const rss = process.memoryUsage().rss / 2 ** 20;
  samples.push(rss);
  if (Date.now() - start >= 5000 && rssStart === 0) rssStart = rss;
}
const p = client!.progress();
const elapsed = (p.elapsedMs - 1000) / 1000;
const src = p.operators[0]!.recordsOut;
const sink = p.operators[p.operators.length - 1]!.recordsIn;
client!.cancel();
await run;
console.log(
  JSON.stringify({
    seconds,
    sourceMicrosPerRecord: sourceMicros,
    sinkMicrosPerRecord: sinkMicros,
    sourceRate: src / elapsed,
    sinkRate: sink / elapsed,
    inFlight: src - sink,
    rssStartMb: rssStart,
    rssEndMb: samples[samples.length - 1],
    maxRssMb: Math.max(...samples),
  }),
);
