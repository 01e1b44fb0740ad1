/**
 * The metrics of every job of this process in Flink's scopes, for the Prometheus reporter: job metrics
 * (`jobmanager_job_<name>{job_id, job_name}`), task and operator metrics (see `JobMetrics.scoped`).
 */
import type { ScopedMetric } from '../metrics/index.ts';
import type { JobClient } from '../runtime/index.ts';
import { jobMetrics, vertexId } from './flink-views.ts';

const JOB_STATES = ['INITIALIZING', 'RUNNING', 'RESTARTING', 'FINISHED', 'FAILED', 'CANCELED'];

export function prometheusMetrics(jobs: JobClient[]): ScopedMetric[] {
  const out: ScopedMetric[] = [];
  for (const j of jobs) {
    const labels = { job_id: j.jobId, job_name: j.plan.jobName };
    for (const [name, value] of jobMetrics(j)) out.push({ scope: 'jobmanager_job', name, labels, value });
    // which state the job is in, as 0/1 per state (Flink's `<state>Time` gauges say the same in milliseconds)
    for (const s of JOB_STATES) out.push({ scope: 'jobmanager_job', name: 'status', labels: { ...labels, status: s }, value: j.status === s ? 1 : 0 });
    out.push(...j.metrics.scoped({ id: j.jobId, name: j.plan.jobName, attempt: j.attempt }, vertexId));
  }
  out.push({ scope: 'jobmanager', name: 'numRunningJobs', labels: {}, value: jobs.filter((j) => j.status === 'RUNNING' || j.status === 'RESTARTING' || j.status === 'INITIALIZING').length });
  return out;
}
