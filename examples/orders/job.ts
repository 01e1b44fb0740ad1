// Orders from NATS JetStream, enriched with their customer by an async PostgreSQL lookup, counted per
// customer in 1-minute event-time windows, written exactly-once to PostgreSQL.
//   node bin/eddy.mjs run examples/orders/job.ts -- [pg=…] [nats=…] [stream=ORDERS] [p=2]
//     [customersTable=customers] [countsTable=order_counts] [interval=1000]
import { StreamEnvironment, AsyncDataStream, WatermarkStrategy, TumblingEventTimeWindows, jobParameters, type AggregateFunction } from 'eddy';
import { JetStreamSource } from 'eddy/connectors/nats';
import { PostgresLookup, PostgresSink } from 'eddy/connectors/postgres';
import type { Order } from './orders.ts';

const {
  pg = 'postgres://postgres@127.0.0.1:5432/test',
  nats = 'nats://127.0.0.1:4222',
  stream = 'ORDERS',
  p = 2,
  customersTable = 'customers',
  countsTable = 'order_counts',
  interval = 1000,
} = jobParameters<{ pg?: string; nats?: string; stream?: string; p?: number; customersTable?: string; countsTable?: string; interval?: number }>();

interface EnrichedOrder extends Order {
  customerName: string;
}

/** One row of `order_counts`. */
export interface OrderCount {
  customerId: number;
  customerName: string;
  windowStart: number;
  windowEnd: number;
  orders: number;
  amount: number;
}

const countAndSum: AggregateFunction<EnrichedOrder, [number, number, string], [number, number, string]> = {
  createAccumulator: () => [0, 0, ''],
  add: (o, [n, sum]) => [n + 1, sum + o.amount, o.customerName],
  getResult: (acc) => acc,
  merge: (a, b) => [a[0] + b[0], a[1] + b[1], a[2] || b[2]],
};

const env = StreamEnvironment.create({ parallelism: Number(p) });
env.enableCheckpointing(Number(interval));

const decoder = new TextDecoder();
const orders = env.fromSource(
  JetStreamSource.of<Order>({ servers: nats, stream, bounded: true, deserialize: (data) => JSON.parse(decoder.decode(data)) as Order }),
  WatermarkStrategy.forBoundedOutOfOrderness<Order>(5_000).withTimestampAssigner((o) => o.ts),
  'orders',
);

// At most 100 lookups in flight per subtask; customers are cached for a minute.
const enriched = AsyncDataStream.unorderedWait(
  orders,
  PostgresLookup.of<Order, number, { name: string }, EnrichedOrder>({
    connectionString: pg,
    table: customersTable,
    keyColumn: 'id',
    columns: ['name'],
    key: (o) => o.customerId,
    join: (o, c) => ({ ...o, customerName: c?.name ?? 'unknown' }),
    cache: { maxEntries: 10_000, ttlMs: 60_000 },
  }),
  { timeoutMs: 10_000, capacity: 100 },
)
  .name('customer lookup')
  .uid('customer-lookup');

enriched
  .keyBy((o) => o.customerId)
  .window(TumblingEventTimeWindows.of(60_000))
  .aggregate<[number, number, string], [number, number, string], OrderCount>(countAndSum, (customerId, w, [acc], out) => {
    out.collect({ customerId, customerName: acc![2], windowStart: w.start, windowEnd: w.end, orders: acc![0], amount: acc![1] });
  })
  .name('orders per customer and minute')
  .uid('counts')
  .sinkTo(
    PostgresSink.builder<OrderCount>({
      connectionString: pg,
      table: countsTable,
      columns: ['customer_id', 'customer_name', 'window_start', 'window_end', 'orders', 'amount'],
      toRow: (r) => [r.customerId, r.customerName, new Date(r.windowStart).toISOString(), new Date(r.windowEnd).toISOString(), r.orders, r.amount],
      transactionIdPrefix: `orders_${countsTable}`,
    }).build(),
  )
  .uid('counts-sink');

await env.execute('orders-per-customer');
