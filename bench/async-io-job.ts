// The eddy side of the async I/O benchmark: a sequence through AsyncDataStream.unorderedWait calling the
// benchmark's service, parallelism 1, results dropped after a filter.
import { StreamEnvironment, AsyncDataStream, jobParameters } from 'eddy';
import { service } from './async-io-service.ts';

const { n = 1_000_000, capacity = 100, latency = 0, sync = false } = jobParameters<{ n?: number; capacity?: number; latency?: number; sync?: boolean }>();
const env = StreamEnvironment.create({ parallelism: 1 });
const call = service(latency);
const input = env.fromSequence(1, n);
// sync: the same job with a plain map in place of the async call (job start-up and the rest of the pipeline)
(sync ? input.map((x: number) => x + 1).name('Async Wait') : AsyncDataStream.unorderedWait(input, (x: number) => call(x), { timeoutMs: 60_000, capacity }))
  .filter((v) => v < 0)
  .print();
await env.execute('async-io-bench');
