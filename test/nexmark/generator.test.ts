/**
 * Nexmark generator: event mix, dense ids, determinism under any split of the range, hot-key fractions,
 * price range, monotonic time and the JSON-lines field names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateEvent, jsonLinesChunks, NexmarkGenerator, resolveConfig, splitRange, writeJsonLines, DEFAULT_BASE_TIME,
  HOT_CHANNELS,
} from '../../src/connectors/nexmark/index.ts';
import type { BidEvent, NexmarkConfig, NexmarkEvent } from '../../src/connectors/nexmark/index.ts';

function take(config: NexmarkConfig, from = 0, to = Infinity, stride = 1): NexmarkEvent[] {
  const g = new NexmarkGenerator(config, from, to, stride);
  const out: NexmarkEvent[] = [];
  for (let e = g.next(); e !== undefined; e = g.next()) out.push(e);
  return out;
}

const cfg = { events: 20_000, seed: 42 };
const events = take(cfg);

test('the mix is exactly 1 person : 3 auctions : 46 bids per 50 events, by event number', () => {
  assert.equal(events.length, 20_000);
  for (let n = 0; n < events.length; n++) {
    const r = n % 50;
    assert.equal(events[n]!.kind, r === 0 ? 'person' : r <= 3 ? 'auction' : 'bid', `event ${n}`);
  }
});

test('person and auction ids are dense from 1000 in event order', () => {
  let person = 1000;
  let auction = 1000;
  for (const e of events) {
    if (e.kind === 'person') assert.equal(e.id, person++);
    else if (e.kind === 'auction') assert.equal(e.id, auction++);
  }
  assert.equal(person, 1000 + 400);
  assert.equal(auction, 1000 + 1200);
});

test('same seed gives the same events; generateEvent has random access', () => {
  assert.deepEqual(take(cfg, 0, 3000), events.slice(0, 3000));
  for (const n of [0, 1, 4, 49, 50, 12_345, 19_999]) assert.deepEqual(generateEvent(n, cfg), events[n]);
  assert.deepEqual(generateEvent(5_000_000_000, cfg), generateEvent(5_000_000_000, { ...cfg }));
});

test('splitting the range 1, 2, 3 and 4 ways and concatenating gives identical events', () => {
  for (const k of [1, 2, 3, 4]) {
    const ranges = splitRange(cfg.events, k);
    assert.equal(ranges.length, k);
    const joined = ranges.flatMap((r) => take(cfg, r.from, r.to));
    assert.deepEqual(joined, events, `${k} splits`);
  }
});

test('strided readers interleave to the same events, and batches equal next()', () => {
  const a = take(cfg, 0, 1000, 2);
  const b = take(cfg, 1, 1000, 2);
  for (let i = 0; i < 500; i++) {
    assert.deepEqual(a[i], events[2 * i]);
    assert.deepEqual(b[i], events[2 * i + 1]);
  }
  const g = new NexmarkGenerator(cfg, 100, 1100);
  const buf: NexmarkEvent[] = [];
  const got: NexmarkEvent[] = [];
  for (let k = g.nextBatch(buf, 333); k > 0; k = g.nextBatch(buf, 333)) got.push(...buf.slice(0, k));
  assert.deepEqual(got, events.slice(100, 1100));
  assert.equal(g.position, 1100);
  assert.deepEqual([...new NexmarkGenerator(cfg, 5, 15)], events.slice(5, 15));
  const s = new NexmarkGenerator(cfg, 0, 100);
  s.seek(90);
  assert.deepEqual([...s], events.slice(90, 100));
});

test('splitRange covers [0, total) contiguously with sizes differing by at most one', () => {
  assert.deepEqual(splitRange(10, 3), [{ from: 0, to: 4 }, { from: 4, to: 7 }, { from: 7, to: 10 }]);
  assert.deepEqual(splitRange(2, 4), [{ from: 0, to: 1 }, { from: 1, to: 2 }, { from: 2, to: 2 }, { from: 2, to: 2 }]);
  assert.throws(() => splitRange(Infinity, 2), /finite/);
  assert.throws(() => splitRange(10, 0), /nSplits/);
});

test('different seeds give different events', () => {
  const other = take({ events: 2000, seed: 43 });
  let same = 0;
  for (let n = 0; n < 2000; n++) if (JSON.stringify(other[n]) === JSON.stringify(events[n])) same++;
  assert.equal(same, 0);
});

test('about 50% of bids go to the hot auction and 75% come from the hot bidder (100k bids)', () => {
  const g = new NexmarkGenerator({ events: 108_700, seed: 7 });
  let bids = 0;
  let hotAuction = 0;
  let hotBidder = 0;
  let lastAuction = -1;
  let lastPerson = -1;
  const channels = new Map<string, number>();
  for (let e = g.next(); e !== undefined; e = g.next()) {
    if (e.kind === 'person') lastPerson = e.id;
    else if (e.kind === 'auction') lastAuction = e.id;
    else {
      bids++;
      if (e.auction === Math.floor((lastAuction - 1000) / 100) * 100 + 1000) hotAuction++;
      if (e.bidder === Math.floor((lastPerson - 1000) / 100) * 100 + 1001) hotBidder++;
      channels.set(e.channel, (channels.get(e.channel) ?? 0) + 1);
    }
  }
  assert.ok(bids >= 100_000);
  // The uniform choice sometimes lands on the hot id too, hence slightly above the nominal fraction.
  assert.ok(hotAuction / bids > 0.49 && hotAuction / bids < 0.53, `hot auction ${hotAuction / bids}`);
  assert.ok(hotBidder / bids > 0.74 && hotBidder / bids < 0.77, `hot bidder ${hotBidder / bids}`);
  let hot = 0;
  for (const c of HOT_CHANNELS) hot += channels.get(c) ?? 0;
  assert.ok(hot / bids > 0.48 && hot / bids < 0.52, `hot channels ${hot / bids}`);
});

test('bids reference existing or near-future auctions and people; prices are in range', () => {
  let lastAuction = 999;
  let lastPerson = 999;
  let minPrice = Infinity;
  let maxPrice = 0;
  let below1000 = 0;
  for (const e of events) {
    if (e.kind === 'person') lastPerson = e.id;
    else if (e.kind === 'auction') {
      lastAuction = e.id;
      assert.ok(e.seller >= 1000 && e.seller <= lastPerson + 10);
      assert.ok(e.category >= 10 && e.category <= 14);
      assert.ok(e.reserve > e.initialBid && e.initialBid >= 100);
      assert.ok(e.expires > e.dateTime);
    } else {
      assert.ok(e.auction >= 1000 && e.auction <= lastAuction + 10, `auction ${e.auction}`);
      assert.ok(e.bidder >= 1000 && e.bidder <= lastPerson + 10, `bidder ${e.bidder}`);
      assert.ok(Number.isInteger(e.price) && e.price >= 100 && e.price <= 100_000_000, `price ${e.price}`);
      minPrice = Math.min(minPrice, e.price);
      maxPrice = Math.max(maxPrice, e.price);
      if (e.price < 1000) below1000++;
    }
  }
  // Log-uniform over 6 decades: about 1/6 of prices below $10.
  const bids = events.filter((e) => e.kind === 'bid').length;
  assert.ok(below1000 / bids > 0.14 && below1000 / bids < 0.19, `${below1000 / bids}`);
  assert.ok(minPrice < 200 && maxPrice > 50_000_000);
});

test('timestamps are whole ms, monotonic, base + floor(n * 1e6 / rate / 1000)', () => {
  assert.equal(events[0]!.dateTime, DEFAULT_BASE_TIME);
  for (let n = 1; n < events.length; n++) {
    const t = events[n]!.dateTime;
    assert.ok(Number.isInteger(t) && t >= events[n - 1]!.dateTime);
    assert.equal(t, DEFAULT_BASE_TIME + Math.floor(n / 10));
  }
  const slow = take({ events: 10, seed: 1, rate: 3, baseTime: 0 });
  assert.deepEqual(slow.map((e) => e.dateTime), [0, 333, 666, 1000, 1333, 1666, 2000, 2333, 2666, 3000]);
});

test('extra pads records to about 200 / 500 / 100 bytes', () => {
  const avg = (kind: string): number => {
    const xs = events.filter((e) => e.kind === kind).map((e) => JSON.stringify(e).length);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  // JSON adds field names and quotes on top of the Nexmark byte estimate.
  const p = avg('person');
  const a = avg('auction');
  const b = avg('bid');
  assert.ok(p > 200 && p < 400 && a > 500 && a < 750 && b > 150 && b < 300, `${p} ${a} ${b}`);
});

test('JSON lines carry exactly the model field names, kind first', () => {
  let out = '';
  const n = writeJsonLines({ events: 50, seed: 42 }, (s) => (out += s));
  assert.equal(n, 50);
  const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 50);
  assert.deepEqual(Object.keys(lines[0]!), ['kind', 'id', 'name', 'emailAddress', 'creditCard', 'city', 'state',
    'dateTime', 'extra']);
  assert.deepEqual(Object.keys(lines[1]!), ['kind', 'id', 'itemName', 'description', 'initialBid', 'reserve',
    'dateTime', 'expires', 'seller', 'category', 'extra']);
  assert.deepEqual(Object.keys(lines[4]!), ['kind', 'auction', 'bidder', 'price', 'channel', 'url', 'dateTime',
    'extra']);
  assert.deepEqual(lines, events.slice(0, 50));
  const chunks = [...jsonLinesChunks({ events: 2000, seed: 42, from: 10, to: 20, chunkChars: 300 })];
  assert.ok(chunks.length > 1 && chunks.every((c) => c.endsWith('\n')));
  assert.deepEqual(chunks.join('').trimEnd().split('\n').map((l) => JSON.parse(l) as BidEvent), events.slice(10, 20));
});

test('bad configurations are rejected', () => {
  assert.throws(() => resolveConfig({ events: -1, seed: 1 }), /events/);
  assert.throws(() => resolveConfig({ events: 10, seed: 1.5 }), /seed/);
  assert.throws(() => resolveConfig({ events: 10, seed: 1, rate: 0 }), /rate/);
  assert.equal(resolveConfig({ events: Infinity, seed: 1 }).interEventDelayUs, 100);
  assert.throws(() => new NexmarkGenerator(cfg, -1), /range start/);
});

test('golden: the JSON lines of seed 2026 are pinned (a change here changes every benchmark input)', () => {
  // FNV-1a over the UTF-16 code units of the first 5000 events' JSON lines. If a deliberate generator
  // change moves this, update it and say so in the change log: recorded benchmark inputs change with it.
  let h = 0x811c9dc5;
  let len = 0;
  writeJsonLines({ events: 5000, seed: 2026 }, (s) => {
    len += s.length;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  });
  assert.equal(len, 1_401_442);
  assert.equal((h >>> 0).toString(16), '55c57926');
});
