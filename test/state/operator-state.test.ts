/** Operator state: list (even split), union list and broadcast state, snapshot and redistribution. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigurationError } from '../../src/core/index.ts';
import {
  OperatorStateStore,
  ListStateDescriptor,
  MapStateDescriptor,
  redistributeOperatorState,
  type OperatorStateSnapshot,
} from '../../src/state/index.ts';

const offsets = new ListStateDescriptor<number>('offsets');
const seen = new ListStateDescriptor<string>('seen');
const rules = new MapStateDescriptor<string, { limit: number }>('rules');

function subtask(i: number, n: number): OperatorStateSnapshot {
  const s = new OperatorStateStore('src');
  s.getListState(offsets).addAll(Array.from({ length: n }, (_, j) => i * 100 + j));
  s.getUnionListState(seen).add(`s${i}`);
  const r = s.getBroadcastState(rules);
  r.put('a', { limit: 1 });
  r.put('b', { limit: 2 });
  return structuredClone(s.snapshot());
}

function restored(s: OperatorStateSnapshot): OperatorStateStore {
  const st = new OperatorStateStore('src');
  st.restore(structuredClone(s));
  return st;
}

test('even split: all elements, contiguous, sizes differ by at most one', () => {
  const snaps = [subtask(0, 3), subtask(1, 4)];
  for (const p of [1, 2, 3, 5, 9]) {
    const out = redistributeOperatorState(snaps, p);
    assert.equal(out.length, p);
    const lists = out.map((s) => restored(s).getListState(offsets).get());
    assert.deepEqual(lists.flat(), [0, 1, 2, 100, 101, 102, 103]);
    const sizes = lists.map((l) => l.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  }
});

test('union: every subtask gets every element', () => {
  const out = redistributeOperatorState([subtask(0, 1), subtask(1, 1), subtask(2, 1)], 2);
  for (const s of out) assert.deepEqual(restored(s).getUnionListState(seen).get(), ['s0', 's1', 's2']);
});

test('broadcast: every subtask gets one identical copy', () => {
  const out = redistributeOperatorState([subtask(0, 1), subtask(1, 1)], 3);
  for (const s of out) {
    const r = restored(s).getBroadcastState(rules);
    assert.deepEqual([...r.entries()].sort(), [['a', { limit: 1 }], ['b', { limit: 2 }]]);
    assert.equal(r.contains('a'), true);
    assert.equal(r.isEmpty(), false);
  }
});

test('store: unregistered restored state survives the next snapshot; mode clashes throw', () => {
  const [s] = redistributeOperatorState([subtask(0, 2)], 1);
  const st = restored(s!);
  st.getListState(offsets).add(9);
  const again = st.snapshot();
  const names = again.states.map((e) => `${e.name}:${e.mode}`).sort();
  assert.deepEqual(names, ['offsets:split', 'rules:broadcast', 'seen:union']);
  assert.deepEqual(restored(again).getListState(offsets).get(), [0, 1, 9]);
  assert.throws(() => restored(again).getUnionListState(new ListStateDescriptor('offsets')), ConfigurationError);
  const fresh = new OperatorStateStore();
  fresh.getListState(offsets);
  assert.throws(() => fresh.getUnionListState(new ListStateDescriptor('offsets')), ConfigurationError);
  assert.deepEqual(redistributeOperatorState([undefined, undefined], 2).map((x) => x.states.length), [0, 0]);
});

test('list and broadcast handles behave like keyed ones', () => {
  const st = new OperatorStateStore();
  const l = st.getListState(offsets);
  l.update([1, 2]);
  l.add(3);
  assert.deepEqual(l.get(), [1, 2, 3]);
  l.clear();
  assert.deepEqual(l.get(), []);
  const b = st.getBroadcastState(new MapStateDescriptor<unknown, number>('b'));
  b.putAll({ x: 1 });
  b.put({ k: 1, j: 2 }, 2);
  assert.equal(b.get({ j: 2, k: 1 }), 2);
  b.remove('x');
  assert.deepEqual([...b.keys()], [{ k: 1, j: 2 }]);
  assert.deepEqual([...b.values()], [2]);
  b.clear();
  assert.equal(b.isEmpty(), true);
});
