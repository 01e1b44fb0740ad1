// Records with a declared type (`returns()`) crossing a keyBy between two slots; every fifth record does
// not match the declaration (another field type, an extra field, a Map) and must arrive unchanged too.
import { StreamEnvironment, jobParameters } from 'eddy';

const { n = 5000 } = jobParameters<{ n?: number }>();
const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64 });
const out = env
  .fromSequence(0, n - 1)
  .map((i): unknown => {
    if (i % 5 !== 4) return { id: i, name: `n${i % 7}`, tags: [`t${i % 3}`], pos: { x: i / 2, ok: i % 2 === 0 } };
    if (i % 15 === 4) return { id: String(i), name: 'string id', tags: [], pos: { x: 0, ok: true } };
    if (i % 15 === 9) return { id: i, name: 'extra field', tags: ['a'], pos: { x: 1, ok: false }, extra: [1n, 2n] };
    return new Map<string, unknown>([['id', i], ['when', new Date(i)]]);
  })
  .returns({ id: 'number', name: 'string', tags: ['string'], pos: { x: 'number', ok: 'boolean' } })
  .keyBy((r) => (r instanceof Map ? (r.get('id') as number) : Number((r as { id: number | string }).id)) % 10)
  .map((r) => r);
await out.executeAndCollect('record-type');
