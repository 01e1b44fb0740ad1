/**
 * Nexmark q0, q1, q2 and the keyed rolling count as RxJS 7 pipelines over the same generator: a
 * synchronous `Observable` emits every event, operators (`filter`, `map`, `groupBy` + `scan`) do the
 * query, and `subscribe` folds rows into `{count, checksum}` as in `bench/baselines/checksum.ts`. This is
 * the "what a reactive library costs" reference: single-threaded, no state, no checkpoints.
 */
import { Observable, filter, groupBy, map, mergeMap, scan } from 'rxjs';
import { NexmarkGenerator } from '../../src/connectors/nexmark/index.ts';
import type { BidEvent, NexmarkEvent } from '../../src/connectors/nexmark/index.ts';
import type { BaselineResult } from '../baselines/checksum.ts';

/** A cold, synchronous Observable of events `0 .. events-1`; stops early if unsubscribed. */
export function nexmark$(events: number, seed: number): Observable<NexmarkEvent> {
  return new Observable<NexmarkEvent>((sub) => {
    const g = new NexmarkGenerator({ events, seed });
    for (let e = g.next(); e !== undefined && !sub.closed; e = g.next()) sub.next(e);
    sub.complete();
  });
}

const isBid = (e: NexmarkEvent): e is BidEvent => e.kind === 'bid';

/** Subscribes synchronously and folds each row's checksum value. */
function run<R>(source: Observable<R>, value: (r: R) => number): BaselineResult {
  let acc = 0;
  let count = 0;
  source.subscribe((r) => {
    acc = (acc + (value(r) | 0)) | 0;
    count++;
  });
  return { count, checksum: acc >>> 0 };
}

/** q0: `filter(bid)` then `map` to `{auction, bidder, price, dateTime, extra}`. */
export function q0Rx(events: number, seed: number): BaselineResult {
  return run(
    nexmark$(events, seed).pipe(
      filter(isBid),
      map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra })),
    ),
    (r) => r.auction + r.bidder + r.price + r.dateTime,
  );
}

/** q1: as q0 with `price * 0.908`. */
export function q1Rx(events: number, seed: number): BaselineResult {
  return run(
    nexmark$(events, seed).pipe(
      filter(isBid),
      map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, dateTime: b.dateTime,
        extra: b.extra })),
    ),
    (r) => r.auction + r.bidder + Math.round(r.price * 1000) + r.dateTime,
  );
}

/** q2: `filter(bid && auction % 123 == 0)` then `map` to `{auction, price}`. */
export function q2Rx(events: number, seed: number): BaselineResult {
  return run(
    nexmark$(events, seed).pipe(
      filter(isBid),
      filter((b) => b.auction % 123 === 0),
      map((b) => ({ auction: b.auction, price: b.price })),
    ),
    (r) => r.auction + r.price,
  );
}

/**
 * Keyed rolling count: `groupBy(auction)`, per group `scan` counting, `{auction, count}` per bid. The
 * idiomatic form, but note RxJS's cost with many keys: each group's inner subscription sits in an array
 * of the outer subscriber's finalizers, and removing them at completion is O(groups) each, O(groups²) in
 * all — about a third of the time at 1 M events (≈ 60 000 auctions).
 */
export function keyedCountRx(events: number, seed: number): BaselineResult {
  return run(
    nexmark$(events, seed).pipe(
      filter(isBid),
      groupBy((b) => b.auction),
      mergeMap((group) => group.pipe(
        scan((n) => n + 1, 0),
        map((count) => ({ auction: group.key, count })),
      )),
    ),
    (r) => r.auction + r.count,
  );
}

/** Keyed rolling count without `groupBy`: one `map` closing over a `Map` of counts (hand-rolled state). */
export function keyedCountRxMap(events: number, seed: number): BaselineResult {
  const counts = new Map<number, number>();
  return run(
    nexmark$(events, seed).pipe(
      filter(isBid),
      map((b) => {
        const count = (counts.get(b.auction) ?? 0) + 1;
        counts.set(b.auction, count);
        return { auction: b.auction, count };
      }),
    ),
    (r) => r.auction + r.count,
  );
}

/** Every RxJS pipeline by name, for benchmark tables. */
export const nexmarkRx = {
  q0: q0Rx, q1: q1Rx, q2: q2Rx, keyedCount: keyedCountRx, keyedCountMap: keyedCountRxMap,
} as const;
