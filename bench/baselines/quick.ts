/**
 * Quick measurement: events/s of the Nexmark generator alone and of each plain-loop baseline and RxJS
 * pipeline, over the same events (default 1 M, seed 1). Prints a table; not a timed assertion.
 * Usage: node --import tsx bench/baselines/quick.ts [events] [seed]
 */
import { nexmarkLoops } from './nexmark-loops.ts';
import { nexmarkRx } from '../rxjs/nexmark-rxjs.ts';
import type { BaselineResult } from './checksum.ts';

const events = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);

function measure(name: string, fn: (events: number, seed: number) => BaselineResult): void {
  fn(Math.min(events, 100_000), seed); // warm up the JIT
  let best = Infinity;
  let result: BaselineResult = { count: 0, checksum: 0 };
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    result = fn(events, seed);
    best = Math.min(best, performance.now() - t0);
  }
  const rate = (events / best) * 1000;
  console.log(`${name.padEnd(18)} ${(rate / 1e6).toFixed(2).padStart(6)} M events/s  ${best.toFixed(0).padStart(6)} ms`
    + `  rows ${String(result.count).padStart(8)}  checksum ${result.checksum}`);
}

console.log(`nexmark quick: ${events} events, seed ${seed}, best of 3 (node ${process.version})`);
for (const [name, fn] of Object.entries(nexmarkLoops)) measure(`loop ${name}`, fn);
for (const [name, fn] of Object.entries(nexmarkRx)) measure(`rxjs ${name}`, fn);
