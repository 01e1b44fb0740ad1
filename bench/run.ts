/**
 * `npm run bench`: measures eddy against the physical limit (a hand-written single-thread loop doing
 * the same work over the same generated events) and a peer (RxJS 7), in one run, each measurement in
 * its own process. Prints tables and writes `bench/results/<suite>-<time>.json` and `<suite>-latest.json`.
 *
 *   npm run bench                       # everything, 10 M events
 *   npm run bench -- --events 2000000   # smaller
 *   npm run bench -- --only nexmark     # one suite: nexmark | parallel | exchange | windows | checkpoints | state | cep | backpressure | asyncIo | metrics | incremental
 *   npm run bench -- --repeat 1         # runs per measurement (best is reported; default 3)
 *   npm run bench -- --only incremental # not in `all`: ~1 GB of lmdb state, ~3 GB of disk, ~1.5 min
 *                                       # (incremental checkpoints + SIGKILL recovery; --keys, --kill-after, --p, --max-deltas, --ratio)
 *   npm run bench -- --only connectors  # not in `all`: needs the servers (NATS, Redis, PostgreSQL, RabbitMQ,
 *                                       # Mosquitto; EDDY_TEST_* URLs); each connector against a plain client loop (--n)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { median, spread, type Spread } from './stats.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const EVENTS = Number(opt('events', '10000000'));
const ONLY = opt('only', 'all');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(RESULTS, { recursive: true });

const REPEAT = Number(opt('repeat', '3'));

/** Best of REPEAT runs (throughput benchmarks report the best run: the others lost time to the machine). */
export function best(script: string, argv: string[]): Record<string, number> {
  let b: Record<string, number> | undefined;
  for (let i = 0; i < REPEAT; i++) {
    const r = one(script, argv);
    if (!b || r.eventsPerSec! > b.eventsPerSec!) b = r;
  }
  return b!;
}

/** One measurement in its own process; `processMs` is that process's whole life (start-up included). */
export function one(script: string, argv: string[], extraNodeArgs: string[] = []): Record<string, number> {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...extraNodeArgs, '--import', 'tsx', script, ...argv], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const processMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${script} ${argv.join(' ')} failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { ...(JSON.parse(lines[lines.length - 1]!) as Record<string, number>), processMs };
}

