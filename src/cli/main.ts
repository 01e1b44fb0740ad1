/**
 * The `eddy` command line: `eddy run <job>` runs a job module (live progress on a terminal, a summary
 * at the end, `--json` for machines); `eddy nexmark generate` writes Nexmark events as JSON lines.
 * Ctrl-C / SIGTERM cancel running jobs cleanly (every worker exits) before the process ends.
 *
 * Exit codes: 0 finished, 1 failed, 2 bad invocation (an unknown option or command, a missing or
 * malformed argument, options that contradict each other, a REST port in use: always with the error
 * and a usage line, before anything runs), 130 cancelled.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { join, relative, resolve } from 'node:path';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { RestServer, type JobRegistration } from '../web/index.ts';
import { pathToFileURL } from 'node:url';
import { setLaunchContext, type JobExecutionResult, type LaunchContext } from '../api/index.ts';
import { JobCancelledError } from '../core/index.ts';
import { runningJobs, type JobClient } from '../runtime/index.ts';
import { jsonLinesChunks } from '../connectors/nexmark/index.ts';
import { ProgressView, formatSummary } from './progress.ts';
import { createLogger, LOG_LEVELS } from './logging.ts';
import type { LevelWithSilent } from 'pino';

function intArg(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `${name} must be an integer ≥ ${min}` : `${name} must be an integer between ${min} and ${max}`);
    return n;
  };
}

function stateBackendArg(v: string): string {
  if (v !== 'heap' && v !== 'lmdb') throw new InvalidArgumentError("--state-backend must be 'heap' or 'lmdb'");
  return v;
}

/** Ends the command as a bad invocation: the message, the command's usage line, exit code 2. */
function badInvocation(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: 2, code: 'eddy.badInvocation' });
}

/** Prints an error with its cause chain; user stacks are kept. */
export function formatError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  let depth = 0;
  while (cur !== undefined && depth < 6) {
    if (cur instanceof Error) {
      if (depth === 0) parts.push(`error: ${cur.message}`);
      else parts.push(`caused by: ${cur.stack ?? cur.message}`);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      cur = undefined;
    }
    depth++;
  }
  return parts.join('\n');
}

/**
 * Job parameters from `key=value` arguments: keys are names (a letter or `_`, then letters, digits,
 * `_`, `.`, `-`), each given once; numbers and booleans are converted. Throws a message for the first
 * malformed one.
 */
export function parseParams(rest: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of rest) {
    const eq = a.indexOf('=');
    if (eq < 0) throw new Error(`job parameter '${a}' must look like key=value`);
    const key = a.slice(0, eq);
    if (!/^[A-Za-z_][\w.-]*$/.test(key))
      throw new Error(`job parameter '${a}': the key ${key === '' ? 'is empty' : `'${key}' is not a name`} (a letter or _, then letters, digits, _, . or -)`);
    if (Object.hasOwn(out, key)) throw new Error(`job parameter '${key}' is given twice`);
    const v = a.slice(eq + 1);
    out[key] = v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}

interface RunOptions {
  parallelism?: number;
  stateBackend?: string;
  incremental?: boolean;
  json?: boolean;
  progress?: boolean;
  checkpointDir?: string;
  resume?: boolean;
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
  webPort?: number;
  restPort?: number;
  rest?: boolean;
  logLevel?: LevelWithSilent;
}

/** The web server's default port (Flink's `rest.port`); when it is taken, any free port. */
export const DEFAULT_WEB_PORT = 8081;

function logLevelArg(v: string): LevelWithSilent {
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return v as LevelWithSilent;
}

