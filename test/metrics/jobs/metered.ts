// A job with user metrics and keyed state, for the metrics, REST and state-browser tests.
// n numbers 0..n-1, keyed by x % 10, counted per key in ValueState 'count' (so each key ends at n / 10).
// forever=true adds an unbounded Nexmark branch whose bids a user filter drops, so the job keeps running.
// windows=true (with forever) adds windowed state: the numbers again, at event time FUTURE + x, keyed by
// x % 10 into tumbling 100 ms windows ('window contents per key'); the bids branch sends no watermark, so
// no window fires and every window keeps its 10 numbers: key k's window [FUTURE + 100·w, FUTURE + 100·w + 100)
// holds 100·w + k, 100·w + k + 10, …, 100·w + k + 90.
import { KeyedProcessFunction, RichMapFunction, StreamEnvironment, TumblingEventTimeWindows, ValueStateDescriptor, WatermarkStrategy, jobParameters, type Collector, type KeyedProcessContext, type ValueState, type Counter, type Histogram, type Meter } from 'eddy';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';

const { n = 1000, forever = false, parallelism = 2, windows = false } = jobParameters<{ n?: number; forever?: boolean; parallelism?: number; windows?: boolean }>();
/** Event time of the windowed numbers: far beyond any Nexmark bid's. */
const FUTURE = 4_000_000_000_000;

class Metered extends RichMapFunction<number, number> {
  private seen!: Counter;
  private sizes!: Histogram;
  private rate!: Meter;
  private last = 0;
  override open(): void {
    const g = this.getRuntimeContext().getMetricGroup().addGroup('numbers');
    this.seen = g.counter('seen');
    this.sizes = g.histogram('value');
    this.rate = g.meter('perSecond');
    g.addGroup('parity', 'even').gauge('last', () => this.last);
  }
  map(x: number): number {
    this.seen.inc();
    this.sizes.update(x);
    this.rate.markEvent();
    this.last = x;
    return x;
  }
}

class CountPerKey extends KeyedProcessFunction<number, number, number> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(_x: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect(c);
  }
}

