/** State TTL with a ManualClock: update types, visibility, per-element expiry, cleanup. Both backends. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  StateTtlConfig,
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  decodeKeyGroup,
  type KeyedStateSnapshot,
} from '../../src/state/index.ts';
import { Fixture, KINDS } from './backend-fixture.ts';

function entryCount(s: KeyedStateSnapshot): number {
  return s.keyGroups.reduce((n, g) => n + decodeKeyGroup(g).length, 0);
}

for (const kind of KINDS) {
  describe(`TTL (${kind})`, () => {
    test('OnCreateAndWrite: reads do not extend life; NeverReturnExpired hides expired values', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const s = b.getState(new ValueStateDescriptor<number>('v', { defaultValue: -1, ttl: StateTtlConfig.newBuilder(100).build() }));
      b.setCurrentKey('k');
      s.update(1);
      f.clock.advance(60);
      assert.equal(s.value(), 1);
      f.clock.advance(40);
      assert.equal(s.value(), -1, 'expired exactly at write + ttl, default returned');
      s.update(2);
      f.clock.advance(99);
      assert.equal(s.value(), 2);
      f.close();
    });

    test('OnReadAndWrite: every read extends life', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const ttl = StateTtlConfig.newBuilder(100).setUpdateType('OnReadAndWrite').build();
      const s = b.getState(new ValueStateDescriptor<number>('v', { ttl }));
      const m = b.getMapState(new MapStateDescriptor<string, number>('m', { ttl }));
      b.setCurrentKey('k');
      s.update(1);
      m.put('a', 1);
      for (let i = 0; i < 5; i++) {
        f.clock.advance(80);
        assert.equal(s.value(), 1);
        assert.equal(m.get('a'), 1);
      }
      f.clock.advance(100);
      assert.equal(s.value(), undefined);
      assert.equal(m.get('a'), undefined);
      f.close();
    });

    test('ReturnExpiredIfNotCleanedUp returns the stale value once, then it is gone', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const s = b.getState(new ValueStateDescriptor<number>('v', { ttl: StateTtlConfig.newBuilder(10).setStateVisibility('ReturnExpiredIfNotCleanedUp').build() }));
      b.setCurrentKey('k');
      s.update(1);
      f.clock.advance(50);
      assert.equal(s.value(), 1);
      assert.equal(s.value(), undefined);
      f.close();
    });

    test('list elements and map entries expire one by one; reducing state expires', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const ttl = StateTtlConfig.newBuilder(100).build();
      const l = b.getListState(new ListStateDescriptor<string>('l', { ttl }));
      const m = b.getMapState(new MapStateDescriptor<string, number>('m', { ttl }));
      const r = b.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y, { ttl }));
      b.setCurrentKey(7);
      l.add('old');
      m.put('old', 1);
      r.add(5);
      f.clock.advance(60);
      l.add('new');
      m.put('new', 2);
      r.add(5);
      f.clock.advance(60);
      assert.deepEqual(l.get(), ['new']);
      assert.deepEqual([...m.entries()], [['new', 2]]);
      assert.equal(m.get('old'), undefined);
      assert.equal(r.get(), 10, 'the reduced value was rewritten at the second add');
      f.clock.advance(100);
      assert.deepEqual(l.get(), []);
      assert.equal(m.isEmpty(), true);
      assert.equal(r.get(), undefined);
      f.close();
    });

    test('cleanupFullSnapshot leaves expired entries out of snapshots', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const ttl = StateTtlConfig.newBuilder(100).cleanupFullSnapshot().build();
      const s = b.getState(new ValueStateDescriptor<number>('v', { ttl }));
      const l = b.getListState(new ListStateDescriptor<number>('l', { ttl }));
      for (let k = 0; k < 10; k++) {
        b.setCurrentKey(k);
        s.update(k);
        l.add(k);
      }
      f.clock.advance(50);
      for (let k = 0; k < 3; k++) {
        b.setCurrentKey(k);
        s.update(k);
        l.add(k + 100);
      }
      f.clock.advance(60);
      const snap = b.snapshot(1);
      assert.equal(entryCount(snap), 6, '3 live values + 3 lists holding their live element');
      const b2 = f.backend({ operatorId: 'restored' });
      b2.restore([snap]);
      const l2 = b2.getListState(new ListStateDescriptor<number>('l', { ttl }));
      b2.setCurrentKey(1);
      assert.deepEqual(l2.get(), [101]);
      f.close();
    });

    test('cleanupIncrementally removes expired entries of keys never read again', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const ttl = StateTtlConfig.newBuilder(100).cleanupIncrementally(10, true).build();
      const s = b.getState(new ValueStateDescriptor<number>('v', { ttl }));
      for (let k = 0; k < 50; k++) {
        b.setCurrentKey(k);
        s.update(k);
      }
      f.clock.advance(200);
      b.setCurrentKey('fresh');
      s.update(1);
      // Every access (and every setCurrentKey, runCleanupForEveryRecord) checks 10 entries.
      for (let i = 0; i < 10; i++) {
        b.setCurrentKey('fresh');
        s.value();
      }
      const live = [...b.getKeys('v')];
      assert.deepEqual(live, ['fresh']);
      f.close();
    });
  });
}
