/**
 * Incremental checkpoints of the lmdb backend, at the backend level: deltas hold only what changed,
 * base + deltas restore exactly (fast path into lmdb, conversion into heap and at another parallelism),
 * a base is materialized in the background and then referenced, released captures keep their keys dirty.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyGroupRange, ManualClock } from '../../src/core/index.ts';
import {
  createKeyedStateBackend,
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  type KeyedStateBackend,
  type KeyedStateSnapshot,
  type PendingKeyedSnapshot,
  type ValueState,
  type ListState,
  type MapState,
} from '../../src/state/index.ts';

const MAX = 16;
const root = mkdtempSync(join(tmpdir(), 'eddy-incr-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const count = new ValueStateDescriptor<number>('count');
const list = new ListStateDescriptor<string>('list');
const map = new MapStateDescriptor<string, number>('map');

function lmdb(range = KeyGroupRange.forSubtask(MAX, 1, 0), opts: Record<string, number | ((m: string) => void)> = {}): { b: KeyedStateBackend; shared: string } {
  const shared = join(root, 'shared');
  const b = createKeyedStateBackend({
    kind: 'lmdb',
    dir: join(root, `slot-${n++}`),
    incremental: { sharedDir: shared, ...opts },
    operatorId: 'op',
    maxParallelism: MAX,
    keyGroupRange: range,
    clock: new ManualClock(0),
  });
  return { b, shared };
}

/** key → [count, list, map entries] as read through the handles. */
function dump(b: KeyedStateBackend, keys: number[]): Map<number, unknown> {
  const out = new Map<number, unknown>();
  const c = b.getState(count);
  const l = b.getListState(list);
  const m = b.getMapState(map);
  for (const k of keys) {
    if (!b.keyGroupRange.contains(keyGroupOfKey(b, k))) continue;
    b.setCurrentKey(k);
    const items = [...(l.get() ?? [])];
    const v = [c.value(), items.length > 0 ? items : null, [...m.entries()].sort()];
    if (v[0] != null || v[1] !== null || (v[2] as unknown[]).length > 0) out.set(k, v);
  }
  return out;
}
function keyGroupOfKey(b: KeyedStateBackend, k: number): number {
  // a backend with the full range computes it for us
  const probe = full;
  probe.setCurrentKey(k);
  void b;
  return probe.getCurrentKeyGroup();
}
const full = createKeyedStateBackend({ kind: 'heap', operatorId: 'probe', maxParallelism: MAX, keyGroupRange: KeyGroupRange.forSubtask(MAX, 1, 0), clock: new ManualClock(0) });

/** Runs `fn` for each key in one batch, with the three states' handles. */
function eachKey(b: KeyedStateBackend, keys: number[], fn: (c: ValueState<number>, l: ListState<string>, m: MapState<string, number>, k: number) => void): void {
  const c = b.getState(count);
  const l = b.getListState(list);
  const m = b.getMapState(map);
  b.batch(() => {
    for (const k of keys) {
      b.setCurrentKey(k);
      fn(c, l, m, k);
    }
  });
}
function write(b: KeyedStateBackend, keys: number[], round: number): void {
  eachKey(b, keys, (c, l, m, k) => {
    c.update(k * 10 + round);
    l.add(`r${round}`);
    m.put(`m${round % 3}`, round);
  });
}
function remove(b: KeyedStateBackend, keys: number[]): void {
  eachKey(b, keys, (c, l, m) => {
    c.clear();
    l.clear();
    m.clear();
  });
}
const deltaSize = (s: KeyedStateSnapshot) => s.incremental!.deltas[s.incremental!.deltas.length - 1]!.size;
const range = (a: number, z: number) => Array.from({ length: z - a }, (_, i) => a + i);

