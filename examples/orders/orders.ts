// The example's data, shared by the publisher and the setup script: customers and a deterministic
// stream of orders (order i at event time BASE + i * 1000 ms, so a 1-minute window holds 60 orders).

export interface Order {
  id: number;
  customerId: number;
  amount: number;
  /** Event time, epoch ms. */
  ts: number;
}

export interface Customer {
  id: number;
  name: string;
  country: string;
}

/** 2026-01-01T00:00:00Z. */
export const BASE = Date.UTC(2026, 0, 1);

const NAMES = ['Ada', 'Brian', 'Chen', 'Dora', 'Emeka', 'Fatima', 'Goran', 'Hana', 'Ivan', 'Jun'];
const COUNTRIES = ['DE', 'NG', 'JP', 'BR', 'IN'];

/** Customers 1..n. */
export function customers(n: number): Customer[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `${NAMES[i % NAMES.length]} ${i + 1}`, country: COUNTRIES[i % COUNTRIES.length]! }));
}

/**
 * Order `i` (0-based). One order in `unknownEvery` goes to a customer id the table does not have (the
 * lookup finds nothing; the job counts it under customer "unknown").
 */
export function orderAt(i: number, customerCount: number, unknownEvery = 50): Order {
  const customerId = i % unknownEvery === unknownEvery - 1 ? customerCount + 1 + (i % 3) : 1 + ((i * 7919) % customerCount);
  return { id: i + 1, customerId, amount: 100 + ((i * 37) % 900), ts: BASE + i * 1000 };
}
