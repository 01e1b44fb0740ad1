// Entry point of a slot worker thread. Plain JS on purpose: a worker does not inherit tsx's loader
// (DESIGN §2). From the sources, the worker loads the prebuilt bundle of the runtime and the job module
// when the job has one (worker-bundle.ts: plain JavaScript, no loader), else registers tsx and loads the
// sources. From the compiled package (dist/, worker.js) tsx is needed only for a TypeScript job module
// (`eddy run job.ts`), so a plain-JS job runs on plain Node.
import { workerData } from 'node:worker_threads';

const compiled = Boolean(workerData && workerData.compiled);
const bundle = workerData && workerData.bundle;
const tsJob = Boolean(workerData && /\.[cm]?tsx?$/.test(new URL(workerData.moduleUrl).pathname));
if (bundle) process.setSourceMapsEnabled(true);
else if (!compiled || tsJob) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { runWorker } = await import(bundle ? bundle.worker : compiled ? './worker.js' : './worker.ts');
await runWorker();
