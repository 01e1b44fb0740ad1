import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchDecoder, BatchEncoder, decodeBatchBytes, deriveShape, describeShape, parseShape } from '../../src/runtime/shape-codec.ts';
import { ElementKind, SerializationError, type RecordBatch } from '../../src/core/index.ts';
import { xorshift as rng } from '../seeded-random.ts';

const T = { timeout: 30_000 };

function batch(v: unknown[], keyGroups = false): RecordBatch {
  const n = v.length;
  return {
    k: ElementKind.Records,
    v,
    t: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 7),
    n,
    g: keyGroups ? Uint16Array.from({ length: n }, (_, i) => (i * 31) % 128) : undefined,
  };
}

/** Round trip through the encoder; the oracle is the input itself (structured clone keeps the same values). */
function roundTrip(enc: BatchEncoder, v: unknown[], keyGroups = false, offset = 0, dec?: BatchDecoder): RecordBatch {
  const b = batch(v, keyGroups);
  const bytes = enc.encode(b);
  // place the bytes at an arbitrary offset, as in a ring, to check alignment handling
  const host = new Uint8Array(bytes.length + offset);
  host.set(bytes, offset);
  const out = dec !== undefined ? dec.decode(host.subarray(offset)) : decodeBatchBytes(host.subarray(offset));
  assert.equal(out.n, b.n);
  assert.deepEqual(Array.from(out.t), Array.from(b.t));
  if (keyGroups) assert.deepEqual(Array.from(out.g!), Array.from(b.g!));
  else assert.equal(out.g, undefined);
  assert.deepStrictEqual(out.v, structuredClone(v));
  return out;
}

test('Nexmark-like bids round-trip exactly, with key groups, at any byte offset', T, () => {
  const enc = new BatchEncoder('bids -> count');
  const channels = ['Google', 'Facebook', 'Baidu', 'Apple'];
  for (let round = 0; round < 5; round++) {
    const v = Array.from({ length: 1024 }, (_, i) => ({
      kind: 'bid',
      auction: 1000 + ((i * 7 + round) % 101),
      bidder: 2000 + i,
      price: Math.round(1e6 * Math.sin(i + round)) / 100,
      channel: i % 3 === 0 ? `channel-${i % 50}` : channels[i % 4]!,
      url: `https://www.nexmark.com/${i % 9}/item.htm?query=${i % 13}`,
      dateTime: 1_700_000_000_000 + i,
      extra: 'x'.repeat(i % 40) + String(i * round),
    }));
    roundTrip(enc, v, true, round % 3 === 0 ? 0 : 4);
  }
});

test('encoded bytes are reused by the next batch; a slice() of them is a copy that stays valid', T, () => {
  const enc = new BatchEncoder('e');
  const first = enc.encode(batch([{ a: 1, s: 'one' }])).slice();
  enc.encode(batch([{ a: 2, s: 'two' }, { a: 3, s: 'three' }]));
  assert.deepEqual(decodeBatchBytes(first).v, [{ a: 1, s: 'one' }]);
});

test('numbers keep -0, NaN, ±Infinity and fractions; strings keep non-ASCII and lone surrogates', T, () => {
  const enc = new BatchEncoder('e');
  const strs = ['', 'a', 'héllo', '日本語', '😀', '\ud800', 'x\udc00y', 'a'.repeat(100), 'ü'.repeat(70), '\u0000'];
  const v = Array.from({ length: 200 }, (_, i) => ({ n: [-0, NaN, Infinity, -Infinity, 0.1, 2 ** 53, -5][i % 7]!, s: strs[i % strs.length]!, b: i % 2 === 0 }));
  const out = roundTrip(enc, v);
  assert.ok(Object.is((out.v[0] as { n: number }).n, -0));
});


