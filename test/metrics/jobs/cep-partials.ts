// A CEP job whose open partial matches at the end are known by construction: `a` followed by `b`, no time
// limit. Events i = 0..n-1 on key i % 10 at time i: the first 90 % are `a`s; then keys 0–4 get `b`s (the
// first `b` completes every open `a` of its key) and keys 5–9 get `c`s (ignored). So 0.9·n/10 partial
// matches stay open on each of keys 5–9: 0.45·n in all, and 0.45·n matches are emitted.
import { StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import { CEP, Pattern } from 'eddy/cep';

const { n = 1000 } = jobParameters<{ n?: number }>();
interface Ev { key: number; type: string; ts: number }
const events: Ev[] = [];
for (let i = 0; i < n; i++) {
  const key = i % 10;
  events.push({ key, type: i < 0.9 * n ? 'a' : key < 5 ? 'b' : 'c', ts: i });
}
const env = StreamEnvironment.create({ parallelism: 2 });
const stream = env.fromCollection(events).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts));
const pattern = Pattern.begin<Ev>('a').where((e) => e.type === 'a').followedBy('b').where((e) => e.type === 'b');
CEP.pattern(stream.keyBy((e) => e.key), pattern)
  .process({ processMatch: (m, _ctx, out) => out.collect(m.get('a')![0]!.key) })
  .name('a then b')
  .sinkTo({ name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) });
await env.execute('cep-partials');
