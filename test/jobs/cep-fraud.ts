// A CEP job for the end-to-end tests: card transactions (derived deterministically from a sequence, up to
// 30 ms out of order) keyed by card, a small payment then a large one within 2 s with no confirmation in
// between, in event time; checkpointed, with an optional injected failure on attempt 0. `mode=dynamic`
// runs the same rule as a dynamic pattern whose threshold is replaced (v1 → v2) at t = 20 s (in event time).
import { StreamEnvironment, RichMapFunction, RestartStrategies, WatermarkStrategy, jobParameters, type CheckpointListener } from 'eddy';
import { CEP, Pattern, AfterMatchSkipStrategy, type PatternUpdate } from 'eddy/cep';

const { n = 6000, p = 1, fault = 'none', failAt = 2500, interval = 50, backend = 'heap', pace = 0, mode = 'pattern' } = jobParameters<{
  n?: number;
  p?: number;
  fault?: string;
  failAt?: number;
  interval?: number;
  backend?: 'heap' | 'lmdb';
  pace?: number;
  mode?: 'pattern' | 'dynamic';
}>();

export interface Tx {
  i: number;
  card: number;
  kind: 'pay' | 'confirm';
  amount: number;
  ts: number;
}

/** Transaction number `i` (the test's oracle uses the same function). */
export function tx(i: number): Tx {
  const h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  const r = (h >>> 8) % 100;
  const kind = r < 8 ? 'confirm' : 'pay';
  const amount = r < 8 ? 0 : r < 28 ? 0.5 : r < 34 ? 700 : r < 40 ? 900 : 20;
  return { i, card: h % 37, kind, amount, ts: i * 10 - (h % 4) * 10 };
}

/** Fails once, on attempt 0: at the first record from `failAt` on that comes after a completed checkpoint (see below). */
class Fault extends RichMapFunction<number, number> implements CheckpointListener {
  private seen = 0;
  private completed = 0;
  private failed = false;
  notifyCheckpointComplete(): void {
    this.completed++;
  }
  map(v: number): number {
    this.seen++;
    if (pace > 0 && this.seen % 50 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const rc = this.getRuntimeContext();
    // Wait for a completed checkpoint (tests expect a restart from one; a busy machine may complete none by
    // failAt). In dynamic mode the bounded pattern stream has finished by then: checkpoints go on after
    // tasks finished, and the restart restores it finished.
    const ready = this.completed > 0;
    if (fault === 'throw' && !this.failed && rc.getAttemptNumber() === 0 && this.seen >= failAt && ready && rc.getIndexOfThisSubtask() === 0) {
      this.failed = true;
      throw new Error(`injected failure at record ${this.seen}`);
    }
    return v;
  }
}

const env = StreamEnvironment.create({ parallelism: p, stateBackend: backend });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 0));
const txs = env
  .fromSequence(0, n - 1)
  .map(new Fault())
  .name('fault')
  .map(tx)
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Tx>(50).withTimestampAssigner((t) => t.ts))
  .keyBy((t) => t.card);

const byIndex = (a: Tx, b: Tx) => a.i - b.i;
const render = (card: number, small: Tx, large: Tx, tag: string) => `${tag}${card}:${small.i}>${large.i}`;

if (mode === 'pattern') {
  const fraud = Pattern.begin<Tx>('small', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((t) => t.kind === 'pay' && t.amount < 1)
    .notFollowedBy('confirm').where((t) => t.kind === 'confirm')
    .followedBy('large').where((t) => t.kind === 'pay' && t.amount > 500)
    .within(2000);
  await CEP.pattern(txs, fraud, { comparator: byIndex })
    .select((m) => render(m.get('small')![0]!.card, m.get('small')![0]!, m.get('large')![0]!, ''))
    .uid('cep')
    .executeAndCollect('cep-fraud');
} else {
  const spec = (version: number, large: number) => ({
    id: 'fraud', version, fields: { kind: 'string', amount: 'number' } as const,
    stages: [
      { name: 'small', where: "kind == 'pay' && amount < 1" },
      { name: 'confirm', contiguity: 'notFollowedBy' as const, where: "kind == 'confirm'" },
      { name: 'large', contiguity: 'followedBy' as const, where: `kind == 'pay' && amount > ${large}` },
    ],
    within: 2000, skip: 'skipPastLastEvent' as const,
  });
  const updates = env
    .fromCollection<PatternUpdate & { at: number }>([
      { op: 'upsert', spec: spec(1, 500), at: -1000 },
      { op: 'upsert', spec: spec(2, 800), at: 20_000 },
    ])
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<PatternUpdate & { at: number }>().withTimestampAssigner((u) => u.at));
  await CEP.dynamicPatterns(txs, updates, { fields: { kind: 'string', amount: 'number' }, comparator: byIndex })
    .uid('cep')
    .map((m) => render(m.match.get('small')![0]!.card, m.match.get('small')![0]!, m.match.get('large')![0]!, `v${m.version}:`))
    .executeAndCollect('cep-fraud-dynamic');
}