test('strings in sequence: ASCII and Latin-1 one byte a character, else UTF-16; misfits and array elements keep their places', T, () => {
  // distinct strings, so every column goes in sequence from the second batch on
  // distinct for distinct i: the octal digits of i spelled in the alphabet, then padding
  const word = (i: number, alphabet: string): string =>
    [...i.toString(8)].map((d) => alphabet[Number(d)]!).join('') + alphabet[i % 8]!.repeat(i % 60);
  const ascii = 'abcdefgh';
  const latin1 = 'aé\u0080ÿüß\u00a0Ö'; // as many letters: the same strings, letter for letter
  const sizes: Record<string, number[]> = {};
  for (const [name, alphabet, extra] of [
    ['ascii', ascii, undefined],
    ['latin1', latin1, undefined],
    ['utf16', latin1, '€'],
    ['surrogates', ascii, '\ud83d'],
  ] as const) {
    const enc = new BatchEncoder(name);
    const dec = new BatchDecoder();
    sizes[name] = [];
    for (let round = 0; round < 4; round++) {
      const v: unknown[] = Array.from({ length: 300 }, (_, i) => ({
        // the wide character in the encoder's first run of joined strings, or in a later one
        s: word(i + 1000 * round, alphabet) + (extra !== undefined && i === (extra === '€' ? 150 : 290) ? extra : ''),
        tags: [word(2 * i + 5000 * round, alphabet), word(2 * i + 1 + 5000 * round, alphabet)],
      }));
      v[17] = { s: 42, tags: [] }; // a misfit: its slot in the string column is a hole
      v[200] = 'not an object';
      const bytes = enc.encode(batch(v)).length;
      sizes[name]!.push(bytes);
      roundTrip(enc, v, false, round, dec);
    }
  }
  // one byte a character for ASCII and Latin-1 alike; two for the whole column once one string needs more
  assert.equal(sizes.latin1![3], sizes.ascii![3]);
  let chars = 0;
  for (let i = 0; i < 300; i++) if (i !== 17 && i !== 200) chars += word(i + 3000, latin1).length;
  for (const wide of ['utf16', 'surrogates']) {
    const more = sizes[wide]![3]! - sizes.latin1![3]!;
    assert.ok(more >= chars && more <= chars + 16, `${wide}: ${more} bytes more than Latin-1 for ${chars} characters`);
  }
});

test('dictionary strings: ASCII and Latin-1 one byte a character, others UTF-16', T, () => {
  const sizeOf = (words: string[], channel: boolean): number => {
    const v = Array.from({ length: 400 }, (_, i) => ({ s: words[i % words.length]! }));
    const enc = new BatchEncoder('dict', undefined, channel);
    const bytes = enc.encode(batch(v)).length;
    roundTrip(new BatchEncoder('dict', undefined, channel), v, false, 0, new BatchDecoder());
    return bytes;
  };
  for (const channel of [false, true]) {
    const ascii = ['short', 'a'.repeat(40), 'b'.repeat(23), 'c'.repeat(24)];
    const latin1 = ['shört', 'ä'.repeat(40), 'ÿ'.repeat(23), '\u0080'.repeat(24)];
    const utf16 = ['shört', 'ä'.repeat(39) + '€', 'ÿ'.repeat(23), '\u0080'.repeat(24)];
    assert.equal(sizeOf(latin1, channel), sizeOf(ascii, channel));
    assert.equal(sizeOf(utf16, channel), sizeOf(latin1, channel) + 40);
  }
});
test('nested objects and arrays (of numbers, strings, objects, arrays) round-trip', T, () => {
  const enc = new BatchEncoder('e');
  const v = Array.from({ length: 100 }, (_, i) => ({
    id: i,
    who: { name: `n${i % 5}`, tags: Array.from({ length: i % 4 }, (_, j) => `t${j}`), addr: { city: i % 2 ? 'Berlin' : 'Paris', zip: 10_000 + i } },
    scores: Array.from({ length: i % 6 }, (_, j) => j * 1.5),
    items: Array.from({ length: i % 3 }, (_, j) => ({ sku: `s${j}`, qty: j, dims: [j, j + 1] })),
  }));
  roundTrip(enc, v);
});

test('records that do not fit the shape fall back record by record, at their positions', T, () => {
  const enc = new BatchEncoder('e');
  const r = rng(7);
  const odd = [
    { a: 1 }, // missing field
    { a: 1, b: 'x', c: 3 }, // extra field
    { a: '1', b: 'x' }, // other type
    { a: 1, b: null }, // null
    { a: 1, b: undefined }, // undefined field
    new Map([['a', 1]]),
    new Date(5),
    [1, 2, 3],
    'a string',
    42,
    null,
    { a: 1n, b: 'x' },
    { a: 1, b: new Set([1, 2]) },
  ];
  for (let round = 0; round < 20; round++) {
    const v = Array.from({ length: 64 }, (_, i) => (r() < 0.2 ? odd[Math.floor(r() * odd.length)] : { a: i, b: `v${i % 3}` }));
    v[0] = { a: -1, b: 'first' };
    roundTrip(enc, v);
  }
});

