/**
 * lmdb-specific behaviour: shared slot environments, limits, list order across restores, dispose, the
 * write-back cache of value states (against a model), and what a throwing batch keeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EddyError, KeyGroupRange, ManualClock } from '../../src/core/index.ts';
import { createKeyedStateBackend, ListStateDescriptor, LmdbKeyedStateBackend, ValueStateDescriptor, VOID_NAMESPACE, type KeyedStateBackend } from '../../src/state/index.ts';
import { mulberry32 } from '../seeded-random.ts';

function lmdb(dir: string, operatorId: string, range = new KeyGroupRange(0, 127)): KeyedStateBackend {
  return createKeyedStateBackend({ kind: 'lmdb', dir, operatorId, maxParallelism: 128, keyGroupRange: range, clock: new ManualClock(0) });
}

test('operators of a slot share one environment; each keeps its own data; dispose is idempotent', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    const a = lmdb(dir, 'a');
    const b = lmdb(dir, 'b');
    const c = lmdb(dir, 'a', new KeyGroupRange(0, 63)); // same operator id, other subtask: separate database
    const d = new ValueStateDescriptor<string>('v');
    a.setCurrentKey('k');
    a.getState(d).update('from a');
    b.setCurrentKey('k');
    b.getState(d).update('from b');
    assert.equal(a.getState(d).value(), 'from a');
    assert.deepEqual([...c.getKeys('v')], []);
    a.dispose();
    a.dispose();
    assert.equal(b.getState(d).value(), 'from b', 'the environment stays open for the other operator');
    b.dispose();
    c.dispose();
    // A new backend in the same directory starts empty (working copy; durability is the checkpoint's job).
    const again = lmdb(dir, 'b');
    again.setCurrentKey('k');
    assert.equal(again.getState(d).value(), undefined);
    again.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('long keys and bad namespaces are rejected with clear errors', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    const b = lmdb(dir, 'x');
    assert.throws(() => b.setCurrentKey('x'.repeat(5000)), (e: unknown) => e instanceof EddyError && /key too long/.test(e.message));
    b.setCurrentKey('ok');
    const s = b.getState(new ValueStateDescriptor<number>('s'));
    assert.throws(() => s.setCurrentNamespace({ w: 1 } as unknown as string), /namespace must be a string or a number/);
    s.setCurrentNamespace(-0);
    s.update(1);
    s.setCurrentNamespace(0);
    assert.equal(s.value(), 1);
    b.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('list order survives appends, merges and a restore; large lists are not rewritten per add', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    const b = lmdb(dir, 'l');
    const d = new ListStateDescriptor<number>('l');
    const l = b.getListState(d);
    b.setCurrentKey(1);
    b.batch(() => {
      for (let i = 0; i < 5000; i++) {
        l.setCurrentNamespace(i % 2);
        l.add(i);
      }
    });
    l.mergeNamespaces(0, [1]);
    l.setCurrentNamespace(0);
    const got = l.get();
    // namespace 0 (the evens, in order) followed by the merged namespace 1 (the odds, in order)
    const evens = Array.from({ length: 2500 }, (_, i) => 2 * i);
    assert.deepEqual(got, [...evens, ...evens.map((v) => v + 1)]);
    const c = lmdb(dir, 'l2');
    c.restore([b.snapshot(1)]);
    c.setCurrentKey(1);
    const l2 = c.getListState(d);
    l2.setCurrentNamespace(0);
    l2.add(-1);
    assert.deepEqual(l2.get(), [...got, -1]);
    b.dispose();
    c.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A backend with a write-back cache of `cacheEntries` entries per state. */
function cached(dir: string, operatorId: string, cacheEntries: number): LmdbKeyedStateBackend {
  return new LmdbKeyedStateBackend({ dir, operatorId, maxParallelism: 128, keyGroupRange: new KeyGroupRange(0, 127), clock: new ManualClock(0), cacheEntries });
}

