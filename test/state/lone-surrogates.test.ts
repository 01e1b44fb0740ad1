/**
 * Strings with lone surrogates (half of a surrogate pair: a text cut in the middle of an emoji) come back
 * as they were from state and from the general encoding of records, where msgpack alone would turn them
 * into U+FFFD; the lmdb backend, which stores keys as UTF-8, refuses such keys by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { EddyError, ElementKind, hasLoneSurrogate, protectLoneSurrogates } from '../../src/core/index.ts';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor, packState, unpackState } from '../../src/state/index.ts';
import { BatchEncoder, decodeBatchBytes } from '../../src/runtime/shape-codec.ts';
import { Fixture, KINDS } from './backend-fixture.ts';

const T = { timeout: 60_000 };

const HIGH = 'cut 😀'.slice(0, -1); // ends with the high half of the emoji
const LOW = '😀 cut'.slice(1); // starts with the low half
const LONG = 'x'.repeat(100) + '\udbff' + 'y'.repeat(100); // long strings take msgpackr's native path

function rich(): unknown {
  const keyed: Record<string, unknown> = { plain: 1 };
  keyed[HIGH] = LOW;
  keyed['__proto__'] = 'an own key named __proto__';
  Object.defineProperty(keyed, '__proto__', { value: 'an own key named __proto__', enumerable: true, writable: true, configurable: true });
  return {
    s: HIGH,
    list: [LOW, 'ok 😀', [LONG, 5]],
    keyed,
    map: new Map<unknown, unknown>([[HIGH, 1], ['k', LONG]]),
    set: new Set([LOW, 'b']),
    date: new Date(0),
    n: 1.5,
  };
}

test('hasLoneSurrogate finds a half pair and only a half pair', T, () => {
  for (const s of [HIGH, LOW, LONG, '\ud800', '\udc00', 'a\udc00\ud800b']) assert.equal(hasLoneSurrogate(s), true, JSON.stringify(s));
  for (const s of ['', 'abc', 'é', '😀', 'a😀b😀', '日本', 'x'.repeat(1000)]) assert.equal(hasLoneSurrogate(s), false, JSON.stringify(s));
});

test('values without lone surrogates are returned as they are; others are copied, the original untouched', T, () => {
  const clean = { a: 'x', b: ['😀', 1, { c: 'é' }], m: new Map([['k', 'v']]), s: new Set(['z']) };
  assert.equal(protectLoneSurrogates(clean), clean);
  assert.equal(protectLoneSurrogates('😀'), '😀');
  const v = rich();
  const before = structuredClone(v);
  assert.notEqual(protectLoneSurrogates(v), v);
  assert.deepStrictEqual(v, before);
});

test('state values round-trip exactly, where msgpack alone loses the lone surrogates', T, () => {
  const v = rich();
  assert.deepStrictEqual(unpackState(packState(v)), v);
  // the oracle: the same value through a plain msgpackr instance does not come back
  const plain = new Packr({ moreTypes: true });
  assert.notDeepStrictEqual(plain.unpack(plain.pack(v)), v);
});

test('records in the general encoding (misfits, irregular shapes) round-trip exactly', T, () => {
  const records = [rich(), [HIGH, 1, { x: LOW }], LONG, { other: [LOW] }];
  const out = decodeBatchBytes(new BatchEncoder('e').encode({ k: ElementKind.Records, v: records, t: new Float64Array(records.length), n: records.length }));
  assert.deepStrictEqual(out.v, records);
});

for (const kind of KINDS) {
  test(`${kind}: values with lone surrogates survive a snapshot and a restore into either backend`, T, () => {
    const f = new Fixture(kind);
    try {
      const value = new ValueStateDescriptor<unknown>('v');
      const list = new ListStateDescriptor<string>('l');
      const map = new MapStateDescriptor<number, string>('m');
      const b = f.backend();
      for (const key of ['k1', 7, { user: HIGH }]) {
        b.setCurrentKey(key);
        b.getState(value).update(rich());
        b.getListState(list).addAll([HIGH, LOW, LONG]);
        b.getMapState(map).put(1, LOW);
      }
      for (const into of KINDS) {
        const c = f.backend({ kind: into, operatorId: `restored-${into}` });
        c.restore([structuredClone(b.snapshot(1))]);
        for (const key of ['k1', 7, { user: HIGH }]) {
          c.setCurrentKey(key);
          assert.deepStrictEqual(c.getState(value).value(), rich());
          assert.deepStrictEqual(c.getListState(list).get(), [HIGH, LOW, LONG]);
          assert.equal(c.getMapState(map).get(1), LOW);
        }
      }
    } finally {
      f.close();
    }
  });
}

test('lmdb: a key, map key or namespace with a lone surrogate fails naming it (UTF-8 keys would merge it with another)', T, () => {
  const f = new Fixture('lmdb');
  try {
    const b = f.backend();
    const value = new ValueStateDescriptor<number>('v');
    b.setCurrentKey(HIGH);
    assert.throws(() => b.getState(value).update(1), (e: unknown) => e instanceof EddyError && /lone surrogate in key "cut \\ud83d"/.test(e.message));
    b.setCurrentKey('fine');
    b.getState(value).update(2);
    assert.throws(() => b.getMapState(new MapStateDescriptor<string, number>('m')).put(LOW, 1), (e: unknown) => e instanceof EddyError && /lone surrogate in map key/.test(e.message));
    assert.equal(b.getState(value).value(), 2, 'what was written stays');
  } finally {
    f.close();
  }
});
