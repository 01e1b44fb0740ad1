/**
 * `ValueStateImpl.updateWith` (the keyed aggregates' read-modify-write, one Map lookup on the heap backend)
 * on both backends: semantics equal to `value()` + `update()`, and snapshots taken while it mutates values in
 * place stay as of their capture (copy-on-write), checked against a model with random operations.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EddyError } from '../../src/core/index.ts';
import { ValueStateDescriptor, ReducingStateDescriptor, StateTtlConfig, type KeyedStateBackend, type PendingKeyedSnapshot, type ValueStateImpl } from '../../src/state/index.ts';
import { Fixture, KINDS } from './backend-fixture.ts';
import { mulberry32 as rng } from '../seeded-random.ts';

const MAX = 16;

/** A fold that mutates and returns its accumulator, as user reduce functions may. */
interface Acc {
  n: number;
  seen: number[];
}
const foldInPlace = (cur: Acc | undefined, v: number): Acc => {
  if (cur === undefined) return { n: v, seen: [v] };
  cur.n += v;
  cur.seen.push(v);
  return cur;
};

function valueState<T>(b: KeyedStateBackend, d: ValueStateDescriptor<T>): ValueStateImpl<T> {
  return b.getState(d) as ValueStateImpl<T>;
}

/** A small deterministic generator (mulberry32). */

