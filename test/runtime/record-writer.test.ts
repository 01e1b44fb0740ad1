import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordWriter } from '../../src/runtime/record-writer.ts';
import type { OutputChannel } from '../../src/runtime/channels.ts';
import type { StreamElement } from '../../src/core/index.ts';

/** A writer on one forward channel that keeps what it is sent. */
function writer(): { w: RecordWriter; sent: StreamElement[] } {
  const sent: StreamElement[] = [];
  const channel = { send: (e: StreamElement) => sent.push(e), backlog: [] } as unknown as OutputChannel;
  return { w: new RecordWriter('a -> b', [channel], [0], 'forward', undefined, 128, 1, 4, 0), sent };
}

test('plain data passes the record check at the edge', { timeout: 10_000 }, () => {
  const { w, sent } = writer();
  const withCtorField = { constructor: 'Ford', model: 'T' };
  const records: unknown[] = [{ a: 1 }, [1, 2], new Map([[1, 2]]), new Set([1]), new Date(0), new Float64Array(2), Object.create(null), withCtorField, 7, 'x', null];
  for (const r of records) w.emit(r, 0);
  w.flush();
  const got = sent.flatMap((e) => (e as { v: unknown[] }).v);
  assert.equal(got.length, records.length);
  for (let i = 0; i < records.length; i++) assert.equal(got[i], records[i]);
});

test('a class instance, a subclassed array or a function fails naming the edge and the type', { timeout: 10_000 }, () => {
  class Money {
    constructor(readonly cents: number) {}
  }
  class Cents extends Array<number> {}
  const { w } = writer();
  w.emit({ a: 1 }, 0); // a plain record first: the check is per record, not per writer
  assert.throws(() => w.emit(new Money(5), 0), /instance of Money.*edge 'a -> b'/);
  assert.throws(() => w.emit(Cents.from([1]), 0), /edge 'a -> b'/);
  assert.throws(() => w.emit(() => 1, 0), /edge 'a -> b'/);
  // a class whose prototype was checked once is still rejected the next time
  assert.throws(() => w.emit(new Money(6), 0), /instance of Money/);
});
