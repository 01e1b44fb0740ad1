/**
 * `StreamEnvironment`: the entry point of a job. Creates sources, collects transformations, and hands
 * the plan to the executor on `execute()`.
 *
 * A job is a module that every worker evaluates again (DESIGN §2): code before `execute()` runs once
 * in the client and once per worker, so keep it free of side effects that must happen once.
 */
import { ConfigurationError } from '../core/index.ts';
import type { Transformation, SourceTransformation } from './transformation.ts';
import type { Source } from './source.ts';
import { WatermarkStrategy } from './watermark-strategy.ts';
import { MAX_TIMER_MS, isPlainObject, resolveConfig, showValue, type EnvironmentConfig, type EnvironmentOptions } from './config.ts';
import { checkRestartStrategy, type RestartStrategyConfig } from './restart-strategies.ts';
import { getDefaultExecutor, getLaunchContext, type JobExecutionResult } from './launch.ts';
import { DataStream } from './datastream.ts';
import './keyed-stream.ts';
import { CollectionSource, SequenceSource } from './sources/collection-source.ts';
import { TextFileSource } from './sources/text-file-source.ts';
import { SocketTextSource } from './sources/socket-source.ts';

export interface ExecuteOptions {
  /** A savepoint (or retained checkpoint) directory to restore from. */
  fromSavepoint?: string;
  /** Drop state of operators that no longer exist instead of failing. */
  allowNonRestoredState?: boolean;
}

export class StreamEnvironment {
  readonly config: EnvironmentConfig;
  /** @internal every transformation, in creation order */
  readonly transformations: Transformation[] = [];
  private nextId = 1;
  /** @internal */
  checkpointing: { intervalMs: number; options: Record<string, unknown> } | undefined;
  /** @internal */
  restartStrategy: RestartStrategyConfig | undefined;

  private constructor(opts: EnvironmentOptions) {
    this.config = resolveConfig(opts, getLaunchContext().overrides);
  }

  /** A new environment; `--parallelism` and friends from the CLI override `opts`. */
  static create(opts: EnvironmentOptions = {}): StreamEnvironment {
    if (!isPlainObject(opts)) throw new ConfigurationError(`StreamEnvironment.create: options must be an object, got ${showValue(opts)}`);
    return new StreamEnvironment(opts);
  }

  getParallelism(): number {
    return this.config.parallelism;
  }
  getMaxParallelism(): number {
    return this.config.maxParallelism;
  }

  /** @internal */
  addTransformation<T extends Transformation>(t: Omit<T, 'id'>): T {
    const full = { ...t, id: this.nextId++ } as T;
    this.transformations.push(full);
    return full;
  }

