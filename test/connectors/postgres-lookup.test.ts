// PostgresLookup against the real server, through the OperatorHarness: exact enriched output (missing
// keys joined with null), one query per batch of keys, the cache's hits, eviction and time-to-live,
// query mode, and a clear error when the server refuses the query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncDataStream, ManualClock, type DataStream } from 'eddy';
import { OperatorHarness } from 'eddy/testing';
import { PostgresLookup } from 'eddy/connectors/postgres';
import { PG_URL, pgClient, pgSkipReason, uniqueName } from './pg-test-kit.ts';

interface Order {
  id: number;
  customer: number;
}
interface Customer {
  name: string;
  tier: string;
}

const CUSTOMERS: Record<number, Customer> = { 1: { name: 'Ada', tier: 'gold' }, 2: { name: 'Brian', tier: 'silver' }, 3: { name: 'Chen', tier: 'gold' }, 4: { name: 'Dora', tier: 'bronze' } };

async function withTable(fn: (table: string) => Promise<void>): Promise<void> {
  const table = uniqueName('lookup_customers');
  const c = await pgClient();
  try {
    await c.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, tier text NOT NULL)`);
    for (const [id, v] of Object.entries(CUSTOMERS)) await c.query(`INSERT INTO ${table} VALUES ($1, $2, $3)`, [Number(id), v.name, v.tier]);
    await fn(table);
  } finally {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.end();
  }
}

/** The expected output for orders, computed from CUSTOMERS directly. */
function expected(orders: Order[]): string[] {
  return orders.map((o) => `${o.id}:${CUSTOMERS[o.customer]?.name ?? 'null'}:${CUSTOMERS[o.customer]?.tier ?? 'null'}`).sort();
}
const show = (rows: Array<[Order, Customer | null]>): string[] => rows.map(([o, c]) => `${o.id}:${c?.name ?? 'null'}:${c?.tier ?? 'null'}`).sort();

test('table mode: exact enriched output, null for a missing key, one query per batch, cache hits and expiry', { timeout: 120_000 }, async (t) => {
  const skip = await pgSkipReason();
  if (skip) return t.skip(skip);
  await withTable(async (table) => {
    const clock = new ManualClock(0);
    const lookup = PostgresLookup.of<Order, number, Customer>({
      connectionString: PG_URL,
      table,
      keyColumn: 'id',
      columns: ['name', 'tier'],
      key: (o) => o.customer,
      cache: { maxEntries: 3, ttlMs: 1000 },
      clock,
    });
    const h = OperatorHarness.of((s: DataStream<Order>) => AsyncDataStream.unorderedWait(s, lookup, { timeoutMs: 30_000, capacity: 50 }));
    const first: Order[] = [1, 2, 9, 1, 2].map((customer, i) => ({ id: i, customer }));
    for (const o of first) h.processElement(o);
    await h.settle();
    assert.deepEqual(show(h.values() as Array<[Order, Customer | null]>), expected(first));
    assert.deepEqual(lookup.stats(), { hits: 0, misses: 5, keysFetched: 3, requests: 1 }, 'keys 1, 2, 9 in one query; repeated keys joined');

    // all three cached (9 as missing): no query
    h.clearOutput();
    const second: Order[] = [9, 1, 2, 1].map((customer, i) => ({ id: 10 + i, customer }));
    for (const o of second) h.processElement(o);
    await h.settle();
    assert.deepEqual(show(h.values() as Array<[Order, Customer | null]>), expected(second));
    assert.deepEqual(lookup.stats(), { hits: 4, misses: 5, keysFetched: 3, requests: 1 });

    // key 3 evicts the least recently used entry (9); 9 is then fetched again
    h.processElement({ id: 20, customer: 3 });
    await h.settle();
    h.processElement({ id: 21, customer: 9 });
    await h.settle();
    assert.deepEqual(lookup.stats(), { hits: 4, misses: 7, keysFetched: 5, requests: 3 });

    // after the time-to-live every entry is loaded again
    clock.set(1000);
    h.clearOutput();
    h.processElement({ id: 30, customer: 1 });
    h.processElement({ id: 31, customer: 4 });
    await h.settle();
    assert.deepEqual(show(h.values() as Array<[Order, Customer | null]>), expected([{ id: 30, customer: 1 }, { id: 31, customer: 4 }]));
    assert.deepEqual(lookup.stats(), { hits: 4, misses: 9, keysFetched: 7, requests: 4 });
    h.close();
  });
});

test('query mode with join, and batches split at maxBatchSize', { timeout: 120_000 }, async (t) => {
  const skip = await pgSkipReason();
  if (skip) return t.skip(skip);
  await withTable(async (table) => {
    const lookup = PostgresLookup.of<Order, number, { name: string }, string>({
      connectionString: PG_URL,
      query: `SELECT upper(name) AS name FROM ${table} WHERE id = $1`,
      key: (o) => o.customer,
      join: (o, c) => (c === null ? undefined : `${o.id}->${c.name}`),
    });
    const h = OperatorHarness.of((s: DataStream<Order>) => AsyncDataStream.orderedWait(s, lookup, { timeoutMs: 30_000 }));
    for (const [id, customer] of [[1, 4], [2, 7], [3, 1]] as const) h.processElement({ id, customer });
    await h.settle();
    assert.deepEqual(h.values(), ['1->DORA', '3->ADA'], 'ordered; the missing key emits nothing (join returned undefined)');
    h.close();

    const batched = PostgresLookup.of<Order, number, Customer>({ connectionString: PG_URL, table, keyColumn: 'id', key: (o) => o.customer, maxBatchSize: 2 });
    const h2 = OperatorHarness.of((s: DataStream<Order>) => AsyncDataStream.unorderedWait(s, batched, { timeoutMs: 30_000 }));
    const orders = [1, 2, 3, 4, 5].map((customer, i) => ({ id: i, customer }));
    for (const o of orders) h2.processElement(o);
    await h2.settle();
    assert.deepEqual(show(h2.values() as Array<[Order, Customer | null]>), expected(orders));
    assert.deepEqual(batched.stats(), { hits: 0, misses: 5, keysFetched: 5, requests: 3 });
    h2.close();
  });
});

test('a failing query fails with the table and the server, password masked', { timeout: 120_000 }, async (t) => {
  const skip = await pgSkipReason();
  if (skip) return t.skip(skip);
  const missing = uniqueName('no_such_table');
  const lookup = PostgresLookup.of<Order, number>({ connectionString: PG_URL, table: missing, keyColumn: 'id', key: (o) => o.customer });
  const h = OperatorHarness.of((s: DataStream<Order>) => AsyncDataStream.unorderedWait(s, lookup, { timeoutMs: 30_000 }));
  h.processElement({ id: 1, customer: 1 });
  await assert.rejects(h.settle(), (e: Error) => {
    assert.match(e.message, new RegExp(`async request failed for input \\{"id":1,"customer":1\\}: PostgresLookup \\(table ${missing} at postgres://`));
    assert.match(e.message, new RegExp(`relation "${missing}" does not exist`));
    return true;
  });
  h.close();
  // a password never appears in messages
  const url = PG_URL.replace('postgres://postgres@', 'postgres://postgres:secret@');
  const l2 = PostgresLookup.of<Order, number>({ connectionString: url, table: missing, keyColumn: 'id', key: (o) => o.customer });
  const h2 = OperatorHarness.of((s: DataStream<Order>) => AsyncDataStream.unorderedWait(s, l2, { timeoutMs: 30_000 }));
  h2.processElement({ id: 1, customer: 1 });
  await assert.rejects(h2.settle(), (e: Error) => !e.message.includes('secret') && e.message.includes('postgres:***@'));
  h2.close();
});

test('invalid options are rejected at the call', { timeout: 120_000 }, () => {
  const key = (o: Order) => o.customer;
  assert.throws(() => PostgresLookup.of<Order, number>({ connectionString: 'mysql://x', table: 't', keyColumn: 'id', key }), /option 'connectionString' must be a postgres:\/\/ URL/);
  assert.throws(() => PostgresLookup.of<Order, number>({ connectionString: PG_URL, table: 't', key }), /option 'keyColumn' must be a non-empty SQL name/);
  assert.throws(() => PostgresLookup.of<Order, number>({ connectionString: PG_URL, query: 'SELECT 1', key }), /option 'query' must be a SQL query using the key as \$1/);
  assert.throws(() => PostgresLookup.of<Order, number>({ connectionString: PG_URL, table: 't', keyColumn: 'id', key, cache: { maxEntries: 0, ttlMs: 10 } }), /option 'cache.maxEntries' must be an integer ≥ 1, got 0/);
  assert.throws(() => PostgresLookup.of<Order, number>({ connectionString: PG_URL, table: 't', keyColumn: 'id', key, cache: { maxEntries: 5, ttl: 10 } as never }), /unknown option 'cache.ttl'/);
});