async function runCommand(job: string, opts: RunOptions, rawParams: string[], cmd: Command): Promise<number> {
  // Everything the invocation says is checked before anything starts.
  const file = resolve(job);
  if (!existsSync(file)) badInvocation(cmd, `job module '${job}' not found (looked at ${file})`);
  if (!statSync(file).isFile()) badInvocation(cmd, `job module '${job}' is not a file (${file})`);
  let params: Record<string, unknown>;
  try {
    params = parseParams(rawParams);
  } catch (e) {
    badInvocation(cmd, (e as Error).message);
  }
  if (opts.fromSavepoint !== undefined && opts.resume)
    badInvocation(
      cmd,
      '--resume and --from-savepoint cannot be used together: --resume restores the latest checkpoint of this job, --from-savepoint the savepoint you name; give one of them',
    );
  if (opts.fromSavepoint === '') badInvocation(cmd, '--from-savepoint needs the path of a savepoint directory');
  if (opts.fromSavepoint !== undefined && !existsSync(opts.fromSavepoint))
    badInvocation(cmd, `--from-savepoint '${opts.fromSavepoint}': no such savepoint (${resolve(opts.fromSavepoint)} does not exist)`);
  if (opts.incremental && opts.stateBackend === 'heap')
    badInvocation(cmd, '--incremental applies to the lmdb state backend only, not to --state-backend heap');
  if (opts.webPort !== undefined && opts.restPort !== undefined && opts.webPort !== opts.restPort)
    badInvocation(cmd, `--web-port ${opts.webPort} and --rest-port ${opts.restPort} name different ports (--rest-port is another name for --web-port); give one of them`);
  const portFlag = opts.webPort !== undefined ? '--web-port' : '--rest-port';
  const port = opts.webPort ?? opts.restPort;
  if (opts.rest === false && port !== undefined) badInvocation(cmd, `${portFlag} and --no-rest contradict each other; give one of them`);
  const logger = createLogger(opts.logLevel ?? 'info');
  const overrides: Record<string, unknown> = {};
  if (opts.parallelism !== undefined) overrides.parallelism = opts.parallelism;
  if (opts.stateBackend !== undefined) overrides.stateBackend = opts.stateBackend;
  if (opts.incremental) overrides.incrementalCheckpoints = true;
  const rest = opts.rest === false ? undefined : new RestServer();
  if (rest) {
    try {
      if (port !== undefined) await rest.start(port);
      else await rest.start(DEFAULT_WEB_PORT).catch((e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? rest.start(0) : Promise.reject(e)));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      badInvocation(
        cmd,
        err.code === 'EADDRINUSE'
          ? `${portFlag} ${port}: port ${port} is already in use on 127.0.0.1; choose another port, or leave out ${portFlag} for 8081 or any free one`
          : `cannot serve the REST API on port ${port ?? DEFAULT_WEB_PORT}: ${err.message}`,
      );
    }
  }
  let announced = false;
  const views: ProgressView[] = [];
  const showProgress = opts.progress !== false && !opts.json && process.stderr.isTTY;
  const ctx: LaunchContext = {
    mode: 'client',
    moduleUrl: pathToFileURL(file).href,
    overrides,
    results: [],
    executions: 0,
    params,
    start: {
      checkpointDir: opts.checkpointDir,
      resume: opts.resume === true,
      fromSavepoint: opts.fromSavepoint,
      allowNonRestoredState: opts.allowNonRestoredState === true,
      logRecord: (level: string, msg: string, fields: Record<string, unknown>) => logger[level as 'info'](fields, msg),
      logLevel: opts.logLevel ?? 'info',
    },
    onJobStart: (client: JobClient) => {
      // Ctrl-C (or SIGTERM) before the job started: it is cancelled as soon as it exists.
      if (cancelled) {
        client.cancel();
        return;
      }
      rest?.register(client);
      // said once a job starts (an invalid job fails with its error alone)
      if (rest && !announced) {
        announced = true;
        logger.info({ url: rest.url }, `REST API, Prometheus metrics (/metrics) and Web UI at ${rest.url}`);
      }
      if (!showProgress) return;
      const v = new ProgressView(client);
      views.push(v);
      v.start();
    },
  };
  setLaunchContext(ctx);
  let cancelled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (cancelled) process.exit(130);
    cancelled = true;
    process.stderr.write(`\n${sig}: cancelling ${runningJobs().length} running job(s)…\n`);
    for (const j of runningJobs()) j.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await import(ctx.moduleUrl!);
    for (const v of views) v.stop();
    const results: JobExecutionResult[] = ctx.results;
    if (opts.json) process.stdout.write(JSON.stringify(results.length === 1 ? summary(results[0]!) : results.map(summary), null, 2) + '\n');
    else for (const r of results) process.stderr.write(formatSummary(r) + '\n');
    return 0;
  } catch (e) {
    for (const v of views) v.stop();
    if (cancelled || e instanceof JobCancelledError || (e as Error | undefined)?.name === 'JobCancelledError') {
      // by a signal here, or from elsewhere (PATCH /jobs/:id)
      if (opts.json) process.stdout.write(JSON.stringify({ status: 'cancelled' }) + '\n');
      process.stderr.write('job cancelled; all workers stopped\n');
      return 130;
    }
    if (opts.json) process.stdout.write(JSON.stringify({ status: 'failed', error: (e as Error).message }) + '\n');
    process.stderr.write(formatError(e) + '\n');
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rest?.close();
  }
}

