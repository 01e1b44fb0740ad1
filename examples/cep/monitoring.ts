/**
 * A monitoring rule that changes while the job runs: dynamic patterns (beyond Flink) in an eddy job.
 *
 * Readings from 20 hosts are keyed by host; rule updates arrive on a second stream that reaches every
 * subtask (`CEP.dynamicPatterns`). Version 1 of "overheat" fires on two readings above 90 °C within 10 s.
 * At t = 60 s it is replaced (v2: three rising readings above 80 °C within 20 s); at t = 120 s a second
 * rule is added, and at t = 150 s a bad update (a typo in a field name) is rejected — it goes to a side
 * output with the reason, and the running rules keep going. Updates carry event timestamps and take effect
 * when the watermark reaches them, so the output is the same on every run, restarts included. Every alert
 * names the rule and version that produced it.
 *
 * Run: node bin/eddy.mjs run examples/cep/monitoring.ts [seconds=180] [p=1] [collect=true]
 */
import { StreamEnvironment, WatermarkStrategy, OutputTag, jobParameters } from 'eddy';
import { CEP, type PatternUpdate, type RejectedPatternUpdate, type TaggedMatch } from 'eddy/cep';

export interface Reading {
  host: string;
  temp: number;
  fan: number;
  ts: number;
}

/** A rule update and the event time it takes effect at. */
export type TimedUpdate = PatternUpdate & { at: number };

export const updates: TimedUpdate[] = [
  { at: 0, op: 'upsert', spec: {
    id: 'overheat', version: 1,
    stages: [{ name: 'hot', where: 'temp > 90', times: 2 }],
    within: 10_000, skip: 'skipPastLastEvent',
  } },
  { at: 60_000, op: 'upsert', spec: {
    id: 'overheat', version: 2,
    stages: [{ name: 'hot', where: 'temp > 80 && (count("hot") == 0 || temp > last("hot", "temp"))', times: 3 }],
    within: 20_000, skip: 'skipPastLastEvent',
  } },
  { at: 120_000, op: 'upsert', spec: {
    id: 'fan-failure', version: 1,
    stages: [
      { name: 'stopped', where: 'fan < 100' },
      { name: 'recovered', contiguity: 'notFollowedBy', where: 'fan >= 100' },
      { name: 'hot', contiguity: 'followedBy', where: 'temp > 85' },
    ],
    within: 20_000, skip: 'skipPastLastEvent',
  } },
  { at: 150_000, op: 'upsert', spec: { id: 'overheat', version: 3, stages: [{ name: 'hot', where: 'tmp > 95' }] } },
];

/** Reading `i`: one every 50 ms from a random host (seeded). */
export function reading(i: number): Reading {
  let s = Math.imul(i + 7, 2654435761) >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 48271) + 11) >>> 0) / 4294967296);
  const host = `host-${Math.floor(rnd() * 20)}`;
  const hot = rnd() < 0.15;
  return { host, temp: Math.round(hot ? 80 + rnd() * 20 : 40 + rnd() * 30), fan: rnd() < 0.03 ? 0 : 1200, ts: i * 50 };
}

/** `t=61.2s [overheat v2] host-3: 84, 88, 93`. */
export function describe(m: TaggedMatch<Reading>): string {
  const events = [...m.match.values()].flat();
  const last = events[events.length - 1]!;
  return `t=${(last.ts / 1000).toFixed(1)}s [${m.patternId} v${m.version}] ${last.host}: ${events.map((e) => e.temp).join(', ')}`;
}

const { seconds = 180, p = 1, collect = false } = jobParameters<{ seconds?: number; p?: number; collect?: boolean }>();
const REJECTED = new OutputTag<RejectedPatternUpdate>('rejected-updates');

const env = StreamEnvironment.create({ parallelism: p });
const readings = env
  .fromSequence(0, seconds * 20 - 1)
  .map(reading)
  .name('readings')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Reading>().withTimestampAssigner((r) => r.ts));
const ruleUpdates = env
  .fromCollection(updates, 'rule updates')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<TimedUpdate>().withTimestampAssigner((u) => u.at));

const matches = CEP.dynamicPatterns(readings.keyBy((r) => r.host), ruleUpdates, {
  fields: { host: 'string', temp: 'number', fan: 'number' },
  rejectedUpdatesTag: REJECTED,
}).uid('rules');
const alerts = matches.map(describe);

if (collect) {
  await alerts.executeAndCollect('cep-monitoring');
} else {
  alerts.print();
  matches.getSideOutput(REJECTED).map((r) => `REJECTED update: ${r.reason}`).print();
  await env.execute('cep-monitoring');
}
