#!/usr/bin/env node
// Builds the package: src/**/*.ts → dist/**/*.js + .d.ts (tsc -p tsconfig.build.json), then
//  - copies the plain-JS entry points (src/**/*.mjs: worker entries, the lmdb copy process) into dist/,
//    next to the compiled modules they load;
//  - rewrites relative `.ts` specifiers in the emitted declarations to `.js`. tsc rewrites them in the
//    JavaScript (rewriteRelativeImportExtensions) but keeps `./x.ts` in .d.ts files; tsc itself accepts
//    that, other tools reading the declarations (editors, older checkers, declaration bundlers) do not;
//  - builds the Web UI (web-ui/, vite) into dist/web-ui, which the server serves at `/`.
// dist/ is emptied first, so files of deleted sources never ship. dist/web-ui is the exception: it is
// built aside and swapped in whole at the end, so a server running from this checkout (a test, `eddy run`)
// keeps serving a complete UI while the package is rebuilt. Run by `npm run build` and by the
// `prepare` script (on `npm install` in a clone and before `npm pack` / `npm publish`).
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const WEB_UI = 'web-ui';
for (const name of existsSync(dist) ? readdirSync(dist) : []) if (name !== WEB_UI) rmSync(join(dist, name), { recursive: true, force: true });

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

// The Web UI: vite (preact, JSX through oxc) per web-ui/vite.config.mjs, into a fresh directory, then swapped in.
const uiNext = join(dist, `.${WEB_UI}-next`);
const uiOld = join(dist, `.${WEB_UI}-old`);
rmSync(uiNext, { recursive: true, force: true });
rmSync(uiOld, { recursive: true, force: true });
const { build } = await import('vite');
await build({ configFile: join(root, 'web-ui', 'vite.config.mjs'), build: { outDir: uiNext } });
if (existsSync(join(dist, WEB_UI))) renameSync(join(dist, WEB_UI), uiOld);
renameSync(uiNext, join(dist, WEB_UI));
rmSync(uiOld, { recursive: true, force: true });
