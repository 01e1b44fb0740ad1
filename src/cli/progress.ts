/**
 * Live progress on a terminal (records in/out and rate per operator, elapsed time), redrawn in place
 * on stderr, and the end-of-run summary as a table or JSON.
 */
import type { JobExecutionResult } from '../api/index.ts';
import type { JobClient } from '../runtime/index.ts';

function fmtRate(n: number): string {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return n.toFixed(0);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export class ProgressView {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lines = 0;
  private last = new Map<string, { t: number; out: number }>();
  constructor(
    private readonly client: JobClient,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}
  start(): void {
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
  }
  private draw(): void {
    const p = this.client.progress();
    const now = Date.now();
    const rows = [['operator', 'par', 'records in', 'records out', 'rate/s']];
    for (const o of p.operators) {
      const prev = this.last.get(o.id);
      const count = o.recordsIn;
      const rate = prev ? ((count - prev.out) * 1000) / Math.max(1, now - prev.t) : 0;
      this.last.set(o.id, { t: now, out: count });
      rows.push([o.name.slice(0, 40), String(o.parallelism), String(o.recordsIn), String(o.recordsOut), fmtRate(rate)]);
    }
    const text = `${p.jobName}  ${(p.elapsedMs / 1000).toFixed(1)} s\n` + table(rows) + '\n';
    if (this.lines > 0) this.stream.write(`\x1b[${this.lines}A\x1b[J`);
    this.stream.write(text);
    this.lines = text.split('\n').length - 1;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.lines > 0) this.stream.write(`\x1b[${this.lines}A\x1b[J`);
    this.lines = 0;
  }
}

export function formatSummary(r: JobExecutionResult): string {
  const secs = r.durationMs / 1000;
  const rows = [['operator', 'par', 'records in', 'records out', 'rate/s']];
  for (const o of r.operators) rows.push([o.name.slice(0, 40), String(o.parallelism), String(o.recordsIn), String(o.recordsOut), fmtRate(o.recordsIn / Math.max(secs, 1e-3))]);
  const how = r.status === 'stopped' ? `stopped with a savepoint at ${String(r.savepoint)} after` : 'finished in';
  const cps = r.checkpoints as { completed: number; failed: number } | undefined;
  const extra = [
    cps ? `checkpoints: ${cps.completed} completed, ${cps.failed} failed` : '',
    r.restarts ? `restarts: ${String(r.restarts)}` : '',
  ].filter(Boolean);
  return `job '${r.jobName}' ${how} ${secs.toFixed(2)} s${extra.length ? ` (${extra.join('; ')})` : ''}\n${table(rows)}`;
}
