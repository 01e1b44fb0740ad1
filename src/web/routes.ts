/**
 * The routes of Flink's REST API that eddy serves (docs/rest-api.md), each with the JSON schemas of its
 * body and query. `ROUTES` lists every path with its methods, for 405 answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { resolve } from 'node:path';
import { keyGroupOf, subtaskForKeyGroup } from '../core/index.ts';
import type { JobVertex } from '../graph/index.ts';
import type { JobClient } from '../runtime/index.ts';
import { HttpError, type Schema } from './http-errors.ts';
import type { RestServer } from './rest-server.ts';
import * as V from './flink-views.ts';

const J = '/jobs/:jobid';
const VX = `${J}/vertices/:vertexid`;

/** Every path, for 405 answers: a pattern, its template and methods. */
export const ROUTES: { pattern: RegExp; template: string; methods: string[] }[] = [
  ['/config', ['GET']],
  ['/overview', ['GET']],
  ['/metrics', ['GET']],
  ['/jobs', ['GET']],
  ['/jobs/overview', ['GET']],
  [J, ['GET', 'PATCH']],
  [`${J}/plan`, ['GET']],
  [`${J}/config`, ['GET']],
  [`${J}/exceptions`, ['GET']],
  [`${J}/metrics`, ['GET']],
  [`${J}/checkpoints`, ['GET']],
  [`${J}/checkpoints/config`, ['GET']],
  [`${J}/checkpoints/details/:checkpointid`, ['GET']],
  [`${J}/savepoints`, ['POST']],
  [`${J}/savepoints/:triggerid`, ['GET']],
  [`${J}/stop`, ['POST']],
  [VX, ['GET']],
  [`${VX}/backpressure`, ['GET']],
  [`${VX}/watermarks`, ['GET']],
  [`${VX}/metrics`, ['GET']],
  [`${VX}/subtasks/metrics`, ['GET']],
  [`${VX}/state`, ['GET']],
  [`${VX}/flamegraph`, ['GET']],
].map(([t, methods]) => ({
  template: t as string,
  methods: methods as string[],
  pattern: new RegExp(`^${(t as string).replace(/:[a-z]+/g, '[^/]+')}$`),
}));

const TARGET = 'the directory to write the savepoint into';
const noQuery: Schema = { type: 'object', properties: {}, additionalProperties: false };
const getQuery: Schema = { type: 'object', properties: { get: { type: 'string', description: 'comma-separated metric ids' } }, additionalProperties: false };

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, unknown>; Body: Record<string, unknown> }>;

