#!/usr/bin/env node
// Builds the package: src/**/*.ts → dist/**/*.js + .d.ts (tsc -p tsconfig.build.json), then
//  - copies the plain-JS entry points (src/**/*.mjs: worker entries, the lmdb copy process) into dist/,
//    next to the compiled modules they load;
//  - rewrites relative `.ts` specifiers in the emitted declarations to `.js`. tsc rewrites them in the
//    JavaScript (rewriteRelativeImportExtensions) but keeps `./x.ts` in .d.ts files; tsc itself accepts
//    that, other tools reading the declarations (editors, older checkers, declaration bundlers) do not.
// dist/ is removed first, so files of deleted sources never ship. Run by `npm run build` and by the
// `prepare` script (on `npm install` in a clone and before `npm pack` / `npm publish`).
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

rmSync(dist, { recursive: true, force: true });

const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

for (const p of walk(src)) if (p.endsWith('.mjs')) cpSync(p, join(dist, relative(src, p)));

// `from './a.ts'`, `import('./a.ts')`, `import './a.ts'` with a relative specifier; nothing else (a URL in
// a doc comment such as `new URL('./job.ts', …)` stays as written).
const TS_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]*?)\.([cm]?)ts\2/g;
for (const p of walk(dist)) {
  if (!p.endsWith('.d.ts')) continue;
  const text = readFileSync(p, 'utf8');
  const out = text.replace(TS_SPECIFIER, (_m, lead, q, path, m) => `${lead}${q}${path}.${m}js${q}`);
  if (out !== text) writeFileSync(p, out);
}
