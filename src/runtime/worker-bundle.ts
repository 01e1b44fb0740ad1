/**
 * Worker threads started from the TypeScript sources load one prebuilt bundle instead of going through
 * tsx's loader module by module.
 *
 * Loading the runtime through tsx costs each worker thread about half a second (a loader thread of its
 * own, and two synchronous round trips to it for each of some 150 modules), paid by every job start, once
 * per slot. Instead, the first start of a job module bundles the runtime's worker entry and the job module
 * (esbuild, code splitting: both entries share the chunks, so the job sees the runtime's own modules) into
 * `node_modules/.cache/eddy-workers/`, and later starts reuse it while no input file changed (their
 * modification times and sizes are kept with the bundle). A worker then loads plain JavaScript.
 *
 * Used only where the bundle behaves as the sources do: running from the sources (not the compiled
 * package), for a job module inside this package (its bare imports resolve from the same
 * `node_modules`). Anything else, `EDDY_WORKER_BUNDLE=0`, or a failed build keeps tsx. In the bundle
 * `import.meta.url` is each source file's own URL, so files found next to a module are found as before;
 * source maps point stack traces at the sources.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** File URLs of the bundled worker entry (exports `runWorker`), job module and connector I/O threads. */
export interface WorkerBundle {
  worker: string;
  job: string;
  /** Source entry of an I/O thread (its `.mjs`) → its bundled module. */
  io: Record<string, string>;
}

interface Manifest {
  dir: string;
  inputs: [path: string, mtimeMs: number, size: number][];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_SOURCE = fileURLToPath(new URL('./worker.ts', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'eddy-workers');
/** Connector I/O threads (SyncIoThread): their source entry and the module it loads through tsx. */
const IO_THREADS: Record<string, [entry: string, module: string]> = {
  'io-postgres': ['src/connectors/postgres/pg-io-worker.mjs', 'src/connectors/postgres/pg-io.ts'],
  'io-rabbitmq': ['src/connectors/rabbitmq/sink-io-worker.mjs', 'src/connectors/rabbitmq/rabbitmq-sink-io.ts'],
  'io-mqtt': ['src/connectors/mqtt/sink-io-worker.mjs', 'src/connectors/mqtt/mqtt-sink-io.ts'],
};
/** Changes when what a bundle holds changes (its entries, the build options): older bundles are not reused. */
const RECIPE = 'entries: worker, job, io threads; v2';
/** Bundles of earlier builds are removed once this old (a run still loading one has long finished). */
const STALE_MS = 10 * 60_000;

/** The bundle for `jobUrl`, built or reused; undefined where workers keep loading through tsx. */
export async function workerBundle(jobUrl: string): Promise<WorkerBundle | undefined> {
  if (process.env.EDDY_WORKER_BUNDLE === '0') return undefined;
  const u = new URL(jobUrl);
  if (u.protocol !== 'file:') return undefined;
  u.search = '';
  u.hash = '';
  const job = fileURLToPath(u);
  const rel = relative(ROOT, job);
  if (rel.startsWith('..') || rel.split(sep)[0] === 'node_modules' || !existsSync(job)) return undefined;
  const home = join(CACHE, createHash('sha1').update(RECIPE).update('\0').update(job).digest('hex').slice(0, 16));
  try {
    return reuse(home) ?? (await build(home, job));
  } catch {
    return undefined; // tsx still works: a bundle is only a faster start
  }
}

function entries(dir: string): WorkerBundle {
  const io: Record<string, string> = {};
  for (const [name, [entry]] of Object.entries(IO_THREADS)) io[pathToFileURL(join(ROOT, entry)).href] = pathToFileURL(join(dir, `${name}.mjs`)).href;
  return { worker: pathToFileURL(join(dir, 'worker.mjs')).href, job: pathToFileURL(join(dir, 'job.mjs')).href, io };
}

function reuse(home: string): WorkerBundle | undefined {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(home, 'current.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  const b = entries(m.dir);
  if (![b.worker, b.job, ...Object.values(b.io)].every((u) => existsSync(fileURLToPath(u)))) return undefined;
  for (const [p, mtime, size] of m.inputs) {
    try {
      const s = statSync(p);
      if (s.mtimeMs !== mtime || s.size !== size) return undefined;
    } catch {
      return undefined;
    }
  }
  return b;
}

async function build(home: string, job: string): Promise<WorkerBundle> {
  const esbuild = await import('esbuild');
  const dir = join(home, `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const r = await esbuild.build({
    entryPoints: { worker: WORKER_SOURCE, job, ...Object.fromEntries(Object.entries(IO_THREADS).map(([name, [, module]]) => [name, join(ROOT, module)])) },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'eddy-sources',
        setup(b) {
          // `eddy` and its subpaths are this package's sources (as tsconfig's paths say for tsc and tsx)
          b.onResolve({ filter: /^eddy(\/.*)?$/ }, (a) => {
            const sub = a.path === 'eddy' ? '' : a.path.slice('eddy/'.length);
            if (sub === 'package.json') return { path: join(ROOT, 'package.json') };
            return { path: join(ROOT, 'src', sub, 'index.ts') };
          });
          // each file keeps its own import.meta.url (worker scripts and assets are found next to it)
          b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (a) => {
            if (a.path.includes(`${sep}node_modules${sep}`)) return undefined;
            const text = readFileSync(a.path, 'utf8');
            const ext = extname(a.path).replace(/^\.[cm]/, '.').slice(1) as 'ts' | 'js' | 'tsx' | 'jsx';
            return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)), loader: ext, resolveDir: dirname(a.path) };
          });
        },
      },
    ],
  });
  const inputs: Manifest['inputs'] = Object.keys(r.metafile.inputs).map((p) => {
    const abs = join(ROOT, p);
    const s = statSync(abs);
    return [abs, s.mtimeMs, s.size];
  });
  const tmp = join(home, `current.json.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(tmp, JSON.stringify({ dir, inputs } satisfies Manifest));
  renameSync(tmp, join(home, 'current.json'));
  sweep(home, dir);
  return entries(dir);
}

/** Removes bundles of earlier builds of this job module that are old enough not to be in use. */
function sweep(home: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(home)) {
    const p = join(home, name);
    if (p === keep || name.startsWith('current.json')) continue;
    try {
      if (now - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      /* another process removed it */
    }
  }
}
