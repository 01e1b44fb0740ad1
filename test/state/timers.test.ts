/** InternalTimerService: order, dedup, delete, re-registration while firing, processing time, snapshot/restore. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { KeyGroupRange } from '../../src/core/index.ts';
import { InternalTimerService, ValueStateDescriptor, type TimerServiceSnapshot } from '../../src/state/index.ts';
import { Fixture, KINDS } from './backend-fixture.ts';
import { TimerQueue } from '../../src/state/timers/timer-queue.ts';
import type { Timer } from '../../src/state/timers/timer-heap.ts';

type Fired = [unknown, string | number, number];

for (const kind of KINDS) {
  describe(`timers (${kind})`, () => {
    test('fire in timestamp order up to the watermark, with the current key set; dedup and delete', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const t = new InternalTimerService(b);
      const seen = b.getState(new ValueStateDescriptor<string>('seen'));
      const reg = (k: unknown, ns: string | number, ts: number) => {
        b.setCurrentKey(k);
        t.registerEventTimeTimer(ns, ts);
      };
      reg('a', 'w1', 30);
      reg('b', '', 10);
      reg('a', 'w1', 30); // duplicate
      reg('c', 5, 20);
      reg({ id: 1 }, '', 25);
      reg('a', 'w2', 30); // other namespace: distinct
      b.setCurrentKey('a');
      seen.update('state of a');
      reg('d', '', 15);
      b.setCurrentKey('d');
      t.deleteEventTimeTimer('', 15);
      t.deleteEventTimeTimer('', 999); // absent: no-op
      assert.equal(t.numEventTimeTimers(), 5);
      const fired: Fired[] = [];
      t.advanceWatermark(25, (k, ns, ts) => {
        assert.deepEqual(b.getCurrentKey(), k);
        fired.push([k, ns, ts]);
      });
      assert.deepEqual(fired, [['b', '', 10], ['c', 5, 20], [{ id: 1 }, '', 25]]);
      assert.equal(t.currentWatermark(), 25);
      fired.length = 0;
      t.advanceWatermark(100, (k, ns, ts) => {
        fired.push([k, ns, ts, seen.value()] as unknown as Fired);
      });
      assert.deepEqual(fired, [['a', 'w1', 30, 'state of a'], ['a', 'w2', 30, 'state of a']]);
      assert.equal(t.numEventTimeTimers(), 0);
      f.close();
    });

    test('timers registered during firing at or before the watermark fire in the same advance', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const t = new InternalTimerService(b);
      b.setCurrentKey('k');
      t.registerEventTimeTimer('', 10);
      const fired: number[] = [];
      t.advanceWatermark(50, (_k, _ns, ts) => {
        fired.push(ts);
        if (ts === 10) {
          t.registerEventTimeTimer('', 5); // already due
          t.registerEventTimeTimer('', 40);
          t.registerEventTimeTimer('', 60); // not yet
        }
      });
      assert.deepEqual(fired, [10, 5, 40]);
      assert.equal(t.nextEventTime(), 60);
      // A timer deleted and registered again fires once.
      t.deleteEventTimeTimer('', 60);
      t.registerEventTimeTimer('', 60);
      fired.length = 0;
      t.advanceWatermark(60, (_k, _ns, ts) => fired.push(ts));
      assert.deepEqual(fired, [60]);
      f.close();
    });

    test('processing time: nextProcessingTime, advance, separate from event time', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const t = new InternalTimerService(b);
      assert.equal(t.nextProcessingTime(), undefined);
      b.setCurrentKey(1);
      t.registerProcessingTimeTimer('', 2000);
      t.registerProcessingTimeTimer('', 1500);
      t.registerEventTimeTimer('', 1000);
      t.deleteProcessingTimeTimer('', 1000); // wrong domain: no-op
      assert.equal(t.nextProcessingTime(), 1500);
      const fired: number[] = [];
      t.advanceProcessingTime(1800, (_k, _ns, ts) => fired.push(ts));
      assert.deepEqual(fired, [1500]);
      assert.equal(t.nextProcessingTime(), 2000);
      assert.equal(t.numEventTimeTimers(), 1);
      assert.throws(() => {
        b.clearCurrentKey();
        t.registerEventTimeTimer('', 1);
      }, /outside a keyed context/);
      f.close();
    });

    test('snapshot/restore by key group, rescaled 1 → 2; union equals original', () => {
      const f = new Fixture(kind);
      const MAX = 8;
      const b = f.backend({ maxParallelism: MAX });
      const t = new InternalTimerService(b, { name: 'win' });
      for (let k = 0; k < 40; k++) {
        b.setCurrentKey(`k${k}`);
        t.registerEventTimeTimer(k % 4, 1000 + k);
        t.registerProcessingTimeTimer('', 5000 + k);
      }
      const snap: TimerServiceSnapshot = structuredClone(t.snapshot());
      assert.equal(snap.name, 'win');
      const all: string[] = [];
      for (let i = 0; i < 2; i++) {
        const bi = f.backend({ maxParallelism: MAX, range: KeyGroupRange.forSubtask(MAX, 2, i), operatorId: `s${i}` });
        const ti = new InternalTimerService(bi, { name: 'win' });
        ti.restore([snap]);
        assert.equal(bi.getCurrentKey(), undefined);
        const local: number[] = [];
        ti.advanceWatermark(Infinity, (k, ns, ts) => {
          local.push(ts);
          all.push(`e:${String(k)}:${ns}:${ts}`);
        });
        assert.deepEqual(local, [...local].sort((x, y) => x - y));
        ti.advanceProcessingTime(Infinity, (k, ns, ts) => all.push(`p:${String(k)}:${ns}:${ts}`));
      }
      const expected: string[] = [];
      for (let k = 0; k < 40; k++) expected.push(`e:k${k}:${k % 4}:${1000 + k}`, `p:k${k}::${5000 + k}`);
      assert.deepEqual(all.sort(), expected.sort());
      f.close();
    });
  });
}

describe('TimerQueue (sorted runs + heap fallback)', () => {
  // against a sorted-array reference: seeded mixes of in-order streams, out-of-order timers, deletes
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`seed ${seed}: pops in (timestamp, sequence) order, deletes, values, size`, () => {
      let s = seed;
      const rnd = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 4294967296);
      const q = new TimerQueue();
      let ref: Timer[] = [];
      const streams = [0, 1000, 5000, 20, 300, 7000]; // more monotone streams than runs
      let seq = 0;
      let now = 0;
      const mk = (ts: number): Timer => ({ ts, key: seq, ns: '', keyGroup: 0, seq: seq++, id: seq, pos: -1 });
      for (let step = 0; step < 4000; step++) {
        const r = rnd();
        if (r < 0.55) {
          const k = Math.floor(rnd() * (seed % 2 === 0 ? streams.length : 2));
          const ts = rnd() < 0.1 ? now + Math.floor(rnd() * 50) : (streams[k] = Math.max(streams[k]!, now) + Math.floor(rnd() * 3));
          const t = mk(ts);
          q.push(t);
          ref.push(t);
        } else if (r < 0.7 && ref.length > 0) {
          const t = ref[Math.floor(rnd() * ref.length)]!;
          q.remove(t);
          q.remove(t); // twice: no-op
          ref = ref.filter((x) => x !== t);
        } else {
          now += Math.floor(rnd() * 4);
          ref.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
          for (;;) {
            const t = q.pollUpTo(now);
            if (t === undefined) break;
            assert.equal(t, ref.shift());
          }
          assert.ok(ref.length === 0 || ref[0]!.ts > now);
        }
        assert.equal(q.size, ref.length);
        if (step % 97 === 0) {
          assert.deepEqual(q.values().map((t) => t.seq).sort((a, b) => a - b), ref.map((t) => t.seq).sort((a, b) => a - b));
          const min = [...ref].sort((a, b) => a.ts - b.ts || a.seq - b.seq)[0];
          assert.equal(q.peek(), min);
        }
      }
      ref.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
      for (const t of ref) assert.equal(q.pop(), t);
      assert.equal(q.pop(), undefined);
      assert.equal(q.size, 0);
    });
  }
});
