/**
 * A small REST API on Flink's paths, served by the process that runs jobs (`eddy run`):
 *
 *   GET  /jobs                          → { jobs: [{ id, name, status }] }
 *   GET  /jobs/:id                      → progress (operators, checkpoints, attempt)
 *   POST /jobs/:id/savepoints           { "target-directory": dir, "cancel-job"?: bool } → { location }
 *   POST /jobs/:id/stop                 { "targetDirectory": dir } → { location } (savepoint, then cancel)
 *   PATCH /jobs/:id                     → cancels the job
 *
 * Each running job is also registered in `.eddy/jobs/<id>.json` ({ id, name, pid, url }) so the
 * `eddy savepoint` / `eddy stop` commands can find it from another terminal.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JobClient } from '../runtime/index.ts';

export interface JobRegistration {
  id: string;
  name: string;
  pid: number;
  url: string;
}

export class RestServer {
  private server: Server | undefined;
  private readonly jobs = new Map<string, JobClient>();
  url = '';
  constructor(private readonly registryDir = resolve('.eddy/jobs')) {}

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return this.url;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => ok());
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
      writeFileSync(join(this.registryDir, `${client.jobId}.json`), JSON.stringify(reg));
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
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'jobs') return send(404, { errors: [`no such path ${url.pathname}`] });
      if (parts.length === 1 && req.method === 'GET')
        return send(200, { jobs: [...this.jobs.values()].map((j) => ({ id: j.jobId, name: j.plan.jobName, status: 'RUNNING' })) });
      const job = this.jobs.get(parts[1] ?? '') ?? [...this.jobs.values()].find((j) => j.plan.jobName === parts[1]);
      if (!job) return send(404, { errors: [`no running job '${parts[1]}'`] });
      const body = req.method === 'POST' ? await readJson(req) : {};
      if (parts.length === 2 && req.method === 'GET') return send(200, job.progress());
      if (parts.length === 2 && req.method === 'PATCH') {
        job.cancel();
        return send(202, {});
      }
      if (parts[2] === 'savepoints' && req.method === 'POST') {
        const dir = body['target-directory'];
        if (typeof dir !== 'string') return send(400, { errors: ["'target-directory' is required"] });
        const location = body['cancel-job'] === true ? await job.stopWithSavepoint(resolve(dir)) : await job.triggerSavepoint(resolve(dir));
        return send(200, { location });
      }
      if (parts[2] === 'stop' && req.method === 'POST') {
        const dir = body['targetDirectory'];
        if (typeof dir !== 'string') return send(400, { errors: ["'targetDirectory' is required"] });
        return send(200, { location: await job.stopWithSavepoint(resolve(dir)) });
      }
      send(404, { errors: [`no such path ${req.method} ${url.pathname}`] });
    } catch (e) {
      send(500, { errors: [(e as Error).message] });
    }
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (!text) return {};
  const v = JSON.parse(text) as unknown;
  if (!v || typeof v !== 'object') throw new Error('request body must be a JSON object');
  return v as Record<string, unknown>;
}