const REGISTRY = '.eddy/jobs';

function isRegistration(v: unknown): v is JobRegistration {
  const r = v as Partial<JobRegistration> | null;
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.name === 'string' && Number.isInteger(r.pid) && (r.pid as number) > 0 && typeof r.url === 'string';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
}

/**
 * The jobs registered in `.eddy/jobs/` of this directory whose process still runs. Files of ended
 * processes are removed; a file that is not a registration (not JSON, or not its shape) is reported
 * on stderr and skipped, never deleted: it may be someone's.
 */
function readRegistry(): JobRegistration[] {
  const dir = resolve(REGISTRY);
  const regs: JobRegistration[] = [];
  for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) {
    if (!f.endsWith('.json') || f.startsWith('.')) continue; // '.<id>.json.tmp' files are being written
    const path = join(dir, f);
    const shown = relative(process.cwd(), path);
    let r: unknown;
    try {
      r = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      process.stderr.write(`warning: skipped ${shown}: not valid JSON (${(e as Error).message})\n`);
      continue;
    }
    if (!isRegistration(r)) {
      process.stderr.write(`warning: skipped ${shown}: not a job registration (needs id, name, pid and url)\n`);
      continue;
    }
    if (isAlive(r.pid)) regs.push(r);
    else rmSync(path, { force: true }); // stale: its process is gone
  }
  return regs;
}