export function registerRoutes(app: FastifyInstance, server: RestServer): void {
  const job = (req: Req) => findJob(server, req.params.jobid!);
  const vertex = (req: Req) => {
    const j = job(req);
    return { j, v: findVertex(j, req.params.vertexid!) };
  };
  const get = (path: string, handler: (req: Req) => unknown, query: Schema = noQuery) =>
    app.get(path, { schema: { querystring: query } }, async (req) => handler(req as Req));

  get('/config', () => ({
    'refresh-interval': 3000,
    'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    'timezone-offset': -new Date().getTimezoneOffset() * 60_000,
    'flink-version': V.EDDY_VERSION,
    'flink-revision': 'eddy',
    features: { 'web-submit': false, 'web-cancel': true, 'web-rescale': false, 'web-history': false },
  }));
  get('/overview', () => {
    const jobs = [...server.jobs.values()];
    const live = jobs.filter((j) => j.status === 'RUNNING' || j.status === 'RESTARTING' || j.status === 'INITIALIZING');
    const slots = live.reduce((n, j) => n + j.graph.slots, 0);
    return {
      taskmanagers: 1,
      'slots-total': slots,
      'slots-available': 0,
      'jobs-running': live.length,
      'jobs-finished': jobs.filter((j) => j.status === 'FINISHED').length,
      'jobs-cancelled': jobs.filter((j) => j.status === 'CANCELED').length,
      'jobs-failed': jobs.filter((j) => j.status === 'FAILED').length,
      'flink-version': V.EDDY_VERSION,
      'flink-commit': 'eddy',
    };
  });
  get('/jobs', () => ({ jobs: [...server.jobs.values()].map((j) => ({ id: j.jobId, name: j.plan.jobName, status: j.status })) }));
  get('/jobs/overview', () => ({ jobs: [...server.jobs.values()].map(V.jobOverview) }));
  get(J, (req) => V.jobDetails(job(req)));
  app.patch(J, { schema: { querystring: { type: 'object', properties: { mode: { type: 'string', enum: ['cancel'], description: 'cancel' } }, additionalProperties: false } } }, async (req, reply) => {
    const j = job(req as Req);
    j.cancel();
    return reply.code(202).send({});
  });
  get(`${J}/plan`, (req) => ({ plan: V.jobPlan(job(req)) }));
  get(`${J}/config`, (req) => V.jobConfig(job(req)));
  get(`${J}/exceptions`, (req) => V.jobExceptions(job(req), (req.query.maxExceptions as number | undefined) ?? 20), {
    type: 'object',
    properties: { maxExceptions: { type: 'integer', minimum: 0, maximum: 1000, description: 'how many exceptions to answer' } },
    additionalProperties: false,
  });
  get(`${J}/metrics`, (req) => metricQuery(V.jobMetrics(job(req)), req.query.get as string | undefined), getQuery);
  get(`${J}/checkpoints`, (req) => V.checkpointingStatistics(job(req)));
  get(`${J}/checkpoints/config`, (req) => {
    const j = job(req);
    const c = V.checkpointConfig(j);
    if (!c) throw new HttpError(404, [`Checkpointing is not enabled for job ${j.jobId}.`]);
    return c;
  });
  get(`${J}/checkpoints/details/:checkpointid`, (req) => {
    const j = job(req);
    const raw = req.params.checkpointid!;
    const id = Number(raw);
    if (!/^\d+$/.test(raw)) throw new HttpError(400, [`checkpoint id must be a non-negative integer, got '${raw}'`]);
    const r = j.checkpointHistory.get(id);
    if (!r) throw new HttpError(404, [`Could not find checkpointing statistics for checkpoint ${id} (the history holds ${j.checkpointHistory.all().map((x) => x.id).join(', ') || 'none'}).`]);
    return V.checkpointEntry(j, r, true);
  });
  app.post(
    `${J}/savepoints`,
    {
      schema: {
        querystring: noQuery,
        body: {
          type: 'object',
          properties: {
            'target-directory': { type: 'string', minLength: 1, description: TARGET },
            'cancel-job': { type: 'boolean', description: 'whether to stop the job after the savepoint' },
          },
          required: ['target-directory'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const r = req as Req;
      const j = runningJob(r);
      return reply.code(202).send({ 'request-id': server.triggerSavepoint(j, resolve(r.body['target-directory'] as string), r.body['cancel-job'] === true) });
    },
  );
  app.post(
    `${J}/stop`,
    {
      schema: {
        querystring: noQuery,
        body: {
          type: 'object',
          properties: {
            targetDirectory: { type: 'string', minLength: 1, description: TARGET },
            drain: { type: 'boolean', description: 'emit MAX_WATERMARK before stopping (eddy: only false)' },
          },
          required: ['targetDirectory'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const r = req as Req;
      if (r.body.drain === true) throw new HttpError(400, ["field 'drain': stop with drain is not supported; leave it out or false"]);
      const j = runningJob(r);
      return reply.code(202).send({ 'request-id': server.triggerSavepoint(j, resolve(r.body.targetDirectory as string), true) });
    },
  );
  const runningJob = (r: Req) => {
    const j = job(r);
    if (j.status !== 'RUNNING' && j.status !== 'INITIALIZING' && j.status !== 'RESTARTING') throw new HttpError(409, [`job ${j.jobId} is not running (${j.status})`]);
    return j;
  };
  get(`${J}/savepoints/:triggerid`, (req) => {
    const j = job(req);
    const op = server.savepoints.get(req.params.triggerid!);
    if (!op || op.jobId !== j.jobId) throw new HttpError(404, [`no savepoint operation '${req.params.triggerid}' for job ${j.jobId}`]);
    if (op.status === 'IN_PROGRESS') return { status: { id: 'IN_PROGRESS' } };
    op.read = true;
    if (op.error) return { status: { id: 'COMPLETED' }, operation: { 'failure-cause': { class: op.error.name, 'stack-trace': op.error.stack ?? op.error.message, 'serialized-throwable': null } } };
    return { status: { id: 'COMPLETED' }, operation: { location: op.location } };
  });

  get(VX, (req) => {
    const { j, v } = vertex(req);
    return V.vertexDetails(j, v, server.url.replace(/^https?:\/\//, ''));
  });
  get(`${VX}/backpressure`, (req) => {
    const { j, v } = vertex(req);
    return V.backpressure(j, v);
  });
  get(`${VX}/watermarks`, (req) => {
    const { j, v } = vertex(req);
    return V.watermarks(j, v);
  });
  get(`${VX}/metrics`, (req) => {
    const { j, v } = vertex(req);
    return metricQuery(V.vertexMetrics(j, v), req.query.get as string | undefined);
  }, getQuery);
  get(`${VX}/subtasks/metrics`, (req) => {
    const { j, v } = vertex(req);
    return aggregated(j, v, req.query.get as string | undefined, req.query.agg as string | undefined);
  }, { type: 'object', properties: { get: { type: 'string' }, agg: { type: 'string' }, subtasks: { type: 'string' } }, additionalProperties: false });

  app.get(
    `${VX}/state`,
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            operator: { type: 'string', minLength: 1, description: 'an operator id (see /plan) or name of the vertex' },
            state: { type: 'string', minLength: 1, description: 'the name of a keyed state' },
            key: { type: 'string', description: 'the key as JSON' },
            namespace: { type: 'string', description: "a window's state namespace as listed in `windows` ('start:end', or JSON for a number)" },
            window: { type: 'string', description: "a time window's bounds: 'start,end' (epoch ms, end exclusive)" },
          },
          required: ['operator'],
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const r = req as Req;
      const { j, v } = vertex(r);
      const opRef = r.query.operator as string;
      const node = v.nodes.find((n) => n.operatorId === opRef) ?? v.nodes.find((n) => n.name === opRef);
      if (!node) throw new HttpError(404, [`vertex ${V.vertexId(v)} has no operator '${opRef}' (its operators: ${v.nodes.map((n) => `${n.name} (${n.operatorId})`).join(', ')})`]);
      if (!node.keySelectors) throw new HttpError(400, [`operator '${node.name}' has no keyed state (it is not on a keyed stream)`]);
      const state = r.query.state as string | undefined;
      if (state === undefined) {
        const value = (await ask(j, 0, { t: 'query-state', operatorId: node.operatorId })) as { states: string[] };
        return { operator: node.operatorId, operatorName: node.name, states: value.states };
      }
      const raw = r.query.key as string | undefined;
      if (raw === undefined) throw new HttpError(400, ["query parameter 'key' is required with 'state': the key as JSON (key=1007, key=%22alice%22)"]);
      let key: unknown;
      try {
        key = JSON.parse(raw);
      } catch (e) {
        throw new HttpError(400, [`query parameter 'key' is not JSON: ${(e as Error).message} (strings need quotes: key=%22alice%22)`]);
      }
      if (key === null || key === undefined) throw new HttpError(400, ["query parameter 'key' must not be null"]);
      const namespace = namespaceParam(r.query.namespace as string | undefined, r.query.window as string | undefined);
      const kg = keyGroupOf(key, v.maxParallelism);
      const subtask = subtaskForKeyGroup(v.maxParallelism, v.parallelism, kg);
      const value = (await ask(j, subtask, { t: 'query-state', operatorId: node.operatorId, state, key, namespace })) as {
        kind: string;
        keyGroup: number;
        value: unknown;
        exists: boolean;
        subtask: number;
        namespaces: (string | number)[];
        namespacesTruncated: boolean;
      };
      const windows = value.namespaces.filter((ns) => ns !== '').map((ns) => ({ namespace: ns, window: windowOf(ns) }));
      return {
        operator: node.operatorId,
        operatorName: node.name,
        state,
        kind: value.kind,
        key,
        keyGroup: value.keyGroup,
        subtask: value.subtask,
        namespace: namespace === '' ? 'VOID' : namespace,
        window: namespace === '' ? null : windowOf(namespace),
        value: value.value,
        exists: value.exists,
        hasVoidValue: value.namespaces.includes(''),
        windows,
        windowsTruncated: value.namespacesTruncated,
      };
    },
  );
  app.get(
    `${VX}/flamegraph`,
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            subtask: { type: 'integer', minimum: 0, maximum: 1023, description: 'the subtask to profile' },
            seconds: { type: 'number', minimum: 0.1, maximum: 30, description: 'how long to sample' },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const r = req as Req;
      const { j, v } = vertex(r);
      const subtask = (r.query.subtask as number | undefined) ?? 0;
      if (subtask >= v.parallelism) throw new HttpError(400, [`query parameter 'subtask' must be below the vertex's parallelism ${v.parallelism}, got ${subtask}`]);
      const seconds = (r.query.seconds as number | undefined) ?? 3;
      const p = (await ask(j, subtask, { t: 'profile', ms: Math.round(seconds * 1000) }, seconds * 1000 + 15_000)) as { samples: number; data: unknown };
      return { endTimestamp: Date.now(), seconds, subtask, samples: p.samples, data: p.data };
    },
  );
}

/**
 * The namespace a state-browser lookup reads: VOID ('') by default; `namespace` as listed (a window's
 * 'start:end', 'G' for the global window; JSON for a number); or `window=start,end`.
 */
function namespaceParam(namespace: string | undefined, window: string | undefined): string | number {
  if (namespace !== undefined && window !== undefined) throw new HttpError(400, ["query parameters 'namespace' and 'window' name the same thing; give one of them"]);
  if (window !== undefined) {
    const m = /^\s*(-?\d+)\s*,\s*(-?\d+)\s*$/.exec(window);
    if (!m) throw new HttpError(400, [`query parameter 'window' must be 'start,end' in epoch milliseconds (window=0,10000), got '${window}'`]);
    const [start, end] = [Number(m[1]), Number(m[2])];
    if (!(start < end)) throw new HttpError(400, [`query parameter 'window': start ${start} must be below end ${end}`]);
    return `${start}:${end}`;
  }
  if (namespace === undefined || namespace === '' || namespace === 'VOID') return '';
  if (/^-?\d+(\.\d+)?$/.test(namespace)) return Number(namespace);
  if (namespace.startsWith('"')) {
    try {
      const s: unknown = JSON.parse(namespace);
      if (typeof s === 'string') return s;
    } catch {
      /* not JSON: taken as written */
    }
  }
  return namespace;
}

/** A time window's bounds from its namespace 'start:end' (the window operator's), or null for another namespace. */
function windowOf(ns: string | number): { start: number; end: number } | null {
  if (typeof ns !== 'string') return null;
  const m = /^(-?\d+):(-?\d+)$/.exec(ns);
  return m ? { start: Number(m[1]), end: Number(m[2]) } : null;
}

async function ask(j: JobClient, slot: number, m: Parameters<JobClient['request']>[1], timeoutMs?: number): Promise<unknown> {
  try {
    return await j.request(slot, m, timeoutMs);
  } catch (e) {
    const status = (e as { status?: number }).status;
    throw new HttpError(status ?? 500, [(e as Error).message]);
  }
}

/** Flink's metric query: without `get` the list of ids, with it the values (as strings). */
function metricQuery(all: Map<string, number>, get: string | undefined): { id: string; value?: string }[] {
  if (get === undefined) return [...all.keys()].map((id) => ({ id }));
  return get
    .split(',')
    .map((s) => s.trim())
    .filter((id) => all.has(id))
    .map((id) => ({ id, value: String(all.get(id)) }));
}

const AGGS = ['min', 'max', 'avg', 'sum', 'skew'];

function aggregated(j: JobClient, v: JobVertex, get: string | undefined, agg: string | undefined) {
  const perSubtask = V.vertexMetrics(j, v);
  const names = new Set<string>();
  for (const id of perSubtask.keys()) names.add(id.slice(id.indexOf('.') + 1));
  if (get === undefined) return [...names].map((id) => ({ id }));
  const aggs = agg === undefined ? AGGS : agg.split(',').map((a) => a.trim());
  for (const a of aggs) if (!AGGS.includes(a)) throw new HttpError(400, [`query parameter 'agg': unknown aggregation '${a}' (known: ${AGGS.join(', ')})`]);
  return get
    .split(',')
    .map((s) => s.trim())
    .filter((n) => names.has(n))
    .map((n) => {
      const xs: number[] = [];
      for (let s = 0; s < v.parallelism; s++) {
        const x = perSubtask.get(`${s}.${n}`);
        if (x !== undefined) xs.push(x);
      }
      const sum = xs.reduce((a, b) => a + b, 0);
      const avg = xs.length ? sum / xs.length : 0;
      const out: Record<string, unknown> = { id: n };
      if (aggs.includes('min')) out.min = Math.min(...xs);
      if (aggs.includes('max')) out.max = Math.max(...xs);
      if (aggs.includes('avg')) out.avg = avg;
      if (aggs.includes('sum')) out.sum = sum;
      if (aggs.includes('skew')) out.skew = avg > 0 ? Math.round(((Math.max(...xs) - avg) / avg) * 100) : 0;
      return out;
    });
}

/** The job with this id, or else the only one with this name. */
function findJob(server: RestServer, ref: string): JobClient {
  const byId = server.jobs.get(ref);
  if (byId) return byId;
  const byName = [...server.jobs.values()].filter((j) => j.plan.jobName === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new HttpError(400, [`'${ref}' is the name of ${byName.length} jobs; use the job id`]);
  const known = [...server.jobs.values()].map((j) => `${j.plan.jobName} (${j.jobId})`).join(', ') || 'none';
  throw new HttpError(404, [`no job '${ref}' (jobs: ${known})`]);
}

function findVertex(j: JobClient, ref: string): JobVertex {
  const v = j.graph.vertices.find((x) => V.vertexId(x) === ref);
  if (v) return v;
  throw new HttpError(404, [`job ${j.jobId} has no vertex '${ref}' (its vertices: ${j.graph.vertices.map((x) => `${V.vertexId(x)} ${x.name}`).join(', ')})`]);
}
