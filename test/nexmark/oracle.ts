/**
 * Reference answers for the Nexmark queries: naive plain-loop batch computations over an array of events,
 * written from each query's SQL in nexmark/nexmark (`nexmark-flink/src/main/resources/queries/qN.sql`) and
 * sharing no code with eddy's operators. A job's output is compared to an oracle's after
 * {@link canonicalSort} on both, so parallel output order does not matter. Input is assumed in timestamp
 * order (as generated), and the answer is the final result at end of input (Flink with a bounded source
 * fires every window at the final watermark; for updating queries q3/q4 it is the final table).
 *
 * Window semantics are Flink's: windows are aligned to the epoch, `[windowStart, windowEnd)`; a window's
 * result carries record timestamp `windowEnd - 1`; a window exists only if it received an element.
 *
 * Row shapes (field names exactly as below; all numbers, times epoch ms):
 * | oracle            | row                                                                   | one row per |
 * |-------------------|-----------------------------------------------------------------------|-------------|
 * | q0                | {auction, bidder, price, dateTime, extra}                             | bid |
 * | q1                | {auction, bidder, price, dateTime, extra}, price = bid.price * 0.908   | bid |
 * | q2                | {auction, price}                                                      | bid with auction % 123 == 0 |
 * | q3                | {name, city, state, id}                                               | auction (id) in category 10 whose seller is a person in OR, ID or CA |
 * | q4                | {category, average}                                                   | category with ≥ 1 auction that got a bid in [dateTime, expires] |
 * | q4Winning         | {auction, category, final}                                            | such auction: its highest such bid |
 * | q5                | {auction, num, windowStart, windowEnd}                                | (HOP 2 s / 10 s window, auction with the window's maximum bid count; ties: all) |
 * | q7                | {auction, bidder, price, dateTime, extra, windowStart, windowEnd}     | (10 s TUMBLE window, bid with the window's maximum price; ties: all) |
 * | q8                | {id, name, windowStart, windowEnd}                                    | person who created ≥ 1 auction in the 10 s TUMBLE window of their registration |
 * | q11               | {bidder, bidCount, windowStart, windowEnd}                            | (bidder, session with gap 10 s) |
 * | keyedRollingCount | {auction, count}                                                      | bid: its auction's running bid count including it (1, 2, …) |
 */
import type { BidEvent, NexmarkEvent, PersonEvent } from '../../src/connectors/nexmark/index.ts';

/** q0 / q1 row. */
export interface BidRow { auction: number; bidder: number; price: number; dateTime: number; extra: string }
/** q2 row. */
export interface AuctionPriceRow { auction: number; price: number }
/** q3 row: the seller's name, city and state, and the auction id. */
export interface LocalItemRow { name: string; city: string; state: string; id: number }
/** q4 row. */
export interface CategoryAverageRow { category: number; average: number }
/** Intermediate of q4: an auction's winning (highest in-time) bid price. */
export interface WinningBidRow { auction: number; category: number; final: number }
/** q5 row. */
export interface HotItemRow { auction: number; num: number; windowStart: number; windowEnd: number }
/** q7 row. */
export interface HighestBidRow extends BidRow { windowStart: number; windowEnd: number }
/** q8 row. */
export interface NewUserRow { id: number; name: string; windowStart: number; windowEnd: number }
/** q11 row. */
export interface SessionRow { bidder: number; bidCount: number; windowStart: number; windowEnd: number }
/** Keyed rolling count row. */
export interface RollingCountRow { auction: number; count: number }

/** Start of the epoch-aligned window of `size` ms containing `t` (Flink `getWindowStartWithOffset`, offset 0). */
export function windowStart(t: number, size: number): number {
  return t - (((t % size) + size) % size);
}

const bidsOf = (events: readonly NexmarkEvent[]): BidEvent[] => events.filter((e): e is BidEvent => e.kind === 'bid');

/** q0, pass-through: `SELECT auction, bidder, price, dateTime, extra FROM bid`. */
export function q0(events: readonly NexmarkEvent[]): BidRow[] {
  return bidsOf(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime,
    extra: b.extra }));
}

/**
 * q1, currency conversion: as q0 with `price` replaced by `0.908 * price` (euros; SQL type DECIMAL(23, 3)).
 * Computed as the JS double `b.price * 0.908`; a job must use the same expression to compare exactly
 * (`Math.round(price * 1000)` of it recovers the exact decimal `price * 908 / 1000`).
 */
export function q1(events: readonly NexmarkEvent[]): BidRow[] {
  return bidsOf(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908,
    dateTime: b.dateTime, extra: b.extra }));
}

