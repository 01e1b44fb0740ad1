// Format compatibility of the CEP operator's state: harness snapshots written by an earlier version of the
// operator (fixtures/operator-snapshot-v1.bin: NFAs, events waiting in `cep-event-buffer`, their timers)
// restore into this version and continue exactly like a straight run of the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deserialize } from 'node:v8';
import { OperatorHarness, type HarnessSnapshot } from '../../src/testing/index.ts';
import { actions, build, observed, run } from './fixtures/operator-snapshot-scenario.ts';

const fixture = deserialize(readFileSync(new URL('./fixtures/operator-snapshot-v1.bin', import.meta.url))) as {
  version: 1;
  snapshots: Array<{ split: number; snapshot: HarnessSnapshot; before: string[] }>;
};

test('CEP operator snapshots of format v1 restore and continue like a straight run', () => {
  const list = actions();
  const straight = OperatorHarness.of(build, { stateBackend: 'heap' });
  run(straight, list);
  const expected = observed(straight).sort();
  straight.close();
  assert.ok(expected.filter((l) => l.startsWith('out')).length >= 3 && expected.some((l) => l.startsWith('timeout')) && expected.some((l) => l.startsWith('late')));
  assert.equal(fixture.snapshots.length, 3);
  for (const { split, snapshot, before } of fixture.snapshots) {
    for (const stateBackend of ['heap', 'lmdb'] as const) {
      const h = OperatorHarness.restore(build, snapshot, { stateBackend });
      run(h, list.slice(split));
      assert.deepEqual([...before, ...observed(h)].sort(), expected, `split at ${split} on ${stateBackend}`);
      h.close();
    }
  }
});
