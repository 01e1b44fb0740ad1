/**
 * The "physical limit" eddy is measured against: each Nexmark query as one hand-written single-thread
 * loop over the same generator (`NexmarkGenerator`), with no framework, no serialization and no
 * per-record allocation beyond the event itself. Each returns `{count, checksum}` (see `checksum.ts`)
 * so a benchmark can check that an eddy job produced the same rows. Window queries use Flink's
 * semantics (epoch-aligned `[start, end)`, ties all emitted) and fire every window at end of input,
 * like the oracles in `test/nexmark/oracle.ts`.
 */
import { NexmarkGenerator } from '../../src/connectors/nexmark/index.ts';
import type { BidEvent } from '../../src/connectors/nexmark/index.ts';
import type { BaselineResult } from './checksum.ts';

/** Generator alone: every event, checksum of `dateTime`s. The floor under every query. */
export function generateOnly(events: number, seed: number): BaselineResult {
  const g = new NexmarkGenerator({ events, seed });
  let acc = 0;
  let count = 0;
  for (let e = g.next(); e !== undefined; e = g.next()) {
    acc = (acc + (e.dateTime | 0)) | 0;
    count++;
  }
  return { count, checksum: acc >>> 0 };
}

/** q0, pass-through of bids. */
export function q0Loop(events: number, seed: number): BaselineResult {
  const g = new NexmarkGenerator({ events, seed });
  let acc = 0;
  let count = 0;
  for (let e = g.next(); e !== undefined; e = g.next()) {
    if (e.kind !== 'bid') continue;
    acc = (acc + ((e.auction + e.bidder + e.price + e.dateTime) | 0)) | 0;
    count++;
  }
  return { count, checksum: acc >>> 0 };
}

/** q1, bid price in euros (`price * 0.908`). */
export function q1Loop(events: number, seed: number): BaselineResult {
  const g = new NexmarkGenerator({ events, seed });
  let acc = 0;
  let count = 0;
  for (let e = g.next(); e !== undefined; e = g.next()) {
    if (e.kind !== 'bid') continue;
    const eur = e.price * 0.908;
    acc = (acc + ((e.auction + e.bidder + Math.round(eur * 1000) + e.dateTime) | 0)) | 0;
    count++;
  }
  return { count, checksum: acc >>> 0 };
}

/** q2, bids with `auction % 123 == 0`, output `(auction, price)`. */
export function q2Loop(events: number, seed: number): BaselineResult {
  const g = new NexmarkGenerator({ events, seed });
  let acc = 0;
  let count = 0;
  for (let e = g.next(); e !== undefined; e = g.next()) {
    if (e.kind !== 'bid' || e.auction % 123 !== 0) continue;
    acc = (acc + ((e.auction + e.price) | 0)) | 0;
    count++;
  }
  return { count, checksum: acc >>> 0 };
}

/** Keyed rolling count: per auction, the running bid count after each bid. */
export function keyedCountLoop(events: number, seed: number): BaselineResult {
  const g = new NexmarkGenerator({ events, seed });
  const counts = new Map<number, number>();
  let acc = 0;
  let count = 0;
  for (let e = g.next(); e !== undefined; e = g.next()) {
    if (e.kind !== 'bid') continue;
    const c = (counts.get(e.auction) ?? 0) + 1;
    counts.set(e.auction, c);
    acc = (acc + ((e.auction + c) | 0)) | 0;
    count++;
  }
  return { count, checksum: acc >>> 0 };
}

const SLIDE = 2000;
const SIZE = 10_000;

/** Running output of a windowed baseline (an object, so helpers outside the hot loop can add to it). */
interface Out {
  acc: number;
  count: number;
}

/** q5 helper: fires the hop window ending at `end` from its 5 panes (auctions with the max count). */
function fireHop(panes: Map<number, Map<number, number>>, window: Map<number, number>, end: number, out: Out): void {
  window.clear();
  for (let p = end - SIZE; p < end; p += SLIDE) {
    const m = panes.get(p);
    if (m !== undefined) for (const [a, c] of m) window.set(a, (window.get(a) ?? 0) + c);
  }
  let max = 0;
  for (const c of window.values()) if (c > max) max = c;
  for (const [a, c] of window) {
    if (c === max) {
      out.acc = (out.acc + ((a + c + end) | 0)) | 0;
      out.count++;
    }
  }
}

/**
 * q5, hot items over HOP 2 s / 10 s. Counts per auction per 2 s pane; when time passes a pane boundary
 * the windows ending there are the sum of their 5 panes, and the auctions with the maximum count are
 * emitted. The same answer as counting every window separately, at a fifth of the per-bid work. The
 * per-bid loop touches only locals (no closure-captured variables, which V8 keeps in a heap context).
 */
export function q5Loop(events: number, seed: number): BaselineResult {
  const g = new NexmarkGenerator({ events, seed });
  const panes = new Map<number, Map<number, number>>();
  const window = new Map<number, number>();
  const out: Out = { acc: 0, count: 0 };
  let pane = -1; // start of the current pane
  let oldest = -1; // oldest pane still kept
  let cur = new Map<number, number>();
  for (let e = g.next(); e !== undefined; e = g.next()) {
    if (e.kind !== 'bid') continue;
    const t = e.dateTime;
    const p = t - (t % SLIDE);
    if (p !== pane) {
      if (pane >= 0) {
        // Windows ending in (pane, p] contain the last non-empty pane only up to pane + SIZE.
        const last = Math.min(p, pane + SIZE);
        for (let end = pane + SLIDE; end <= last; end += SLIDE) fireHop(panes, window, end, out);
        for (; oldest <= p - SIZE; oldest += SLIDE) panes.delete(oldest);
      } else oldest = p;
      pane = p;
      cur = new Map();
      panes.set(p, cur);
    }
    cur.set(e.auction, (cur.get(e.auction) ?? 0) + 1);
  }
  if (pane >= 0) for (let end = pane + SLIDE; end <= pane + SIZE; end += SLIDE) fireHop(panes, window, end, out);
  return { count: out.count, checksum: out.acc >>> 0 };
}

/** q7, highest bid(s) per 10 s tumbling window (`[start, end)`, ties all emitted). */
export function q7Loop(events: number, seed: number): BaselineResult {
  const g = new NexmarkGenerator({ events, seed });
  const best: BidEvent[] = [];
  let start = -1;
  let max = -1;
  let acc = 0;
  let count = 0;
  for (let e = g.next(); ; e = g.next()) {
    const s = e === undefined ? -2 : e.kind === 'bid' ? e.dateTime - (e.dateTime % SIZE) : start;
    if (s !== start) {
      // A new window (or end of input, s = -2) fires the previous one.
      for (const b of best) acc = (acc + ((b.auction + b.bidder + b.price + b.dateTime + start + SIZE) | 0)) | 0;
      count += best.length;
      best.length = 0;
      start = s;
      max = -1;
    }
    if (e === undefined) break;
    if (e.kind !== 'bid') continue;
    if (e.price > max) {
      max = e.price;
      best.length = 0;
      best.push(e);
    } else if (e.price === max) best.push(e);
  }
  return { count, checksum: acc >>> 0 };
}

/** Every baseline by name, for benchmark tables. */
export const nexmarkLoops = {
  generate: generateOnly, q0: q0Loop, q1: q1Loop, q2: q2Loop, keyedCount: keyedCountLoop, q5: q5Loop, q7: q7Loop,
} as const;
