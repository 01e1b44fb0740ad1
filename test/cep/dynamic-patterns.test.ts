// Dynamic patterns: JSON specs compiled to patterns, validation errors naming pattern/stage/position,
// and a pattern set whose patterns are added, replaced and removed while events flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compilePatternSpec, DynamicPatternSet, PatternRegistry, PatternSpecError, type PatternSpec, type TaggedMatch,
} from '../../src/cep/index.ts';

type Tx = { kind: string; amount: number };
const fields = { kind: 'string', amount: 'number' } as const;
const tx = (kind: string, amount = 0): Tx => ({ kind, amount });
const render = (ms: TaggedMatch<Tx>[]) =>
  ms.map((m) => `${m.patternId}@${m.version}: ${[...m.match].map(([k, v]) => `${k}=${v.map((e) => e.amount).join(',')}`).join(' ')}`);

const fraud: PatternSpec = {
  id: 'fraud', version: 1,
  stages: [
    { name: 'small', where: 'kind == "pay" && amount < 1' },
    { name: 'confirm', contiguity: 'notFollowedBy', where: 'kind == "confirm"' },
    { name: 'large', contiguity: 'followedBy', where: 'kind == "pay" && amount > 500' },
  ],
  within: 60_000,
  skip: 'skipPastLastEvent',
};

test('a JSON spec compiles to the same matches as the equivalent builder pattern', () => {
  const set = new DynamicPatternSet<Tx>(new PatternRegistry({ fields }));
  assert.equal(set.apply({ op: 'upsert', spec: fraud }), 'added');
  const input: Array<[Tx, number]> = [[tx('pay', 0.5), 0], [tx('pay', 700), 1000], [tx('pay', 0.2), 2000], [tx('confirm'), 3000], [tx('pay', 900), 4000], [tx('pay', 0.1), 5000], [tx('pay', 800), 70_000]];
  const out = input.flatMap(([e, ts]) => set.process(e, ts));
  assert.deepEqual(render(out), ['fraud@1: small=0.5 large=700']);
});

test('quantifiers, groups, skip objects and within types in specs', () => {
  const spec: PatternSpec = {
    id: 'q', version: 1, fields: { v: 'number' },
    stages: [
      { name: 'a', where: 'v == 1' },
      { group: [{ name: 'b', where: 'v == 2' }, { name: 'c', contiguity: 'next', where: 'v == 3' }], contiguity: 'followedBy', times: [1, 2] },
      { name: 'd', where: 'v == 4 && count("b") >= 1', contiguity: 'followedByAny', within: { ms: 100, type: 'previous-and-current' } },
    ],
    skip: { strategy: 'skipToLast', stage: 'b', throwExceptionOnMiss: true },
  };
  const c = compilePatternSpec<{ v: number }>(spec);
  assert.equal(c.skip.toString(), 'skip-to-last("b").throwExceptionOnMiss()');
  const set = new DynamicPatternSet<{ v: number }>();
  set.registry.upsert(spec);
  const out = [1, 2, 3, 2, 3, 4].flatMap((v, i) => set.process({ v }, i));
  assert.deepEqual(out.map((m) => [...m.match.values()].flat().map((e) => e.v).join('')), ['122334']);
});

function rejects(spec: unknown, message: RegExp): void {
  assert.throws(() => compilePatternSpec(spec as PatternSpec, fields), (e: unknown) => {
    assert.ok(e instanceof PatternSpecError, String(e));
    assert.match(e.message, message);
    return true;
  });
}

test('invalid specs are rejected with the pattern, version, stage and position', () => {
  const stage = (s: object) => ({ id: 'p', version: 2, stages: [{ name: 'a', where: 'amount > 1' }, s] });
  rejects(stage({ name: 'b', where: 'amont > 1' }), /dynamic pattern "p" v2, stages\[1\] \("b"\)\.where: unknown field "amont" .* at position 0/);
  rejects(stage({ name: 'b', where: 'amount >' }), /stages\[1\] \("b"\)\.where: expected a value, found end of input at position 8/);
  rejects(stage({ name: 'b', contiguity: 'after' }), /stages\[1\] \("b"\): unknown contiguity "after"/);
  rejects(stage({ name: 'b', colour: 'red' }), /stages\[1\] \("b"\): unknown key "colour"/);
  rejects(stage({ name: 'b', contiguity: 'notFollowedBy', times: 2 }), /stages\[1\] \("b"\): CEP pattern stage "b": times\(\) does not apply to a not-stage/);
  rejects(stage({ name: 'a' }), /stage "a": duplicate stage name/);
  rejects(stage({ name: 'b', times: [3, 2] }), /maximum is smaller/);
  rejects({ id: 'p', version: 0, stages: [] }, /"version" must be an integer >= 1/);
  rejects({ id: 'p', version: 1, stages: [] }, /stages must be a non-empty array/);
  rejects({ id: 'p', version: 1, stages: [{ name: 'a', contiguity: 'next' }] }, /the first stage has no contiguity/);
  rejects({ id: 'p', version: 1, stages: [{ name: 'a' }], skip: 'skipSideways' }, /unknown strategy "skipSideways"/);
  rejects({ id: 'p', version: 1, stages: [{ name: 'a' }], extra: 1 }, /unknown key "extra"/);
  rejects({ id: 'p', version: 1, stages: [{ name: 'a' }], fields: { x: 'date' } }, /unknown type "date"/);
});

