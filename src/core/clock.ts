/**
 * Time sources. No runtime code reads `Date.now()` or calls `setTimeout` directly: it asks a {@link Clock}.
 * Tests use {@link ManualClock} and step it.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const SystemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
