/**
 * Snapshot format pinned by a fixture (formats are forever: a version-1 snapshot written today must restore
 * tomorrow, into either backend), and per-descriptor serializers across backends.
 *
 * Regenerate the fixture only when adding a new version: EDDY_WRITE_FIXTURES=1 node scripts/test.mjs snapshot-format
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '../../src/core/index.ts';
import {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  type KeyedStateBackend,
  type KeyedStateSnapshot,
  type TypeSerializer,
} from '../../src/state/index.ts';
import { Fixture, KINDS } from './backend-fixture.ts';

const FIXTURE = new URL('./fixtures/keyed-state-v1.json', import.meta.url);
const ttl = StateTtlConfig.newBuilder(1_000_000).build();
const d = {
  value: new ValueStateDescriptor<{ n: number; tags: string[] }>('value'),
  list: new ListStateDescriptor<number>('list'),
  map: new MapStateDescriptor<unknown, string>('map'),
  sum: new ReducingStateDescriptor<number>('sum', (a, b) => a + b, { ttl }),
};

function write(b: KeyedStateBackend): void {
  for (const k of ['alice', 42, { id: 7 }]) {
    b.setCurrentKey(k);
    b.getState(d.value).update({ n: 1, tags: ['x', String(k)] });
    b.getListState(d.list).addAll([1, 2, 3]);
    b.getMapState(d.map).put(['composite', 1], 'c');
    b.getMapState(d.map).put(-0, 'zero');
    const s = b.getReducingState(d.sum);
    s.setCurrentNamespace(1000);
    s.add(5);
    s.add(6);
  }
}

function check(b: KeyedStateBackend): void {
  for (const k of ['alice', 42, { id: 7 }]) {
    b.setCurrentKey(k);
    assert.deepEqual(b.getState(d.value).value(), { n: 1, tags: ['x', String(k)] });
    assert.deepEqual(b.getListState(d.list).get(), [1, 2, 3]);
    assert.equal(b.getMapState(d.map).get(['composite', 1]), 'c');
    assert.equal(b.getMapState(d.map).get(0), 'zero');
    const s = b.getReducingState(d.sum);
    s.setCurrentNamespace(1000);
    assert.equal(s.get(), 11);
  }
}

const toJson = (s: KeyedStateSnapshot) => JSON.stringify({ ...s, keyGroups: s.keyGroups.map((g) => ({ keyGroup: g.keyGroup, data: Buffer.from(g.data.buffer as ArrayBuffer, g.data.byteOffset, g.data.byteLength).toString('base64') })) }, null, 1);
const fromJson = (t: string): KeyedStateSnapshot => {
  const o = JSON.parse(t) as Omit<KeyedStateSnapshot, 'keyGroups'> & { keyGroups: Array<{ keyGroup: number; data: string }> };
  return { ...o, keyGroups: o.keyGroups.map((g) => ({ keyGroup: g.keyGroup, data: new Uint8Array(Buffer.from(g.data, 'base64')) })) };
};

/** Keeps class instances: the default msgpackr encoding would return plain objects. */
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}
const pointSerializer: TypeSerializer<Point> = {
  serialize: (p) => new Uint8Array(new Float64Array([p.x, p.y]).buffer),
  deserialize: (b) => {
    const f = new Float64Array(b.slice().buffer);
    return new Point(f[0]!, f[1]!);
  },
};

describe('snapshot format', () => {
  test('version-1 fixture restores into both backends', () => {
    if (process.env.EDDY_WRITE_FIXTURES === '1') {
      const f = new Fixture('heap');
      f.clock.set(1_700_000_000_000);
      const b = f.backend({ operatorId: 'fixture' });
      write(b);
      writeFileSync(FIXTURE, toJson(b.snapshot(1)) + '\n');
      f.close();
    }
    const snap = fromJson(readFileSync(FIXTURE, 'utf8'));
    assert.equal(snap.version, 1);
    for (const kind of KINDS) {
      const f = new Fixture(kind);
      f.clock.set(1_700_000_000_000);
      const b = f.backend({ operatorId: 'fixture' });
      b.restore([snap]);
      check(b);
      f.close();
    }
  });
});

for (const kind of KINDS) {
  describe(`custom serializers (${kind})`, () => {
    test('values go through the serializer in state and snapshots, in every handle kind', () => {
      const f = new Fixture(kind);
      const b = f.backend();
      const v = b.getState(new ValueStateDescriptor<Point>('v', { serializer: pointSerializer }));
      const l = b.getListState(new ListStateDescriptor<Point>('l', { serializer: pointSerializer, ttl }));
      const m = b.getMapState(new MapStateDescriptor<string, Point>('m', { serializer: pointSerializer }));
      b.setCurrentKey('k');
      v.update(new Point(3, 4));
      l.add(new Point(1, 0));
      l.addAll([new Point(0, 2)]);
      m.put('a', new Point(6, 8));
      assert.equal(v.value()!.norm(), 5);
      assert.deepEqual(l.get().map((p) => p.norm()), [1, 2]);
      assert.equal(m.get('a')!.norm(), 10);
      assert.equal([...m.values()][0]!.norm(), 10);
      const snap = b.snapshot(1);
      assert.equal(snap.states.find((s) => s.name === 'v')!.serialized, true);
      const other = f.backend({ kind: kind === 'heap' ? 'lmdb' : 'heap', operatorId: 'other' });
      other.restore([structuredClone(snap)]);
      assert.throws(() => other.getState(new ValueStateDescriptor<Point>('v')), ConfigurationError);
      const v2 = other.getState(new ValueStateDescriptor<Point>('v2', { serializer: pointSerializer }));
      assert.equal(v2.name, 'v2');
      const l2 = other.getListState(new ListStateDescriptor<Point>('l', { serializer: pointSerializer, ttl }));
      other.setCurrentKey('k');
      assert.ok(l2.get()[1] instanceof Point);
      f.close();
    });
  });
}
