// The REST API of `eddy run`, over real HTTP against a running job: the routes, and Flink's error shape
// ({ "errors": [...] } with a 4xx status) for every request that is wrong.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { freePort, registration, repo, startEddy, waitFor, type Registration, type RunningEddy } from '../cli/eddy-process.ts';

const T = { timeout: 60_000 };
const COUNT = repo('examples/nexmark/count.ts');
const OPERATORS = ['bids', 'to (auction, 1)', 'count per auction', 'Discard'];

interface Reply {
  status: number;
  type: string | null;
  allow: string | null;
  body: unknown;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type'), allow: r.headers.get('allow'), body: text ? JSON.parse(text) : undefined };
}

/** POSTs `body` as it is (a string is sent verbatim, so it can be malformed). */
const post = (url: string, body: string) => call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** Polls Flink's savepoint status until it completed; the location. */
async function savepointLocation(base: string, job: string, trigger: string): Promise<string> {
  for (;;) {
    const r = await call(`${base}/jobs/${job}/savepoints/${trigger}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body as { status: { id: string }; operation?: { location?: string; 'failure-cause'?: unknown } };
    if (b.status.id === 'COMPLETED') {
      assert.equal(b.operation?.['failure-cause'], undefined, JSON.stringify(b));
      return b.operation!.location!;
    }
    assert.deepEqual(b, { status: { id: 'IN_PROGRESS' } });
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Asserts an error reply: the status, JSON, and exactly these messages. */
/**
 * POSTs `chunks` (with a content-length, or chunked) and resolves to the reply. The server answers 413 and
 * closes while the body is still being sent, so a failed write after the response is not an error (fetch()
 * reports it as "fetch failed" now and then).
 */
function postLarge(url: string, chunks: Buffer[], declareLength: boolean): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const length = chunks.reduce((n, c) => n + c.length, 0);
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(length) } : {}) } }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), allow: null, body: JSON.parse(text) }));
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    for (const c of chunks) req.write(c, () => undefined);
    req.end();
  });
}

function assertErrors(r: Reply, status: number, errors: string[]): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.type, 'application/json; charset=utf-8');
  assert.deepEqual(r.body, { errors });
}

describe('REST API of a running job', T, () => {
  let dir: string;
  let run: RunningEddy;
  let reg: Registration;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eddy-rest-'));
    const port = await freePort();
    run = startEddy(['run', COUNT, 'events=Infinity', '--rest-port', String(port), '--no-progress'], dir);
    reg = await registration(dir, run);
    base = `http://127.0.0.1:${port}`;
    assert.equal(reg.url, base);
    // registered while its workers load the job module (INITIALIZING); the tests want it running
    await waitFor('the job to run', async () => ((await call(`${base}/jobs/${reg.id}`)).body as { state: string }).state === 'RUNNING' || undefined);
  });

  after(async () => {
    await run?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('GET /jobs lists the running job', T, async () => {
    const r = await call(`${base}/jobs`);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json; charset=utf-8');
    assert.match(reg.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(r.body, { jobs: [{ id: reg.id, name: 'nexmark-count', status: 'RUNNING' }] });
  });

  test('GET /jobs/:id gives Flink\'s job details, by id or by name', T, async () => {
    for (const ref of [reg.id, 'nexmark-count']) {
      const r = await call(`${base}/jobs/${ref}`);
      assert.equal(r.status, 200);
      const p = r.body as { jid: string; name: string; state: string; 'job-type': string; vertices: { id: string; name: string; parallelism: number; status: string }[]; plan: { nodes: { operators: { name: string }[] }[] } };
      assert.deepEqual([p.jid, p.name, p.state, p['job-type']], [reg.id, 'nexmark-count', 'RUNNING', 'STREAMING']);
      // bids -> map chained; the keyed sum and its sink chained behind the keyBy exchange
      assert.deepEqual(p.vertices.map((v) => [v.name, v.parallelism, v.status]), [
        [`${OPERATORS[0]} -> ${OPERATORS[1]}`, 1, 'RUNNING'],
        [`${OPERATORS[2]} -> ${OPERATORS[3]}`, 1, 'RUNNING'],
      ]);
      for (const v of p.vertices) assert.match(v.id, /^[0-9a-f]{32}$/);
      assert.deepEqual(p.plan.nodes.flatMap((n) => n.operators.map((o) => o.name)), OPERATORS);
    }
  });

  test('an unknown job answers 404 naming it and the running ones', T, async () => {
    const running = `nexmark-count (${reg.id})`;
    assertErrors(await call(`${base}/jobs/no-such-job`), 404, [`no job 'no-such-job' (jobs: ${running})`]);
    assertErrors(await post(`${base}/jobs/0000/savepoints`, '{"target-directory": "/tmp/x"}'), 404, [`no job '0000' (jobs: ${running})`]);
    assertErrors(await call(`${base}/jobs/%E0%A4%A`), 400, ["malformed URL: '/jobs/%E0%A4%A'"]);
    const vertex = await call(`${base}/jobs/${reg.id}/vertices/0123456789abcdef0123456789abcdef`);
    assert.equal(vertex.status, 404);
    assert.match((vertex.body as { errors: string[] }).errors[0]!, new RegExp(`^job ${reg.id} has no vertex '0123456789abcdef0123456789abcdef' \\(its vertices: [0-9a-f]{32} bids`));
    assertErrors(await call(`${base}/jobs/${reg.id}/checkpoints/details/7`), 404, ['Could not find checkpointing statistics for checkpoint 7 (the history holds none).']);
    assertErrors(await call(`${base}/jobs/${reg.id}/checkpoints/config`), 404, [`Checkpointing is not enabled for job ${reg.id}.`]);
    assertErrors(await call(`${base}/jobs/${reg.id}/savepoints/feedbeef`), 404, [`no savepoint operation 'feedbeef' for job ${reg.id}`]);
  });

  test('an unknown path answers 404, a wrong method 405 with Allow', T, async () => {
    const served = 'see docs/rest-api.md for the routes; e.g. GET /jobs, GET /jobs/:jobid, GET /metrics';
    assertErrors(await call(`${base}/nothing`), 404, [`no such path '/nothing' (${served})`]);
    assertErrors(await call(`${base}/jobs/${reg.id}/checkpoints/1`), 404, [`no such path '/jobs/${reg.id}/checkpoints/1' (${served})`]);
    const del = await call(`${base}/jobs/${reg.id}`, { method: 'DELETE' });
    assertErrors(del, 405, ['method DELETE is not allowed on /jobs/:jobid (allowed: GET, PATCH)']);
    assert.equal(del.allow, 'GET, PATCH');
    const get = await call(`${base}/jobs/${reg.id}/savepoints`);
    assertErrors(get, 405, ['method GET is not allowed on /jobs/:jobid/savepoints (allowed: POST)']);
    assert.equal(get.allow, 'POST');
    assertErrors(await post(`${base}/jobs`, '{}'), 405, ['method POST is not allowed on /jobs (allowed: GET)']);
  });

  test('malformed JSON answers 400 (it answered 500)', T, async () => {
    const url = `${base}/jobs/${reg.id}/savepoints`;
    assertErrors(await post(url, '{"target-directory": '), 400, ['request body is not valid JSON: Unexpected end of JSON input']);
    assertErrors(await post(url, "{'target-directory': '/tmp'}"), 400, ["request body is not valid JSON: Expected property name or '}' in JSON at position 1"]);
    assertErrors(await post(`${base}/jobs/${reg.id}/stop`, 'targetDirectory=/tmp'), 400, ["request body is not valid JSON: Unexpected token 'a', \"targetDirectory=/tmp\" is not valid JSON"]);
  });

  test('a body of the wrong shape answers 400 listing every problem', T, async () => {
    const sp = `${base}/jobs/${reg.id}/savepoints`;
    const stop = `${base}/jobs/${reg.id}/stop`;
    const target = 'the directory to write the savepoint into';
    assertErrors(await post(sp, '[]'), 400, ['request body must be a JSON object, got an array']);
    assertErrors(await post(sp, '"/tmp/sp"'), 400, ['request body must be a JSON object, got string']);
    assertErrors(await post(sp, 'null'), 400, ['request body must be a JSON object, got null']);
    assertErrors(await post(sp, ''), 400, [`field 'target-directory' is required: ${target}`]);
    assertErrors(await post(sp, '{"target-directory": ""}'), 400, [`field 'target-directory' must not be empty: ${target}`]);
    assertErrors(await post(sp, '{"target-directory": 5, "cancel-job": "yes", "targetDirectory": "/tmp"}'), 400, [
      "unknown field 'targetDirectory' (known: target-directory, cancel-job)",
      `field 'target-directory' must be a string (${target}), got number`,
      "field 'cancel-job' must be a boolean (whether to stop the job after the savepoint), got string",
    ]);
    assertErrors(await post(stop, '{"target-directory": "/tmp/sp"}'), 400, [
      "unknown field 'target-directory' (known: targetDirectory, drain)",
      `field 'targetDirectory' is required: ${target}`,
    ]);
    assertErrors(await post(stop, '{"targetDirectory": ["/tmp"]}'), 400, [`field 'targetDirectory' must be a string (${target}), got an array`]);
    assertErrors(await call(`${base}/jobs/${reg.id}?mode=stop`, { method: 'PATCH' }), 400, ["query parameter 'mode' must be 'cancel', got 'stop'"]);
    assertErrors(await call(`${base}/jobs/${reg.id}?force=true`, { method: 'PATCH' }), 400, ["unknown query parameter 'force' (known: mode)"]);
    // none of these touched the job
    assert.equal((await call(`${base}/jobs/${reg.id}`)).status, 200);
  });

  test('a body over 1 MiB answers 413', T, async () => {
    const big = Buffer.from(JSON.stringify({ 'target-directory': 'x'.repeat(1 << 20) }));
    assertErrors(await postLarge(`${base}/jobs/${reg.id}/savepoints`, [big], true), 413, ['request body is larger than 1048576 bytes']);
    // without a content-length (streamed), the limit holds as well
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(100_000, 32));
    assertErrors(await postLarge(`${base}/jobs/${reg.id}/stop`, chunks, false), 413, ['request body is larger than 1048576 bytes']);
    assert.equal((await call(`${base}/jobs/${reg.id}`)).status, 200);
  });

  test('POST /jobs/:id/savepoints writes a savepoint inside the target directory', T, async () => {
    const target = join(dir, 'savepoints');
    const r = await post(`${base}/jobs/${reg.id}/savepoints`, JSON.stringify({ 'target-directory': target }));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const location = await savepointLocation(base, reg.id, (r.body as { 'request-id': string })['request-id']);
    assert.equal(typeof location, 'string');
    assert.ok(location === target || location.startsWith(target + '/'), `${location} is not inside ${target}`);
    assert.ok(existsSync(location) && statSync(location).isDirectory(), location);
    // the job goes on
    assert.equal((await call(`${base}/jobs`)).status, 200);
  });

  test('PATCH /jobs/:id cancels the job: 202, then the run ends as cancelled', T, async () => {
    const r = await call(`${base}/jobs/${reg.id}?mode=cancel`, { method: 'PATCH' });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, {});
    assert.equal(await run.exited, 130, run.stderr());
    assert.equal(existsSync(join(dir, '.eddy/jobs', `${reg.id}.json`)), false);
  });
});

describe('POST /jobs/:id/stop', T, () => {
  test('takes a savepoint inside the target directory, then the run ends', T, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-rest-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const run = startEddy(['run', COUNT, 'events=Infinity', '--no-progress', '--json'], dir);
    t.after(() => run.stop());
    const reg = await registration(dir, run);
    const target = join(dir, 'stopped');
    const r = await post(`${reg.url}/jobs/${reg.id}/stop`, JSON.stringify({ targetDirectory: target }));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const location = await savepointLocation(reg.url, reg.id, (r.body as { 'request-id': string })['request-id']);
    assert.ok(location === target || location.startsWith(target + '/'), `${location} is not inside ${target}`);
    assert.ok(existsSync(location) && statSync(location).isDirectory(), location);
    assert.equal(await run.exited, 0, run.stderr());
    assert.equal(JSON.parse(run.stdout()).jobName, 'nexmark-count');
  });
});