describe('lmdb incremental checkpoints (backend)', () => {
  test('deltas follow the changed state; base + deltas restore exactly into lmdb, heap and at parallelism 2', { timeout: 60_000 }, async () => {
    const { b } = lmdb(undefined, { minMaterializeBytes: 1 << 30 });
    const all = range(0, 5000);
    write(b, all, 1);
    const s1 = b.snapshot(1);
    assert.equal(s1.keyGroups.length, 0);
    assert.equal(s1.incremental!.deltas.length, 1);
    write(b, range(0, 50), 2);
    remove(b, range(4990, 5000));
    const s2 = b.snapshot(2);
    assert.equal(s2.incremental!.deltas.length, 2);
    assert.ok(deltaSize(s2) * 20 < deltaSize(s1), `delta ${deltaSize(s2)} B should be far below the first ${deltaSize(s1)} B`);
    const s3 = b.snapshot(3); // nothing changed: no new file
    assert.deepEqual(s3.incremental!.deltas, s2.incremental!.deltas);
    const expected = dump(b, all);
    assert.equal(expected.size, 4990);

    const { b: r } = lmdb();
    r.restore([structuredClone(s3)]);
    assert.deepEqual(dump(r, all), expected);
    // and it keeps checkpointing incrementally from the restored chain
    write(r, [7], 9);
    const s4 = r.snapshot(4);
    assert.equal(s4.incremental!.deltas.length, 3);
    assert.deepEqual(s4.incremental!.deltas.slice(0, 2), s3.incremental!.deltas);

    const heap = createKeyedStateBackend({ kind: 'heap', operatorId: 'op', maxParallelism: MAX, keyGroupRange: KeyGroupRange.forSubtask(MAX, 1, 0), clock: new ManualClock(0) });
    heap.restore([s3]);
    assert.deepEqual(dump(heap, all), expected);

    const halves = [0, 1].map((i) => {
      const x = lmdb(KeyGroupRange.forSubtask(MAX, 2, i)).b;
      x.restore([s3]);
      return dump(x, all);
    });
    assert.deepEqual(new Map([...halves[0]!, ...halves[1]!].sort((a, c) => a[0] - c[0])), expected);
    // after a converting restore the next checkpoint is a full dump (no base, one delta)
    const x = lmdb(KeyGroupRange.forSubtask(MAX, 2, 0)).b;
    x.restore([s3]);
    const sx = x.snapshot(5);
    assert.equal(sx.incremental!.base, undefined);
    assert.equal(sx.incremental!.deltas.length, 1);
    const y = lmdb(KeyGroupRange.forSubtask(MAX, 2, 0)).b;
    y.restore([sx]);
    assert.deepEqual(dump(y, all), halves[0]);
    for (const z of [b, r, heap, x, y]) z.dispose();
  });

  test('a base is materialized in the background and then referenced with the deltas after it', { timeout: 60_000 }, async () => {
    const { b, shared } = lmdb(undefined, { minMaterializeBytes: 1, materializeRatio: 0.5, maxDeltas: 100 });
    const all = range(0, 3000);
    write(b, all, 1);
    b.snapshot(1); // delta 1 (big) → due for a base: the copy starts
    write(b, range(0, 10), 2);
    // let the copy finish (it runs in a child process); a fixed sleep is not enough on a loaded machine
    await (b as unknown as { incremental: { materialized(): Promise<void> } }).incremental.materialized();
    const s2 = b.snapshot(2);
    assert.ok(s2.incremental!.base, 'checkpoint 2 references the new base');
    assert.ok(s2.incremental!.base!.file.endsWith('-1.base.mdb'));
    assert.equal(s2.incremental!.deltas.length, 1, 'only the delta after the base');
    write(b, range(5, 15), 3);
    const s3 = b.snapshot(3);
    assert.equal(s3.incremental!.deltas.length, 2);
    const expected = dump(b, all);
    const { b: r } = lmdb();
    r.restore([s3]);
    assert.deepEqual(dump(r, all), expected);
    assert.ok(readdirSync(shared).some((f) => f.endsWith('.base.mdb')));
    b.dispose();
    r.dispose();
  });

  test('a released capture keeps its keys dirty; writes after a capture are not in it', { timeout: 60_000 }, () => {
    const { b } = lmdb(undefined, { minMaterializeBytes: 1 << 30 });
    write(b, range(0, 100), 1);
    const p = b.captureSnapshot(1);
    write(b, [1000], 2); // after the capture
    p.release();
    const s2 = b.snapshot(2);
    const { b: r } = lmdb();
    r.restore([s2]);
    assert.equal(dump(b, range(0, 1001)).size, 101, 'keys 0..99 and 1000');
    assert.deepEqual(dump(r, range(0, 1001)), dump(b, range(0, 1001)));
    const p3 = b.captureSnapshot(3);
    write(b, [5], 3);
    while (!p3.writeSome(1));
    const s3 = p3.finish();
    const { b: q } = lmdb();
    q.restore([s3]);
    const got = dump(q, [5]).get(5) as unknown[];
    assert.equal(got[0], 5 * 10 + 1, 'the write after capture 3 is not in checkpoint 3');
    for (const z of [b, r, q]) z.dispose();
  });

  test('a failed base copy is reported and retried; the checkpoints keep the previous chain meanwhile', { timeout: 60_000 }, async () => {
    const warnings: string[] = [];
    const { b, shared } = lmdb(undefined, { minMaterializeBytes: 1, maxDeltas: 1, warn: (m: string) => warnings.push(m) });
    const inc = (b as unknown as { incremental: { fileStem: string; materialized(): Promise<void> } }).incremental;
    // the copy's temporary directory cannot be created: a file is in its place
    const blocker = join(shared, `.tmp-${inc.fileStem}-1`);
    writeFileSync(blocker, 'x');
    write(b, range(0, 100), 1);
    b.snapshot(1); // due for a base: the copy starts, and fails
    await inc.materialized();
    write(b, range(0, 10), 2);
    const s2 = b.snapshot(2);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /operator op: materializing an incremental checkpoint base into .*-1\.base\.mdb failed: .*EEXIST.*; checkpoints keep the previous base and its deltas/);
    assert.equal(s2.incremental!.base, undefined, 'no base yet');
    assert.equal(s2.incremental!.deltas.length, 2, 'the chain goes on');
    rmSync(blocker, { force: true }); // (the failed attempt already cleared its temporary path)
    await inc.materialized(); // the copy started after checkpoint 2 succeeds
    write(b, [3], 3);
    const s3 = b.snapshot(3);
    assert.ok(s3.incremental!.base?.file.endsWith('-2.base.mdb'), JSON.stringify(s3.incremental));
    const { b: r } = lmdb();
    r.restore([s3]);
    assert.equal(dump(b, range(0, 100)).size, 100);
    assert.deepEqual(dump(r, range(0, 100)), dump(b, range(0, 100)));
    assert.equal(warnings.length, 1);
    b.dispose();
    r.dispose();
  });

  // A model check: random batches of updates (a hot set and a wide one), captures — some inside a batch,
  // the newer one then completing the older one inside the write transaction —, encoding in slices, released
  // captures, background base copies (small thresholds: many of them) and restores of the newest written
  // checkpoint. Every restore must equal the state as of its capture, and the live state must never lose a
  // committed write (each batch checks the values it reads against the model).
  for (const seed of [1, 2, 3]) {
    test(`random updates, captures, slices, base copies and restores agree with a model (seed ${seed})`, { timeout: 60_000 }, async () => {
      let x = seed;
      const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      const KEYS = 2000;
      const open = () => lmdb(undefined, { minMaterializeBytes: 1, maxDeltas: 3, materializeRatio: 0.3 }).b;
      let b = open();
      let model = new Map<number, number>();
      const pending: { p: PendingKeyedSnapshot; want: Map<number, number> }[] = [];
      let written: { s: KeyedStateSnapshot; want: Map<number, number> } | undefined;
      let id = 0;
      const state = () => {
        const m = new Map<number, number>();
        const c = b.getState(count);
        for (let k = 0; k < KEYS; k++) {
          b.setCurrentKey(k);
          const v = c.value();
          if (v != null) m.set(k, v);
        }
        return m;
      };
      const capture = () => pending.push({ p: b.captureSnapshot(++id), want: new Map(model) });
      let restores = 0;
      for (let round = 0; round < 500; round++) {
        const r = rnd();
        if (r < 0.6) {
          const c = b.getState(count);
          const captureAt = rnd() < 0.1 ? 31 : -1;
          b.batch(() => {
            for (let i = 0; i < 64; i++) {
              const k = rnd() < 0.3 ? Math.floor(rnd() * 20) : Math.floor(rnd() * KEYS);
              b.setCurrentKey(k);
              const v = c.value() ?? 0;
              assert.equal(v, model.get(k) ?? 0, `round ${round}: key ${k} lost a committed write`);
              c.update(v + 1);
              model.set(k, v + 1);
              if (i === captureAt) capture();
            }
          });
        } else if (r < 0.75) capture();
        else if (r < 0.88 && pending.length > 0) {
          if (pending[0]!.p.writeSome(1)) {
            const e = pending.shift()!;
            written = { s: e.p.finish(), want: e.want };
          }
        } else if (r < 0.9 && pending.length > 0) pending.shift()!.p.release();
        else if (r < 0.97) await new Promise((res) => setTimeout(res, rnd() * 30));
        else if (written !== undefined) {
          for (const e of pending.splice(0)) e.p.release();
          b.dispose();
          b = open();
          b.restore([structuredClone(written.s)]);
          assert.deepEqual(state(), written.want, `round ${round}: the restore of checkpoint ${written.s.checkpointId}`);
          model = new Map(written.want);
          written = undefined;
          restores++;
        }
      }
      for (const e of pending.splice(0)) {
        const s = e.p.finish();
        const r = open();
        const live = b;
        b = r;
        r.restore([structuredClone(s)]);
        assert.deepEqual(state(), e.want, `the restore of checkpoint ${s.checkpointId}`);
        b = live;
        r.dispose();
      }
      assert.ok(restores > 0);
      await (b as unknown as { incremental: { materialized(): Promise<void> } }).incremental.materialized();
      b.dispose();
    });
  }
});
