/**
 * The JobManager of local mode, in the client's main thread: builds the job graph, starts one worker
 * thread per slot (connected pairwise by MessagePorts), runs the source split enumerators, gathers
 * progress, and finishes or fails the job. No worker outlives the job: on success, failure or
 * cancellation every worker is terminated before `execute()` settles.
 */
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { EddyError, ConfigurationError, JobCancelledError, errorFromRecord } from '../core/index.ts';
import {
  getLaunchContext,
  type JobExecutionResult,
  type JobExecutor,
  type JobPlan,
  type SplitEnumerator,
  type OperatorResult,
} from '../api/index.ts';
import { buildJobGraph, buildStreamGraph, type JobGraph } from '../graph/index.ts';
import type { MainToWorker, WorkerData, WorkerToMain } from './protocol.ts';
import type { TaskStats } from './slot.ts';

export interface JobProgress {
  jobName: string;
  jobId: string;
  elapsedMs: number;
  operators: OperatorResult[];
  finished: boolean;
}

const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);

let liveWorkers = 0;
/** Worker threads started by jobs in this process that have not exited yet. */
export function liveWorkerCount(): number {
  return liveWorkers;
}

/** Handle on a running job (cancel it, read its progress). */
export class JobClient {
  readonly jobId = randomUUID();
  readonly startedAt = Date.now();
  /** When every worker was ready and the job started running (after module loading and deployment). */
  runningSince = 0;
  private workers: Worker[] = [];
  private exited: Promise<void>[] = [];
  private settled = false;
  private stats = new Map<number, TaskStats[]>();
  private finished = new Set<number>();
  private enumerators = new Map<number, SplitEnumerator<unknown, unknown>>();
  private registered = new Map<number, Set<number>>();
  private resolve!: (r: JobExecutionResult) => void;
  private reject!: (e: Error) => void;
  readonly result: Promise<JobExecutionResult>;
  private readonly listeners = new Map<string, (subtask: number, m: unknown) => void>();

  constructor(
    readonly plan: JobPlan,
    readonly graph: JobGraph,
    private readonly moduleUrl: string,
    private readonly targetExecution: number,
  ) {
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    for (const v of graph.vertices) for (const n of v.nodes) {
      const sink = n.sink;
      if (sink?.createCoordinatorListener) this.listeners.set(n.operatorId, sink.createCoordinatorListener());
    }
  }

  start(): void {
    const slots = this.graph.slots;
    const ports: Record<number, MessagePort>[] = Array.from({ length: slots }, () => ({}));
    for (let a = 0; a < slots; a++)
      for (let b = a + 1; b < slots; b++) {
        const ch = new MessageChannel();
        ports[a]![b] = ch.port1;
        ports[b]![a] = ch.port2;
      }
    const ready = new Set<number>();
    for (let s = 0; s < slots; s++) {
      const data: WorkerData = {
        slot: s,
        slots,
        moduleUrl: this.moduleUrl,
        overrides: getLaunchContext().overrides,
        params: (getLaunchContext().params as Record<string, unknown>) ?? {},
        targetExecution: this.targetExecution,
        attempt: 0,
        jobId: this.jobId,
        ports: ports[s]!,
      };
      const w = new Worker(WORKER_URL, { workerData: data, transferList: Object.values(ports[s]!) as never[], stdout: false, stderr: false });
      this.workers.push(w);
      liveWorkers++;
      this.exited.push(new Promise((r) => w.once('exit', () => r())));
      w.on('message', (m: WorkerToMain) => {
        try {
          this.onMessage(s, m, ready);
        } catch (e) {
          this.fail(e instanceof Error ? e : new Error(String(e)));
        }
      });
      w.on('error', (e) => this.fail(new EddyError(`worker for slot ${s} crashed: ${e.message}`, { domain: 'internal', retriable: true, cause: e })));
      w.on('exit', (code) => {
        liveWorkers--;
        if (!this.settled) this.fail(new EddyError(`worker for slot ${s} exited unexpectedly (exit code ${code})`, { domain: 'internal', retriable: true }));
      });
    }
  }

