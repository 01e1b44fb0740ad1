#!/usr/bin/env node
// The `eddy` command. Registers tsx so job modules can be TypeScript, then hands over to the CLI (src/cli)
// of the same eddy that job modules import: next to whatever `eddy` resolves to from here. Installed from
// the package that is dist/index.js (compiled); inside this repository tsx maps `eddy` to src/index.ts
// (tsconfig.json paths), so the CLI runs from the sources there. One copy of eddy per process matters:
// the job module and the CLI share the launch context.
import { register } from 'tsx/esm/api';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

register();
const entry = import.meta.resolve('eddy');
const cli = new URL(entry.endsWith('.ts') ? './cli/main.ts' : './cli/main.js', entry);
if (!existsSync(fileURLToPath(cli))) {
  console.error(`eddy: ${fileURLToPath(cli)} is missing; in a clone of the repository run \`npm install\` or \`npm run build\``);
  process.exit(1);
}
const { main } = await import(cli.href);
await main(process.argv.slice(2));
