// Entry point of a slot worker thread. Plain JS on purpose: a worker does not inherit tsx's loader
// (DESIGN §2), so register it here, then load the runtime and the job module. From the sources tsx is
// always needed (worker.ts); from the compiled package (dist/, worker.js) only for a TypeScript job
// module (`eddy run job.ts`), so a plain-JS job runs on plain Node.
import { workerData } from 'node:worker_threads';

const compiled = Boolean(workerData && workerData.compiled);
const tsJob = Boolean(workerData && /\.[cm]?tsx?$/.test(new URL(workerData.moduleUrl).pathname));
if (!compiled || tsJob) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { runWorker } = await import(compiled ? './worker.js' : './worker.ts');
await runWorker();
