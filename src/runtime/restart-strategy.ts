/**
 * Decides, for each task failure, whether to restart and after what delay (the strategies of
 * `RestartStrategies`). A failure whose error says `retriable: false` is never restarted.
 */
import type { RestartStrategyConfig } from '../api/index.ts';

export class RestartTracker {
  private attempts = 0;
  private failures: number[] = [];
  private delay = 0;
  private lastFailureAt = -Infinity;
  constructor(
    readonly config: RestartStrategyConfig,
    private readonly now: () => number,
  ) {}

  get restarts(): number {
    return this.attempts;
  }

  /** The delay before restarting after `error`, or undefined to fail the job. */
  onFailure(error: Error): number | undefined {
    if ((error as { retriable?: boolean }).retriable === false) return undefined;
    const c = this.config;
    const now = this.now();
    switch (c.kind) {
      case 'none':
        return undefined;
      case 'fixed-delay':
        if (this.attempts >= c.attempts) return undefined;
        this.attempts++;
        return c.delayMs;
      case 'exponential-delay': {
        if (now - this.lastFailureAt > c.resetAfterMs) this.delay = 0;
        this.lastFailureAt = now;
        if (this.attempts >= c.attempts) return undefined;
        this.attempts++;
        this.delay = this.delay === 0 ? c.initialMs : Math.min(c.maxMs, this.delay * c.multiplier);
        return this.delay;
      }
      case 'failure-rate': {
        this.failures = this.failures.filter((t) => now - t < c.intervalMs);
        this.failures.push(now);
        if (this.failures.length > c.maxFailures) return undefined;
        this.attempts++;
        return c.delayMs;
      }
    }
  }
}
