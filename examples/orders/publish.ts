// Creates the JetStream stream of orders (subjects `<stream>.>`; recreated if it exists) and publishes
// `n` orders as JSON to `<stream>.new`, waiting for every acknowledgement.
//   node --import tsx examples/orders/publish.ts [nats=nats://127.0.0.1:4222] [stream=ORDERS] [n=3600] [customers=20]
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { orderAt } from './orders.ts';
import { args } from './setup.ts';

export interface PublishOptions {
  nats: string;
  stream: string;
  n: number;
  customers: number;
}

export async function publishOrders(o: PublishOptions): Promise<void> {
  const nc = await connect({ servers: o.nats });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(o.stream).catch(() => undefined);
    await jsm.streams.add({ name: o.stream, subjects: [`${o.stream}.>`] });
    const js = jetstream(nc);
    const enc = new TextEncoder();
    for (let i = 0; i < o.n; i += 500) {
      const acks = [];
      for (let j = i; j < Math.min(o.n, i + 500); j++) acks.push(js.publish(`${o.stream}.new`, enc.encode(JSON.stringify(orderAt(j, o.customers)))));
      await Promise.all(acks);
    }
  } finally {
    await nc.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = args(process.argv.slice(2));
  const o = { nats: a.nats ?? 'nats://127.0.0.1:4222', stream: a.stream ?? 'ORDERS', n: Number(a.n ?? 3600), customers: Number(a.customers ?? 20) };
  await publishOrders(o);
  console.log(`published ${o.n} orders to stream ${o.stream} at ${o.nats}`);
}