/** q2, selection: `SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0`. */
export function q2(events: readonly NexmarkEvent[]): AuctionPriceRow[] {
  const out: AuctionPriceRow[] = [];
  for (const b of bidsOf(events)) if (b.auction % 123 === 0) out.push({ auction: b.auction, price: b.price });
  return out;
}

/**
 * q3, local item suggestion: regular inner join `auction A JOIN person P ON A.seller = P.id` with
 * `A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`, output `P.name, P.city, P.state, A.id`. A regular
 * join matches regardless of arrival order (a seller may register after the auction), so this is the
 * batch join; person ids are unique, so one row per matching auction.
 */
export function q3(events: readonly NexmarkEvent[]): LocalItemRow[] {
  const people = new Map<number, PersonEvent>();
  for (const e of events) if (e.kind === 'person') people.set(e.id, e);
  const out: LocalItemRow[] = [];
  for (const e of events) {
    if (e.kind !== 'auction' || e.category !== 10) continue;
    const p = people.get(e.seller);
    if (p !== undefined && (p.state === 'OR' || p.state === 'ID' || p.state === 'CA')) {
      out.push({ name: p.name, city: p.city, state: p.state, id: e.id });
    }
  }
  return out;
}

/**
 * Inner part of q4: per auction, `MAX(B.price) AS final` over bids with `B.auction = A.id AND B.dateTime
 * BETWEEN A.dateTime AND A.expires` (both ends inclusive), `GROUP BY A.id, A.category`. Auctions without
 * such a bid have no row.
 */
export function q4Winning(events: readonly NexmarkEvent[]): WinningBidRow[] {
  const bidsByAuction = new Map<number, BidEvent[]>();
  for (const b of bidsOf(events)) {
    const list = bidsByAuction.get(b.auction);
    if (list === undefined) bidsByAuction.set(b.auction, [b]);
    else list.push(b);
  }
  const out: WinningBidRow[] = [];
  for (const e of events) {
    if (e.kind !== 'auction') continue;
    let final = -Infinity;
    for (const b of bidsByAuction.get(e.id) ?? []) {
      if (b.dateTime >= e.dateTime && b.dateTime <= e.expires && b.price > final) final = b.price;
    }
    if (final !== -Infinity) out.push({ auction: e.id, category: e.category, final });
  }
  return out;
}

/**
 * q4, average winning price per category: `SELECT category, AVG(final) … GROUP BY category` over
 * {@link q4Winning}. Flink's AVG over BIGINT is a BIGINT: `average = trunc(sum / count)` (prices are
 * positive, so floor). Final value of the updating result at end of input.
 */
export function q4(events: readonly NexmarkEvent[]): CategoryAverageRow[] {
  const acc = new Map<number, { sum: number; count: number }>();
  for (const w of q4Winning(events)) {
    const a = acc.get(w.category);
    if (a === undefined) acc.set(w.category, { sum: w.final, count: 1 });
    else {
      a.sum += w.final;
      a.count++;
    }
  }
  return [...acc].map(([category, a]) => ({ category, average: Math.trunc(a.sum / a.count) }));
}

/**
 * q5, hot items: per HOP window (slide 2 s, size 10 s; each bid is in the 5 windows `[s, s + 10 000)` with
 * `s` a multiple of 2000 and `t - 10 000 < s <= t`), `num = count(*)` per auction; emit every auction whose
 * `num` equals the window's maximum (SQL: `num >= maxn`, so all ties). Row timestamp `windowEnd - 1`.
 */
export function q5(events: readonly NexmarkEvent[], slide = 2000, size = 10_000): HotItemRow[] {
  const windows = new Map<number, Map<number, number>>();
  for (const b of bidsOf(events)) {
    for (let s = windowStart(b.dateTime, slide); s > b.dateTime - size; s -= slide) {
      let counts = windows.get(s);
      if (counts === undefined) windows.set(s, (counts = new Map()));
      counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
    }
  }
  const out: HotItemRow[] = [];
  for (const [s, counts] of windows) {
    let max = 0;
    for (const n of counts.values()) if (n > max) max = n;
    for (const [auction, num] of counts) if (num === max) out.push({ auction, num, windowStart: s, windowEnd: s + size });
  }
  return out;
}

/**
 * q7, highest bid: per 10 s TUMBLE window `[s, e)`, `maxprice = MAX(price)`; emit every bid with
 * `price = maxprice` (ties: all) and its window. Row timestamp `windowEnd - 1`.
 * The SQL joins back with `B.dateTime BETWEEN e - 10 s AND e`, which is inclusive of `e`: a bid at exactly
 * `e` (in the next window) whose price equals this window's max would also match. That edge is off by
 * default (the DataStream reading); `{ sqlBetween: true }` includes it. The SQL also inserts `price` into
 * the sink's `bidder` column and vice versa (a column-order slip); rows here use the true names.
 */
