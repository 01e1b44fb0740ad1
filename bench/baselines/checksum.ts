/**
 * Checksums that prove a benchmark did the work: each output row of a query folds a few integer fields
 * into a 32-bit sum. Addition mod 2³² is order-independent, so a parallel eddy job that sums its rows in
 * any order matches the single-thread baseline exactly. Every function takes integers below 2⁵³.
 *
 * | query          | row value folded in                                       |
 * |----------------|-----------------------------------------------------------|
 * | generate       | `dateTime` of every event                                 |
 * | q0             | `auction + bidder + price + dateTime`                     |
 * | q1             | `auction + bidder + round(priceEur * 1000) + dateTime`    |
 * | q2             | `auction + price`                                         |
 * | keyed count    | `auction + count`                                         |
 * | q5             | `auction + num + windowEnd`                               |
 * | q7             | `auction + bidder + price + dateTime + windowEnd`         |
 */

/** What a baseline returns: rows produced and their checksum (an unsigned 32-bit integer). */
export interface BaselineResult {
  count: number;
  checksum: number;
}

/** Folds integer `x` (|x| < 2⁵³) into the running checksum `acc`: `(acc + x) mod 2³²`, kept as int32. */
export function addChecksum(acc: number, x: number): number {
  return (acc + (x | 0)) | 0;
}

/** The final, unsigned form of an accumulated checksum. */
export function finishChecksum(acc: number): number {
  return acc >>> 0;
}

/** Row values of each query, for a job's output (see the table above). */
export const rowChecksum = {
  q0: (r: { auction: number; bidder: number; price: number; dateTime: number }): number =>
    r.auction + r.bidder + r.price + r.dateTime,
  q1: (r: { auction: number; bidder: number; price: number; dateTime: number }): number =>
    r.auction + r.bidder + Math.round(r.price * 1000) + r.dateTime,
  q2: (r: { auction: number; price: number }): number => r.auction + r.price,
  keyedCount: (r: { auction: number; count: number }): number => r.auction + r.count,
  q5: (r: { auction: number; num: number; windowEnd: number }): number => r.auction + r.num + r.windowEnd,
  q7: (r: { auction: number; bidder: number; price: number; dateTime: number; windowEnd: number }): number =>
    r.auction + r.bidder + r.price + r.dateTime + r.windowEnd,
} as const;

/** Checksum of a whole row array with one of {@link rowChecksum}'s functions. */
export function checksumRows<R>(rows: Iterable<R>, value: (r: R) => number): BaselineResult {
  let acc = 0;
  let count = 0;
  for (const r of rows) {
    acc = addChecksum(acc, value(r));
    count++;
  }
  return { count, checksum: finishChecksum(acc) };
}