  /**
   * Enables periodic checkpoints every `intervalMs` (an integer from 1 to {@link MAX_TIMER_MS}). The
   * options (`mode`, `timeoutMs`, `minPauseMs`, `maxConcurrent`, `retained`, `tolerableFailures`,
   * `storage`, `unaligned`, `alignedTimeoutMs`) are checked when the job starts, before anything runs.
   */
  enableCheckpointing(intervalMs: number, options: Record<string, unknown> = {}): this {
    if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_TIMER_MS)
      throw new ConfigurationError(`enableCheckpointing: the interval must be an integer of ms between 1 and ${MAX_TIMER_MS}, got ${showValue(intervalMs)}`);
    if (!isPlainObject(options)) throw new ConfigurationError(`enableCheckpointing: options must be an object, got ${showValue(options)}`);
    this.checkpointing = { intervalMs, options: { ...options } };
    return this;
  }

  /** What happens when a task fails (default: no restart, or fixed delay when checkpointing). */
  setRestartStrategy(strategy: RestartStrategyConfig): this {
    this.restartStrategy = checkRestartStrategy('setRestartStrategy', strategy);
    return this;
  }

  fromSource<T>(source: Source<T, any, any>, watermarkStrategy: WatermarkStrategy<T>, name: string): DataStream<T> {
    if (typeof name !== 'string' || name.trim() === '') throw new ConfigurationError(`fromSource: the name (third argument) must be a non-empty string, got ${showValue(name)}`);
    if (!source || typeof source.createReader !== 'function' || typeof source.createEnumerator !== 'function')
      throw new ConfigurationError(`fromSource('${name}'): not a Source (needs createEnumerator and createReader)`);
    if (!(watermarkStrategy instanceof WatermarkStrategy))
      throw new ConfigurationError(`fromSource('${name}'): the second argument must be a WatermarkStrategy`);
    const t = this.addTransformation<SourceTransformation>({
      kind: 'source',
      name,
      source,
      watermarkStrategy,
      parallelism: source.maxSourceParallelism === 1 ? 1 : undefined,
    });
    return new DataStream<T>(this, t);
  }

  fromElements<T>(...elements: T[]): DataStream<T> {
    return this.fromCollection(elements, 'fromElements');
  }

  fromCollection<T>(elements: Iterable<T>, name = 'fromCollection'): DataStream<T> {
    if (elements === null || typeof (elements as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function')
      throw new ConfigurationError(`fromCollection: expected an iterable (an array, a Set …), got ${showValue(elements)}`);
    return this.fromSource(new CollectionSource<T>([...elements]), WatermarkStrategy.noWatermarks<T>(), name);
  }

  /** The numbers `from` … `to` (inclusive), split across parallel subtasks. */
  fromSequence(from: number, to: number): DataStream<number> {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from)
      throw new ConfigurationError(`fromSequence: need integers with from ≤ to, got ${showValue(from)}..${showValue(to)}`);
    return this.fromSource(new SequenceSource(from, to), WatermarkStrategy.noWatermarks<number>(), `Sequence ${from}..${to}`);
  }

  /** Lines of a text file (or every file in a directory), split into byte ranges read in parallel. */
  readTextFile(path: string, options: { splitSize?: number } = {}): DataStream<string> {
    if (typeof path !== 'string' || path === '') throw new ConfigurationError(`readTextFile: path must be a non-empty string, got ${showValue(path)}`);
    if (!isPlainObject(options)) throw new ConfigurationError(`readTextFile('${path}'): options must be an object, got ${showValue(options)}`);
    for (const k of Object.keys(options)) if (k !== 'splitSize') throw new ConfigurationError(`readTextFile('${path}'): unknown option '${k}' (known: splitSize)`);
    if (options.splitSize !== undefined && !(Number.isSafeInteger(options.splitSize) && options.splitSize > 0))
      throw new ConfigurationError(`readTextFile('${path}'): splitSize must be a positive integer of bytes, got ${showValue(options.splitSize)}`);
    return this.fromSource(new TextFileSource(path, options), WatermarkStrategy.noWatermarks<string>(), `TextFile ${path}`);
  }

  /** Lines from a TCP socket (unbounded, parallelism 1). */
  socketTextStream(host: string, port: number, delimiter = '\n'): DataStream<string> {
    if (typeof host !== 'string' || host === '') throw new ConfigurationError(`socketTextStream: host must be a non-empty string, got ${showValue(host)}`);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new ConfigurationError(`socketTextStream('${host}', ${showValue(port)}): port must be an integer between 1 and 65535`);
    if (typeof delimiter !== 'string' || delimiter === '')
      throw new ConfigurationError(`socketTextStream('${host}', ${port}): the delimiter must be a non-empty string, got ${showValue(delimiter)}`);
    return this.fromSource(new SocketTextSource(host, port, delimiter), WatermarkStrategy.noWatermarks<string>(), `Socket ${host}:${port}`);
  }

  /**
   * Runs the job; resolves when a bounded job has finished (or rejects with the failure).
   * `fromSavepoint` restores a savepoint or retained checkpoint directory (any parallelism);
   * `allowNonRestoredState` drops state of operators the job no longer has.
   */
  async execute(jobName = 'eddy job', options: ExecuteOptions = {}): Promise<JobExecutionResult> {
    if (typeof jobName !== 'string' || jobName.trim() === '') throw new ConfigurationError(`execute(): the job name must be a non-empty string, got ${showValue(jobName)}`);
    if (!isPlainObject(options)) throw new ConfigurationError(`execute('${jobName}'): options must be an object, got ${showValue(options)}`);
    if (options.fromSavepoint !== undefined && (typeof options.fromSavepoint !== 'string' || options.fromSavepoint === ''))
      throw new ConfigurationError(`execute('${jobName}'): option 'fromSavepoint' must be a path (a non-empty string), got ${showValue(options.fromSavepoint)}`);
    if (options.allowNonRestoredState !== undefined && typeof options.allowNonRestoredState !== 'boolean')
      throw new ConfigurationError(`execute('${jobName}'): option 'allowNonRestoredState' must be a boolean, got ${showValue(options.allowNonRestoredState)}`);
    for (const k of Object.keys(options))
      if (k !== 'fromSavepoint' && k !== 'allowNonRestoredState') throw new ConfigurationError(`execute(): unknown option '${k}' (known: fromSavepoint, allowNonRestoredState)`);
    const launch = getLaunchContext();
    const executor = launch.executor ?? getDefaultExecutor();
    if (!executor) throw new ConfigurationError("no executor installed: import the job API from 'eddy'");
    if (this.transformations.length === 0) throw new ConfigurationError('execute(): the job has no operators');
    const result = await executor.execute({
      jobName,
      config: this.config,
      transformations: this.transformations,
      checkpointing: this.checkpointing,
      restartStrategy: this.restartStrategy,
      execute: options,
    });
    return result;
  }
}