export function q7(events: readonly NexmarkEvent[], opts: { sqlBetween?: boolean; size?: number } = {}): HighestBidRow[] {
  const size = opts.size ?? 10_000;
  const max = new Map<number, number>();
  const bids = bidsOf(events);
  for (const b of bids) {
    const s = windowStart(b.dateTime, size);
    if (b.price > (max.get(s) ?? -Infinity)) max.set(s, b.price);
  }
  const out: HighestBidRow[] = [];
  const row = (b: BidEvent, s: number): HighestBidRow => ({ auction: b.auction, bidder: b.bidder, price: b.price,
    dateTime: b.dateTime, extra: b.extra, windowStart: s, windowEnd: s + size });
  for (const b of bids) {
    const s = windowStart(b.dateTime, size);
    if (b.price === max.get(s)) out.push(row(b, s));
    if (opts.sqlBetween === true && b.dateTime === s && b.price === max.get(s - size)) out.push(row(b, s - size));
  }
  return out;
}

/**
 * q8, monitor new users: `person` grouped by (id, name, 10 s TUMBLE window) joined with `auction` grouped
 * by (seller, same window) on `P.id = A.seller` and equal window bounds; output `P.id, P.name` and the
 * window (the SQL's `stime` is `windowStart`). One row per person who opened ≥ 1 auction in the window in
 * which they registered (person ids are unique, so at most one row per person).
 */
export function q8(events: readonly NexmarkEvent[], size = 10_000): NewUserRow[] {
  const sellers = new Set<string>();
  for (const e of events) if (e.kind === 'auction') sellers.add(`${e.seller}@${windowStart(e.dateTime, size)}`);
  const out: NewUserRow[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.kind !== 'person') continue;
    const s = windowStart(e.dateTime, size);
    const key = `${e.id}@${s}`;
    if (sellers.has(key) && !seen.has(`${key}@${e.name}`)) {
      seen.add(`${key}@${e.name}`);
      out.push({ id: e.id, name: e.name, windowStart: s, windowEnd: s + size });
    }
  }
  return out;
}

/**
 * q11, user sessions: per bidder, SESSION windows with gap 10 s; `bidCount = count(*)`,
 * `windowStart = SESSION_START` = first bid's time, `windowEnd = SESSION_END` = last bid's time + gap.
 * Flink merges windows `[t, t + gap)` that intersect inclusively (`start <= other.end && end >= other.start`),
 * so a bid exactly `gap` ms after the previous one extends the session. Row timestamp `windowEnd - 1`.
 */
export function q11(events: readonly NexmarkEvent[], gap = 10_000): SessionRow[] {
  const open = new Map<number, SessionRow>();
  const out: SessionRow[] = [];
  for (const b of bidsOf(events)) {
    const s = open.get(b.bidder);
    if (s !== undefined && b.dateTime <= s.windowEnd) {
      s.bidCount++;
      s.windowEnd = Math.max(s.windowEnd, b.dateTime + gap);
    } else {
      if (s !== undefined) out.push(s);
      open.set(b.bidder, { bidder: b.bidder, bidCount: 1, windowStart: b.dateTime, windowEnd: b.dateTime + gap });
    }
  }
  for (const s of open.values()) out.push(s);
  return out;
}

/** Keyed rolling count: `keyBy(auction)` and count; after each bid, `{auction, count}` with the new count. */
export function keyedRollingCount(events: readonly NexmarkEvent[]): RollingCountRow[] {
  const counts = new Map<number, number>();
  const out: RollingCountRow[] = [];
  for (const b of bidsOf(events)) {
    const count = (counts.get(b.auction) ?? 0) + 1;
    counts.set(b.auction, count);
    out.push({ auction: b.auction, count });
  }
  return out;
}

/** Orders two field values: numbers before strings, numbers numerically, strings by code unit. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Returns a new array of `rows` in canonical order: by the values of their fields taken in
 * alphabetical order of field name (so the order fields were written in does not matter), numbers
 * numerically. Compare a job's output and an oracle's with `deepStrictEqual(canonicalSort(a), canonicalSort(b))`.
 */
export function canonicalSort<T extends object>(rows: readonly T[]): T[] {
  const keyed = rows.map((row) => {
    const names = Object.keys(row).sort();
    return { row, values: names.map((k) => (row as Record<string, unknown>)[k]), names: names.join(',') };
  });
  keyed.sort((a, b) => {
    if (a.names !== b.names) return a.names < b.names ? -1 : 1;
    for (let i = 0; i < a.values.length; i++) {
      const c = compareValues(a.values[i], b.values[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
  return keyed.map((k) => k.row);
}