test('a trailing notFollowedBy without within is rejected when registered', () => {
  const r = new PatternRegistry<Tx>({ fields });
  assert.throws(() => r.upsert({ id: 'n', version: 1, stages: [{ name: 'a' }, { name: 'b', contiguity: 'notFollowedBy' }] }),
    (e: unknown) => e instanceof PatternSpecError && /"n" v1: CEP pattern stage "b": notFollowedBy as the last stage needs within/.test(e.message));
});

test('a rejected update leaves the running patterns untouched', () => {
  const set = new DynamicPatternSet<Tx>(new PatternRegistry({ fields }));
  set.apply({ op: 'upsert', spec: fraud });
  set.process(tx('pay', 0.5), 0);
  const bad = { ...fraud, version: 2, stages: [{ name: 'small', where: 'amount <' }] };
  assert.throws(() => set.apply({ op: 'upsert', spec: bad }), PatternSpecError);
  assert.equal(set.registry.get('fraud')!.version, 1);
  assert.deepEqual(render(set.process(tx('pay', 600), 10)), ['fraud@1: small=0.5 large=600']);
});

test('replace drops partial matches, the new version starts clean; remove drops everything', () => {
  const registry = new PatternRegistry<Tx>({ fields });
  const set = new DynamicPatternSet<Tx>(registry);
  registry.upsert(fraud);
  set.process(tx('pay', 0.5), 0);
  assert.equal(set.partialMatchCounts().get('fraud'), 1);
  const v2: PatternSpec = { ...fraud, version: 2, stages: [fraud.stages[0]!, { name: 'large', where: 'kind == "pay" && amount > 100' }] };
  assert.equal(registry.upsert(v2), 'replaced');
  assert.deepEqual(set.process(tx('pay', 600), 10), []); // the v1 partial match (0.5) is gone
  assert.equal(set.droppedOnUpdate, 1);
  set.process(tx('pay', 0.3), 20);
  assert.deepEqual(render(set.process(tx('pay', 150), 30)), ['fraud@2: small=0.3 large=150']);
  set.process(tx('pay', 0.3), 40);
  assert.equal(registry.remove('fraud'), 'removed');
  assert.deepEqual(set.process(tx('pay', 150), 50), []);
  assert.equal(registry.remove('fraud'), 'absent');
});

test('updates are idempotent and ordered by version', () => {
  const registry = new PatternRegistry<Tx>({ fields });
  assert.equal(registry.apply({ op: 'upsert', spec: fraud }), 'added');
  assert.equal(registry.apply({ op: 'upsert', spec: structuredClone(fraud) }), 'unchanged');
  assert.equal(registry.apply({ op: 'upsert', spec: { ...fraud, version: 3 } }), 'replaced');
  assert.equal(registry.apply({ op: 'upsert', spec: { ...fraud, version: 2 } }), 'stale');
  assert.throws(() => registry.apply({ op: 'upsert', spec: { ...fraud, version: 3, within: 5 } }), /already registered with a different definition/);
  assert.throws(() => registry.apply({ op: 'rename' } as never), /unknown op/);
});

test('several patterns run side by side, each match tagged', () => {
  const set = new DynamicPatternSet<Tx>(new PatternRegistry({ fields }));
  set.apply({ op: 'upsert', spec: fraud });
  set.apply({ op: 'upsert', spec: { id: 'big', version: 7, stages: [{ name: 'x', where: 'amount >= 1000' }] } });
  set.process(tx('pay', 0.5), 0);
  assert.deepEqual(render(set.process(tx('pay', 2000), 1)), ['fraud@1: small=0.5 large=2000', 'big@7: x=2000']);
});

test('snapshot/restore of registry and set; a set restored against a newer version starts clean', () => {
  const registry = new PatternRegistry<Tx>({ fields });
  registry.upsert(fraud);
  const set = new DynamicPatternSet<Tx>(registry);
  set.process(tx('pay', 0.5), 0);
  const regSnap = structuredClone(registry.snapshot());
  const setSnap = structuredClone(set.snapshot());
  const registry2 = PatternRegistry.restore<Tx>(regSnap, { fields });
  const set2 = DynamicPatternSet.restore(registry2, setSnap);
  assert.deepEqual(render(set2.process(tx('pay', 600), 10)), ['fraud@1: small=0.5 large=600']);
  const registry3 = PatternRegistry.restore<Tx>(regSnap, { fields });
  registry3.upsert({ ...fraud, version: 2 });
  const set3 = DynamicPatternSet.restore(registry3, setSnap);
  assert.deepEqual(set3.process(tx('pay', 600), 10), []);
});
