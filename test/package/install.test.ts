// The package as a user meets it: `npm pack`, `npm install <tarball>` into a new project, then plain Node,
// the `eddy` command, an embedding application, a TypeScript consumer and a bundler, all against the
// installed copy (compiled JavaScript and declarations in dist/), never against this repository's sources.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

// What the user's shell would have: none of this repository's test settings or loaders.
const env: NodeJS.ProcessEnv = { ...process.env };
for (const k of ['NODE_OPTIONS', 'EDDY_TEST', 'TSX_TSCONFIG_PATH']) delete env[k];

let tmp = '';
let proj = '';

function run(cmd: string, args: string[], cwd: string, timeout = 60_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

function write(name: string, text: string): void {
  writeFileSync(join(proj, name), text.trimStart());
}

// A word count: keyed running sums across two worker threads, collected by executeAndCollect().
const JOB_MJS = `
import { StreamEnvironment } from 'eddy';
import { pathToFileURL } from 'node:url';

const env = StreamEnvironment.create();
const counts = await env
  .fromElements('to', 'be', 'or', 'not', 'to', 'be')
  .map((w) => ({ w, n: 1 }))
  .keyBy((r) => r.w)
  .sum('n')
  .map((r) => r.w + '=' + r.n)
  .executeAndCollect();
if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(counts.sort()));
`;
const COUNTS = ['be=1', 'be=2', 'not=1', 'or=1', 'to=1', 'to=2'];

describe('the packed package, installed into a new project', { timeout: 300_000 }, () => {
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'eddy-package-'));
    proj = join(tmp, 'app');
    // `npm pack` runs the `prepare` script, which builds dist/.
    ok(run('npm', ['pack', '--silent', '--pack-destination', tmp], ROOT, 180_000), 'npm pack');
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote no tarball');
    mkdirSync(proj);
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'eddy-consumer', private: true, type: 'module' }));
    ok(run('npm', ['install', join(tmp, tarball), '--prefer-offline', '--no-audit', '--no-fund'], proj, 180_000), 'npm install');
    write('job.mjs', JOB_MJS);
  }, { timeout: 300_000 });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('ships dist/ and bin/, with the worker entries, and no tests or TypeScript sources', { timeout: 10_000 }, () => {
    const pkg = join(proj, 'node_modules', 'eddy');
    const shipped = files(pkg).map((p) => relative(pkg, p));
    const top = [...new Set(shipped.map((p) => p.split('/')[0]))].sort();
    assert.deepEqual(top, ['README.md', 'bin', 'dist', 'package.json']);
    assert.deepEqual(shipped.filter((p) => /(^|\/)(test|tests|__tests__)\/|\.test\.|\.chaos\./.test(p)), []);
    assert.deepEqual(shipped.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts')), []);
    for (const f of ['bin/eddy.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/runtime/worker-entry.mjs', 'dist/connectors/postgres/pg-io-worker.mjs', 'dist/state/backends/lmdb/lmdb-copy-process.mjs'])
      assert.ok(shipped.includes(f), `${f} is missing from the package`);
    for (const sub of ['testing', 'cep', 'connectors/file', 'connectors/nexmark', 'connectors/postgres'])
      for (const ext of ['js', 'd.ts']) assert.ok(shipped.includes(`dist/${sub}/index.${ext}`), `dist/${sub}/index.${ext} is missing`);
    // Declarations name the files that exist next to them (.js), not the sources (.ts).
    const tsSpecifiers = shipped
      .filter((p) => p.endsWith('.d.ts'))
      .filter((p) => /(from\s*|import\s*\(\s*)['"]\.{1,2}\/[^'"]*\.ts['"]/.test(readFileSync(join(pkg, p), 'utf8')));
    assert.deepEqual(tsSpecifiers, []);
  });

  test('plain Node runs a JavaScript job module: node job.mjs', { timeout: 60_000 }, () => {
    const out = ok(run(process.execPath, ['job.mjs'], proj), 'node job.mjs');
    assert.equal(out, `${JSON.stringify(COUNTS)}\n`);
  });

  test('an application starts a job from its module with runJob(url, { parallelism: 2 })', { timeout: 60_000 }, () => {
    write('app.mjs', `
import { runJob } from 'eddy';

const r = await runJob(new URL('./job.mjs', import.meta.url), { parallelism: 2 });
console.log(JSON.stringify({ collected: r.collected.sort(), operators: r.operators.map((o) => [o.name, o.parallelism, o.recordsIn, o.recordsOut]) }));
`);
    const out = JSON.parse(ok(run(process.execPath, ['app.mjs'], proj), 'node app.mjs'));
    assert.deepEqual(out, {
      collected: COUNTS,
      operators: [['fromElements', 2, 6, 6], ['Map', 2, 6, 6], ['Sum', 2, 6, 6], ['Map', 2, 6, 6], ['Collect', 2, 6, 0]],
    });
  });

  test('the eddy command runs a TypeScript job module: npx eddy run job.ts', { timeout: 60_000 }, () => {
    write('job.ts', `
import { StreamEnvironment, jobParameters } from 'eddy';
import { FileSink } from 'eddy/connectors/file';

interface Sale { shop: string; amount: number }

const { out } = jobParameters<{ out: string }>();
const sales: Sale[] = [{ shop: 'a', amount: 1 }, { shop: 'b', amount: 2 }, { shop: 'a', amount: 3 }, { shop: 'c', amount: 4 }, { shop: 'b', amount: 5 }];
const env = StreamEnvironment.create({ parallelism: 2 });
env
  .fromCollection(sales)
  .setParallelism(1) // one reader: each shop's sales reach the sum in order, so the running sums are exact
  .keyBy((s: Sale) => s.shop)
  .sum('amount')
  .map((s: Sale): string => \`\${s.shop}=\${s.amount}\`)
  .sinkTo(FileSink.forRowFormat<string>(out).build());
await env.execute('sales');
`);
    const outDir = join(tmp, 'sales-out');
    ok(run('npx', ['eddy', 'run', 'job.ts', '--no-progress', '--no-rest', `out=${outDir}`], proj), 'npx eddy run job.ts');
    const parts = readdirSync(outDir).filter((f) => f.startsWith('part-'));
    assert.ok(parts.length >= 1, `no committed part files in ${outDir}: ${readdirSync(outDir).join(', ')}`);
    const lines = parts.flatMap((f) => readFileSync(join(outDir, f), 'utf8').split('\n')).filter((l) => l !== '');
    assert.deepEqual(lines.sort(), ['a=1', 'a=4', 'b=2', 'b=7', 'c=4']);
  });

  test("TypeScript type-checks a consumer against the installed declarations (nodenext and bundler resolution)", { timeout: 60_000 }, () => {
    write('consumer.ts', `
import { StreamEnvironment, runJob, ValueStateDescriptor, type JobExecutionResult } from 'eddy';
import { Pattern, NFA } from 'eddy/cep';
import { FileSink } from 'eddy/connectors/file';
import { NexmarkSource, type BidEvent } from 'eddy/connectors/nexmark';
import * as testing from 'eddy/testing';

const env = StreamEnvironment.create({ parallelism: 2 });
export const doubled: Promise<number[]> = env.fromElements(1, 2, 3).map((x) => x * 2).executeAndCollect();
export const result: Promise<JobExecutionResult> = runJob(new URL('./job.mjs', import.meta.url), { parallelism: 2 });
// @ts-expect-error the stream carries numbers, not strings: the declarations are typed, not any
export const wrong: Promise<string[]> = env.fromElements(1).map((x) => x + 1).executeAndCollect();
export const used = [ValueStateDescriptor, Pattern, NFA, FileSink, NexmarkSource, testing];
export type Bid = BidEvent;
`);
    const base = { target: 'ES2022', strict: true, noEmit: true, types: ['node'] };
    const check = (name: string, options: Record<string, unknown>) => {
      writeFileSync(join(proj, name), JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['consumer.ts'] }));
      return run(process.execPath, [TSC, '-p', name], proj);
    };
    // What `tsc --init` sets up: skipLibCheck.
    ok(check('tsconfig.json', { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true }), 'tsc (nodenext)');
    ok(check('tsconfig.bundler.json', { module: 'preserve', moduleResolution: 'bundler', skipLibCheck: true }), 'tsc (bundler)');
    // eddy's own declarations are valid too (checked in full; diagnostics in other packages' are theirs).
    const full = check('tsconfig.full.json', { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false });
    const ours = `${full.stdout}${full.stderr}`.split('\n').filter((l) => l.includes('node_modules/eddy/') || l.startsWith('consumer.ts'));
    assert.deepEqual(ours, []);
  });

  test('a bundler resolves the exports: esbuild bundles eddy and eddy/cep into a program that runs', { timeout: 60_000 }, () => {
    write('bundle-entry.mjs', `
import { StreamEnvironment } from 'eddy';
import { Pattern, NFA } from 'eddy/cep';

const nfa = NFA.compile(Pattern.begin('small').where((e) => e.amount < 10).next('big').where((e) => e.amount > 100));
const found = [];
for (const [ts, amount] of [5, 500, 7, 3, 200].entries())
  for (const m of nfa.process({ amount }, ts)) found.push(m.get('small')[0].amount + '->' + m.get('big')[0].amount);
console.log(typeof StreamEnvironment.create, found.join(' '));
`);
    // esbuild comes with tsx, a dependency of eddy; packages with native parts stay external. CommonJS
    // dependencies (prom-client, say) call require() for Node's modules: an ES module bundle needs the usual
    // createRequire banner for them.
    write('bundle.mjs', `
import { build } from 'esbuild';
await build({ entryPoints: ['bundle-entry.mjs'], bundle: true, platform: 'node', format: 'esm', outfile: 'bundled/app.mjs',
  external: ['lmdb', 'msgpackr', 'pg', 'tsx', 'commander'], logLevel: 'error',
  banner: { js: "import { createRequire as __eddyCreateRequire } from 'node:module'; const require = __eddyCreateRequire(import.meta.url);" } });
`);
    ok(run(process.execPath, ['bundle.mjs'], proj), 'esbuild');
    assert.doesNotMatch(readFileSync(join(proj, 'bundled/app.mjs'), 'utf8'), /^\s*import\b[^\n]*['"]eddy[/'"]/m, 'eddy is bundled, not imported');
    assert.equal(ok(run(process.execPath, ['bundled/app.mjs'], proj), 'the bundle'), 'function 5->500 3->200\n');
  });
});

test('inside this repository, eddy is the TypeScript source (tsconfig paths, through tsx)', { timeout: 10_000 }, () => {
  for (const [spec, file] of [['eddy', 'src/index.ts'], ['eddy/cep', 'src/cep/index.ts'], ['eddy/testing', 'src/testing/index.ts'], ['eddy/connectors/file', 'src/connectors/file/index.ts']])
    assert.equal(import.meta.resolve(spec), new URL(file, new URL('../../', import.meta.url)).href, spec);
});
