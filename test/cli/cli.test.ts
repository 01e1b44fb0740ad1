// The `eddy` command end to end, as a user runs it (from a temporary working directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eddy, freePort, registration, repo, startEddy, tempDir, waitFor } from './eddy-process.ts';

const T = { timeout: 60_000 };
const COUNT = repo('examples/nexmark/count.ts'); // keyed rolling count; events=Infinity runs until stopped

test('eddy run --json prints a summary with per-operator counts', T, (t) => {
  const r = eddy(['run', repo('examples/nexmark/q2.ts'), '--parallelism', '2', '--json', 'events=20000'], tempDir(t));
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.status, 'finished');
  assert.equal(s.jobName, 'nexmark-q2');
  const src = s.operators.find((o: { name: string }) => o.name === 'bids');
  assert.equal(src.parallelism, 2);
  assert.equal(src.recordsOut, 18_400); // 46 of every 50 events are bids
  assert.equal(typeof s.durationMs, 'number');
});

test('eddy run prints a table summary without --json', T, (t) => {
  const r = eddy(['run', repo('examples/nexmark/q1.ts'), 'events=5000'], tempDir(t));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /job 'nexmark-q1' finished in/);
  assert.match(r.stderr, /q1: to euros\s+1\s+4600\s+4600/);
});

test('eddy run reports a failing job with the operator and exit code 1', T, (t) => {
  const r = eddy(['run', repo('test/jobs/failing.ts'), 'mode=throw'], tempDir(t));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error: operator 'explode'/);
  assert.match(r.stderr, /caused by: RangeError: bad value 1234/);
});

test('an invalid option in the job fails it even when -p overrides the option', T, (t) => {
  const r = eddy(['run', repo('test/api/jobs/configured.ts'), '-p', '2', 'options={"parallelism":0}'], tempDir(t));
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.split('\n')[0], "error: StreamEnvironment.create: option 'parallelism' must be an integer between 1 and 1024, got 0");
  // the same job with a valid value runs at the parallelism of -p
  const ok = eddy(['run', repo('test/api/jobs/configured.ts'), '-p', '2', '--json', 'options={"parallelism":1}'], tempDir(t));
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(
    JSON.parse(ok.stdout).operators.map((o: { name: string; parallelism: number }) => [o.name, o.parallelism]),
    [['fromElements', 2], ['times ten', 2], ['Collect', 2]],
  );
});

