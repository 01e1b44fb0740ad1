/**
 * The connector benchmarks' shared report: each row times eddy and a plain client loop over the same
 * n records, with eddy's job start (an empty run) measured apart. Prints the table (ratio = eddy
 * throughput / plain loop throughput) and writes `bench/results/<suite>-latest.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

export interface ConnectorRow {
  what: string;
  /** seconds of the plain client loop */
  baseline: number;
  /** seconds of the eddy job, start included */
  eddy: number;
  /** seconds of the same job with an empty input (0: not measured) */
  startup: number;
}

export function reportConnectors(suite: string, title: string, n: number, rows: ConnectorRow[]): void {
  const out = rows.map((r) => ({
    what: r.what,
    baselineRecPerSec: Math.round(n / r.baseline),
    eddyRecPerSec: Math.round(n / r.eddy),
    // null when the job took less than a separate empty run (startup varies by a second on a busy machine)
    eddyMinusStartupRecPerSec: r.eddy - r.startup > 0.2 ? Math.round(n / (r.eddy - r.startup)) : null,
    ratio: +(r.baseline / r.eddy).toFixed(3),
    ratioWithoutStartup: r.eddy - r.startup > 0.2 ? +(r.baseline / (r.eddy - r.startup)).toFixed(3) : null,
    startupSec: +r.startup.toFixed(2),
  }));
  console.log(`\n${title}, n = ${n} records, parallelism 1 (ratio = eddy throughput / plain loop throughput)`);
  console.table(out);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${suite}-latest.json`, import.meta.url), JSON.stringify({ n, rows: out }, null, 2));
}
