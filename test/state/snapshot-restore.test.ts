/**
 * Canonical snapshots: restore into the other backend, rescale 1 → 2 → 3 by key-group filtering (the union
 * of the restored subtasks equals the original), structured clone, version and maxParallelism checks.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigurationError, KeyGroupRange } from '../../src/core/index.ts';
import {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  AggregatingStateDescriptor,
  StateTtlConfig,
  filterKeyedStateSnapshots,
  type KeyedStateBackend,
  type KeyedStateSnapshot,
  type StateBackendKind,
} from '../../src/state/index.ts';
import { Fixture, KINDS } from './backend-fixture.ts';

const MAX = 16;
const count = new ValueStateDescriptor<number>('count');
const list = new ListStateDescriptor<string>('list');
const map = new MapStateDescriptor<unknown, number>('map');
const agg = new AggregatingStateDescriptor('agg', {
  createAccumulator: () => [0, 0] as [number, number],
  add: (v: number, a: [number, number]): [number, number] => [a[0] + v, a[1] + 1],
  getResult: (a: [number, number]) => a[0] / a[1],
});

const KEYS: unknown[] = [...Array.from({ length: 60 }, (_, i) => i), 'a', 'b', '__proto__', { user: 1, region: 'eu' }, [1, 'x'], true];

function fill(b: KeyedStateBackend): void {
  const c = b.getState(count);
  const l = b.getListState(list);
  const m = b.getMapState(map);
  const a = b.getAggregatingState(agg);
  KEYS.forEach((k, i) => {
    b.setCurrentKey(k);
    c.update(i);
    l.addAll([`e${i}`, `f${i}`]);
    l.setCurrentNamespace(i % 3);
    l.add(`w${i}`);
    l.setCurrentNamespace('');
    m.put({ q: i }, i);
    m.put(i, -i);
    a.add(i);
    a.add(i + 2);
  });
}

/** Everything a backend holds, as sorted strings (for equality across backends). */
function dump(b: KeyedStateBackend): string[] {
  const c = b.getState(count);
  const l = b.getListState(list);
  const m = b.getMapState(map);
  const a = b.getAggregatingState(agg);
  const out: string[] = [];
  for (const k of b.getKeys('count')) {
    b.setCurrentKey(k);
    const wins = [0, 1, 2].map((ns) => {
      l.setCurrentNamespace(ns);
      const r = l.get().join(',');
      l.setCurrentNamespace('');
      return r;
    });
    const entries = [...m.entries()].map(([mk, v]) => `${JSON.stringify(mk)}=${v}`).sort();
    out.push(JSON.stringify([k, c.value(), l.get(), wins, entries, a.get()]));
  }
  return out.sort();
}

function rescale(f: Fixture, snaps: KeyedStateSnapshot[], parallelism: number, kind: StateBackendKind): KeyedStateBackend[] {
  return Array.from({ length: parallelism }, (_, i) => {
    const b = f.backend({ kind, maxParallelism: MAX, range: KeyGroupRange.forSubtask(MAX, parallelism, i), operatorId: `p${parallelism}-${i}` });
    b.restore(structuredClone(snaps));
    return b;
  });
}

for (const kind of KINDS) {
  const other: StateBackendKind = kind === 'heap' ? 'lmdb' : 'heap';
  describe(`snapshot and restore (${kind})`, () => {
    test(`restores into ${other} with identical contents`, { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      fill(b);
      const snap = b.snapshot(7);
      assert.equal(snap.version, 1);
      assert.equal(snap.checkpointId, 7);
      const c = f.backend({ kind: other, maxParallelism: MAX, operatorId: 'other' });
      c.restore([structuredClone(snap)]);
      assert.deepEqual(dump(c), dump(b));
      assert.equal(dump(b).length, KEYS.length);
      // A snapshot of the restored backend restores back into the original kind.
      const d = f.backend({ maxParallelism: MAX, operatorId: 'back' });
      d.restore([c.snapshot(8)]);
      assert.deepEqual(dump(d), dump(b));
      f.close();
    });

    test('state restored before registration, snapshot is stable when nothing changed', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      fill(b);
      const s1 = b.snapshot(1);
      const c = f.backend({ maxParallelism: MAX, operatorId: 'c' });
      c.restore([s1]);
      assert.deepEqual(c.getStateNames().sort(), ['agg', 'count', 'list', 'map']);
      const s2 = c.snapshot(2);
      assert.deepEqual(s2.keyGroups.map((g) => g.keyGroup), s1.keyGroups.map((g) => g.keyGroup));
      assert.throws(() => c.getListState(new ListStateDescriptor('count')), ConfigurationError);
      assert.throws(() => c.getState(new ValueStateDescriptor('count', { ttl: StateTtlConfig.newBuilder(5).build() })), /TTL/);
      f.close();
    });

    test(`rescale 1 → 2 → 3 (into ${other} and back): union of subtasks equals the original`, { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      fill(b);
      const original = dump(b);
      const two = rescale(f, [b.snapshot(1)], 2, other);
      const twoDumps = two.map(dump);
      assert.ok(twoDumps.every((d) => d.length > 0));
      assert.deepEqual(twoDumps.flat().sort(), original);
      const three = rescale(f, two.map((x) => x.snapshot(2)), 3, kind);
      assert.deepEqual(three.map(dump).flat().sort(), original);
      // The runtime may pre-filter: same result.
      const pre = filterKeyedStateSnapshots(two.map((x) => x.snapshot(3)), KeyGroupRange.forSubtask(MAX, 3, 1));
      const only = f.backend({ maxParallelism: MAX, range: KeyGroupRange.forSubtask(MAX, 3, 1), operatorId: 'pre' });
      only.restore(pre);
      assert.notDeepEqual(dump(three[1]!), [], 'subtask 1 of 3 holds keys');
      assert.deepEqual(dump(only), dump(three[1]!));
      f.close();
    });

    test('rejects another maxParallelism and unknown versions', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      fill(b);
      const snap = b.snapshot(1);
      const c = f.backend({ maxParallelism: 32, operatorId: 'c' });
      assert.throws(() => c.restore([snap]), /maxParallelism/);
      assert.throws(() => c.restore([{ ...snap, version: 2 as 1 }]), /version/);
      f.close();
    });
  });
}

