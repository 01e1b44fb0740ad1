// Iterative conditions: ctx.getEventsForPattern reads the events already taken by the same partial match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pattern } from '../../src/cep/index.ts';
import { is, run, runSorted, type Ev } from './cep-test-kit.ts';

test('a looping stage bounded by the sum of what it took so far', () => {
  const p = Pattern.begin<Ev>('a').where(is('a'))
    .followedBy('b').where((e, ctx) => e.type === 'b' && ctx.getEventsForPattern('b').reduce((s, x) => s + x.v, 0) + e.v <= 5)
    .oneOrMore()
    .followedBy('c').where(is('c'));
  assert.deepEqual(runSorted(p, 'a b:2 b:2 b:2 c'), ['a0 b1 b2 c4', 'a0 b1 c4']);
});

test('a condition comparing with an earlier stage', () => {
  const p = Pattern.begin<Ev>('a').where(is('a'))
    .followedBy('b').where((e, ctx) => e.type === 'b' && e.v > ctx.getEventsForPattern('a')[0]!.v);
  assert.deepEqual(run(p, 'a:5 b:3 b:7'), ['a0 b2']);
});

test('each branch sees only its own events', () => {
  // strictly increasing values: with followedByAny several branches coexist, each checking its own last event
  const p = Pattern.begin<Ev>('up').where((e, ctx) => {
    const prev = ctx.getEventsForPattern('up');
    return prev.length === 0 || e.v > prev[prev.length - 1]!.v;
  }).times(3).allowCombinations();
  assert.deepEqual(runSorted(p, 'x:1 x:3 x:2 x:4'), ['x0 x1 x3', 'x0 x2 x3']);
});

test('ctx.timestamp() is the event time of the event under test', () => {
  const seen: number[] = [];
  const p = Pattern.begin<Ev>('a').where((e, ctx) => {
    seen.push(ctx.timestamp());
    return e.type === 'a';
  });
  run(p, 'a x', { ts: [100, 200] });
  assert.deepEqual([...new Set(seen)], [100, 200]);
});

test('getEventsForPattern of a stage that took nothing is empty', () => {
  const p = Pattern.begin<Ev>('a').where((e, ctx) => ctx.getEventsForPattern('zzz').length === 0 && e.type === 'a');
  assert.deepEqual(run(p, 'a'), ['a0']);
});