/** Finds a running job (by id, id prefix or name) in the registry of this directory. */
function findJob(ref: string): JobRegistration {
  const regs = readRegistry();
  const hits = regs.filter((r) => r.id === ref || r.id.startsWith(ref) || r.name === ref);
  if (hits.length === 0) throw new Error(`no running job '${ref}' (running: ${regs.map((r) => `${r.name} ${r.id}`).join(', ') || 'none'})`);
  if (hits.length > 1) throw new Error(`'${ref}' matches ${hits.length} jobs; use the job id`);
  return hits[0]!;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  let r: Response;
  try {
    r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    throw new Error(`cannot reach the job's REST API at ${new URL(url).origin}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
  }
  const text = await r.text();
  let j: Record<string, unknown> = {};
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON: reported by status below */
  }
  if (!r.ok) throw new Error((j.errors as string[] | undefined)?.join('; ') ?? `HTTP ${r.status} from ${url}`);
  return j;
}

/** Polls Flink's savepoint status until the operation completed; resolves to its location. */
async function savepointResult(reg: JobRegistration, triggerId: string): Promise<string> {
  const url = `${reg.url}/jobs/${reg.id}/savepoints/${triggerId}`;
  for (;;) {
    let j: { status?: { id?: string }; operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string } }; errors?: string[] };
    try {
      const r = await fetch(url);
      j = (await r.json()) as typeof j;
      if (!r.ok) throw new Error(j.errors?.join('; ') ?? `HTTP ${r.status} from ${url}`);
    } catch (e) {
      // stop-with-savepoint: the process may end right after the savepoint, before we read the status
      if ((e as Error).message.includes('fetch failed')) throw new Error(`the job's process ended before reporting the savepoint (${url})`);
      throw e;
    }
    if (j.status?.id === 'COMPLETED') {
      const failure = j.operation?.['failure-cause'];
      if (failure) throw new Error((failure['stack-trace'] ?? 'the savepoint failed').split('\n')[0]!);
      return j.operation!.location!;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function summary(r: JobExecutionResult) {
  const { collected: _c, ...rest } = r;
  return { status: 'finished', ...rest };
}


export async function main(argv: string[]): Promise<void> {
  // exitOverride: Commander's errors are thrown (and mapped to exit code 2 below) instead of exiting 1;
  // subcommands inherit it.
  const program = new Command('eddy').description('stateful stream processing for TypeScript').exitOverride();
  program
    .command('run')
    .description('run a job module (a .ts or .js file that builds a job and calls execute())')
    .argument('<job>', 'job module')
    .argument('[params...]', 'job parameters as key=value, read with jobParameters()')
    .option('-p, --parallelism <n>', 'default parallelism of the job', intArg('--parallelism', 1, 1024))
    .option('--state-backend <kind>', "where keyed state lives: 'heap' or 'lmdb'", stateBackendArg)
    .option('--incremental', 'lmdb backend: incremental checkpoints (only what changed since the last one)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--no-progress', 'no live progress display')
    .option('--checkpoint-dir <dir>', 'where checkpoints are written (default .eddy/checkpoints)')
    .option('--resume', 'restore the latest completed checkpoint of the job under --checkpoint-dir, or start fresh')
    .option('--from-savepoint <path>', 'restore a savepoint (or retained checkpoint) directory, at any parallelism')
    .option('--allow-non-restored-state', 'skip state of operators the job no longer has')
    .option('--web-port <port>', `port of the REST API, metrics and Web UI (default ${DEFAULT_WEB_PORT}, or any free port when it is taken)`, intArg('--web-port', 0, 65535))
    .option('--rest-port <port>', 'another name for --web-port', intArg('--rest-port', 0, 65535))
    .option('--no-rest', 'do not serve the REST API, metrics and Web UI')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')} (default info)`, logLevelArg)
    .action(async (job: string, params: string[], opts: RunOptions, cmd: Command) => {
      process.exitCode = await runCommand(job, opts, params, cmd);
    });
  program
    .command('list')
    .description('list running jobs started from this directory')
    .action(() => {
      for (const r of readRegistry()) process.stdout.write(`${r.id}  ${r.name}  pid ${r.pid}  ${r.url}\n`);
    });
  program
    .command('savepoint')
    .description('take a savepoint of a running job')
    .argument('<job>', 'job id (or unique prefix) or job name')
    .argument('<dir>', 'target directory')
    .action(async (job: string, dir: string) => {
      try {
        const reg = findJob(job);
        const r = await post(`${reg.url}/jobs/${reg.id}/savepoints`, { 'target-directory': resolve(dir) });
        const location = await savepointResult(reg, r['request-id'] as string);
        process.stdout.write(`savepoint written to ${location}\n`);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
  program
    .command('stop')
    .description('stop a running job, taking a savepoint first')
    .argument('<job>', 'job id (or unique prefix) or job name')
    .requiredOption('--savepoint <dir>', 'target directory of the savepoint')
    .action(async (job: string, o: { savepoint: string }) => {
      try {
        const reg = findJob(job);
        const r = await post(`${reg.url}/jobs/${reg.id}/stop`, { targetDirectory: resolve(o.savepoint) });
        const location = await savepointResult(reg, r['request-id'] as string);
        process.stdout.write(`savepoint written to ${location}; job stopped\n`);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
  const nexmark = program.command('nexmark').description('the Nexmark benchmark data');
  nexmark
    .command('generate')
    .description('write Nexmark events as JSON lines on stdout')
    .requiredOption('--events <n>', 'number of events', intArg('--events', 0))
    .option('--seed <s>', 'random seed', intArg('--seed', 0), 1)
    .option('--rate <r>', 'events per second of event time', intArg('--rate'))
    .action(async (opts: { events: number; seed: number; rate?: number }) => {
      const out = process.stdout;
      for (const chunk of jsonLinesChunks({ events: opts.events, seed: opts.seed, ...(opts.rate ? { rate: opts.rate } : {}) })) {
        if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      }
    });
  usageAfterErrors(program, 'eddy');
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    // help and version exit 0; every other Commander error is a bad invocation (already printed)
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  }
}

/** After an error, each command prints its usage line and where the full help is (not the whole help). */
function usageAfterErrors(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`usage: ${path} ${cmd.usage()}\n(${path} --help for details)`);
  for (const sub of cmd.commands) usageAfterErrors(sub, `${path} ${sub.name()}`);
}
