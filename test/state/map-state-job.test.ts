// Keyed MapState end to end: put/get/contains/remove/entries/keys/values/isEmpty in a job on worker threads
// (keyed operator at parallelism 2), checkpointed, failing once and restarting from a checkpoint, on the
// heap and lmdb backends. The output must equal, line for line, a plain-Map model of the same logic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';

const JOB = new URL('../jobs/map-state.ts', import.meta.url);
const N = 4000;

/** The job's per-user logic on plain Maps (see test/jobs/map-state.ts). */
function model(n: number): string[] {
  const maps = new Map<number, Map<number, { sum: number; n: number }>>();
  const dump = (m: Map<number, { sum: number; n: number }>) => {
    const keys = [...m.keys()].sort((a, b) => a - b);
    const entries = keys.map((k) => `${k}=${m.get(k)!.sum}/${m.get(k)!.n}`);
    const values = keys.map((k) => m.get(k)!.sum).sort((a, b) => a - b);
    return `{${entries.join(',')}} keys=${keys.join(',')} values=${values.join(',')} empty=${m.size === 0}`;
  };
  const out: string[] = [];
  for (let v = 1; v <= n; v++) {
    const user = v % 7;
    let m = maps.get(user);
    if (m === undefined) maps.set(user, (m = new Map()));
    const item = Math.floor(v / 3) % 5;
    let action: string;
    if (v % 13 === 0) {
      action = `clear ${m.size}`;
      m.clear();
    } else if (v % 5 === 0) {
      const had = m.has(item);
      m.delete(item);
      action = `remove ${item} had=${had} now=false`;
    } else {
      const a = m.get(item) ?? { sum: 0, n: 0 };
      m.set(item, { sum: a.sum + v, n: a.n + 1 });
      action = `put ${item}`;
    }
    out.push(`${user} ${v} ${action} ${dump(m)}`);
  }
  for (const [user, m] of maps) out.push(`${user} end ${dump(m)}`);
  return out.sort();
}

const expected = model(N);

test('the model covers every MapState outcome', { timeout: 60_000 }, () => {
  // guards the oracle itself: removals of present and absent items, clears of non-empty maps, empty maps
  const all = expected.join('\n');
  for (const re of [/had=true/, /had=false/, /clear [1-5] /, /empty=true/, /empty=false/]) assert.match(all, re);
  assert.equal(expected.length, N + 7);
});

for (const stateBackend of ['heap', 'lmdb'] as const) {
  test(`${stateBackend}: MapState in a job that fails once and restarts from a checkpoint gives exactly the model's output`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-mapstate-'));
    const log: string[] = [];
    try {
      const r = await runJob(JOB, {
        stateBackend,
        params: { n: N, failAt: 2500 },
        checkpointDir: join(dir, 'chk'),
        stateDir: join(dir, 'state'),
        log: (l) => log.push(l),
      });
      assert.equal(r.restarts, 1, log.join('\n'));
      assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/, 'restored from a checkpoint, not from the beginning');
      const lines = r.collected as string[];
      // both keyed subtasks held users (the subtask is on the end lines only)
      const subtasks = new Set(lines.filter((l) => / end /.test(l)).map((l) => l.slice(l.lastIndexOf('@') + 1)));
      assert.deepEqual([...subtasks].sort(), ['0', '1']);
      const got = lines.map((l) => l.replace(/ @\d+$/, '')).sort();
      assert.equal(got.length, expected.length);
      assert.deepEqual(got, expected);
      assert.equal(liveWorkerCount(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
