/**
 * What two cores give a hand-written loop here: the same loop in two worker threads of one process side
 * by side, each over half the events (both warmed up first, started together). Its rate over one loop's
 * rate is the machine's own speed-up at two threads (shared caches, memory bandwidth, V8's helper threads),
 * the ceiling for an engine's p=2 ÷ p=1 on this machine. Used by `bench/one.ts loop2 <query> <events>`.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { nexmarkLoops } from './baselines/nexmark-loops.ts';

type LoopFn = (events: number, seed: number) => { count: number; checksum: number };

if (!isMainThread) {
  const { query, events, seed, flag } = workerData as { query: string; events: number; seed: number; flag: Int32Array };
  const fn = (nexmarkLoops as Record<string, LoopFn>)[query]!;
  fn(Math.min(events, 100_000), seed); // warm-up
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
  Atomics.wait(flag, 1, 0); // until both are warm
  const r = fn(events, seed);
  parentPort!.postMessage(r);
}

/** Runs `query`'s loop in two threads over `events / 2` each; the wall time from their common start. */
export async function loopPair(query: string, events: number, seed: number): Promise<{ durationMs: number; count: number; cpuMs: number }> {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const half = Math.floor(events / 2);
  const workers = [half, events - half].map((n) => new Worker(new URL('./loop-pair-worker.mjs', import.meta.url), { workerData: { query, events: n, seed, flag } }));
  const done = workers.map((w) => new Promise<{ count: number }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }));
  while (Atomics.load(flag, 0) < 2) await new Promise((r) => setTimeout(r, 1));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  Atomics.store(flag, 1, 1);
  Atomics.notify(flag, 1);
  const rs = await Promise.all(done);
  const durationMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(workers.map((w) => w.terminate()));
  return { durationMs, count: rs[0]!.count + rs[1]!.count, cpuMs: (cpu.user + cpu.system) / 1000 };
}
