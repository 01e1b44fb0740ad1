/**
 * State time-to-live, with Flink's vocabulary: `StateTtlConfig.newBuilder(ttlMs)...build()`.
 *
 * A TTL state stores each value (each list element, each map entry) with the time of its last write
 * (or last read, with `OnReadAndWrite`). A value is expired when `timestamp + ttl <= now` by the backend's
 * injected clock. Cleanup happens on access, in full snapshots (`cleanupFullSnapshot`, expired entries are
 * not written) and incrementally (`cleanupIncrementally(n)`, n entries checked per state access).
 */
import { ConfigurationError } from '../core/index.ts';

/** When the last-access timestamp is refreshed. */
export type TtlUpdateType = 'OnCreateAndWrite' | 'OnReadAndWrite';
/** Whether an expired value that was not cleaned up yet may still be returned. */
export type TtlStateVisibility = 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';

/** Immutable TTL configuration of one state descriptor. */
export class StateTtlConfig {
  private constructor(
    /** Time to live in milliseconds. */
    readonly ttlMs: number,
    readonly updateType: TtlUpdateType,
    readonly stateVisibility: TtlStateVisibility,
    /** Expired entries are left out of full snapshots. */
    readonly cleanupInFullSnapshot: boolean,
    /** Entries checked per state access for incremental cleanup (0: off). */
    readonly incrementalCleanupSize: number,
    /** Also run an incremental cleanup step for every record (each `setCurrentKey`). */
    readonly runCleanupForEveryRecord: boolean,
  ) {}

  /**
   * Starts a TTL configuration.
   * @example
   * StateTtlConfig.newBuilder(60_000).setUpdateType('OnReadAndWrite').cleanupIncrementally(10).build()
   */
  static newBuilder(ttlMs: number): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(ttlMs);
  }

  /** @internal used by the builder only. */
  static create(b: StateTtlConfigBuilder): StateTtlConfig {
    return new StateTtlConfig(b.ttlMs, b.updateType, b.visibility, b.fullSnapshot, b.incremental, b.everyRecord);
  }
}

/** Builder for {@link StateTtlConfig}; defaults are Flink's (`OnCreateAndWrite`, `NeverReturnExpired`). */
export class StateTtlConfigBuilder {
  updateType: TtlUpdateType = 'OnCreateAndWrite';
  visibility: TtlStateVisibility = 'NeverReturnExpired';
  fullSnapshot = false;
  incremental = 0;
  everyRecord = false;

  constructor(readonly ttlMs: number) {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new ConfigurationError(`state TTL must be a positive number of ms, got ${ttlMs}`);
  }
  setUpdateType(t: TtlUpdateType): this {
    if (t !== 'OnCreateAndWrite' && t !== 'OnReadAndWrite') throw new ConfigurationError(`unknown TTL update type ${String(t)}`);
    this.updateType = t;
    return this;
  }
  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType('OnCreateAndWrite');
  }
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType('OnReadAndWrite');
  }
  setStateVisibility(v: TtlStateVisibility): this {
    if (v !== 'NeverReturnExpired' && v !== 'ReturnExpiredIfNotCleanedUp') throw new ConfigurationError(`unknown TTL visibility ${String(v)}`);
    this.visibility = v;
    return this;
  }
  neverReturnExpired(): this {
    return this.setStateVisibility('NeverReturnExpired');
  }
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility('ReturnExpiredIfNotCleanedUp');
  }
  /** Leave expired entries out of full snapshots. */
  cleanupFullSnapshot(): this {
    this.fullSnapshot = true;
    return this;
  }
  /** Check `cleanupSize` entries of the state on every access (and for every record if asked). */
  cleanupIncrementally(cleanupSize: number, runCleanupForEveryRecord = false): this {
    if (!(cleanupSize >= 0) || !Number.isInteger(cleanupSize)) throw new ConfigurationError(`cleanupIncrementally size must be an integer >= 0, got ${cleanupSize}`);
    this.incremental = cleanupSize;
    this.everyRecord = runCleanupForEveryRecord;
    return this;
  }
  build(): StateTtlConfig {
    return StateTtlConfig.create(this);
  }
}

/**
 * A value stored by a TTL state: the user value `v` and the last-access timestamp `t` (ms).
 * Stored as a two-element array so that encoded entries stay small.
 */
export type TtlValue = [v: unknown, t: number];