for (const kind of KINDS) {
  describe(`two-phase snapshot (${kind})`, () => {
    test('writes after captureSnapshot do not show in the snapshot; encoding in slices', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      fill(b);
      const before = dump(b);
      const pending = b.captureSnapshot(5);
      // Mutate everything the capture holds: values, lists (appended in place on heap), maps, new keys, deletes.
      const c = b.getState(count);
      const l = b.getListState(list);
      const m = b.getMapState(map);
      b.setCurrentKey(1);
      c.update(1000);
      l.add('late');
      m.put('late', 1);
      b.setCurrentKey(2);
      c.clear();
      l.clear();
      b.setCurrentKey('brand new');
      c.update(1);
      b.setCurrentKey({ user: 1, region: 'eu' });
      m.clear();
      let steps = 0;
      while (!pending.writeSome(3)) steps++;
      assert.ok(steps >= MAX / 3 - 1);
      const snap = pending.finish();
      assert.equal(snap.checkpointId, 5);
      const r = f.backend({ maxParallelism: MAX, operatorId: 'r' });
      r.restore([snap]);
      assert.deepEqual(dump(r), before);
      pending.release(); // idempotent after finish
      assert.throws(() => pending.writeSome(1), /already finished/);
      // A released capture frees its resources and later snapshots work.
      b.captureSnapshot(6).release();
      assert.notDeepEqual(dump(b), before);
      f.close();
    });

    test('accumulators mutated in place by user code after a capture do not leak into it', { timeout: 60_000 }, () => {
      class Acc {
        n = 0;
        items: number[] = [];
      }
      const d = new AggregatingStateDescriptor('mut', {
        createAccumulator: () => new Acc(),
        add: (v: number, a: Acc) => {
          a.n += v; // mutates and returns the same object, as Flink aggregate functions often do
          a.items.push(v);
          return a;
        },
        getResult: (a: Acc) => a.n,
      });
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      const s = b.getAggregatingState(d);
      for (let k = 0; k < 50; k++) {
        b.setCurrentKey(k);
        s.add(1);
      }
      const pending = b.captureSnapshot(1);
      pending.writeSome(MAX / 2); // half encoded, half still shared
      for (let k = 0; k < 50; k++) {
        b.setCurrentKey(k);
        s.add(100);
        assert.equal(s.get(), 101);
        if (kind === 'heap') assert.ok((s as unknown as { readSingle(ns: string): Acc }).readSingle('') instanceof Acc, 'the copy keeps the class');
      }
      const r = f.backend({ maxParallelism: MAX, operatorId: 'r' });
      r.restore([pending.finish()]);
      const rs = r.getAggregatingState(d);
      for (let k = 0; k < 50; k++) {
        r.setCurrentKey(k);
        assert.equal((rs as unknown as { readSingle(ns: string): Acc }).readSingle('').n, 1);
      }
      const again = f.backend({ maxParallelism: MAX, operatorId: 'again' });
      again.restore([b.snapshot(2)]);
      again.setCurrentKey(7);
      assert.equal((again.getAggregatingState(d) as unknown as { readSingle(ns: string): Acc }).readSingle('').n, 101);
      f.close();
    });

    test('two open captures: releasing one does not expose the other to later in-place mutations', { timeout: 60_000 }, () => {
      class Acc {
        n = 0;
      }
      const d = new AggregatingStateDescriptor('two', {
        createAccumulator: () => new Acc(),
        add: (v: number, a: Acc) => {
          a.n += v;
          return a;
        },
        getResult: (a: Acc) => a.n,
      });
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      const s = b.getAggregatingState(d);
      const touch = (v: number, from: number, to: number) => {
        for (let k = from; k < to; k++) {
          b.setCurrentKey(k);
          s.add(v);
        }
      };
      touch(1, 0, 20);
      const first = b.captureSnapshot(1);
      const second = b.captureSnapshot(2); // both hold the same values
      touch(10, 0, 10); // copies the slots' maps (and these keys' values)
      first.release();
      touch(100, 10, 20); // values not read yet: `second` still holds them, they must be copied before mutation
      const r = f.backend({ maxParallelism: MAX, operatorId: 'r' });
      r.restore([second.finish()]);
      const rs = r.getAggregatingState(d);
      for (let k = 0; k < 20; k++) {
        r.setCurrentKey(k);
        assert.equal(rs.get(), 1);
      }
      f.close();
    });

    test('a capture inside batch() is consistent too', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      fill(b);
      const before = dump(b);
      const pending = b.batch(() => {
        const p = b.captureSnapshot(1);
        b.setCurrentKey(3);
        b.getState(count).update(-5);
        return p;
      });
      const r = f.backend({ maxParallelism: MAX, operatorId: 'r' });
      r.restore([pending.finish()]);
      assert.deepEqual(dump(r), before);
      f.close();
    });
  });
}
