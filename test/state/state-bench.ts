/**
 * ValueState micro-benchmark (not part of the test suite): writes/s, reads/s and keyed-count
 * (`value()` + `update()`) per second for the heap and lmdb backends over N distinct integer keys, against a
 * plain JS Map doing the same work, and the ratio to it. The runtime sets the current key per record, so
 * `setCurrentKey` (key-group hashing) is included in every backend figure. lmdb runs inside
 * `backend.batch()` per 1000 records (one write transaction per batch, as the runtime does per record
 * batch), and once without batching for comparison. Then, per backend, the cost of a snapshot of those N
 * keys: the synchronous capture, the encoding (`finish`), and a restore into a fresh backend.
 *
 *   node --import tsx test/state/state-bench.ts [--keys 1000000] [--json out.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyGroupRange, ManualClock } from '../../src/core/index.ts';
import {
  createKeyedStateBackend,
  keyedStateSnapshotSize,
  ValueStateDescriptor,
  type KeyedStateBackend,
  type StateBackendKind,
} from '../../src/state/index.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const N = Number(arg('--keys', '1000000'));
const jsonOut = process.argv.includes('--json') ? arg('--json', 'state-bench.json') : undefined;
const BATCH = 1000;

interface Row {
  name: string;
  writesPerSec: number;
  readsPerSec: number;
  countPerSec: number;
}

function rate(n: number, fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Math.round(n / (Number(process.hrtime.bigint() - t) / 1e9));
}

function baseline(): Row {
  const m = new Map<number, number>();
  let sink = 0;
  const writesPerSec = rate(N, () => {
    for (let k = 0; k < N; k++) m.set(k, k);
  });
  const readsPerSec = rate(N, () => {
    for (let k = 0; k < N; k++) sink += m.get(k)!;
  });
  const countPerSec = rate(N, () => {
    for (let k = 0; k < N; k++) m.set(k, (m.get(k) ?? 0) + 1);
  });
  if (sink === -1) console.log(sink);
  return { name: 'JS Map (baseline)', writesPerSec, readsPerSec, countPerSec };
}

interface SnapshotRow {
  name: string;
  captureMs: number;
  encodeMs: number;
  restoreMs: number;
  bytes: number;
}
const snapshotRows: SnapshotRow[] = [];
const ms = (t: bigint) => Math.round(Number(process.hrtime.bigint() - t) / 1e6);

function open(kind: StateBackendKind): { b: KeyedStateBackend; close(): void } {
  const dir = kind === 'lmdb' ? mkdtempSync(join(tmpdir(), 'eddy-state-bench-')) : undefined;
  const b: KeyedStateBackend = createKeyedStateBackend({
    kind,
    dir,
    operatorId: 'bench',
    maxParallelism: 128,
    keyGroupRange: new KeyGroupRange(0, 127),
    clock: new ManualClock(0),
  });
  return {
    b,
    close() {
      b.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function snapshotCost(kind: StateBackendKind, b: KeyedStateBackend): void {
  let t = process.hrtime.bigint();
  const pending = b.captureSnapshot(1);
  const captureMs = ms(t);
  t = process.hrtime.bigint();
  const snap = pending.finish();
  const encodeMs = ms(t);
  const target = open(kind);
  t = process.hrtime.bigint();
  target.b.restore([snap]);
  const restoreMs = ms(t);
  target.close();
  snapshotRows.push({ name: kind, captureMs, encodeMs, restoreMs, bytes: keyedStateSnapshotSize(snap) });
}

function run(kind: StateBackendKind, batched: boolean, n: number): Row {
  const { b, close } = open(kind);
  const s = b.getState(new ValueStateDescriptor<number>('count'));
  const loop = (body: (k: number) => void) => () => {
    for (let start = 0; start < n; start += BATCH) {
      const end = Math.min(n, start + BATCH);
      const slice = () => {
        for (let k = start; k < end; k++) body(k);
      };
      if (batched) b.batch(slice);
      else slice();
    }
  };
  let sink = 0;
  const writesPerSec = rate(n, loop((k) => {
    b.setCurrentKey(k);
    s.update(k);
  }));
  const readsPerSec = rate(n, loop((k) => {
    b.setCurrentKey(k);
    sink += s.value()!;
  }));
  const countPerSec = rate(n, loop((k) => {
    b.setCurrentKey(k);
    s.update((s.value() ?? 0) + 1);
  }));
  if (sink === -1) console.log(sink);
  if (batched || kind === 'heap') snapshotCost(kind, b);
  close();
  const name = kind === 'heap' ? 'heap' : batched ? `lmdb, batch(${BATCH})` : 'lmdb, no batch';
  return { name: n === N ? name : `${name} [${n} keys]`, writesPerSec, readsPerSec, countPerSec };
}

const base = baseline();
const rows = [base, run('heap', false, N), run('lmdb', true, N), run('lmdb', false, Math.min(N, 100_000))];
const fmt = (x: number) => x.toLocaleString('en-US').padStart(12);
const ratio = (x: number, y: number) => (x / y).toFixed(3).padStart(6);
console.log(`ValueState, ${N.toLocaleString('en-US')} distinct integer keys, Node ${process.version}`);
console.log(`${'backend'.padEnd(30)} ${'writes/s'.padStart(12)} ${'reads/s'.padStart(12)} ${'count/s'.padStart(12)}   ratio to Map (w / r / count)`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(30)} ${fmt(r.writesPerSec)} ${fmt(r.readsPerSec)} ${fmt(r.countPerSec)}   ${ratio(r.writesPerSec, base.writesPerSec)} ${ratio(r.readsPerSec, base.readsPerSec)} ${ratio(r.countPerSec, base.countPerSec)}`,
  );
}
console.log(`\nSnapshot of ${N.toLocaleString('en-US')} keys: capture (synchronous), encode (finish), restore into a fresh backend`);
console.log(`${'backend'.padEnd(30)} ${'capture ms'.padStart(12)} ${'encode ms'.padStart(12)} ${'restore ms'.padStart(12)} ${'bytes'.padStart(12)}`);
for (const r of snapshotRows) console.log(`${r.name.padEnd(30)} ${fmt(r.captureMs)} ${fmt(r.encodeMs)} ${fmt(r.restoreMs)} ${fmt(r.bytes)}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ keys: N, node: process.version, rows, snapshots: snapshotRows }, null, 2));