export function printTable(title: string, rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const w = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  cells.forEach((r, k) => {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
    if (k === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
  });
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (Math.abs(n) >= 1e4) return (n / 1e3).toFixed(0) + 'k';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  return n.toFixed(2);
}

export function save(suite: string, data: unknown): void {
  const doc = { suite, date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, data };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(`${RESULTS}${suite}-${stamp}.json`, JSON.stringify(doc, null, 2));
  writeFileSync(`${RESULTS}${suite}-latest.json`, JSON.stringify(doc, null, 2));
}

function nexmark(): void {
  const queries = ['q0', 'q1', 'q2', 'keyedCount'];
  const rows: (string | number)[][] = [['query', 'impl', 'events/s', 'ratio to limit', 'p2/p1', 'peak RSS MB']];
  const data: Record<string, unknown>[] = [];
  for (const q of queries) {
    const limit = best('bench/one.ts', ['loop', q, String(EVENTS)]);
    const rx = best('bench/one.ts', ['rxjs', q, String(EVENTS)]);
    const p1 = best('bench/one.ts', ['eddy', q, String(EVENTS), '1']);
    const p2 = best('bench/one.ts', ['eddy', q, String(EVENTS), '2']);
    const L = limit.eventsPerSec!;
    rows.push([q, 'hand-written loop (limit)', L, 1, NaN, limit.maxRssMb!]);
    rows.push([q, 'RxJS 7', rx.eventsPerSec!, rx.eventsPerSec! / L, NaN, rx.maxRssMb!]);
    rows.push([q, 'eddy p=1', p1.eventsPerSec!, p1.eventsPerSec! / L, NaN, p1.maxRssMb!]);
    rows.push([q, 'eddy p=2', p2.eventsPerSec!, p2.eventsPerSec! / L, p2.eventsPerSec! / p1.eventsPerSec!, p2.maxRssMb!]);
    data.push({ query: q, events: EVENTS, limit, rxjs: rx, eddyP1: p1, eddyP2: p2, ratioP1: p1.eventsPerSec! / L, speedupP2: p2.eventsPerSec! / p1.eventsPerSec! });
  }
  printTable(`Nexmark, ${EVENTS.toLocaleString('en')} events, seed 1 (events/s; ratio = events/s ÷ the loop's, same run)`, rows);
  save('nexmark', data);
}

function backpressure(): void {
  const seconds = Number(opt('seconds', '60'));
  const r = one('bench/backpressure.ts', [String(seconds)]);
  printTable(`Backpressure: unbounded source, sink 10× slower, ${seconds} s (RSS in MB)`, [
    ['metric', 'value'],
    ['source records/s', r.sourceRate!],
    ['sink records/s', r.sinkRate!],
    ['source/sink rate', r.sourceRate! / r.sinkRate!],
    ['RSS after 5 s', r.rssStartMb!],
    ['RSS at the end', r.rssEndMb!],
    ['peak RSS', r.maxRssMb!],
  ]);
  save('backpressure', r);
}

function windows(): void {
  const rows: (string | number)[][] = [['query', 'impl', 'events/s', 'ratio to limit', 'peak RSS MB']];
  const data: Record<string, unknown>[] = [];
  for (const q of ['q5', 'q7']) {
    const limit = best('bench/one.ts', ['loop', q, String(EVENTS)]);
    rows.push([q, 'hand-written loop (limit)', limit.eventsPerSec!, 1, limit.maxRssMb!]);
    const entry: Record<string, unknown> = { query: q, events: EVENTS, limit };
    for (const backend of ['heap', 'lmdb']) {
      const r = best('bench/one.ts', ['eddy', q, String(EVENTS), '1', backend]);
      rows.push([q, `eddy p=1 ${backend}`, r.eventsPerSec!, r.eventsPerSec! / limit.eventsPerSec!, r.maxRssMb!]);
      entry[backend] = { ...r, ratio: r.eventsPerSec! / limit.eventsPerSec! };
    }
    data.push(entry);
  }
  printTable(`Windows (Nexmark q5 hot items, q7 highest bid), ${EVENTS.toLocaleString('en')} events, parallelism 1`, rows);
  save('windows', data);
}

/**
 * Checkpoint cost on q5 (heap, p=1): runs without and with a checkpoint every second, in 3 × REPEAT
 * alternated pairs (the order swapped every pair); the cost is the median of the pairs' throughput ratios,
 * which cancels most of the machine's drift between runs (a best-of on each side does not).
 */
function checkpoints(): void {
  const pairs = 3 * REPEAT;
  const off: Record<string, number>[] = [];
  const on: Record<string, number>[] = [];
  for (let i = 0; i < pairs; i++) {
    const run = (ms: string) => one('bench/one.ts', ['eddy', 'q5', String(EVENTS), '1', 'heap', ms]);
    let a: Record<string, number>, b: Record<string, number>;
    if (i % 2 === 0) {
      a = run('0');
      b = run('1000');
    } else {
      b = run('1000');
      a = run('0');
    }
    off.push(a);
    on.push(b);
  }
  const s = spread(off.map((r) => r.eventsPerSec!), on.map((r) => r.eventsPerSec!));
  const pct = (x: number) => `${((x - 1) * 100).toFixed(1)}%`;
  printTable(`Checkpoint overhead (q5, heap, p=1, ${EVENTS.toLocaleString('en')} events; median of ${pairs} alternated pairs; throughput, so − is a cost)`, [
    ['what', 'events/s (median)', 'checkpoints (median)', 'with ÷ without (median)', 'middle half', 'min … max'],
    ['no checkpoints', s.offMs, 0, '', '', ''],
    ['checkpoint every 1 s', s.onMs, median(on.map((r) => r.checkpoints!)), pct(s.ratio), `${pct(s.p25)} … ${pct(s.p75)}`, `${pct(s.min)} … ${pct(s.max)}`],
  ]);
  save('checkpoints', { without: off, with: on, spread: s, cost: 1 - s.ratio });
}

function state(): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/state/state-bench.ts', '--keys', '1000000', '--json', `${RESULTS}state-raw.json`], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  process.stdout.write('\nState backends (ValueState, 1 M keys; test/state/state-bench.ts)\n' + r.stdout);
}