test('the write-back cache: random reads, writes and removals match a model across evictions, snapshots and restores', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    // `true` and 'T', 1 and '1' are distinct keys (the cache keeps object keys apart from strings)
    const keys: unknown[] = [true, 'T', 1, '1', 0, { a: 1 }, ...Array.from({ length: 40 }, (_, i) => (i % 2 ? `k${i}` : i * 7))];
    const namespaces = [VOID_NAMESPACE, 'w1', 2];
    for (const cacheEntries of [2, 5, 64, 1 << 16]) {
      const rnd = mulberry32(cacheEntries);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      let b = cached(dir, `m${cacheEntries}`, cacheEntries);
      const d = new ValueStateDescriptor<{ n: number }>('v');
      const model = new Map<string, { n: number }>(); // `${ns}|${canonical key}` → value
      const id = (k: unknown, ns: unknown) => `${typeof ns}:${String(ns)}|${JSON.stringify([typeof k, k])}`;
      let round = 0;
      const op = () => {
        const k = pick(keys);
        const ns = pick(namespaces);
        b.setCurrentKey(k);
        const s = b.getState(d);
        s.setCurrentNamespace(ns);
        const r = rnd();
        const m = model.get(id(k, ns));
        if (r < 0.35) assert.deepEqual(s.value(), m, `read ${id(k, ns)}`);
        else if (r < 0.55 && ns === VOID_NAMESPACE) {
          // read-modify-write, mutating the value in place
          const next = s.updateWith((cur: { n: number } | undefined, by: number) => {
            if (cur === undefined) return { n: by };
            cur.n += by;
            return cur;
          }, 3);
          model.set(id(k, ns), { n: (m?.n ?? 0) + 3 });
          assert.deepEqual(next, model.get(id(k, ns)));
        } else if (r < 0.85) {
          const v = s.value();
          const n = (v?.n ?? 0) + 1;
          if (v !== undefined) v.n = n; // mutated in place, then written
          s.update(v ?? { n });
          model.set(id(k, ns), { n });
        } else if (r < 0.92) {
          // a blind write: the cache does not know whether lmdb holds the key
          s.update({ n: 100 + round });
          model.set(id(k, ns), { n: 100 + round });
        } else {
          s.clear();
          model.delete(id(k, ns));
        }
      };
      const check = (backend: KeyedStateBackend) => {
        const s = backend.getState(d);
        for (const k of keys) {
          backend.setCurrentKey(k);
          for (const ns of namespaces) {
            s.setCurrentNamespace(ns);
            assert.deepEqual(s.value(), model.get(id(k, ns)), `${cacheEntries}: ${id(k, ns)}`);
          }
        }
        assert.equal(backend.stateSize().entries, model.size);
        const voidKeys = [...model.keys()].filter((x) => x.startsWith('string:|')).length;
        assert.equal([...backend.getKeys('v')].length, voidKeys);
      };
      for (round = 0; round < 30; round++) {
        if (round % 3 === 2) for (let i = 0; i < 20; i++) op(); // outside a batch: written through
        else b.batch(() => {
          for (let i = 0; i < 60; i++) op();
        });
        assert.equal(b.stateSize().entries, model.size, `${cacheEntries}: live size, round ${round}`);
        if (round % 10 === 9) {
          // snapshot inside a batch (eager) or outside (read transaction), restored into a fresh backend
          const snap = round === 19 ? b.batch(() => b.snapshot(round)) : b.snapshot(round);
          const c = cached(dir, `r${cacheEntries}-${round}`, cacheEntries);
          c.restore([snap]);
          check(c);
          b.dispose();
          b = c;
        }
      }
      check(b);
      b.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch that throws keeps what it wrote before the throw, cached or not', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    const b = cached(dir, 't', 4);
    const v = b.getState(new ValueStateDescriptor<number>('v'));
    const l = b.getListState(new ListStateDescriptor<number>('l'));
    b.setCurrentKey('a');
    b.batch(() => v.update(1));
    assert.throws(
      () =>
        b.batch(() => {
          v.update(2);
          b.setCurrentKey('b');
          v.update(3);
          l.add(4);
          throw new Error('user function failed');
        }),
      /user function failed/,
    );
    const c = cached(dir, 't2', 4);
    c.restore([b.snapshot(1)]);
    for (const x of [b, c]) {
      x.setCurrentKey('a');
      assert.equal(x.getState(new ValueStateDescriptor<number>('v')).value(), 2);
      x.setCurrentKey('b');
      assert.equal(x.getState(new ValueStateDescriptor<number>('v')).value(), 3);
      assert.deepEqual(x.getListState(new ListStateDescriptor<number>('l')).get(), [4]);
    }
    b.dispose();
    c.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
