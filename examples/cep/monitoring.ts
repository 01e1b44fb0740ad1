/**
 * A monitoring rule that changes while the job runs: dynamic patterns (beyond Flink), standalone for now.
 *
 * Readings from 20 hosts flow in; pattern updates arrive on a second stream (in a job: a broadcast stream).
 * Version 1 of the rule "overheat" fires on two readings above 90 °C within 10 s. At t = 60 s an operator
 * changes it (version 2: three rising readings above 80 °C within 20 s); at t = 120 s a second rule is
 * added, and at t = 150 s a bad update (a typo in a field name) is rejected without disturbing anything.
 * Every alert says which rule and version produced it. The registry is shared; each host has its own
 * `DynamicPatternSet`, as each key will in the operator.
 *
 * Run: node --import tsx examples/cep/monitoring.ts
 */
import { DynamicPatternSet, PatternRegistry, PatternSpecError, type PatternUpdate } from '../../src/cep/index.ts';

interface Reading {
  host: string;
  temp: number;
  fan: number;
  ts: number;
}

const updates: Array<[at: number, update: PatternUpdate]> = [
  [0, { op: 'upsert', spec: {
    id: 'overheat', version: 1,
    stages: [{ name: 'hot', where: 'temp > 90', times: 2 }],
    within: 10_000, skip: 'skipPastLastEvent',
  } }],
  [60_000, { op: 'upsert', spec: {
    id: 'overheat', version: 2,
    stages: [{ name: 'hot', where: 'temp > 80 && (count("hot") == 0 || temp > last("hot", "temp"))', times: 3 }],
    within: 20_000, skip: 'skipPastLastEvent',
  } }],
  [120_000, { op: 'upsert', spec: {
    id: 'fan-failure', version: 1,
    stages: [
      { name: 'stopped', where: 'fan < 100' },
      { name: 'recovered', contiguity: 'notFollowedBy', where: 'fan >= 100' },
      { name: 'hot', contiguity: 'followedBy', where: 'temp > 85' },
    ],
    within: 20_000, skip: 'skipPastLastEvent',
  } }],
  [150_000, { op: 'upsert', spec: { id: 'overheat', version: 3, stages: [{ name: 'hot', where: 'tmp > 95' }] } }],
];

function* readings(seconds: number): Generator<Reading> {
  let s = 99;
  const rnd = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 4294967296);
  for (let ts = 0; ts < seconds * 1000; ts += 50) {
    const host = `host-${Math.floor(rnd() * 20)}`;
    const hot = rnd() < 0.15;
    yield { host, temp: Math.round(hot ? 80 + rnd() * 20 : 40 + rnd() * 30), fan: rnd() < 0.03 ? 0 : 1200, ts };
  }
}

function main(): void {
  const registry = new PatternRegistry<Reading>({ fields: { host: 'string', temp: 'number', fan: 'number' } });
  const perHost = new Map<string, DynamicPatternSet<Reading>>();
  const counts = new Map<string, number>();
  let next = 0;
  for (const r of readings(180)) {
    while (next < updates.length && updates[next]![0] <= r.ts) {
      const [at, u] = updates[next++]!;
      try {
        const result = registry.apply(u);
        console.log(`t=${at / 1000}s update ${u.op} ${u.op === 'upsert' ? `${u.spec.id} v${u.spec.version}` : u.id}: ${result}`);
      } catch (e) {
        if (!(e instanceof PatternSpecError)) throw e;
        console.log(`t=${at / 1000}s update rejected, running rules unchanged:\n  ${e.message}`);
      }
    }
    let set = perHost.get(r.host);
    if (set === undefined) perHost.set(r.host, (set = new DynamicPatternSet(registry)));
    for (const m of set.process(r, r.ts)) {
      const key = `${m.patternId} v${m.version}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (counts.get(key)! <= 2) {
        const temps = [...m.match.values()].flat().map((x) => x.temp).join(', ');
        console.log(`t=${(r.ts / 1000).toFixed(1)}s ALERT [${key}] ${r.host}: ${temps}`);
      }
    }
  }
  console.log('alerts by rule:', Object.fromEntries(counts));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
