// After `tsc -p tsconfig.build.json`: copies the plain-JS worker entry points (src/**/*.mjs) into dist/.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.mjs')) cpSync(p, join('dist', relative('src', p)));
  }
}
walk('src');