for (const kind of KINDS) {
  describe(`read-modify-write (${kind})`, () => {
    test('updateWith: first value, fold, null clears, default value, keyed context', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      const s = valueState(b, new ValueStateDescriptor<number>('sum'));
      const add = (cur: number | undefined, v: number) => (cur ?? 0) + v;
      assert.throws(() => s.updateWith(add, 1), (e: unknown) => e instanceof EddyError && /outside a keyed context/.test(e.message));
      b.setCurrentKey('a');
      assert.equal(s.updateWith(add, 5), 5);
      assert.equal(s.updateWith(add, 7), 12);
      b.setCurrentKey(-0);
      assert.equal(s.updateWith(add, 1), 1);
      b.setCurrentKey(0);
      assert.equal(s.value(), 1, '-0 and 0 are one key');
      assert.equal(s.updateWith(() => null, 0), null);
      assert.equal(s.value(), undefined, 'null clears');
      assert.deepEqual([...b.getKeys('sum')], ['a']);
      b.setCurrentKey('a');
      assert.equal(s.value(), 12);
      // a throwing fold changes nothing
      assert.throws(() => s.updateWith(() => {
        throw new RangeError('no');
      }, 0), RangeError);
      assert.equal(s.value(), 12);
      // with a default value the fold sees it
      const d = valueState(b, new ValueStateDescriptor<number>('withDefault', { defaultValue: 100 }));
      assert.equal(d.updateWith(add, 1), 101);
      assert.equal(d.updateWith(add, 1), 102);
      // a namespace other than VOID works too (read then write)
      s.setCurrentNamespace('w1');
      assert.equal(s.updateWith(add, 3), 3);
      s.setCurrentNamespace('');
      assert.equal(s.value(), 12);
      f.close();
    });

    test('updateWith on a TTL state expires like value()', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      const s = valueState(b, new ValueStateDescriptor<number>('t', { ttl: StateTtlConfig.newBuilder(100).build() }));
      const add = (cur: number | undefined, v: number) => (cur ?? 0) + v;
      b.setCurrentKey(1);
      assert.equal(s.updateWith(add, 2), 2);
      f.clock.advance(99);
      assert.equal(s.updateWith(add, 2), 4, 'not yet expired; the write refreshes it');
      f.clock.advance(100);
      assert.equal(s.updateWith(add, 2), 2, 'expired: the fold starts again');
      f.close();
    });

    test('reducing state add in the VOID namespace folds in place and snapshots stay as captured', { timeout: 60_000 }, () => {
      const f = new Fixture(kind);
      const b = f.backend({ maxParallelism: MAX });
      const d = new ReducingStateDescriptor<Acc>('r', (a, x) => {
        a.n += x.n;
        return a;
      });
      const r = b.getReducingState(d);
      for (let k = 0; k < 30; k++) {
        b.setCurrentKey(k);
        r.add({ n: 1, seen: [] });
      }
      const pending = b.captureSnapshot(1);
      for (let k = 0; k < 30; k++) {
        b.setCurrentKey(k);
        r.add({ n: 10, seen: [] });
        assert.equal(r.get()!.n, 11);
      }
      const back = f.backend({ maxParallelism: MAX, operatorId: 'back' });
      back.restore([pending.finish()]);
      const rb = back.getReducingState(d);
      for (let k = 0; k < 30; k++) {
        back.setCurrentKey(k);
        assert.equal(rb.get()!.n, 1);
      }
      f.close();
    });

    test('random updates, clears and overlapping snapshots match a model of each capture', { timeout: 120_000 }, () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const rand = rng(seed);
        const f = new Fixture(kind);
        const b = f.backend({ maxParallelism: MAX });
        const s = valueState(b, new ValueStateDescriptor<Acc>('acc'));
        const model = new Map<number, Acc>();
        const open: { p: PendingKeyedSnapshot; want: Map<number, number[]> }[] = [];
        const frozen = () => new Map([...model].map(([k, a]) => [k, [...a.seen]]));
        let id = 0;
        for (let step = 0; step < 3000; step++) {
          const k = Math.floor(rand() * 40);
          const r = rand();
          b.setCurrentKey(k);
          if (r < 0.6) {
            const v = step;
            s.updateWith(foldInPlace, v);
            const m = model.get(k);
            model.set(k, m === undefined ? { n: v, seen: [v] } : { n: m.n + v, seen: [...m.seen, v] });
          } else if (r < 0.7) {
            s.clear();
            model.delete(k);
          } else if (r < 0.8) {
            // value() hands out the stored object: mutating it is the user's in-place update
            const cur = s.value();
            if (cur !== undefined) {
              cur.seen.push(-1);
              s.update(cur);
              model.set(k, { n: cur.n, seen: [...model.get(k)!.seen, -1] });
            }
          } else if (r < 0.82 && open.length < 3) {
            // a capture between value() and update() of one key: the update must not reach the capture
            const cur = s.value();
            open.push({ p: b.captureSnapshot(++id), want: frozen() });
            const next = { n: (cur?.n ?? 0) + 1, seen: [...(cur?.seen ?? []), -2] };
            s.update(next);
            model.set(k, { n: next.n, seen: [...next.seen] });
          } else if (r < 0.85 && open.length < 3) {
            open.push({ p: b.captureSnapshot(++id), want: frozen() });
          } else if (r < 0.9 && open.length > 0) {
            open[Math.floor(rand() * open.length)]!.p.writeSome(1 + Math.floor(rand() * 4));
          } else if (r < 0.93 && open.length > 0) {
            const [o] = open.splice(Math.floor(rand() * open.length), 1);
            if (rand() < 0.3) o!.p.release();
            else checkSnapshot(f, o!.p, o!.want, `seed ${seed} step ${step} checkpoint`);
          }
          assert.deepEqual(s.value()?.seen, model.get(k)?.seen, `seed ${seed} step ${step} key ${k}`);
        }
        for (const o of open) checkSnapshot(f, o.p, o.want, `seed ${seed} final`);
        checkSnapshot(f, b.captureSnapshot(++id), frozen(), `seed ${seed} live state`);
        f.close();
      }
    });
  });
}

function checkSnapshot(f: Fixture, p: PendingKeyedSnapshot, want: Map<number, number[]>, what: string): void {
  const r = f.backend({ maxParallelism: MAX, operatorId: `check-${Math.random()}`, kind: 'heap' });
  r.restore([p.finish()]);
  const s = r.getState(new ValueStateDescriptor<Acc>('acc'));
  const got = new Map<number, number[]>();
  for (const k of r.getKeys('acc')) {
    r.setCurrentKey(k);
    got.set(k as number, s.value()!.seen);
  }
  assert.deepEqual(new Map([...got].sort((a, b) => a[0] - b[0])), new Map([...want].sort((a, b) => a[0] - b[0])), what);
}
