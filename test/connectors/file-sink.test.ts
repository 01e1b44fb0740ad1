// FileSink: part files move in-progress → pending → committed; only committed files are visible; a
// checkpointed job with no fault, an exception or a dying worker commits every record exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';
import type { SinkWriterContext } from 'eddy';
import { FileSink, FileSinkCommitter, parsePartName, type FileSinkCommittable } from 'eddy/connectors/file';

const JOB = new URL('../jobs/file-sink-job.ts', import.meta.url);
const cfg = { partPrefix: 'part', partSuffix: '' };

function ctx(subtaskIndex = 0, attemptNumber = 0, parallelism = 1): SinkWriterContext {
  return { subtaskIndex, parallelism, jobName: 'fs-test', attemptNumber, checkpointing: true };
}

/** Lines of the committed (visible) files in `dir`. */
function committedLines(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    if (n.startsWith('.')) continue;
    out.push(...readFileSync(join(dir, n), 'utf8').split('\n').filter((l) => l !== ''));
  }
  return out;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'eddy-fsink-'));
}

test('part files: in-progress and pending are hidden, committed on commit, commit is idempotent', () => {
  const dir = tmp();
  try {
    const sink = FileSink.forRowFormat<unknown>(dir).withMaxRecordsPerPart(2).build();
    const w = sink.createWriter(ctx());
    w.write('a', 0);
    w.write({ b: 1 }, 0);
    w.write(3, 0);
    w.flush(false);
    assert.deepEqual(readdirSync(dir).sort(), ['.part-0-0.pending', '.part-0-1.inprogress']);
    assert.deepEqual(committedLines(dir), []);
    const cs = w.prepareCommit!(1) as FileSinkCommittable[];
    assert.deepEqual(cs.map((c) => c.pending), ['.part-0-0.pending', '.part-0-1.pending']);
    assert.deepEqual(committedLines(dir), []);
    const committer = sink.createCommitter();
    committer.commit(cs);
    committer.commit(cs); // again, as after a restore: a no-op
    assert.deepEqual(readdirSync(dir).sort(), ['part-0-0', 'part-0-1']);
    assert.deepEqual(committedLines(dir), ['a', '{"b":1}', '3']);
    assert.deepEqual(w.snapshotState!(1), [{ subtask: 0, nextCounter: 2 }]);
    w.close();
    assert.throws(() => new FileSinkCommitter().commit([{ dir, pending: '.part-9-9.pending', committed: 'part-9-9' }]), /neither it nor its pending file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restore discards files written after the checkpoint and keeps pending ones of the checkpoint', () => {
  const dir = tmp();
  try {
    const sink = FileSink.forRowFormat<string>(dir).withMaxRecordsPerPart(2).build();
    const w = sink.createWriter(ctx());
    w.write('x1', 0);
    const cs = w.prepareCommit!(1) as FileSinkCommittable[];
    const state = w.snapshotState!(1);
    w.write('y1', 0);
    w.write('y2', 0); // rolls: .part-0-1.pending (after the checkpoint)
    w.write('y3', 0); // .part-0-2.inprogress
    w.flush(false);
    // a hidden file of subtask 1 (another writer's at parallelism 2), and an unrelated file, are left alone
    writeFileSync(join(dir, '.part-1-5.inprogress'), 'other\n');
    writeFileSync(join(dir, 'README'), 'hi\n');
    // the worker dies; the next attempt restores the checkpoint's state
    const w2 = sink.createWriter(ctx(0, 1, 2), state);
    sink.createCommitter().commit(cs); // the sink operator re-commits the restored committables
    assert.deepEqual(readdirSync(dir).sort(), ['.part-1-5.inprogress', 'README', 'part-0-0']);
    // at parallelism 1, writer 0 owns subtask 1's files: that hidden file (no restored state covers it) goes
    sink.createWriter(ctx(0, 2, 1), state).close();
    assert.deepEqual(readdirSync(dir).sort(), ['README', 'part-0-0']);
    w2.write('z', 0);
    const cs2 = w2.prepareCommit!(2) as FileSinkCommittable[];
    assert.deepEqual(cs2.map((c) => c.committed), ['part-0-1']);
    sink.createCommitter().commit(cs2);
    assert.deepEqual(committedLines(dir).filter((l) => l !== 'hi'), ['x1', 'z']);
    // a fresh writer (no state) never reuses a part number present in the directory
    const w3 = sink.createWriter(ctx(0, 0));
    w3.write('q', 0);
    assert.deepEqual((w3.prepareCommit!(1) as FileSinkCommittable[]).map((c) => c.pending), ['.part-0-2.pending']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('part names parse back; prefix/suffix options validate', () => {
  const c2 = { partPrefix: 'out', partSuffix: '.jsonl' };
  assert.deepEqual(parsePartName(c2, '.out-3-14.jsonl.pending'), { name: '.out-3-14.jsonl.pending', subtask: 3, counter: 14, stage: 'pending' });
  assert.equal(parsePartName(c2, 'out-3-14.jsonl')?.stage, 'committed');
  assert.equal(parsePartName(cfg, '.part-1-2'), undefined);
  assert.throws(() => FileSink.forRowFormat('/tmp/x').withPartPrefix('.hidden'), /must be non-empty, not start with '\.'/);
});

const N = 6_000;
const expected = Array.from({ length: N }, (_, i) => (i + 1) % 2 === 0 ? `line ${i + 1}` : JSON.stringify({ v: i + 1 })).sort();

for (const fault of ['none', 'throw', 'exit']) {
  test(`checkpointed job, fault '${fault}': committed files hold every record exactly once`, async () => {
    const dir = tmp();
    const log: string[] = [];
    try {
      const r = await runJob(JOB, {
        params: { dir: join(dir, 'out'), n: N, fault, failAt: 300, pace: 20 },
        checkpointDir: join(dir, 'chk'),
        log: (l) => log.push(l),
      });
      assert.equal(r.restarts, fault === 'none' ? 0 : 1, log.join('\n'));
      if (fault !== 'none') assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
      const files = readdirSync(join(dir, 'out'));
      assert.deepEqual(files.filter((f) => f.startsWith('.')), [], 'no in-progress/pending files remain');
      assert.ok(files.every((f) => /^part-[01]-\d+\.txt$/.test(f)), files.join(' '));
      assert.deepEqual(committedLines(join(dir, 'out')).sort(), expected);
      assert.equal(liveWorkerCount(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
