#!/usr/bin/env node
// Runs the test suite with Node's own runner (node:test) through tsx.
// Usage: node scripts/test.mjs [--chaos] [filter...]
//   filter: substrings of test file paths to run (default: all of test/**/*.test.ts).
//   --chaos: runs the long fault-injection suite (test/**/*.chaos.ts) instead.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const chaos = args.includes('--chaos');
const filters = args.filter((a) => !a.startsWith('--'));
const suffix = chaos ? '.chaos.ts' : '.test.ts';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(suffix)) out.push(relative(process.cwd(), p));
  }
  return out;
}

const files = walk('test', []).sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ') || suffix}`);
  process.exit(1);
}
// Every test has a timeout: a hang fails that test, by name, instead of stalling the run. Tests that need
// longer set their own ({ timeout }); the chaos suite's runs are long by design.
const timeout = chaos ? 30 * 60_000 : 15 * 60_000;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeout}`, ...files], {
  stdio: 'inherit',
  env: { ...process.env, EDDY_TEST: '1' },
});
process.exit(r.status ?? 1);
