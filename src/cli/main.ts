/**
 * The `eddy` command line: `eddy run <job>` runs a job module (live progress on a terminal, a summary
 * at the end, `--json` for machines); `eddy nexmark generate` writes Nexmark events as JSON lines.
 * Ctrl-C / SIGTERM cancel running jobs cleanly (every worker exits) before the process ends.
 */
import { Command, InvalidArgumentError } from 'commander';
import { join, resolve } from 'node:path';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { RestServer, type JobRegistration } from '../web/index.ts';
import { pathToFileURL } from 'node:url';
import { setLaunchContext, type JobExecutionResult, type LaunchContext } from '../api/index.ts';
import { EddyError, UserFunctionError } from '../core/index.ts';
import { runningJobs, type JobClient } from '../runtime/index.ts';
import { jsonLinesChunks } from '../connectors/nexmark/index.ts';
import { ProgressView, formatSummary } from './progress.ts';

function intArg(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
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

function parseParams(rest: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of rest) {
    const m = /^([^=]+)=(.*)$/.exec(a);
    if (!m) throw new InvalidArgumentError(`job parameter '${a}' must look like key=value`);
    const v = m[2]!;
    out[m[1]!] = v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
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
  restPort?: number;
  rest?: boolean;
}

async function runCommand(job: string, opts: RunOptions, params: string[]): Promise<number> {
  const file = resolve(job);
  if (!existsSync(file)) {
    process.stderr.write(`error: job module '${job}' not found (looked at ${file})\n`);
    return 2;
  }
  const overrides: Record<string, unknown> = {};
  if (opts.parallelism !== undefined) overrides.parallelism = opts.parallelism;
  if (opts.stateBackend !== undefined) {
    if (opts.stateBackend !== 'heap' && opts.stateBackend !== 'lmdb') {
      process.stderr.write(`error: --state-backend must be 'heap' or 'lmdb', got '${opts.stateBackend}'\n`);
      return 2;
    }
    overrides.stateBackend = opts.stateBackend;
  }
  if (opts.incremental) overrides.incrementalCheckpoints = true;
  if (opts.fromSavepoint && !existsSync(opts.fromSavepoint)) {
    process.stderr.write(`error: savepoint '${opts.fromSavepoint}' does not exist\n`);
    return 2;
  }
  if (opts.fromSavepoint && opts.resume) {
    process.stderr.write('error: use either --resume or --from-savepoint, not both\n');
    return 2;
  }
  const rest = opts.rest === false ? undefined : new RestServer();
  if (rest) {
    try {
      await rest.start(opts.restPort ?? 0);
    } catch (e) {
      process.stderr.write(`error: cannot start the REST API on port ${opts.restPort}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const views: ProgressView[] = [];
  const showProgress = opts.progress !== false && !opts.json && process.stderr.isTTY;
  const ctx: LaunchContext = {
    mode: 'client',
    moduleUrl: pathToFileURL(file).href,
    overrides,
    results: [],
    executions: 0,
    params: parseParams(params),
    start: {
      checkpointDir: opts.checkpointDir,
      resume: opts.resume === true,
      fromSavepoint: opts.fromSavepoint,
      allowNonRestoredState: opts.allowNonRestoredState === true,
    },
    onJobStart: (client: JobClient) => {
      rest?.register(client);
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
    if (cancelled) {
      process.stderr.write('job cancelled; all workers stopped\n');
      return 130;
    }
    if (opts.json) process.stdout.write(JSON.stringify({ status: 'failed', error: (e as Error).message }) + '\n');
    process.stderr.write(formatError(e) + '\n');
    return e instanceof UserFunctionError || e instanceof EddyError ? 1 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rest?.close();
  }
}

/** Finds a running job (by id or name) in the registry of this directory. */
function findJob(ref: string): JobRegistration {
  const dir = resolve('.eddy/jobs');
  const regs: JobRegistration[] = [];
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as JobRegistration;
      process.kill(r.pid, 0);
      regs.push(r);
    } catch {
      rmSync(join(dir, f), { force: true }); // stale: its process is gone
    }
  }
  const hits = regs.filter((r) => r.id === ref || r.id.startsWith(ref) || r.name === ref);
  if (hits.length === 0) throw new Error(`no running job '${ref}' (running: ${regs.map((r) => `${r.name} ${r.id}`).join(', ') || 'none'})`);
  if (hits.length > 1) throw new Error(`'${ref}' matches ${hits.length} jobs; use the job id`);
  return hits[0]!;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const j = (await r.json()) as Record<string, unknown>;
  if (!r.ok) throw new Error((j.errors as string[] | undefined)?.join('; ') ?? `HTTP ${r.status}`);
  return j;
}

function summary(r: JobExecutionResult) {
  const { collected: _c, ...rest } = r;
  return { status: 'finished', ...rest };
}


export async function main(argv: string[]): Promise<void> {
  const program = new Command('eddy').description('stateful stream processing for TypeScript').showHelpAfterError();
  program
    .command('run')
    .description('run a job module (a .ts or .js file that builds a job and calls execute())')
    .argument('<job>', 'job module')
    .argument('[params...]', 'job parameters as key=value, read with jobParameters()')
    .option('-p, --parallelism <n>', 'default parallelism of the job', intArg('--parallelism'))
    .option('--state-backend <kind>', "where keyed state lives: 'heap' or 'lmdb'")
    .option('--incremental', 'lmdb backend: incremental checkpoints (only what changed since the last one)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--no-progress', 'no live progress display')
    .option('--checkpoint-dir <dir>', 'where checkpoints are written (default .eddy/checkpoints)')
    .option('--resume', 'restore the latest completed checkpoint of the job under --checkpoint-dir, or start fresh')
    .option('--from-savepoint <path>', 'restore a savepoint (or retained checkpoint) directory, at any parallelism')
    .option('--allow-non-restored-state', 'skip state of operators the job no longer has')
    .option('--rest-port <port>', 'port of the REST API (default: any free port)', intArg('--rest-port', 0))
    .option('--no-rest', 'do not serve the REST API')
    .action(async (job: string, params: string[], opts) => {
      process.exitCode = await runCommand(job, opts, params);
    });
  program
    .command('list')
    .description('list running jobs started from this directory')
    .action(() => {
      const dir = resolve('.eddy/jobs');
      for (const f of existsSync(dir) ? readdirSync(dir) : []) {
        const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as JobRegistration;
        try {
          process.kill(r.pid, 0);
          process.stdout.write(`${r.id}  ${r.name}  pid ${r.pid}  ${r.url}\n`);
        } catch {
          rmSync(join(dir, f), { force: true });
        }
      }
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
        process.stdout.write(`savepoint written to ${r.location}\n`);
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
        process.stdout.write(`savepoint written to ${r.location}; job stopped\n`);
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
  await program.parseAsync(argv, { from: 'user' });
}
