/**
 * Async I/O overhead: the same async service called for n records with the same concurrency, (a) by a
 * hand-written loop (a counting semaphore: start a call whenever fewer than `capacity` are in flight,
 * sum the results) and (b) by an eddy job (`AsyncDataStream.unorderedWait`, capacity = the same,
 * parallelism 1). The job's time is taken net of the same job with a plain map in place of the async call
 * (worker start-up, source and sink), so it is the time the async calls add. Prints one JSON line:
 * records/s of both and the ratio, for a service that answers at once (the overhead around the call) and
 * one with 1 ms latency (throughput bound by concurrency ÷ latency).
 *   node --import tsx bench/async-io.ts [n=1000000] [capacity=100]
 */
import { runJob } from 'eddy';
import { service } from './async-io-service.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const capacity = Number(process.argv[3] ?? 100);

async function loop(count: number, latency: number): Promise<number> {
  const call = service(latency);
  const t0 = performance.now();
  let next = 1;
  let sum = 0;
  await new Promise<void>((done) => {
    let inFlight = 0;
    const start = (): void => {
      while (inFlight < capacity && next <= count) {
        inFlight++;
        call(next++).then((r) => {
          sum += r[0]!;
          inFlight--;
          if (next > count && inFlight === 0) done();
          else start();
        });
      }
    };
    start();
  });
  if (sum !== (count * (count + 1)) / 2 + count) throw new Error(`loop: wrong sum ${sum}`);
  return count / ((performance.now() - t0) / 1000);
}

async function job(count: number, latency: number, sync: boolean): Promise<number> {
  const r = await runJob(new URL('./async-io-job.ts', import.meta.url), { params: { n: count, capacity, latency, sync }, log: () => {} });
  const op = r.operators.find((o) => o.name === 'Async Wait')!;
  if (op.recordsOut !== count) throw new Error(`eddy: ${op.recordsOut} results of ${count}`);
  return r.durationMs;
}

async function eddy(count: number, latency: number): Promise<number> {
  const base = Math.min(await job(count, latency, true), await job(count, latency, true));
  const withAsync = Math.min(await job(count, latency, false), await job(count, latency, false));
  return count / (Math.max(1, withAsync - base) / 1000);
}

const out: Record<string, number> = { n, capacity };
for (const [name, latency, count] of [['instant', 0, n], ['1ms', 1, Math.min(n, 100_000)]] as const) {
  const l = await loop(count, latency);
  const e = await eddy(count, latency);
  out[`${name}LoopPerSec`] = l;
  out[`${name}EddyPerSec`] = e;
  out[`${name}Ratio`] = e / l;
}
out.eventsPerSec = out.instantEddyPerSec!;
console.log(JSON.stringify(out));
