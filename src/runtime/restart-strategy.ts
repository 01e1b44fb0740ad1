/**
 * Decides, for each task failure, whether to restart and after what delay (the strategies of
 * `RestartStrategies`). A failure whose error says `retriable: false` is never restarted.
 * As in Flink: the exponential backoff (and its attempt count) resets once the job has run `resetAfterMs`
 * since its last restart without failing; the failure-rate strategy gives up when `maxFailures` failures
 * fall within `intervalMs` (a failure exactly `intervalMs` old still counts).
 */
import type { RestartStrategyConfig } from '../api/index.ts';

export class RestartTracker {
  private attempts = 0;
  /** Exponential delay: restarts since the backoff was last reset. */
  private attemptsSinceReset = 0;
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
        // quiet time is counted from the restart: the `delay` spent waiting is not time the job ran
        if (now - this.lastFailureAt >= c.resetAfterMs + this.delay) {
          this.delay = 0;
          this.attemptsSinceReset = 0;
        }
        this.lastFailureAt = now;
        if (this.attemptsSinceReset >= c.attempts) return undefined;
        this.attemptsSinceReset++;
        this.attempts++;
        this.delay = this.delay === 0 ? c.initialMs : Math.min(c.maxMs, this.delay * c.multiplier);
        return this.delay;
      }
      case 'failure-rate': {
        this.failures = this.failures.filter((t) => now - t <= c.intervalMs);
        this.failures.push(now);
        if (this.failures.length >= c.maxFailures) return undefined;
        this.attempts++;
        return c.delayMs;
      }
    }
  }
}
