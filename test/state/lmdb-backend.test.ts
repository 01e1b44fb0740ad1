/** lmdb-specific behaviour: shared slot environments, limits, list order across restores, dispose. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EddyError, KeyGroupRange, ManualClock } from '../../src/core/index.ts';
import { createKeyedStateBackend, ListStateDescriptor, ValueStateDescriptor, type KeyedStateBackend } from '../../src/state/index.ts';

function lmdb(dir: string, operatorId: string, range = new KeyGroupRange(0, 127)): KeyedStateBackend {
  return createKeyedStateBackend({ kind: 'lmdb', dir, operatorId, maxParallelism: 128, keyGroupRange: range, clock: new ManualClock(0) });
}

test('operators of a slot share one environment; each keeps its own data; dispose is idempotent', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    const a = lmdb(dir, 'a');
    const b = lmdb(dir, 'b');
    const c = lmdb(dir, 'a', new KeyGroupRange(0, 63)); // same operator id, other subtask: separate database
    const d = new ValueStateDescriptor<string>('v');
    a.setCurrentKey('k');
    a.getState(d).update('from a');
    b.setCurrentKey('k');
    b.getState(d).update('from b');
    assert.equal(a.getState(d).value(), 'from a');
    assert.deepEqual([...c.getKeys('v')], []);
    a.dispose();
    a.dispose();
    assert.equal(b.getState(d).value(), 'from b', 'the environment stays open for the other operator');
    b.dispose();
    c.dispose();
    // A new backend in the same directory starts empty (working copy; durability is the checkpoint's job).
    const again = lmdb(dir, 'b');
    again.setCurrentKey('k');
    assert.equal(again.getState(d).value(), undefined);
    again.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('long keys and bad namespaces are rejected with clear errors', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    const b = lmdb(dir, 'x');
    assert.throws(() => b.setCurrentKey('x'.repeat(5000)), (e: unknown) => e instanceof EddyError && /key too long/.test(e.message));
    b.setCurrentKey('ok');
    const s = b.getState(new ValueStateDescriptor<number>('s'));
    assert.throws(() => s.setCurrentNamespace({ w: 1 } as unknown as string), /namespace must be a string or a number/);
    s.setCurrentNamespace(-0);
    s.update(1);
    s.setCurrentNamespace(0);
    assert.equal(s.value(), 1);
    b.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('list order survives appends, merges and a restore; large lists are not rewritten per add', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-lmdb-test-'));
  try {
    const b = lmdb(dir, 'l');
    const d = new ListStateDescriptor<number>('l');
    const l = b.getListState(d);
    b.setCurrentKey(1);
    b.batch(() => {
      for (let i = 0; i < 5000; i++) {
        l.setCurrentNamespace(i % 2);
        l.add(i);
      }
    });
    l.mergeNamespaces(0, [1]);
    l.setCurrentNamespace(0);
    const got = l.get();
    // namespace 0 (the evens, in order) followed by the merged namespace 1 (the odds, in order)
    const evens = Array.from({ length: 2500 }, (_, i) => 2 * i);
    assert.deepEqual(got, [...evens, ...evens.map((v) => v + 1)]);
    const c = lmdb(dir, 'l2');
    c.restore([b.snapshot(1)]);
    c.setCurrentKey(1);
    const l2 = c.getListState(d);
    l2.setCurrentNamespace(0);
    l2.add(-1);
    assert.deepEqual(l2.get(), [...got, -1]);
    b.dispose();
    c.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
