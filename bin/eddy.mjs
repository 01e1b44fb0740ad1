#!/usr/bin/env node
// The `eddy` command. Registers tsx so job modules (and eddy itself) can be TypeScript, then hands
// over to the CLI (src/cli).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