function cep(): void {
  const run = (script: string, argv: string[]) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...argv, '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, any>;
  };
  const nfa = run('examples/cep/bench-nfa.ts', ['1000000', '1000000']);
  const op = run('examples/cep/bench-operator.ts', ['1000000', '1000000', `--rounds=${REPEAT}`]);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  process.stdout.write(
    '\nCEP: small → medium+ → large within 60 s, keyed by card, 1 M events over 1 M cards, parallelism 1, best of runs\n' +
      'what                                   baseline (hand-written)   eddy          ratio\n' +
      `CEP operator job (the issue's target)  ${fmt(op.hand.eventsPerSec).padStart(10)} ev/s        ${fmt(op.cep.eventsPerSec).padStart(7)} ev/s  ${pct(op.ratio)} (target ≥ 25%)\n` +
      `standalone NFA (no job)                ${fmt(nfa.handWritten.eventsPerSec).padStart(10)} ev/s        ${fmt(nfa.nfa.eventsPerSec).padStart(7)} ev/s  ${pct(nfa.ratio)}\n` +
      `same alerts: ${op.sameAlerts && nfa.sameAlerts}; per open partial match: ${op.state?.heapBytesPerPartialMatch ?? '?'} heap bytes (operator state), ` +
      `${nfa.snapshotBytesPerPartialMatch} bytes in a snapshot\n`,
  );
  save('cep', { nfa, operator: op });
}

/** Job-level incremental lmdb checkpoints with ~1 GB of state, and SIGKILL recovery (bench/incremental.ts). */
function incremental(): void {
  const r = one('bench/incremental.ts', ['--keys', opt('keys', '1500000'), '--kill-after', opt('kill-after', '20'), '--p', opt('p', '1'), '--max-deltas', opt('max-deltas', '8'), '--ratio', opt('ratio', '0.05')]) as unknown as IncrementalResult;
  const c = r.checkpoints;
  const rec = r.recovery;
  const MB = (b: number) => b / 2 ** 20;
  printTable(`Incremental checkpoints, ${(r.keys / 1e6).toFixed(1)} M keys × ${r.bytes} B, lmdb files ${MB(r.lmdbBytes.atKill).toFixed(0)} MB, ${r.rate / 1000}k updates/s, checkpoint every 1 s`, [
    ['metric', 'value'],
    ['build phase s', r.buildSeconds],
    ['checkpoints in the build phase', c.build],
    ['checkpoints in the update phase', c.steady],
    ['update phase: duration p50 ms', c.durationMs.p50],
    ['update phase: duration p99 ms', c.durationMs.p99],
    ['update phase: duration max ms', c.durationMs.max],
    ['  before the kill: p50 / p99 / max ms', `${c.beforeKillMs.p50} / ${c.beforeKillMs.p99} / ${c.beforeKillMs.max}`],
    ['  first 3 after the restart ms', c.firstAfterRestartMs.join(' / ')],
    ['update phase: new delta MB p50', MB(c.deltaBytes.p50)],
    ['update phase: referenced MB p50', MB(c.referencedBytes.p50)],
    ['recovery: restart → first output ms', rec.restartToFirstOutputMs],
    ['recovery: restart → checkpoint loaded ms', rec.restartToResumeLogMs],
    ['restored: base MB', MB(rec.restoredBaseBytes)],
    ['restored: deltas MB', MB(rec.restoredDeltaBytes)],
    ['offline: load + verify ms', rec.offline.loadVerifyMs ?? NaN],
    ['offline: copy base ms', rec.offline.copyBaseMs ?? NaN],
    ['offline: apply deltas ms', rec.offline.applyDeltasMs ?? NaN],
  ]);
  printTable('Per checkpoint (run 1 killed in the update phase, run 2 resumed)', [
    ['id', 'run', 'phase', 'at s', 'ms', 'new delta MB', 'new base MB', 'referenced MB', 'deltas'],
    ...r.perCheckpoint.map((p) => [String(p.id), String(p.run), p.phase, p.at, p.durationMs, MB(p.deltaBytes), MB(p.baseBytes), MB(p.referencedBytes), String(p.deltas)]),
  ]);
  save('incremental', r);
}

