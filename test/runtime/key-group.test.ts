import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyGroupOf, murmurMix, hashKey, uint32Mod } from '../../src/core/index.ts';
import { mulberry32 } from '../seeded-random.ts';

test('uint32Mod is the remainder for every unsigned 32-bit value and modulus', { timeout: 30_000 }, () => {
  const rnd = mulberry32(7);
  const us = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32 - 2, 4294967168];
  for (let i = 0; i < 20_000; i++) us.push(Math.floor(rnd() * 2 ** 32));
  for (const m of [1, 2, 3, 7, 100, 127, 128, 129, 1000, 4096, 32767, 32768]) {
    for (const u of us) assert.equal(uint32Mod(u, m), u % m, `${u} % ${m}`);
  }
});

test('key groups are unchanged: savepoints keep their keys in the same groups', { timeout: 30_000 }, () => {
  // pinned: a change here moves the keyed state of existing savepoints to other key groups
  const keys: unknown[] = [0, 1, 2, 1000, -7, 2 ** 40, 1.5, 'a', 'auction-17', true, null, { x: 1 }];
  assert.deepEqual(keys.map((k) => keyGroupOf(k, 128)), [94, 42, 127, 121, 95, 55, 72, 7, 15, 102, 50, 97]);
  assert.deepEqual([0, 1, 2, 1000, -7, 'a'].map((k) => keyGroupOf(k, 1000)), [54, 818, 463, 985, 47, 535]);
  for (const m of [128, 1000, 32768]) for (let k = 0; k < 5000; k++) assert.equal(keyGroupOf(k, m), murmurMix(hashKey(k)) % m);
});
