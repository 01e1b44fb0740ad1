/** InternalTimerService: order, dedup, delete, re-registration while firing, processing time, snapshot/restore. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { KeyGroupRange } from '../../src/core/index.ts';
import { InternalTimerService, ValueStateDescriptor, type TimerServiceSnapshot } from '../../src/state/index.ts';
import { Fixture, KINDS } from './backend-fixture.ts';

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
