// The orders example end to end (examples/orders): the setup script creates the tables, the publisher
// the JetStream stream of orders; the job (worker threads, checkpoints) enriches them by the async
// PostgreSQL lookup and counts per customer and minute into PostgreSQL. The result must equal counts
// computed here directly from the orders and customers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';
import { PG_URL, pgClient, pgSkipReason, uniqueName } from '../connectors/pg-test-kit.ts';
import { NATS_URL, natsSkipReason, withNats } from '../connectors/nats-test-kit.ts';
import { jetstreamManager } from '@nats-io/jetstream';
import { setup } from '../../examples/orders/setup.ts';
import { publishOrders } from '../../examples/orders/publish.ts';
import { BASE, customers, orderAt } from '../../examples/orders/orders.ts';

const JOB = new URL('../../examples/orders/job.ts', import.meta.url);

test('orders example: exact counts per customer and minute, enriched by the lookup, written once', { timeout: 180_000 }, async (t) => {
  const skip = (await pgSkipReason()) ?? (await natsSkipReason());
  if (skip) return t.skip(skip);
  const n = 900; // 15 minutes of orders
  const customerCount = 12;
  const customersTable = uniqueName('ex_customers');
  const countsTable = uniqueName('ex_order_counts');
  const stream = uniqueName('EX_ORDERS');
  const dir = mkdtempSync(join(tmpdir(), 'eddy-orders-'));
  try {
    await setup({ pg: PG_URL, customers: customerCount, customersTable, countsTable });
    await publishOrders({ nats: NATS_URL, stream, n, customers: customerCount });
    const r = await runJob(JOB, {
      params: { pg: PG_URL, nats: NATS_URL, stream, customersTable, countsTable, p: 2, interval: 200 },
      checkpointDir: dir,
      stateDir: join(dir, 'state'),
      log: () => {},
    });
    assert.equal(r.restarts, 0);

    // the oracle: counts and sums per (customer, minute), names from the customer list
    const names = new Map(customers(customerCount).map((c) => [c.id, c.name]));
    const want = new Map<string, { orders: number; amount: number; name: string }>();
    for (let i = 0; i < n; i++) {
      const o = orderAt(i, customerCount);
      const minute = Math.floor((o.ts - BASE) / 60_000);
      const k = `${o.customerId}@${minute}`;
      const e = want.get(k) ?? { orders: 0, amount: 0, name: names.get(o.customerId) ?? 'unknown' };
      e.orders++;
      e.amount += o.amount;
      want.set(k, e);
    }
    const expected = [...want].map(([k, e]) => {
      const [id, minute] = k.split('@').map(Number) as [number, number];
      return `${id}|${e.name}|${minute}|${e.orders}|${e.amount}`;
    });

    const c = await pgClient();
    try {
      const rows = await c.query<{ customer_id: number; customer_name: string; window_start: Date; window_end: Date; orders: number; amount: string }>(
        `SELECT * FROM ${countsTable}`,
      );
      const got = rows.rows.map((x) => {
        assert.equal(x.window_end.getTime() - x.window_start.getTime(), 60_000);
        return `${x.customer_id}|${x.customer_name}|${(x.window_start.getTime() - BASE) / 60_000}|${x.orders}|${x.amount}`;
      });
      assert.deepEqual(got.sort(), expected.sort());
      assert.ok(expected.some((e) => e.includes('|unknown|')), 'some orders have no customer');
    } finally {
      await c.end();
    }
    assert.equal(liveWorkerCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const c = await pgClient();
    await c.query(`DROP TABLE IF EXISTS ${customersTable}`);
    await c.query(`DROP TABLE IF EXISTS ${countsTable}`);
    await c.end();
    await withNats(async (nc) => (await jetstreamManager(nc)).streams.delete(stream)).catch(() => undefined);
  }
});