interface IncrementalResult {
  keys: number;
  bytes: number;
  rate: number;
  buildSeconds: number;
  lmdbBytes: { atKill: number };
  checkpoints: {
    build: number;
    steady: number;
    durationMs: Record<'p50' | 'p99' | 'max', number>;
    beforeKillMs: Record<'p50' | 'p99' | 'max', number>;
    firstAfterRestartMs: number[];
    deltaBytes: { p50: number };
    referencedBytes: { p50: number };
  };
  recovery: { restartToFirstOutputMs: number; restartToResumeLogMs: number; restoredBaseBytes: number; restoredDeltaBytes: number; offline: Record<string, number | undefined> };
  perCheckpoint: { id: number; run: number; phase: string; at: number; durationMs: number; deltaBytes: number; baseBytes: number; referencedBytes: number; deltas: number }[];
}

/** Async I/O: the time AsyncDataStream adds around the same async calls as a hand-written loop with the same concurrency. */
function asyncIo(): void {
  const n = Math.min(EVENTS, 1_000_000);
  const capacity = Number(opt('capacity', '100'));
  const r = one('bench/async-io.ts', [String(n), String(capacity)]);
  printTable(`Async I/O, ${n.toLocaleString('en')} calls, ${capacity} in flight, p=1 (records/s; eddy net of the same job without the async call; ratio = eddy ÷ loop, same run)`, [
    ['service', 'loop', 'eddy', 'ratio'],
    ['answers at once', r.instantLoopPerSec!, r.instantEddyPerSec!, r.instantRatio!],
    ['1 ms latency', r['1msLoopPerSec']!, r['1msEddyPerSec']!, r['1msRatio']!],
  ]);
  save('async-io', r);
}

/**
 * Metrics on vs off (bench/metrics-overhead.ts): the cost of collecting metrics on q1 and the keyed count,
 * as the median on/off time ratio of 3 × REPEAT alternated pairs, with its spread.
 */
function metrics(): void {
  const r = one('bench/metrics-overhead.ts', [String(Math.min(EVENTS, 5_000_000)), String(3 * REPEAT)]) as unknown as Record<string, { running: Spread; process: Spread; cost: number }>;
  const pct = (x: number) => `${((x - 1) * 100).toFixed(1)}%`;
  const row = (q: string, what: 'running' | 'process') => {
    const s = r[q]![what];
    return [`${q} ${what}`, `${Math.round(s.offMs)} ms`, `${Math.round(s.onMs)} ms`, pct(s.ratio), `${pct(s.p25)} … ${pct(s.p75)}`, `${pct(s.min)} … ${pct(s.max)}`];
  };
  printTable(`Metrics overhead (metrics on vs off; median of ${3 * REPEAT} alternated pairs; time, so + is a cost)`, [
    ['query', 'off (median)', 'on (median)', 'cost (median)', 'middle half', 'min … max'],
    ...['q1', 'keyedCount'].flatMap((q) => [row(q, 'running'), row(q, 'process')]),
  ]);
  save('metrics', r);
}

