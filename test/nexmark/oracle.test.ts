/**
 * The Nexmark oracles on tiny hand-made inputs whose answers are worked out by hand in the comments,
 * plus a smoke run on generated events. These pin the row shapes and window semantics the eddy jobs are
 * compared against.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuctionEvent, BidEvent, NexmarkEvent, PersonEvent } from '../../src/connectors/nexmark/index.ts';
import { NexmarkGenerator } from '../../src/connectors/nexmark/index.ts';
import { canonicalSort, keyedRollingCount, q0, q1, q2, q3, q4, q4Winning, q5, q7, q8, q11, windowStart } from './oracle.ts';

const T = 1_000_000; // a multiple of 10 s, so windows are easy to read
const bid = (t: number, auction: number, bidder: number, price: number): BidEvent =>
  ({ kind: 'bid', auction, bidder, price, channel: 'Google', url: 'u', dateTime: T + t, extra: '' });
const person = (t: number, id: number, name: string, state: string): PersonEvent =>
  ({ kind: 'person', id, name, emailAddress: 'e', creditCard: 'c', city: `${name}ville`, state, dateTime: T + t,
    extra: '' });
const auction = (t: number, id: number, seller: number, category: number, expiresIn = 5000): AuctionEvent =>
  ({ kind: 'auction', id, itemName: 'i', description: 'd', initialBid: 1, reserve: 2, dateTime: T + t,
    expires: T + t + expiresIn, seller, category, extra: '' });

test('windowStart aligns to the epoch', { timeout: 60_000 }, () => {
  assert.equal(windowStart(12_345, 10_000), 10_000);
  assert.equal(windowStart(10_000, 10_000), 10_000);
  assert.equal(windowStart(-1, 10_000), -10_000);
});

test('q0, q1, q2 map and filter bids', { timeout: 60_000 }, () => {
  const ev: NexmarkEvent[] = [person(0, 1000, 'a', 'OR'), bid(1, 1230, 7, 1000), bid(2, 1231, 8, 250)];
  assert.deepEqual(q0(ev), [{ auction: 1230, bidder: 7, price: 1000, dateTime: T + 1, extra: '' },
    { auction: 1231, bidder: 8, price: 250, dateTime: T + 2, extra: '' }]);
  assert.deepEqual(q1(ev).map((r) => r.price), [908, 227]);
  assert.deepEqual(q2(ev), [{ auction: 1230, price: 1000 }]); // 1230 = 10 · 123
});

test('q3 joins category-10 auctions with sellers in OR, ID, CA, in either arrival order', { timeout: 60_000 }, () => {
  const ev: NexmarkEvent[] = [
    person(0, 1000, 'Ann', 'OR'), person(1, 1001, 'Bob', 'WA'),
    auction(2, 2000, 1000, 10), auction(3, 2001, 1001, 10), auction(4, 2002, 1000, 11),
    auction(5, 2003, 1002, 10), person(6, 1002, 'Cy', 'CA'), // seller registers after the auction
  ];
  assert.deepEqual(canonicalSort(q3(ev)), [
    { name: 'Ann', city: 'Annville', state: 'OR', id: 2000 },
    { name: 'Cy', city: 'Cyville', state: 'CA', id: 2003 },
  ]);
});

test('q4 averages each auction\'s highest bid within [dateTime, expires], per category, truncating', { timeout: 60_000 }, () => {
  const ev: NexmarkEvent[] = [
    auction(0, 1, 9, 10, 100), auction(0, 2, 9, 10, 100), auction(0, 3, 9, 11, 100), auction(50, 4, 9, 12, 10),
    bid(0, 1, 5, 10), bid(100, 1, 5, 30), bid(101, 1, 5, 99), // auction 1: 30 (99 is after expires)
    bid(10, 2, 5, 15), // auction 2: 15
    bid(20, 3, 5, 7), // auction 3: 7
    bid(20, 4, 5, 8), // before auction 4 opens: no row for it
  ];
  assert.deepEqual(canonicalSort(q4Winning(ev)), [
    { auction: 1, category: 10, final: 30 }, { auction: 2, category: 10, final: 15 },
    { auction: 3, category: 11, final: 7 },
  ]);
  // (45 / 2 = 22.5 truncates to 22.) Canonical order sorts by fields in name order: `average` first.
  assert.deepEqual(canonicalSort(q4(ev)), [{ category: 11, average: 7 }, { category: 10, average: 22 }]);
});

test('q5 emits, per 2 s / 10 s hop window, the auction(s) with the most bids', { timeout: 60_000 }, () => {
  // Bids at T+1 s (a, a, b) and T+11 s (b). Windows containing T+1 s start at T-8 s … T;
  // those containing T+11 s start at T+2 s … T+10 s.
  const ev: NexmarkEvent[] = [bid(1000, 1, 0, 1), bid(1500, 1, 0, 1), bid(1999, 2, 0, 1), bid(11_000, 2, 0, 1)];
  const rows = canonicalSort(q5(ev));
  const expected = [];
  for (let s = T - 8000; s <= T; s += 2000) expected.push({ auction: 1, num: 2, windowStart: s, windowEnd: s + 10_000 });
  for (let s = T + 2000; s <= T + 10_000; s += 2000) expected.push({ auction: 2, num: 1, windowStart: s, windowEnd: s + 10_000 });
  assert.deepEqual(rows, canonicalSort(expected));
  // A tie emits both auctions.
  const tie = q5([bid(0, 1, 0, 1), bid(1, 2, 0, 1)]).filter((r) => r.windowStart === T);
  assert.deepEqual(canonicalSort(tie), [{ auction: 1, num: 1, windowStart: T, windowEnd: T + 10_000 },
    { auction: 2, num: 1, windowStart: T, windowEnd: T + 10_000 }]);
});

test('q7 emits the highest bid(s) per 10 s tumbling window; sqlBetween adds the inclusive-end edge', { timeout: 60_000 }, () => {
  const ev: NexmarkEvent[] = [
    bid(0, 1, 1, 50), bid(3000, 2, 2, 80), bid(9999, 3, 3, 80), // window [T, T+10 s): max 80, two bids
    bid(10_000, 4, 4, 80), bid(12_000, 5, 5, 20), // window [T+10 s, T+20 s): max 80 at its start
  ];
  const w = (b: BidEvent, s: number) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime,
    extra: '', windowStart: s, windowEnd: s + 10_000 });
  const base = [w(ev[1] as BidEvent, T), w(ev[2] as BidEvent, T), w(ev[3] as BidEvent, T + 10_000)];
  assert.deepEqual(canonicalSort(q7(ev)), canonicalSort(base));
  // BETWEEN e - 10 s AND e also matches the bid at exactly T+10 s against the first window's max 80.
  assert.deepEqual(canonicalSort(q7(ev, { sqlBetween: true })), canonicalSort([...base, w(ev[3] as BidEvent, T)]));
});

test('q8 finds people who opened an auction in the tumbling window they registered in', { timeout: 60_000 }, () => {
  const ev: NexmarkEvent[] = [
    person(100, 1000, 'Ann', 'OR'), auction(200, 1, 1000, 10), auction(300, 2, 1000, 10), // Ann: yes, once
    person(9000, 1001, 'Bob', 'WA'), auction(10_500, 3, 1001, 10), // Bob's auction is in the next window
    person(11_000, 1002, 'Cy', 'CA'), auction(12_000, 4, 1003, 10), // Cy opened none
  ];
  assert.deepEqual(q8(ev), [{ id: 1000, name: 'Ann', windowStart: T, windowEnd: T + 10_000 }]);
});

test('q11 counts bids per bidder session with a 10 s gap (a gap of exactly 10 s extends the session)', { timeout: 60_000 }, () => {
  const ev: NexmarkEvent[] = [
    bid(0, 1, 7, 1), bid(5000, 1, 8, 1), bid(10_000, 1, 7, 1), // 7: gap exactly 10 s -> same session
    bid(20_001, 1, 7, 1), // 7: gap 10.001 s -> new session
    bid(30_000, 1, 8, 1),
  ];
  assert.deepEqual(canonicalSort(q11(ev)), canonicalSort([
    { bidder: 7, bidCount: 2, windowStart: T, windowEnd: T + 20_000 },
    { bidder: 7, bidCount: 1, windowStart: T + 20_001, windowEnd: T + 30_001 },
    { bidder: 8, bidCount: 1, windowStart: T + 5000, windowEnd: T + 15_000 },
    { bidder: 8, bidCount: 1, windowStart: T + 30_000, windowEnd: T + 40_000 },
  ]));
});

test('keyedRollingCount emits the running count per auction after each bid', { timeout: 60_000 }, () => {
  const ev: NexmarkEvent[] = [bid(0, 1, 0, 1), bid(1, 2, 0, 1), bid(2, 1, 0, 1), bid(3, 1, 0, 1)];
  assert.deepEqual(keyedRollingCount(ev), [{ auction: 1, count: 1 }, { auction: 2, count: 1 },
    { auction: 1, count: 2 }, { auction: 1, count: 3 }]);
});

test('canonicalSort ignores field order and sorts numbers numerically', { timeout: 60_000 }, () => {
  const a = [{ x: 10, y: 'b' }, { y: 'a', x: 9 }, { x: 10, y: 'a' }];
  assert.deepEqual(canonicalSort(a), [{ y: 'a', x: 9 }, { x: 10, y: 'a' }, { x: 10, y: 'b' }]);
  assert.deepEqual(canonicalSort([{ b: 1, a: 2 }, { a: 1, b: 3 }]), [{ a: 1, b: 3 }, { b: 1, a: 2 }]);
});

test('the oracles run on 60 s of generated events with plausible results', { timeout: 60_000 }, () => {
  const g = new NexmarkGenerator({ events: 600_000, seed: 3, rate: 10_000 });
  const ev: NexmarkEvent[] = [];
  for (let e = g.next(); e !== undefined; e = g.next()) ev.push(e);
  const bids = ev.filter((e) => e.kind === 'bid').length;
  assert.equal(q0(ev).length, bids);
  assert.equal(keyedRollingCount(ev).length, bids);
  // Row counts on these events (the generator's output is pinned in generator.test.ts): a change to an
  // oracle that drops or duplicates rows shows here.
  assert.equal(q2(ev).length, 4556);
  assert.equal(q3(ev).length, 3836);
  assert.equal(q4(ev).length, 5);
  const q5rows = q5(ev);
  assert.equal(new Set(q5rows.map((r) => r.windowStart)).size, 34); // 30 full + 4 partial hops at the end
  assert.equal(new Set(q7(ev).map((r) => r.windowStart)).size, 6);
  assert.equal(q8(ev).length, 5088);
  const sessions = q11(ev);
  assert.equal(sessions.length, 11_929);
  assert.equal(sessions.reduce((n, r) => n + r.bidCount, 0), bids, 'every bid is in exactly one session');
});
