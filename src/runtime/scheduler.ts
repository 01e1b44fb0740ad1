/**
 * The slot loop's only contact with real time: `now()`, a one-shot timer and "run soon". Injected so
 * tests can drive time; the system implementation wraps Date.now/setTimeout/setImmediate.
 */
export interface Scheduler {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
  /** Runs `fn` after pending I/O events (setImmediate). */
  soon(fn: () => void): void;
}

export const SystemScheduler: Scheduler = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
  soon: (fn) => setImmediate(fn),
};
