/**
 * Cost of metrics: Nexmark q1 and the keyed count, each with metrics on (the default) and off
 * (`metrics: false`), in fresh processes, alternated, best of `repeat`. Prints one JSON line:
 * { q1: { on, off, cost }, keyedCount: { … } } with events/s and cost = 1 − on/off.
 *
 *   node --import tsx bench/metrics-overhead.ts <events> [repeat] [parallelism]
 *   npm run bench -- --only metrics
 * A child run: node --import tsx bench/metrics-overhead.ts --child <query> <events> <on|off> <parallelism>
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runJob } from '../src/index.ts';

const args = process.argv.slice(2);

if (args[0] === '--child') {
  const [, query, events, onOff, p] = args;
  const url = new URL(`../examples/nexmark/${query === 'keyedCount' ? 'count' : query}.ts`, import.meta.url);
  const r = await runJob(url, { parallelism: Number(p), metrics: onOff === 'on', params: { events: Number(events), seed: 1 }, log: () => {} });
  const ms = r.runningMs as number;
  process.stdout.write(JSON.stringify({ eventsPerSec: (Number(events) * 1000) / ms, count: r.operators[r.operators.length - 1]!.recordsIn }) + '\n');
} else {
  const events = Number(args[0] ?? 2_000_000);
  const repeat = Number(args[1] ?? 3);
  const p = Number(args[2] ?? 1);
  const script = fileURLToPath(import.meta.url);
  const child = (q: string, onOff: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', q, String(events), onOff, String(p)], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { eventsPerSec: number; count: number };
  };
  const out: Record<string, unknown> = { events, parallelism: p, repeat };
  for (const q of ['q1', 'keyedCount']) {
    let on = 0;
    let off = 0;
    for (let i = 0; i < repeat; i++) {
      // alternated, so drift of the machine hits both alike
      off = Math.max(off, child(q, 'off').eventsPerSec);
      on = Math.max(on, child(q, 'on').eventsPerSec);
    }
    out[q] = { on, off, cost: 1 - on / off };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
