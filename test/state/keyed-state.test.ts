/** Keyed state handles, keys and namespaces, run against both backends. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EddyError, ConfigurationError, KeyGroupRange, keyGroupOf } from '../../src/core/index.ts';
import {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  VOID_NAMESPACE,
} from '../../src/state/index.ts';
import { Fixture, KINDS } from './backend-fixture.ts';

const avg = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (v: number, a: { sum: number; n: number }) => ({ sum: a.sum + v, n: a.n + 1 }),
  getResult: (a: { sum: number; n: number }) => a.sum / a.n,
  merge: (a: { sum: number; n: number }, b: { sum: number; n: number }) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

for (const kind of KINDS) {
  describe(`keyed state (${kind})`, () => {
    test('value state: default, update, null clears, per key', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const s = b.getState(new ValueStateDescriptor<number>('count', { defaultValue: 0 }));
      b.setCurrentKey('a');
      assert.equal(s.value(), 0);
      s.update(5);
      b.setCurrentKey('b');
      assert.equal(s.value(), 0);
      s.update(7);
      b.setCurrentKey('a');
      assert.equal(s.value(), 5);
      s.update(null);
      assert.equal(s.value(), 0);
      b.setCurrentKey('b');
      s.clear();
      assert.equal(s.value(), 0);
      const o = b.getState(new ValueStateDescriptor<{ x: number[]; m: Map<string, number> }>('obj'));
      assert.equal(o.value(), undefined);
      o.update({ x: [1, 2], m: new Map([['k', 1]]) });
      assert.deepEqual(o.value(), { x: [1, 2], m: new Map([['k', 1]]) });
      f.close();
    });

    test('list state: add, addAll, update, get copies, clear', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const l = b.getListState(new ListStateDescriptor<string>('l'));
      b.setCurrentKey(1);
      assert.deepEqual(l.get(), []);
      l.add('a');
      l.addAll(['b', 'c']);
      const got = l.get();
      got.push('zzz');
      assert.deepEqual(l.get(), ['a', 'b', 'c']);
      b.setCurrentKey(2);
      l.add('x');
      b.setCurrentKey(1);
      l.update(['q']);
      assert.deepEqual(l.get(), ['q']);
      l.update([]);
      assert.deepEqual(l.get(), []);
      assert.throws(() => l.add(undefined as unknown as string), EddyError);
      b.setCurrentKey(2);
      assert.deepEqual(l.get(), ['x']);
      l.clear();
      assert.deepEqual(l.get(), []);
      f.close();
    });

    test('map state: put/get/remove/contains/iterate, value-semantics map keys', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const m = b.getMapState(new MapStateDescriptor<unknown, number>('m'));
      b.setCurrentKey('k');
      assert.equal(m.isEmpty(), true);
      m.put('a', 1);
      m.put(-0, 2);
      m.put({ x: 1, y: 2 }, 3);
      m.put('1', 4);
      m.put(1, 5);
      assert.equal(m.get(0), 2);
      assert.equal(m.get({ y: 2, x: 1 }), 3);
      assert.equal(m.get('1'), 4);
      assert.equal(m.get(1), 5);
      assert.equal(m.contains('nope'), false);
      assert.equal(m.contains('a'), true);
      m.putAll({ b: 6 });
      m.putAll(new Map([['c', 7]]));
      m.remove('a');
      const entries = [...m.entries()].map(([k, v]) => [JSON.stringify(k), v]).sort();
      assert.deepEqual(entries, [['"1"', 4], ['"b"', 6], ['"c"', 7], ['0', 2], ['1', 5], ['{"x":1,"y":2}', 3]].sort());
      assert.equal([...m.keys()].length, 6);
      assert.deepEqual([...m.values()].sort(), [2, 3, 4, 5, 6, 7]);
      assert.equal(m.isEmpty(), false);
      b.setCurrentKey('other');
      assert.equal(m.isEmpty(), true);
      b.setCurrentKey('k');
      m.clear();
      assert.equal(m.isEmpty(), true);
      f.close();
    });

    test('reducing and aggregating state', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const r = b.getReducingState(new ReducingStateDescriptor<number>('sum', (a, c) => a + c));
      const a = b.getAggregatingState(new AggregatingStateDescriptor('avg', avg));
      b.setCurrentKey('k');
      assert.equal(r.get(), undefined);
      assert.equal(a.get(), undefined);
      for (const v of [1, 2, 3, 6]) {
        r.add(v);
        a.add(v);
      }
      assert.equal(r.get(), 12);
      assert.equal(a.get(), 3);
      r.clear();
      a.clear();
      assert.equal(r.get(), undefined);
      assert.equal(a.get(), undefined);
      f.close();
    });

    test('namespaces scope values; mergeNamespaces for list, reducing, aggregating', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const v = b.getState(new ValueStateDescriptor<string>('v'));
      const l = b.getListState(new ListStateDescriptor<number>('l'));
      const r = b.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
      const a = b.getAggregatingState(new AggregatingStateDescriptor('a', avg));
      b.setCurrentKey('k');
      v.update('void');
      v.setCurrentNamespace(10);
      assert.equal(v.value(), undefined);
      v.update('ten');
      v.setCurrentNamespace('10');
      assert.equal(v.value(), undefined, 'number and string namespaces are distinct');
      v.setCurrentNamespace(VOID_NAMESPACE);
      assert.equal(v.value(), 'void');
      assert.equal(v.getCurrentNamespace(), VOID_NAMESPACE);
      const windows: Array<[number, number[]]> = [[100, [1, 2]], [200, [3]], [300, [4, 5]]];
      for (const [ns, vals] of windows) {
        for (const h of [l, r, a]) h.setCurrentNamespace(ns);
        for (const x of vals) {
          l.add(x);
          r.add(x);
          a.add(x);
        }
      }
      l.mergeNamespaces(100, [200, 300]);
      r.mergeNamespaces(100, [200, 300]);
      a.mergeNamespaces(100, [200, 300]);
      for (const h of [l, r, a]) h.setCurrentNamespace(100);
      assert.deepEqual(l.get().sort(), [1, 2, 3, 4, 5]);
      assert.equal(r.get(), 15);
      assert.equal(a.get(), 3);
      for (const h of [l, r, a]) h.setCurrentNamespace(200);
      assert.deepEqual(l.get(), []);
      assert.equal(r.get(), undefined);
      assert.equal(a.get(), undefined);
      r.setCurrentNamespace(999);
      r.mergeNamespaces(999, [100]);
      r.setCurrentNamespace(999);
      assert.equal(r.get(), 15);
      assert.deepEqual([...b.getKeys('l', 100)], ['k']);
      assert.deepEqual([...b.getKeys('l', 200)], []);
      f.close();
    });

    test('keys: -0 is 0, __proto__ works, objects by value, numbers vs numeric strings', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const s = b.getState(new ValueStateDescriptor<string>('s'));
      const put = (k: unknown, v: string) => {
        b.setCurrentKey(k);
        s.update(v);
      };
      put(0, 'zero');
      put('__proto__', 'proto');
      put({ a: 1, b: [1, 2] }, 'obj');
      put('1', 'string one');
      put(1, 'number one');
      put(true, 'bool');
      put('T', 'string T');
      put(null, 'null');
      b.setCurrentKey(-0);
      assert.equal(s.value(), 'zero');
      assert.equal(b.getCurrentKey(), 0);
      b.setCurrentKey('__proto__');
      assert.equal(s.value(), 'proto');
      b.setCurrentKey({ b: [1, 2], a: 1 });
      assert.equal(s.value(), 'obj');
      b.setCurrentKey(1);
      assert.equal(s.value(), 'number one');
      b.setCurrentKey('1');
      assert.equal(s.value(), 'string one');
      b.setCurrentKey(true);
      assert.equal(s.value(), 'bool');
      b.setCurrentKey('T');
      assert.equal(s.value(), 'string T');
      const keys = [...b.getKeys('s')];
      assert.equal(keys.length, 8);
      assert.ok(keys.some((k) => typeof k === 'object' && k !== null && (k as { a: number }).a === 1));
      assert.ok(keys.includes(0) && keys.includes(1) && keys.includes('1') && keys.includes('__proto__') && keys.includes(true) && keys.includes(null));
      assert.ok(!keys.some((k) => Object.is(k, -0)));
      f.close();
    });

    test('the key group of every kind of key is the partitioner\'s (core keyGroupOf)', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: 4096, range: new KeyGroupRange(0, 4095) });
      const keys: unknown[] = [0, -0, 1.5, -7, 2 ** 40, NaN, 'a', '', '__proto__', true, false, null, 12n, { a: 1, b: { c: [1, 2] } }, [1, '1'], new Date(5)];
      for (const k of keys) {
        b.setCurrentKey(k);
        assert.equal(b.getCurrentKeyGroup(), keyGroupOf(k, 4096), `key ${String(k)}`);
      }
      f.close();
    });

    test('outside a keyed context: clear EddyError naming the operator; undefined key rejected', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ operatorId: 'my-op' });
      const s = b.getState(new ValueStateDescriptor<number>('s'));
      const l = b.getListState(new ListStateDescriptor<number>('l'));
      for (const fn of [() => s.value(), () => s.update(1), () => l.get(), () => l.add(1)]) {
        assert.throws(fn, (e: unknown) => e instanceof EddyError && /outside a keyed context \(operator my-op\)/.test(e.message));
      }
      assert.throws(() => b.setCurrentKey(undefined), EddyError);
      b.setCurrentKey('x');
      b.clearCurrentKey();
      assert.throws(() => s.value(), /outside a keyed context/);
      f.close();
    });

    test('registry: same handle per name, other kind under a used name throws', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const d = new ValueStateDescriptor<number>('x');
      assert.equal(b.getState(d), b.getState(new ValueStateDescriptor<number>('x')));
      assert.equal(b.getPartitionedState(d), b.getState(d));
      assert.throws(() => b.getListState(new ListStateDescriptor('x')), ConfigurationError);
      assert.deepEqual(b.getStateNames(), ['x']);
      f.close();
    });

    test('applyToAllKeys visits every key of a namespace with the key set; writes allowed', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const d = new ValueStateDescriptor<number>('n');
      const s = b.getState(d);
      for (let k = 0; k < 300; k++) {
        b.setCurrentKey(k);
        s.update(k);
        s.setCurrentNamespace('w');
        if (k % 2 === 0) s.update(-k);
        s.setCurrentNamespace(VOID_NAMESPACE);
      }
      b.setCurrentKey('outer');
      let visited = 0;
      b.applyToAllKeys(VOID_NAMESPACE, d, (k, st: typeof s) => {
        assert.equal(b.getCurrentKey(), k);
        assert.equal(st.value(), k);
        if ((k as number) % 3 === 0) st.clear();
        else st.update((k as number) * 10);
        visited++;
      });
      assert.equal(visited, 300);
      assert.equal(b.getCurrentKey(), 'outer');
      assert.equal([...b.getKeys('n')].length, 200);
      assert.equal([...b.getKeys('n', 'w')].length, 150);
      b.setCurrentKey(7);
      assert.equal(s.value(), 70);
      f.close();
    });

    test('key outside the key-group range is rejected', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const narrow = f.backend({ maxParallelism: 4, range: new KeyGroupRange(0, 0), operatorId: 'narrow' });
      const accepted: number[] = [];
      const rejected: number[] = [];
      for (let k = 0; k < 20; k++) {
        try {
          narrow.setCurrentKey(k);
          accepted.push(k);
        } catch (e) {
          assert.match((e as Error).message, /outside this subtask/);
          rejected.push(k);
        }
      }
      // exactly the keys of key group 0 (of 4) are accepted; the sample has both kinds
      const own = Array.from({ length: 20 }, (_, k) => k).filter((k) => keyGroupOf(k, 4) === 0);
      assert.deepEqual(accepted, own);
      assert.ok(own.length > 0 && own.length < 20, `sample: ${own}`);
      f.close();
    });
  });
}