test('misfits inside arrays do not shift the other records’ elements', T, () => {
  const enc = new BatchEncoder('e');
  const v: unknown[] = [];
  for (let i = 0; i < 50; i++) v.push(i % 7 === 3 ? { xs: [1, 2, 'three'], tag: 'bad' } : { xs: Array.from({ length: i % 5 }, (_, j) => i + j), tag: `t${i}` });
  roundTrip(enc, v);
});

test('a batch whose records mostly miss the shape re-derives it for the next batch', T, () => {
  const enc = new BatchEncoder('e');
  roundTrip(enc, [{ a: 1 }, { a: 2 }]);
  const before = enc.shape;
  roundTrip(
    enc,
    Array.from({ length: 32 }, (_, i) => ({ x: `v${i}`, y: i })),
  );
  roundTrip(
    enc,
    Array.from({ length: 32 }, (_, i) => ({ x: `w${i}`, y: -i })),
  );
  assert.notEqual(enc.shape, before);
  assert.equal(enc.shape, '{"x":s,"y":n}');
});

test('primitive records, Maps and empty batches', T, () => {
  roundTrip(new BatchEncoder('e'), Array.from({ length: 40 }, (_, i) => i * 0.5));
  roundTrip(new BatchEncoder('e'), Array.from({ length: 40 }, (_, i) => `s${i % 4}`));
  roundTrip(new BatchEncoder('e'), Array.from({ length: 10 }, (_, i) => new Map([[i, { v: i }]])));
  roundTrip(new BatchEncoder('e'), []);
});

/** Batches of a seeded mix of shapes (numbers, strings, booleans, nested objects and arrays), round-tripped in order. */
function randomRoundTrips(seed: number, batches: number, channelDictionary: boolean): void {
  const r = rng(seed);
  // per batch: how often a string holds a character wider than a byte (none, rare, common)
  let wide = 0;
  const oneByteChars = 'abcxyz019 _-~\u0000\u007f\u0080éüÿ\u00a0';
  const wideChars = ['€', '日', '😀', '\ud800', '\udfff'];
  const text = (): string => {
    let t = '';
    for (let n = Math.floor(r() * 40); n > 0; n--) t += oneByteChars[Math.floor(r() * oneByteChars.length)];
    if (r() < wide) t += wideChars[Math.floor(r() * wideChars.length)];
    return t;
  };
  const gen = (depth: number): unknown => {
    const x = r();
    if (depth > 2 || x < 0.3) return Math.floor(r() * 1000) - 500;
    // repeating strings (by dictionary) or text that rarely repeats (in sequence, joined into runs)
    if (x < 0.5) return r() < 0.5 ? `s${Math.floor(r() * 20)}` : text();
    if (x < 0.6) return r() < 0.5;
    if (x < 0.8) return { a: gen(depth + 1), b: gen(depth + 1) };
    return Array.from({ length: Math.floor(r() * 4) }, () => gen(depth + 1));
  };
  const enc = new BatchEncoder('e', undefined, channelDictionary);
  const dec = channelDictionary ? new BatchDecoder() : undefined;
  for (let k = 0; k < batches; k++) {
    wide = [0, 0.002, 0.05][k % 3]!;
    roundTrip(enc, Array.from({ length: 1 + Math.floor(r() * 200) }, () => gen(0)), r() < 0.5, 0, dec);
  }
}

test('random records: a generated mix of shapes round-trips exactly (seeds 1-5)', T, () => {
  for (let seed = 1; seed <= 5; seed++) randomRoundTrips(seed, 10, false);
});

test('a function or symbol in a record fails naming the edge and the path', T, () => {
  assert.throws(
    () => new BatchEncoder('src -> sink').encode(batch([{ a: 1, f: () => 1 }])),
    (e: unknown) => e instanceof SerializationError && /edge 'src -> sink'/.test(e.message) && /the record\.f/.test(e.message),
  );
  // a misfit record with a nested function is checked before the general encoding
  const enc = new BatchEncoder('src -> sink');
  enc.encode(batch([{ a: 1 }]));
  assert.throws(() => enc.encode(batch([{ a: 1 }, { a: { g: Symbol('s') } }])), /edge 'src -> sink'/);
});

