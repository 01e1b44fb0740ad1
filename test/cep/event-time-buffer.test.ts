// EventTimeBuffer: release at the watermark in timestamp order, comparator for ties, late events refused,
// snapshot/restore; checked against a sort of the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTimeBuffer } from '../../src/cep/index.ts';

test('releases events up to the watermark in timestamp order, arrival order for ties', () => {
  const b = new EventTimeBuffer<string>();
  for (const [e, ts] of [['c', 3], ['a', 1], ['b1', 2], ['d', 9], ['b2', 2]] as const) assert.ok(b.add(e, ts));
  assert.equal(b.peekTimestamp(), 1);
  assert.deepEqual(b.drain(2).map((x) => x.event), ['a', 'b1', 'b2']);
  assert.equal(b.watermark, 2);
  assert.deepEqual(b.drain(5).map((x) => `${x.event}@${x.timestamp}`), ['c@3']);
  assert.equal(b.size, 1);
});

test('a comparator orders events with equal timestamps', () => {
  const b = new EventTimeBuffer<{ id: number }>((x, y) => x.id - y.id);
  [3, 1, 2].forEach((id) => b.add({ id }, 10));
  b.add({ id: 0 }, 11);
  assert.deepEqual(b.drain(11).map((x) => x.event.id), [1, 2, 3, 0]);
});

test('late events (at or before the released watermark) are refused', () => {
  const b = new EventTimeBuffer<string>();
  b.add('x', 5);
  b.release(5, () => {});
  assert.equal(b.isLate(5), true);
  assert.equal(b.add('late', 5), false);
  assert.equal(b.add('ok', 6), true);
  assert.equal(b.release(3, () => assert.fail('nothing is due')), 0);
  assert.equal(b.watermark, 5);
});

test('matches a stable sort for random input, across snapshot/restore', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const input = Array.from({ length: 500 }, (_, i) => ({ i, ts: Math.floor(rnd() * 100), k: Math.floor(rnd() * 3) }));
  const cmp = (a: { k: number }, b: { k: number }) => a.k - b.k;
  let b = new EventTimeBuffer<(typeof input)[number]>(cmp);
  const out: number[] = [];
  input.forEach((e, n) => {
    b.add(e, e.ts);
    if (n === 250) b = EventTimeBuffer.restore(structuredClone(b.snapshot()), cmp);
  });
  for (const wm of [10, 50, 99]) b.release(wm, (e) => out.push(e.i));
  const expected = [...input].sort((x, y) => x.ts - y.ts || x.k - y.k || x.i - y.i).map((e) => e.i);
  assert.deepEqual(out, expected);
  assert.equal(b.size, 0);
});