/** `eddy args…` must be refused as a bad invocation: exit 2, `error: <message>`, the usage line, nothing run. */
function assertBadInvocation(t: { after(fn: () => void): void }, args: string[], message: string, usage: string): void {
  const cwd = tempDir(t);
  const r = eddy(args, cwd);
  assert.equal(r.status, 2, `eddy ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '', `eddy ${args.join(' ')}`);
  assert.equal(r.stderr, `error: ${message}\nusage: ${usage}\n(${usage.split(' [')[0]} --help for details)\n`, `eddy ${args.join(' ')}`);
  assert.deepEqual(readdirSync(cwd), [], `eddy ${args.join(' ')} created files`);
}

const Q1 = repo('examples/nexmark/q1.ts');
const RUN = 'eddy run [options] <job> [params...]';

test('an unknown option, command or argument count exits 2 with the error and a usage line', T, (t) => {
  assertBadInvocation(t, ['run', Q1, '--bogus'], "unknown option '--bogus'", RUN);
  assertBadInvocation(t, ['run'], "missing required argument 'job'", RUN);
  assertBadInvocation(t, ['list', 'extra'], "too many arguments for 'list'. Expected 0 arguments but got 1.", 'eddy list [options]');
  assertBadInvocation(t, ['frob'], "unknown command 'frob'", 'eddy [options] [command]');
  assertBadInvocation(t, ['nexmark', 'generate'], "required option '--events <n>' not specified", 'eddy nexmark generate [options]');
  // no command at all: the help, as a bad invocation
  const r = eddy([], tempDir(t));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^Usage: eddy \[options\] \[command\]/);
});

test('a malformed option value or a missing job module exits 2 with the error and a usage line', T, (t) => {
  const invalid = (option: string, value: string, why: string) => `option '${option}' argument '${value}' is invalid. ${why}`;
  assertBadInvocation(t, ['run', Q1, '--parallelism', '0'], invalid('-p, --parallelism <n>', '0', '--parallelism must be an integer between 1 and 1024'), RUN);
  assertBadInvocation(t, ['run', Q1, '-p', '5000'], invalid('-p, --parallelism <n>', '5000', '--parallelism must be an integer between 1 and 1024'), RUN);
  assertBadInvocation(t, ['run', Q1, '--state-backend', 'rocksdb'], invalid('--state-backend <kind>', 'rocksdb', "--state-backend must be 'heap' or 'lmdb'"), RUN);
  assertBadInvocation(t, ['run', Q1, '--rest-port', '70000'], invalid('--rest-port <port>', '70000', '--rest-port must be an integer between 0 and 65535'), RUN);
  // the message names where the module was looked for
  const cwd = tempDir(t);
  const missing = eddy(['run', 'nope.ts'], cwd);
  assert.equal(missing.status, 2);
  assert.deepEqual(missing.stderr.split('\n').slice(0, 2), [`error: job module 'nope.ts' not found (looked at ${join(cwd, 'nope.ts')})`, `usage: ${RUN}`]);
});

test('malformed key=value job parameters exit 2 naming the parameter', T, (t) => {
  const NAME = '(a letter or _, then letters, digits, _, . or -)';
  assertBadInvocation(t, ['run', Q1, 'events'], "job parameter 'events' must look like key=value", RUN);
  assertBadInvocation(t, ['run', Q1, '=5'], `job parameter '=5': the key is empty ${NAME}`, RUN);
  assertBadInvocation(t, ['run', Q1, 'two words=5'], `job parameter 'two words=5': the key 'two words' is not a name ${NAME}`, RUN);
  assertBadInvocation(t, ['run', Q1, 'events=5', 'events=6'], "job parameter 'events' is given twice", RUN);
});

test('options that contradict each other exit 2 saying which', T, (t) => {
  assertBadInvocation(t, ['run', Q1, '--no-rest', '--rest-port', '8081'], '--rest-port and --no-rest contradict each other; give one of them', RUN);
  assertBadInvocation(t, ['run', Q1, '--incremental', '--state-backend', 'heap'], '--incremental applies to the lmdb state backend only, not to --state-backend heap', RUN);
});

test('--resume and --from-savepoint together are refused, saying why', T, (t) => {
  const sp = tempDir(t, 'eddy-sp-'); // exists: the refusal is not about the path
  assertBadInvocation(
    t,
    ['run', Q1, '--resume', '--from-savepoint', sp],
    '--resume and --from-savepoint cannot be used together: --resume restores the latest checkpoint of this job, --from-savepoint the savepoint you name; give one of them',
    RUN,
  );
});

test('--from-savepoint with a path that does not exist names the path', T, (t) => {
  const cwd = tempDir(t);
  const r = eddy(['run', Q1, '--from-savepoint', 'savepoints/none'], cwd);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.split('\n')[0], `error: --from-savepoint 'savepoints/none': no such savepoint (${join(cwd, 'savepoints/none')} does not exist)`);
  assert.equal(r.stderr.split('\n')[1], `usage: ${RUN}`);
  assert.deepEqual(readdirSync(cwd), []);
});

test('a REST port already in use is refused naming the port', T, async (t) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const cwd = tempDir(t);
  const run = startEddy(['run', Q1, '--rest-port', String(port)], cwd);
  t.after(() => run.stop());
  assert.equal(await run.exited, 2, run.stderr());
  assert.equal(
    run.stderr().split('\n')[0],
    `error: --rest-port ${port}: port ${port} is already in use on 127.0.0.1; choose another port, or leave out --rest-port for 8081 or any free one`,
  );
  assert.equal(run.stderr().split('\n')[1], `usage: ${RUN}`);
  assert.deepEqual(readdirSync(cwd), []);
});

test('eddy list shows running jobs; reports and skips files that are not registrations; drops stale ones', T, async (t) => {
  const cwd = tempDir(t);
  const jobs = join(cwd, '.eddy/jobs');
  mkdirSync(jobs, { recursive: true });
  assert.deepEqual([eddy(['list'], cwd).status, eddy(['list'], cwd).stdout], [0, '']);

  const run = startEddy(['run', COUNT, 'events=Infinity', '--no-progress'], cwd);
  t.after(() => run.stop());
  const reg = await registration(cwd, run);
  assert.equal(reg.name, 'nexmark-count');
  assert.match(reg.url, /^http:\/\/127\.0\.0\.1:\d+$/);

  writeFileSync(join(jobs, 'broken.json'), '{"id": "abc", ');
  writeFileSync(join(jobs, 'other.json'), '{"hello": "world"}');
  const dead = eddy(['nexmark', 'generate', '--events', '0'], cwd).pid!; // a process that has ended
  writeFileSync(join(jobs, 'stale.json'), JSON.stringify({ id: 'stale', name: 'gone', pid: dead, url: 'http://127.0.0.1:1' }));
  writeFileSync(join(jobs, 'notes.txt'), 'not a registration, not a .json file');

  const r = eddy(['list'], cwd);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${reg.id}  nexmark-count  pid ${run.child.pid}  ${reg.url}\n`);
  assert.equal(
    r.stderr,
    "warning: skipped .eddy/jobs/broken.json: not valid JSON (Expected double-quoted property name in JSON at position 14)\n" +
      'warning: skipped .eddy/jobs/other.json: not a job registration (needs id, name, pid and url)\n',
  );
  // the stale registration is removed, the unreadable files are left for their owner
  assert.deepEqual(readdirSync(jobs).sort(), ['broken.json', 'notes.txt', 'other.json', `${reg.id}.json`].sort());

  // SIGTERM cancels the job; its registration goes with it
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 130, run.stderr());
  assert.equal(existsSync(join(jobs, `${reg.id}.json`)), false);
});

