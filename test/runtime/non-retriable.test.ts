// Errors that say a restart cannot help (retriable: false, user domain: a ConfigurationError) fail the job at
// once, even under a restart strategy that would restart without limit; other exceptions are restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from 'eddy';

test('a ConfigurationError thrown in a task fails the job without restarts', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-nonretriable-'));
  const log: string[] = [];
  try {
    await assert.rejects(
      runJob(new URL('../jobs/config-error.ts', import.meta.url), { checkpointDir: dir, log: (l) => log.push(l) }),
      (e: Error) => /operator 'lookup'.*the lookup table "customers" does not exist/.test(e.message),
    );
    assert.deepEqual(log.filter((l) => /restarting/.test(l)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
