/**
 * A small REST API on Flink's paths, served by the process that runs jobs (`eddy run`):
 *
 *   GET   /jobs                         → { jobs: [{ id, name, status }] }
 *   GET   /jobs/:id                     → progress (operators, checkpoints, attempt)
 *   POST  /jobs/:id/savepoints          { "target-directory": dir, "cancel-job"?: bool } → { location }
 *   POST  /jobs/:id/stop                { "targetDirectory": dir } → { location } (savepoint, then stop)
 *   PATCH /jobs/:id[?mode=cancel]       → 202, cancels the job
 *
 * `:id` is a job id or a job's name. Every error answers with Flink's shape, `{ "errors": ["…"] }`, and a
 * 4xx status when the request was wrong: 400 (malformed JSON, a body that is not an object, a missing,
 * mistyped or unknown field, a bad query), 404 (unknown path or job), 405 (method not allowed on the
 * path; `Allow` lists the right ones), 413 (a body over {@link MAX_BODY_BYTES}). Failures of the job
 * itself answer 500.
 *
 * Each running job is also registered in `.eddy/jobs/<id>.json` ({ id, name, pid, url }) so the
 * `eddy savepoint` / `eddy stop` / `eddy list` commands can find it from another terminal.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JobClient } from '../runtime/index.ts';

export interface JobRegistration {
  id: string;
  name: string;
  pid: number;
  url: string;
}

/** Request bodies larger than this are refused with 413 (no request of this API needs more than a path). */
export const MAX_BODY_BYTES = 1 << 20;

/** A request that cannot be served: the status and the messages of the `errors` body. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.join('; '));
  }
}

/** The fields a request body may have: name → required, and the type its value must have. */
type BodySpec = Record<string, { type: 'string' | 'boolean'; required?: boolean; what: string }>;

const SAVEPOINT_BODY: BodySpec = {
  'target-directory': { type: 'string', required: true, what: 'the directory to write the savepoint into' },
  'cancel-job': { type: 'boolean', what: 'whether to stop the job after the savepoint' },
};
const STOP_BODY: BodySpec = {
  targetDirectory: { type: 'string', required: true, what: 'the directory to write the savepoint into' },
};

/** The routes, as path patterns and the methods each allows. */
const ROUTES: { pattern: RegExp; methods: string[]; template: string }[] = [
  { pattern: /^\/jobs$/, methods: ['GET'], template: '/jobs' },
  { pattern: /^\/jobs\/[^/]+$/, methods: ['GET', 'PATCH'], template: '/jobs/:id' },
  { pattern: /^\/jobs\/[^/]+\/savepoints$/, methods: ['POST'], template: '/jobs/:id/savepoints' },
  { pattern: /^\/jobs\/[^/]+\/stop$/, methods: ['POST'], template: '/jobs/:id/stop' },
];

export class RestServer {
  private server: Server | undefined;
  private readonly jobs = new Map<string, JobClient>();
  url = '';
  constructor(private readonly registryDir = resolve('.eddy/jobs')) {}

