/**
 * Cost of metrics: Nexmark q1 and the keyed count, each with metrics on (the default) and off
 * (`metrics: false`), in fresh processes. Built to give a decisive figure on a noisy shared machine:
 *
 * - runs come in pairs (one off, one on), back to back, and the order alternates from pair to pair
 *   (off→on, on→off, …), so drift of the machine and any first-run/second-run effect hit both sides alike;
 * - each pair gives one ratio, on/off, of the job's running time (`runningMs`: from the first record to
 *   the end, what the metrics could slow) and one of the whole process's wall time (start-up, module
 *   loading, worker threads, shutdown: what a user waits for);
 * - the figure is the median of the pairs' ratios with its spread (the middle half, p25–p75, and min–max);
 *   the cost is `median − 1` of the running-time ratio. The spread says whether the cost is resolved: a
 *   cost smaller than the half-width of the middle half is noise on this machine.
 *
 * Prints one JSON line: { events, parallelism, pairs, q1: { … }, keyedCount: { … } } where each query has
 * `running` and `process` ({ offMs, onMs (medians), ratio (median on/off), p25, p75, min, max }), `cost`
 * (= running.ratio − 1), `offEventsPerSec` / `onEventsPerSec` (medians) and the output count (on and off
 * must agree).
 *
 *   node --import tsx bench/metrics-overhead.ts <events> [pairs] [parallelism]
 *   npm run bench -- --only metrics          (pairs = 3 × --repeat, default 9)
 * A child run: node --import tsx bench/metrics-overhead.ts --child <query> <events> <on|off> <parallelism>
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runJob } from '../src/index.ts';
import { spread, type Spread } from './stats.ts';

const args = process.argv.slice(2);

interface ChildResult {
  runningMs: number;
  count: number;
}

if (args[0] === '--child') {
  const [, query, events, onOff, p] = args;
  const url = new URL(`../examples/nexmark/${query === 'keyedCount' ? 'count' : query}.ts`, import.meta.url);
  const r = await runJob(url, { parallelism: Number(p), metrics: onOff === 'on', params: { events: Number(events), seed: 1 }, log: () => {} });
  const out: ChildResult = { runningMs: r.runningMs as number, count: r.operators[r.operators.length - 1]!.recordsIn };
  process.stdout.write(JSON.stringify(out) + '\n');
} else {
  const events = Number(args[0] ?? 2_000_000);
  const pairs = Number(args[1] ?? 9);
  const p = Number(args[2] ?? 1);
  if (!(Number.isInteger(events) && events > 0)) throw new RangeError(`events must be a positive integer, got ${args[0]}`);
  if (!(Number.isInteger(pairs) && pairs > 0)) throw new RangeError(`pairs must be a positive integer, got ${args[1]}`);
  const script = fileURLToPath(import.meta.url);
  const child = (q: string, onOff: 'on' | 'off') => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', q, String(events), onOff, String(p)], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
    const processMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${q} metrics ${onOff} failed:\n${r.stderr}`);
    return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult), processMs };
  };
  const out: Record<string, unknown> = { events, parallelism: p, pairs };
  for (const q of ['q1', 'keyedCount']) {
    const run = { off: [] as number[], on: [] as number[] };
    const proc = { off: [] as number[], on: [] as number[] };
    const counts = new Set<number>();
    for (let i = 0; i < pairs; i++) {
      const order: ('on' | 'off')[] = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const side of order) {
        const r = child(q, side);
        run[side].push(r.runningMs);
        proc[side].push(r.processMs);
        counts.add(r.count);
      }
      process.stderr.write(`${q} pair ${i + 1}/${pairs}: running on/off ${(run.on[i]! / run.off[i]!).toFixed(3)}, process ${(proc.on[i]! / proc.off[i]!).toFixed(3)}\n`);
    }
    if (counts.size !== 1) throw new Error(`${q}: the runs disagree on the output count: ${[...counts].join(', ')}`);
    const running = spread(run.off, run.on);
    const perSec = (ms: number) => (events * 1000) / ms;
    out[q] = { running, process: spread(proc.off, proc.on), cost: running.ratio - 1, offEventsPerSec: perSec(running.offMs), onEventsPerSec: perSec(running.onMs), count: [...counts][0] };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
