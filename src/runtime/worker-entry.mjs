// Entry point of a slot worker thread. Plain JS on purpose: a worker does not inherit tsx's loader
// (DESIGN §2), so register it here, then load the TypeScript runtime and the job module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

if (!workerData || !workerData.compiled) register();
const { runWorker } = await import(workerData && workerData.compiled ? './worker.js' : './worker.ts');
await runWorker();