  /** Listens on `host:port` (0: any free port); rejects with the listen error (EADDRINUSE …). */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return this.url;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        ok();
      });
    });
    server.unref();
    const addr = server.address();
    this.url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
    this.server = server;
    return this.url;
  }

  register(client: JobClient): void {
    this.jobs.set(client.jobId, client);
    const reg: JobRegistration = { id: client.jobId, name: client.plan.jobName, pid: process.pid, url: this.url };
    try {
      mkdirSync(this.registryDir, { recursive: true });
      // written aside and renamed, so that `eddy list` never reads half a file
      const tmp = join(this.registryDir, `.${client.jobId}.json.tmp`);
      writeFileSync(tmp, JSON.stringify(reg));
      renameSync(tmp, join(this.registryDir, `${client.jobId}.json`));
    } catch {
      /* the registry is a convenience; the REST API works without it */
    }
    void client.result.finally(() => this.unregister(client.jobId)).catch(() => undefined);
  }

  private unregister(id: string): void {
    this.jobs.delete(id);
    rmSync(join(this.registryDir, `${id}.json`), { force: true });
  }

  async close(): Promise<void> {
    for (const id of [...this.jobs.keys()]) this.unregister(id);
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      const { status, body } = await this.route(req);
      send(status, body);
    } catch (e) {
      if (e instanceof HttpError) send(e.status, { errors: e.errors }, e.headers);
      else send(500, { errors: [(e as Error)?.message ?? String(e)] });
    }
  }

  private async route(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = (q < 0 ? raw : raw.slice(0, q)).replace(/\/+$/, '') || '/';
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (!route) throw new HttpError(404, [`no such path '${path}' (this API serves ${ROUTES.map((r) => `${r.methods.join('|')} ${r.template}`).join(', ')})`]);
    if (!route.methods.includes(method))
      throw new HttpError(405, [`method ${method} is not allowed on ${route.template} (allowed: ${route.methods.join(', ')})`], { allow: route.methods.join(', ') });
    if (route.template === '/jobs')
      return { status: 200, body: { jobs: [...this.jobs.values()].map((j) => ({ id: j.jobId, name: j.plan.jobName, status: 'RUNNING' })) } };

    const job = this.findJob(path.split('/')[2]!);
    switch (`${method} ${route.template}`) {
      case 'GET /jobs/:id':
        return { status: 200, body: job.progress() };
      case 'PATCH /jobs/:id': {
        for (const k of query.keys()) if (k !== 'mode') throw new HttpError(400, [`unknown query parameter '${k}' (known: mode)`]);
        const mode = query.get('mode');
        if (mode !== null && mode !== 'cancel') throw new HttpError(400, [`query parameter 'mode' must be 'cancel', got '${mode}'`]);
        job.cancel();
        return { status: 202, body: {} };
      }
      case 'POST /jobs/:id/savepoints': {
        const body = checkBody(await readJsonBody(req), SAVEPOINT_BODY);
        const dir = resolve(body['target-directory'] as string);
        const location = body['cancel-job'] === true ? await job.stopWithSavepoint(dir) : await job.triggerSavepoint(dir);
        return { status: 200, body: { location } };
      }
      case 'POST /jobs/:id/stop': {
        const body = checkBody(await readJsonBody(req), STOP_BODY);
        return { status: 200, body: { location: await job.stopWithSavepoint(resolve(body.targetDirectory as string)) } };
      }
    }
    throw new Error(`route ${method} ${route.template} has no handler`);
  }

  /** The running job with this id, or else the one with this name. */
  private findJob(segment: string): JobClient {
    let ref: string;
    try {
      ref = decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, [`malformed job id in the path: '${segment}'`]);
    }
    const byId = this.jobs.get(ref);
    if (byId) return byId;
    const byName = [...this.jobs.values()].filter((j) => j.plan.jobName === ref);
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw new HttpError(400, [`'${ref}' is the name of ${byName.length} running jobs; use the job id`]);
    const running = [...this.jobs.values()].map((j) => `${j.plan.jobName} (${j.jobId})`).join(', ') || 'none';
    throw new HttpError(404, [`no running job '${ref}' (running: ${running})`]);
  }
}

/** Reads a JSON request body of at most MAX_BODY_BYTES; an empty body is `{}`. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = () => new HttpError(413, [`request body is larger than ${MAX_BODY_BYTES} bytes`], { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, [`request body is not valid JSON: ${(e as Error).message}`]);
  }
}

/** Checks a parsed body against `spec`: every problem (unknown, missing, mistyped fields) is reported. */
function checkBody(body: unknown, spec: BodySpec): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, [`request body must be a JSON object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`]);
  const o = body as Record<string, unknown>;
  const errors: string[] = [];
  for (const k of Object.keys(o)) if (!(k in spec)) errors.push(`unknown field '${k}' (known: ${Object.keys(spec).join(', ')})`);
  for (const [k, f] of Object.entries(spec)) {
    const v = o[k];
    if (v === undefined || v === null) {
      if (f.required) errors.push(`field '${k}' is required: ${f.what}`);
    } else if (typeof v !== f.type) errors.push(`field '${k}' must be a ${f.type} (${f.what}), got ${Array.isArray(v) ? 'an array' : typeof v}`);
    else if (f.type === 'string' && v === '') errors.push(`field '${k}' must not be empty: ${f.what}`);
  }
  if (errors.length) throw new HttpError(400, errors);
  return o;
}
