/**
 * The connector benchmarks' shared report: each row times eddy and a plain client loop over the same
 * n records, with eddy's job start (an empty run) measured apart. Prints the table (ratio = eddy
 * throughput / plain loop throughput) and writes `bench/results/<suite>-latest.json`.
 *
 * A row may use its own n (a larger one where the run would otherwise last about as long as the job's
 * start-up, which varies by tenths of a second on a busy machine), and its baseline may itself be an
 * eddy job (e.g. the same sink in another delivery mode), with its own start-up subtracted in the
 * second ratio.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

export interface ConnectorRow {
  what: string;
  /** seconds of the plain client loop (or of the baseline job, start included) */
  baseline: number;
  /** seconds of the eddy job, start included */
  eddy: number;
  /** seconds of the same job with an empty input (0: not measured) */
  startup: number;
  /** seconds of the baseline job with an empty input, when the baseline is a job (default 0) */
  baselineStartup?: number;
  /** records of this row (default: the suite's n) */
  n?: number;
}

/** Below this many seconds of eddy's run without its start-up, the figure is noise: null. */
const MIN_RUN_SEC = 0.2;

export function reportConnectors(suite: string, title: string, n: number, rows: ConnectorRow[]): void {
  const out = rows.map((r) => {
    const rn = r.n ?? n;
    const eddyRun = r.eddy - r.startup;
    const baseRun = r.baseline - (r.baselineStartup ?? 0);
    const runs = eddyRun > MIN_RUN_SEC && (r.baselineStartup === undefined || baseRun > MIN_RUN_SEC);
    return {
      what: r.what,
      n: rn,
      baselineRecPerSec: Math.round(rn / r.baseline),
      eddyRecPerSec: Math.round(rn / r.eddy),
      eddyMinusStartupRecPerSec: eddyRun > MIN_RUN_SEC ? Math.round(rn / eddyRun) : null,
      ratio: +(r.baseline / r.eddy).toFixed(3),
      ratioWithoutStartup: runs ? +(baseRun / eddyRun).toFixed(3) : null,
      startupSec: +r.startup.toFixed(2),
    };
  });
  console.log(`\n${title}, n = ${n} records unless the row says, parallelism 1 (ratio = eddy throughput / baseline throughput)`);
  console.table(out);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${suite}-latest.json`, import.meta.url), JSON.stringify({ n, rows: out }, null, 2));
}