test('shape descriptors parse back to the same shape', T, () => {
  for (const v of [{ a: 1, 'we"ird': { 'x:y': [1], z: 's' } }, [true], 's', 3, { a: [[{ b: 1 }]] }]) {
    const s = deriveShape(v);
    assert.deepEqual(parseShape(describeShape(s)), s);
  }
});

test('a channel dictionary sends each repeating string once, and its reader decodes every batch exactly', T, () => {
  const enc = new BatchEncoder('bids -> count', undefined, true);
  const dec = new BatchDecoder();
  const r = rng(11);
  const sizes: number[] = [];
  for (let round = 0; round < 40; round++) {
    const v = Array.from({ length: 512 }, (_, i) => ({
      kind: 'bid',
      auction: Math.floor(r() * 1000),
      // 2000 channels, drawn again each batch: known after a few batches
      channel: `channel-${Math.floor(r() * 2000)}`,
      // unique: goes in sequence after the first batch
      extra: `x${round}-${i}-${r().toString(36)}`,
      // non-ASCII, repeating
      city: ['Zürich', '東京', 'Paris'][i % 3]!,
    }));
    const bytes = enc.encode(batch(v, round % 2 === 0));
    sizes.push(bytes.length);
    // at an offset of 4 bytes every other batch, as in a ring
    const host = new Uint8Array(bytes.length + (round & 1) * 4);
    host.set(bytes, (round & 1) * 4);
    const out = dec.decode(host.subarray((round & 1) * 4));
    assert.deepStrictEqual(out.v, structuredClone(v));
  }
  // the later batches carry ids, not channel names
  assert.ok(sizes[39]! < sizes[0]! * 0.8, `batch sizes ${sizes[0]} → ${sizes[39]}`);
});

test('a channel dictionary starts over when full, and misfits and array columns keep their strings (seeds 1-3)', T, () => {
  for (let seed = 1; seed <= 3; seed++) {
    const enc = new BatchEncoder('e', undefined, true);
    const dec = new BatchDecoder();
    const r = rng(seed);
    // 256 new strings a batch, each repeated 4 times: stays by dictionary; 300 batches pass its 65 536 entries
    for (let round = 0; round < 300; round++) {
      const v: unknown[] = Array.from({ length: 1024 }, (_, i) => ({ s: `r${round}-${i & 255}`, tags: [`t${i % 7}`, `r${round}`] }));
      if (round % 10 === 0) v[Math.floor(r() * 1024)] = { s: 42, tags: ['misfit'] };
      if (round % 50 === 0) {
        roundTrip(enc, v, false, 0, dec);
        continue;
      }
      const out = dec.decode(enc.encode(batch(v)).slice());
      assert.deepStrictEqual(out.v, v);
    }
  }
});

test('a channel-dictionary batch read out of order fails with a clear error', T, () => {
  const enc = new BatchEncoder('a -> b', undefined, true);
  const first = enc.encode(batch(Array.from({ length: 64 }, (_, i) => ({ s: `v${i % 4}` })))).slice();
  const second = enc.encode(batch(Array.from({ length: 64 }, (_, i) => ({ s: `w${i % 4}` })))).slice();
  assert.throws(() => new BatchDecoder().decode(second), (e: unknown) => e instanceof SerializationError && /read in order/.test(e.message));
  const dec = new BatchDecoder();
  dec.decode(first);
  dec.decode(second);
  // a batch of only known strings carries ids alone: a reader that missed the earlier ones fails too
  const third = enc.encode(batch(Array.from({ length: 64 }, (_, i) => ({ s: `v${i % 4}` })))).slice();
  assert.throws(() => new BatchDecoder().decode(third), (e: unknown) => e instanceof SerializationError && /entry \d+, but its reader holds 0/.test(e.message));
  assert.deepEqual(dec.decode(third).v, Array.from({ length: 64 }, (_, i) => ({ s: `v${i % 4}` })));
});

test('random records through a channel dictionary round-trip exactly (seeds 1-5)', T, () => {
  for (let seed = 1; seed <= 5; seed++) randomRoundTrips(seed, 20, true);
});
