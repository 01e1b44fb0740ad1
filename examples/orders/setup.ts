// Creates the example's PostgreSQL tables: `customers` (filled with `customers(n)`) and `order_counts`
// (the job's output). Idempotent: drops and recreates both.
//   node --import tsx examples/orders/setup.ts [pg=postgres://postgres@127.0.0.1:5432/test] [customers=20]
//                                            [customersTable=customers] [countsTable=order_counts]
import pg from 'pg';
import { customers } from './orders.ts';

export interface SetupOptions {
  pg: string;
  customers: number;
  customersTable: string;
  countsTable: string;
}

export async function setup(o: SetupOptions): Promise<void> {
  const c = new pg.Client({ connectionString: o.pg });
  await c.connect();
  try {
    await c.query(`DROP TABLE IF EXISTS ${o.customersTable}`);
    await c.query(`DROP TABLE IF EXISTS ${o.countsTable}`);
    await c.query(`CREATE TABLE ${o.customersTable} (id integer PRIMARY KEY, name text NOT NULL, country text NOT NULL)`);
    for (const x of customers(o.customers)) await c.query(`INSERT INTO ${o.customersTable} VALUES ($1, $2, $3)`, [x.id, x.name, x.country]);
    await c.query(
      `CREATE TABLE ${o.countsTable} (customer_id integer NOT NULL, customer_name text NOT NULL, window_start timestamptz NOT NULL, ` +
        `window_end timestamptz NOT NULL, orders integer NOT NULL, amount bigint NOT NULL, PRIMARY KEY (customer_id, window_start))`,
    );
  } finally {
    await c.end();
  }
}

/** `key=value` arguments. */
export function args(argv: string[]): Record<string, string> {
  return Object.fromEntries(argv.filter((a) => a.includes('=')).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = args(process.argv.slice(2));
  const o = { pg: a.pg ?? 'postgres://postgres@127.0.0.1:5432/test', customers: Number(a.customers ?? 20), customersTable: a.customersTable ?? 'customers', countsTable: a.countsTable ?? 'order_counts' };
  await setup(o);
  console.log(`created ${o.customersTable} (${o.customers} customers) and ${o.countsTable} at ${o.pg.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}`);
}
