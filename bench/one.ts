/**
 * Runs one benchmark measurement in a fresh process (so peak RSS is this run's alone) and prints
 * one JSON line: { eventsPerSec, durationMs, coresBusy, maxRssMb, count?, checksum? }. `coresBusy` is the
 * process's CPU time over the measured time: V8's garbage-collector and compiler threads add to it.
 *
 *   node --import tsx bench/one.ts <impl> <query> <events> [parallelism] [heap|lmdb] [checkpointMs]
 *   impl: loop | loop2 | rxjs | eddy   (loop2: the loop in two threads side by side, half the events each)
 */
import { runJob } from '../src/index.ts';
import { nexmarkLoops } from './baselines/nexmark-loops.ts';
import { nexmarkRx } from './rxjs/nexmark-rxjs.ts';
import { loopPair } from './loop-pair.ts';

const [impl, query, eventsArg, pArg, backendArg, checkpointArg] = process.argv.slice(2);
const events = Number(eventsArg);
const parallelism = Number(pArg ?? 1);
const SEED = 1;
const EXAMPLE: Record<string, string> = { q0: 'q0', q1: 'q1', q2: 'q2', keyedCount: 'count', q5: 'q5', q7: 'q7' };
/** Jobs of the benchmark itself (not examples). */
const BENCH_JOB: Record<string, string> = { keyedBids: './keyed-bids-job.ts' };
/** The loop of a query: the keyed count over whole bids does the same work in a loop as the keyed count. */
const LOOP_QUERY = query === 'keyedBids' ? 'keyedCount' : query!;

async function main(): Promise<Record<string, unknown>> {
  if (impl === 'loop' || impl === 'rxjs') {
    const table = (impl === 'loop' ? nexmarkLoops : nexmarkRx) as Record<string, (e: number, s: number) => { count: number; checksum: number }>;
    const q = LOOP_QUERY;
    const fn = table[impl === 'rxjs' && q === 'keyedCount' ? 'keyedCountMap' : q];
    if (!fn) throw new Error(`no ${impl} implementation of ${query}`);
    fn(Math.min(events, 100_000), SEED); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = fn(events, SEED);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { durationMs: ms, eventsPerSec: (events * 1000) / ms, coresBusy: (cpu.user + cpu.system) / 1000 / ms, count: r.count, checksum: r.checksum };
  }
  if (impl === 'loop2') {
    const r = await loopPair(LOOP_QUERY, events, SEED);
    return { durationMs: r.durationMs, eventsPerSec: (events * 1000) / r.durationMs, coresBusy: r.cpuMs / r.durationMs, count: r.count };
  }
  if (impl === 'eddy') {
    const url = BENCH_JOB[query!] !== undefined ? new URL(BENCH_JOB[query!]!, import.meta.url) : new URL(`../examples/nexmark/${EXAMPLE[query!]}.ts`, import.meta.url);
    const checkpoint = Number(checkpointArg ?? 0);
    const stateBackend = (backendArg ?? 'heap') as 'heap' | 'lmdb';
    // The process's CPU time from the moment the job runs: divided by the running time, the cores it kept
    // busy (slot threads, and V8's garbage-collector and compiler threads, which also use the other cores).
    let cpuAtRun: NodeJS.CpuUsage | undefined;
    const onJobStart = (client: { status: string }): void => {
      const poll = setInterval(() => {
        if (client.status === 'INITIALIZING') return;
        cpuAtRun = process.cpuUsage();
        clearInterval(poll);
      }, 1);
    };
    const r = await runJob(url, { parallelism, stateBackend, params: { events, seed: SEED, checkpoint }, checkpointDir: '/tmp/eddy-bench-checkpoints', log: () => {}, onJobStart });
    const cpu = process.cpuUsage(cpuAtRun);
    const sinkIn = r.operators[r.operators.length - 1]!.recordsIn;
    const ms = r.runningMs as number;
    const cps = r.checkpoints as { completed: number; durationsMs: number[] } | undefined;
    const coresBusy = cpuAtRun === undefined ? NaN : (cpu.user + cpu.system) / 1000 / ms;
    return { durationMs: ms, startupMs: r.startupMs as number, eventsPerSec: (events * 1000) / ms, coresBusy, count: sinkIn, checkpoints: cps?.completed ?? 0 };
  }
  throw new Error(`unknown impl ${impl}`);
}

const out = await main();
out.maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify(out) + '\n');