/**
 * Parallelism that pays: each job by a hand-written loop, eddy at p=1 and p=2 (heap; q5 also lmdb at p=1),
 * as running time and as whole-process time (start-up included), with the p=2 speed-up both ways. `cores
 * busy` is CPU time over running time: on a machine of C cores, p=2 can be at most C ÷ (p=1's cores busy)
 * times as fast as p=1, however cheap the exchange (V8's collector and compiler threads count too).
 */
function parallel(): void {
  const jobs: [string, string][] = [
    ['q1', 'stateless q1'],
    ['keyedBids', 'keyed count, whole bids cross keyBy'],
    ['keyedCount', 'keyed count, (auction, 1) crosses'],
    ['q5', 'q5 sliding windows (full generator)'],
  ];
  const rows: (string | number)[][] = [['job', 'impl', 'events/s', 'ratio to loop', 'cores busy', 'process s', 'process ratio', 'p2/p1', 'p2/p1 process']];
  const data: Record<string, unknown>[] = [];
  for (const [q, title] of jobs) {
    // Rounds of (loop, p=1, p=2[, lmdb]), best of REPEAT per configuration: the machine's drift between
    // runs then falls on every configuration alike instead of on whichever block of runs it hit.
    // loop2: the loop in two threads side by side, half the events each: what two cores give the
    // hand-written work on this machine, the ceiling for eddy's p=2 ÷ p=1 (same column)
    const argvs: Record<string, string[]> = {
      loop: ['loop', q, String(EVENTS)],
      loop2: ['loop2', q, String(EVENTS)],
      p1: ['eddy', q, String(EVENTS), '1'],
      p2: ['eddy', q, String(EVENTS), '2'],
    };
    if (q === 'q5') argvs.lmdb = ['eddy', q, String(EVENTS), '1', 'lmdb'];
    const bests: Record<string, Record<string, number>> = {};
    for (let i = 0; i < REPEAT; i++)
      for (const [k, argv] of Object.entries(argvs)) {
        const r = one('bench/one.ts', argv);
        if (!bests[k] || r.eventsPerSec! > bests[k].eventsPerSec!) bests[k] = r;
      }
    const [loop, loop2, p1, p2, lmdb] = [bests.loop!, bests.loop2!, bests.p1!, bests.p2!, bests.lmdb];
    const L = loop.eventsPerSec!;
    const LP = loop.processMs!;
    rows.push([title, 'hand-written loop', L, 1, loop.coresBusy!, LP / 1000, 1, NaN, NaN]);
    rows.push(['', '2 loops side by side', loop2.eventsPerSec!, loop2.eventsPerSec! / L, loop2.coresBusy!, loop2.processMs! / 1000, LP / loop2.processMs!, loop2.eventsPerSec! / L, LP / loop2.processMs!]);
    rows.push(['', 'eddy p=1', p1.eventsPerSec!, p1.eventsPerSec! / L, p1.coresBusy!, p1.processMs! / 1000, LP / p1.processMs!, NaN, NaN]);
    rows.push(['', 'eddy p=2', p2.eventsPerSec!, p2.eventsPerSec! / L, p2.coresBusy!, p2.processMs! / 1000, LP / p2.processMs!, p2.eventsPerSec! / p1.eventsPerSec!, p1.processMs! / p2.processMs!]);
    if (lmdb) rows.push(['', 'eddy p=1 lmdb', lmdb.eventsPerSec!, lmdb.eventsPerSec! / L, lmdb.coresBusy!, lmdb.processMs! / 1000, LP / lmdb.processMs!, NaN, NaN]);
    data.push({
      job: q, events: EVENTS, loop, loop2, p1, p2, lmdb, ratioP1: p1.eventsPerSec! / L, speedupP2: p2.eventsPerSec! / p1.eventsPerSec!,
      speedupP2Process: p1.processMs! / p2.processMs!, machineSpeedup: loop2.eventsPerSec! / L,
    });
  }
  printTable(`Parallelism, ${EVENTS.toLocaleString('en')} events, seed 1 (events/s over running time; process = whole process; ratios to the loop, same run)`, rows);
  save('parallel', data);
}

