// User loggers through a real job run by the `eddy` command: records written in worker threads by
// getRuntimeContext().getLogger() reach the CLI's pino log (JSON lines on stderr) with the job, operator and
// subtask fields, and --log-level decides which are written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eddy, repo, tempDir } from '../cli/eddy-process.ts';

const T = { timeout: 120_000 };

interface Rec {
  level: number;
  msg: string;
  job_name?: string;
  job_id?: string;
  operator?: string;
  operator_id?: string;
  subtask?: number;
  [k: string]: unknown;
}

function records(stderr: string): Rec[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Rec);
}

test('user logger: records from the workers carry job, operator and subtask, at --log-level debug', T, (t) => {
  const r = eddy(['run', repo('test/metrics/jobs/logging.ts'), '--no-rest', '--log-level', 'debug', 'n=1000'], tempDir(t));
  assert.equal(r.status, 0, r.stderr);
  const user = records(r.stderr).filter((x) => x.operator === 'logged map');
  const opened = user.filter((x) => x.msg === 'logged map opened');
  assert.deepEqual(opened.map((x) => x.subtask).sort(), [0, 1]);
  for (const o of opened) {
    assert.equal(o.level, 30);
    assert.equal(o.job_name, 'logging');
    assert.match(o.job_id!, /^[0-9a-f]{32}$/);
    assert.match(o.operator_id!, /\S/);
    assert.equal(o.phase, 'open');
    assert.equal(o.parallelism, 2);
  }
  // 0, 100, …, 900: ten multiples of 100, each logged by whichever subtask got it
  const debug = user.filter((x) => x.msg === 'a multiple of 100');
  assert.deepEqual(debug.map((x) => x.x as number).sort((a, b) => a - b), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  assert.ok(debug.every((x) => x.level === 20 && (x.subtask === 0 || x.subtask === 1)));
  const warn = user.filter((x) => x.msg === 'odd value');
  assert.equal(warn.length, 1);
  assert.equal(warn[0]!.level, 40);
  const err = warn[0]!.err as { type: string; message: string; stack: string };
  assert.deepEqual([err.type, err.message], ['RangeError', 'seven is suspicious']);
  assert.match(err.stack, /logging\.ts/);
});

test('user logger: --log-level warn drops info and debug records in the workers', T, (t) => {
  const r = eddy(['run', repo('test/metrics/jobs/logging.ts'), '--no-rest', '--log-level', 'warn', 'n=1000'], tempDir(t));
  assert.equal(r.status, 0, r.stderr);
  const user = records(r.stderr).filter((x) => x.operator === 'logged map');
  assert.deepEqual(user.map((x) => x.msg), ['odd value']);
});