  private onMessage(slot: number, m: WorkerToMain, ready: Set<number>): void {
    if (this.settled) return;
    switch (m.t) {
      case 'ready':
        if (m.fingerprint !== this.graph.fingerprint) {
          this.fail(
            new ConfigurationError(
              `the job graph built in worker ${slot} differs from the client's: the job module must build the same graph every time it is evaluated ` +
                `(no randomness, time or environment-dependent branches before execute())`,
            ),
          );
          return;
        }
        ready.add(slot);
        if (ready.size === this.graph.slots) this.startJob();
        break;
      case 'reader-registered': {
        const en = this.enumerators.get(m.vertex)!;
        const reg = this.registered.get(m.vertex)!;
        reg.add(m.subtask);
        en.addReader(m.subtask);
        break;
      }
      case 'split-request':
        this.enumerators.get(m.vertex)!.handleSplitRequest(m.subtask);
        break;
      case 'coordinator':
        this.listeners.get(m.operatorId)?.(m.subtask, m.message);
        break;
      case 'metrics':
        this.stats.set(slot, m.stats);
        break;
      case 'finished':
        this.stats.set(slot, m.stats);
        this.finished.add(slot);
        if (this.finished.size === this.graph.slots) void this.succeed();
        break;
      case 'failed':
        this.fail(errorFromRecord(m.error));
        break;
    }
  }

  private post(slot: number, m: MainToWorker): void {
    this.workers[slot]!.postMessage(m);
  }

  private startJob(): void {
    for (const v of this.graph.vertices) {
      if (v.head.kind !== 'source') continue;
      const vi = v.index;
      this.registered.set(vi, new Set());
      const reg = this.registered.get(vi)!;
      const en = v.head.source!.createEnumerator({
        parallelism: v.parallelism,
        registeredReaders: () => [...reg],
        assignSplit: (split, subtask) => this.post(subtask, { t: 'splits', vertex: vi, subtask, splits: [split] }),
        signalNoMoreSplits: (subtask) => this.post(subtask, { t: 'no-more-splits', vertex: vi, subtask }),
      });
      this.enumerators.set(vi, en);
      en.start();
    }
    this.runningSince = Date.now();
    for (let s = 0; s < this.graph.slots; s++) this.post(s, { t: 'start' });
  }

  /** Per-operator totals over all subtasks, from the latest reports. */
  operatorResults(): OperatorResult[] {
    const byId = new Map<string, OperatorResult>();
    for (const v of this.graph.vertices)
      for (const n of v.nodes) byId.set(n.operatorId, { id: n.operatorId, name: n.name, parallelism: n.parallelism, recordsIn: 0, recordsOut: 0 });
    for (const list of this.stats.values())
      for (const t of list)
        for (const o of t.operators) {
          const r = byId.get(o.id);
          if (r) {
            r.recordsIn += o.recordsIn;
            r.recordsOut += o.recordsOut;
          }
        }
    return [...byId.values()];
  }

  progress(): JobProgress {
    return { jobName: this.plan.jobName, jobId: this.jobId, elapsedMs: Date.now() - this.startedAt, operators: this.operatorResults(), finished: this.settled };
  }

  private async terminate(): Promise<void> {
    this.settled = true;
    for (const en of this.enumerators.values()) {
      try {
        en.close();
      } catch {
        /* closing enumerators must not mask the job's outcome */
      }
    }
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => 0)));
    await Promise.all(this.exited);
  }

  private async succeed(): Promise<void> {
    if (this.settled) return;
    await this.terminate();
    const collected = [...this.graph.vertices.flatMap((v) => v.nodes)].find((n) => n.sink && 'results' in n.sink && typeof (n.sink as { results?: unknown }).results === 'function');
    const result: JobExecutionResult = {
      jobName: this.plan.jobName,
      jobId: this.jobId,
      durationMs: Date.now() - this.startedAt,
      runningMs: Date.now() - this.runningSince,
      startupMs: this.runningSince - this.startedAt,
      operators: this.operatorResults(),
    };
    if (collected) result.collected = (collected.sink as unknown as { results(): unknown[] }).results();
    this.resolve(result);
  }

  fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    void this.terminate().then(() => this.reject(e));
  }

  cancel(): void {
    this.fail(new JobCancelledError());
  }
}

const running = new Set<JobClient>();

/** Jobs currently running in this process (the CLI cancels them on Ctrl-C). */
export function runningJobs(): JobClient[] {
  return [...running];
}

export type ProgressListener = (client: JobClient) => void;

export class LocalExecutor implements JobExecutor {
  async execute(plan: JobPlan): Promise<JobExecutionResult> {
    const launch = getLaunchContext();
    const index = launch.executions++;
    const graph = buildJobGraph(buildStreamGraph(plan.transformations, plan.config));
    const moduleUrl = launch.moduleUrl ?? (process.argv[1] ? pathToFileURL(process.argv[1]).href : undefined);
    if (!moduleUrl) throw new ConfigurationError('cannot tell which module holds the job: run it with `eddy run <job>` or runJob(url)');
    const client = new JobClient(plan, graph, moduleUrl, index);
    running.add(client);
    (launch.onJobStart as ProgressListener | undefined)?.(client);
    client.start();
    try {
      const r = await client.result;
      launch.results.push(r);
      return r;
    } finally {
      running.delete(client);
    }
  }
}