test('--rest-port serves the REST API on that port and registers its URL', T, async (t) => {
  const cwd = tempDir(t);
  const port = await freePort();
  const run = startEddy(['run', COUNT, 'events=Infinity', '--rest-port', String(port), '--no-progress'], cwd);
  t.after(() => run.stop());
  const reg = await registration(cwd, run);
  assert.equal(reg.url, `http://127.0.0.1:${port}`);
  // registered as soon as it starts (INITIALIZING while its workers load the job), then RUNNING
  const jobs = await waitFor('the job to run', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/jobs`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { jobs: { status: string }[] };
    return body.jobs[0]?.status === 'RUNNING' ? body : undefined;
  });
  assert.deepEqual(jobs, { jobs: [{ id: reg.id, name: 'nexmark-count', status: 'RUNNING' }] });
  // cancelled through the API, the run ends as cancelled
  assert.equal((await fetch(`http://127.0.0.1:${port}/jobs/${reg.id}`, { method: 'PATCH' })).status, 202);
  assert.equal(await run.exited, 130, run.stderr());
  assert.match(run.stderr(), /job cancelled; all workers stopped/);
});

test('--incremental: an lmdb job writes incremental checkpoints (deltas in the shared directory)', T, (t) => {
  const cwd = tempDir(t);
  const r = eddy(['run', COUNT, 'events=400000', 'checkpoint=50', '-p', '2', '--state-backend', 'lmdb', '--incremental', '--json', '--no-rest'], cwd);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.status, 'finished');
  assert.equal(s.operators.find((o: { name: string }) => o.name === 'bids').recordsOut, 368_000);
  assert.ok(s.checkpoints.completed >= 1, JSON.stringify(s.checkpoints));
  const shared = join(cwd, '.eddy/checkpoints/nexmark-count/shared');
  assert.ok(existsSync(shared), 'incremental checkpoints keep their files in <checkpoint dir>/<job>/shared');
  const deltas = readdirSync(shared).filter((f) => f.endsWith('.delta'));
  assert.ok(deltas.length >= 1, readdirSync(shared).join(', '));
});

test('eddy nexmark generate writes JSON lines with the Nexmark mix', T, (t) => {
  const r = eddy(['nexmark', 'generate', '--events', '100', '--seed', '3'], tempDir(t));
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 100);
  const kinds = lines.map((l) => l.kind);
  assert.deepEqual([kinds.filter((k) => k === 'person').length, kinds.filter((k) => k === 'auction').length, kinds.filter((k) => k === 'bid').length], [2, 6, 92]);
  assert.deepEqual(Object.keys(lines.find((l) => l.kind === 'bid')), ['kind', 'auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']);
});

test('Ctrl-C cancels an unbounded job cleanly: workers stop and the process exits', T, async (t) => {
  const cwd = tempDir(t);
  const run = startEddy(['run', COUNT, '-p', '2', 'events=Infinity'], cwd);
  t.after(() => run.stop());
  await registration(cwd, run); // running
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 130, run.stderr());
  assert.match(run.stderr(), /SIGINT: cancelling 1 running job/);
  assert.match(run.stderr(), /job cancelled; all workers stopped/);
});