const env = StreamEnvironment.create({ parallelism });
let numbers = env.fromSequence(0, n - 1).map(new Metered()).name('metered map');
if (forever) {
  const bids = env
    .fromSource(NexmarkSource.bids({ events: Infinity, seed: 1 }), WatermarkStrategy.noWatermarks<BidEvent>(), 'bids')
    .filter(function dropEveryBidInUserFunction(b: BidEvent) {
      let h = 0;
      for (let i = 0; i < 2000; i++) h = (h * 31 + b.price + i) | 0;
      // A body too large for V8 to inline into its caller, so that its frame shows in a CPU profile.
      h = (h ^ (h >>> 1) ^ 1000) | 0;
      h = (h ^ (h >>> 2) ^ 1007) | 0;
      h = (h ^ (h >>> 3) ^ 1014) | 0;
      h = (h ^ (h >>> 4) ^ 1021) | 0;
      h = (h ^ (h >>> 5) ^ 1028) | 0;
      h = (h ^ (h >>> 6) ^ 1035) | 0;
      h = (h ^ (h >>> 7) ^ 1042) | 0;
      h = (h ^ (h >>> 8) ^ 1049) | 0;
      h = (h ^ (h >>> 9) ^ 1056) | 0;
      h = (h ^ (h >>> 10) ^ 1063) | 0;
      h = (h ^ (h >>> 11) ^ 1070) | 0;
      h = (h ^ (h >>> 12) ^ 1077) | 0;
      h = (h ^ (h >>> 13) ^ 1084) | 0;
      h = (h ^ (h >>> 1) ^ 1091) | 0;
      h = (h ^ (h >>> 2) ^ 1098) | 0;
      h = (h ^ (h >>> 3) ^ 1105) | 0;
      h = (h ^ (h >>> 4) ^ 1112) | 0;
      h = (h ^ (h >>> 5) ^ 1119) | 0;
      h = (h ^ (h >>> 6) ^ 1126) | 0;
      h = (h ^ (h >>> 7) ^ 1133) | 0;
      h = (h ^ (h >>> 8) ^ 1140) | 0;
      h = (h ^ (h >>> 9) ^ 1147) | 0;
      h = (h ^ (h >>> 10) ^ 1154) | 0;
      h = (h ^ (h >>> 11) ^ 1161) | 0;
      h = (h ^ (h >>> 12) ^ 1168) | 0;
      h = (h ^ (h >>> 13) ^ 1175) | 0;
      h = (h ^ (h >>> 1) ^ 1182) | 0;
      h = (h ^ (h >>> 2) ^ 1189) | 0;
      h = (h ^ (h >>> 3) ^ 1196) | 0;
      h = (h ^ (h >>> 4) ^ 1203) | 0;
      h = (h ^ (h >>> 5) ^ 1210) | 0;
      h = (h ^ (h >>> 6) ^ 1217) | 0;
      h = (h ^ (h >>> 7) ^ 1224) | 0;
      h = (h ^ (h >>> 8) ^ 1231) | 0;
      h = (h ^ (h >>> 9) ^ 1238) | 0;
      h = (h ^ (h >>> 10) ^ 1245) | 0;
      h = (h ^ (h >>> 11) ^ 1252) | 0;
      h = (h ^ (h >>> 12) ^ 1259) | 0;
      h = (h ^ (h >>> 13) ^ 1266) | 0;
      h = (h ^ (h >>> 1) ^ 1273) | 0;
      h = (h ^ (h >>> 2) ^ 1280) | 0;
      h = (h ^ (h >>> 3) ^ 1287) | 0;
      h = (h ^ (h >>> 4) ^ 1294) | 0;
      h = (h ^ (h >>> 5) ^ 1301) | 0;
      h = (h ^ (h >>> 6) ^ 1308) | 0;
      h = (h ^ (h >>> 7) ^ 1315) | 0;
      h = (h ^ (h >>> 8) ^ 1322) | 0;
      h = (h ^ (h >>> 9) ^ 1329) | 0;
      h = (h ^ (h >>> 10) ^ 1336) | 0;
      h = (h ^ (h >>> 11) ^ 1343) | 0;
      h = (h ^ (h >>> 12) ^ 1350) | 0;
      h = (h ^ (h >>> 13) ^ 1357) | 0;
      h = (h ^ (h >>> 1) ^ 1364) | 0;
      h = (h ^ (h >>> 2) ^ 1371) | 0;
      h = (h ^ (h >>> 3) ^ 1378) | 0;
      h = (h ^ (h >>> 4) ^ 1385) | 0;
      h = (h ^ (h >>> 5) ^ 1392) | 0;
      h = (h ^ (h >>> 6) ^ 1399) | 0;
      h = (h ^ (h >>> 7) ^ 1406) | 0;
      h = (h ^ (h >>> 8) ^ 1413) | 0;
      h = (h ^ (h >>> 9) ^ 1420) | 0;
      h = (h ^ (h >>> 10) ^ 1427) | 0;
      h = (h ^ (h >>> 11) ^ 1434) | 0;
      h = (h ^ (h >>> 12) ^ 1441) | 0;
      return h === 0.5; // never
    })
    .name('drop bids')
    .map((b) => b.auction)
    .name('auction');
  numbers = numbers.union(bids);
  if (windows)
    env
      .fromSequence(0, n - 1)
      .name('timed numbers')
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((x) => FUTURE + x))
      .union(bids)
      .keyBy((x) => x % 10)
      .window(TumblingEventTimeWindows.of(100))
      .process({ process: (key: number, _ctx, elements: readonly number[], out: Collector<string>) => out.collect(`${key}: ${elements.length}`) })
      .name('window contents per key')
      .sinkTo({ name: 'Discard windows', createWriter: () => ({ write() {}, flush() {}, close() {} }) });
}
numbers
  .keyBy((x) => x % 10)
  .process(new CountPerKey())
  .name('count per key')
  .sinkTo({ name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) });
await env.execute('metered');