/**
 * The exchange per record (bench/exchange.ts): encode + transfer + decode of Nexmark events, eddy's data
 * plane next to a codec written by hand for the bid, msgpackr + MessagePort and structured clone, in CPU
 * ns per record (both ends), and the speed-up it projects for the keyed count over whole bids at N threads:
 *   S(N) = N · w / (w + f · x · (N − 1) / N)
 * with w the time per event of the job at p=1 (measured here), f the bids per event (only bids reach the
 * keyBy) and x the exchange cost per bid: at N threads a fraction (N − 1)/N of the bids crosses to another
 * thread.
 */
function exchange(): void {
  const r = one('bench/exchange.ts', ['2000', '--json']) as unknown as Record<string, Record<string, number>>;
  const rows: (string | number)[][] = [['event', 'eddy ns', 'hand-written ns', 'eddy/hand-written', 'msgpackr ns', 'clone ns', 'eddy/msgpackr', 'eddy/clone', 'eddy B', 'msgpackr B']];
  for (const [k, x] of Object.entries(r)) {
    if (typeof x !== 'object') continue;
    const hw = x.handWrittenNs ?? NaN;
    rows.push([k, x.eddyNs!, hw, x.eddyNs! / hw, x.msgpackrNs!, x.structuredCloneNs!, x.eddyNs! / x.msgpackrNs!, x.eddyNs! / x.structuredCloneNs!, x.eddyBytesPerRecord!, x.msgpackrBytesPerRecord!]);
  }
  printTable('Exchange per record: encode + transfer + decode (CPU ns per record, both ends; B = bytes per record; hand-written: a codec for the bid alone)', rows);
  const p1 = best('bench/one.ts', ['eddy', 'keyedBids', String(EVENTS), '1']);
  const w = 1e9 / p1.eventsPerSec!;
  // bids per event (46 in 50): only bids cross the keyBy, and w is per event
  const f = p1.count! / EVENTS;
  const x = r.bid!.eddyNs!;
  const xh = r.bid!.handWrittenNs!;
  const S = (n: number, c: number) => (n * w) / (w + (f * c * (n - 1)) / n);
  printTable(
    `Projected speed-up of the keyed count over whole bids (w = ${w.toFixed(0)} ns/event at p=1; f = ${f.toFixed(2)} bids/event; x = ${x.toFixed(0)} ns/bid eddy, ${xh.toFixed(0)} hand-written)`,
    [['threads', 'S(N) = N·w / (w + f·x·(N−1)/N)', 'with the hand-written codec'], ...[2, 4, 8, 16].map((n) => [String(n), S(n, x), S(n, xh)])],
  );
  save('exchange', {
    perRecord: r, keyedBidsP1: p1, w, bidsPerEvent: f, x, xHandWritten: xh,
    projected: Object.fromEntries([2, 4, 8, 16].map((n) => [n, S(n, x)])),
    projectedHandWritten: Object.fromEntries([2, 4, 8, 16].map((n) => [n, S(n, xh)])),
  });
}

/** The connector benchmarks (bench/connectors-*.ts), each in its own process; they print their own tables. */
function connectors(): void {
  const n = opt('n', '');
  for (const script of ['bench/connectors-nats-redis.ts', 'bench/connectors-pg-amqp-mqtt.ts']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...(n ? ['--n', n] : [])], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status})`);
  }
}

const suites: Record<string, () => void> = { nexmark, parallel, exchange, windows, checkpoints, state, cep, backpressure, asyncIo, metrics };
// Not in `all`: incremental needs ~3 GB of disk and ~1.5 min; connectors needs the servers.
const onDemand: Record<string, () => void> = { incremental, connectors };
for (const [name, fn] of Object.entries(suites)) if (ONLY === 'all' || ONLY === name) fn();
for (const [name, fn] of Object.entries(onDemand)) if (ONLY === name) fn();
