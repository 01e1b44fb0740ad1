/**
 * The JobManager's web server (`eddy run`): Flink's monitoring REST API (docs/rest-api.md), the Prometheus
 * metrics at `/metrics` (docs/metrics.md), and the Web UI (a static app) at `/`, on one port, with fastify.
 * Every answer is built from the {@link JobClient}s of this process — the one view of a job that REST, UI
 * and Prometheus share.
 *
 * Errors have Flink's shape, `{ "errors": ["…"] }`: 400 (malformed JSON, a body or query that does not
 * match the route's schema — every problem listed), 404 (unknown path, job, vertex, checkpoint, trigger),
 * 405 (the path exists with other methods; `Allow` lists them), 409 (the job is not running), 413 (a body
 * over {@link MAX_BODY_BYTES}); failures of the job itself answer 500.
 *
 * Each running job is also registered in `.eddy/jobs/<id>.json` ({ id, name, pid, url }) so `eddy list`,
 * `eddy savepoint` and `eddy stop` can find it from another terminal.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobClient } from '../runtime/index.ts';
import { PrometheusReporter } from '../metrics/index.ts';
import { compileValidator, HttpError, type Schema } from './http-errors.ts';
import { registerRoutes, ROUTES } from './routes.ts';
import { prometheusMetrics } from './prometheus-view.ts';

export { HttpError };

export interface JobRegistration {
  id: string;
  name: string;
  pid: number;
  url: string;
}

/** Request bodies larger than this are refused with 413 (no request of this API needs more than a path). */
export const MAX_BODY_BYTES = 1 << 20;
/** How long an ended job stays visible (its final state, exceptions, checkpoints). */
export const RETAIN_ENDED_MS = 10 * 60_000;

/** A savepoint (or stop-with-savepoint) requested over REST: Flink's asynchronous operation. */
export interface SavepointOperation {
  jobId: string;
  status: 'IN_PROGRESS' | 'COMPLETED';
  location?: string;
  error?: Error;
  /** Its completed status was answered (the server waits for that before closing, so `eddy stop` hears of it). */
  read?: boolean;
}

/** Where the Web UI's built files are looked for, first found wins. */
export function webUiDirs(): string[] {
  return [fileURLToPath(new URL('../../dist/web-ui', import.meta.url)), fileURLToPath(new URL('./ui/dist', import.meta.url))];
}

export class RestServer {
  private app: FastifyInstance | undefined;
  readonly jobs = new Map<string, JobClient>();
  readonly savepoints = new Map<string, SavepointOperation>();
  readonly reporter = new PrometheusReporter();
  url = '';
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly registryDir = resolve('.eddy/jobs')) {}

  /** Listens on `host:port` (0: any free port); rejects with the listen error (EADDRINUSE …). */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.app) return this.url;
    const app = Fastify({
      logger: false,
      bodyLimit: MAX_BODY_BYTES,
      routerOptions: { ignoreTrailingSlash: true },
      frameworkErrors: (e, req, reply) => {
        if ((e as { code?: string }).code === 'FST_ERR_BAD_URL') void sendErrors(reply, new HttpError(400, [`malformed URL: '${req.url}'`]));
        else void sendErrors(reply, new HttpError(400, [e.message]));
      },
    });
    // Bodies are JSON whatever the content type says (curl sends form-urlencoded by default); parse errors are 400.
    const parse = (_req: FastifyRequest, body: string, done: (e: Error | null, v?: unknown) => void) => {
      if (body.trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(body));
      } catch (e) {
        done(new HttpError(400, [`request body is not valid JSON: ${(e as Error).message}`]));
      }
    };
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, parse);
    app.setValidatorCompiler(({ schema, httpPart }) => compileValidator(schema as Schema, httpPart ?? 'body'));
    app.setErrorHandler((e: Error & { statusCode?: number; code?: string }, _req, reply) => {
      if (e instanceof HttpError) return sendErrors(reply, e);
      if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendErrors(reply, new HttpError(413, [`request body is larger than ${MAX_BODY_BYTES} bytes`], { connection: 'close' }));
      const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
      return sendErrors(reply, new HttpError(status, [e.message]));
    });
    app.setNotFoundHandler((req, reply) => {
      const path = (req.url.split('?')[0] ?? '/').replace(/\/+$/, '') || '/';
      const route = ROUTES.find((r) => r.pattern.test(path));
      if (route) {
        const allow = route.methods.join(', ');
        return sendErrors(reply, new HttpError(405, [`method ${req.method} is not allowed on ${route.template} (allowed: ${allow})`], { allow }));
      }
      return sendErrors(reply, new HttpError(404, [`no such path '${path}' (see docs/rest-api.md for the routes; e.g. GET /jobs, GET /jobs/:jobid, GET /metrics)`]));
    });
    registerRoutes(app, this);
    app.get('/metrics', async (_req, reply) => {
      const { contentType, body } = await this.reporter.render(prometheusMetrics([...this.jobs.values()]));
      return reply.type(contentType).send(body);
    });
    const ui = webUiDirs().find((d) => existsSync(join(d, 'index.html')));
    if (ui) await app.register(fastifyStatic, { root: ui, prefix: '/', wildcard: false, index: 'index.html' });
    await app.listen({ port, host });
    const addr = app.server.address();
    this.url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
    app.server.unref();
    this.app = app;
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
    void client.result
      .finally(() => {
        rmSync(join(this.registryDir, `${client.jobId}.json`), { force: true });
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.forget(client.jobId);
        }, RETAIN_ENDED_MS);
        t.unref();
        this.timers.add(t);
      })
      .catch(() => undefined);
  }

  private forget(id: string): void {
    this.jobs.delete(id);
    for (const [k, op] of this.savepoints) if (op.jobId === id) this.savepoints.delete(k);
  }

  /** Starts a savepoint (then stops the job when `stop`) and answers the trigger id at once. */
  triggerSavepoint(job: JobClient, dir: string, stop: boolean): string {
    const id = randomBytes(16).toString('hex');
    const op: SavepointOperation = { jobId: job.jobId, status: 'IN_PROGRESS' };
    this.savepoints.set(id, op);
    (stop ? job.stopWithSavepoint(dir) : job.triggerSavepoint(dir)).then(
      (location) => Object.assign(op, { status: 'COMPLETED', location }),
      (error: Error) => Object.assign(op, { status: 'COMPLETED', error }),
    );
    return id;
  }

  async close(): Promise<void> {
    // A stop-with-savepoint ends the job and then this server: let its caller read the outcome first (≤ 3 s).
    for (let i = 0; i < 60 && [...this.savepoints.values()].some((o) => o.status === 'IN_PROGRESS' || !o.read); i++) await new Promise((r) => setTimeout(r, 50));
    for (const j of this.jobs.values()) rmSync(join(this.registryDir, `${j.jobId}.json`), { force: true });
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.jobs.clear();
    await this.app?.close();
    this.app = undefined;
  }
}

export function sendErrors(reply: FastifyReply, e: HttpError): FastifyReply {
  return reply.code(e.statusCode).headers(e.headers).type('application/json').send({ errors: e.errors });
}
