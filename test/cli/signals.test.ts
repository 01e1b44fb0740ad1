// Ctrl-C at any moment of a run's start-up ends it: before the job exists (it is cancelled as soon as it
// does), while it deploys, while it runs. The unbounded job would otherwise run for ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repo, startEddy, tempDir } from './eddy-process.ts';

const COUNT = repo('examples/nexmark/count.ts');

for (const afterMs of [200, 600, 1200, 2500]) {
  test(`Ctrl-C ${afterMs} ms after the start ends an unbounded job`, { timeout: 60_000 }, async (t) => {
    const cwd = tempDir(t);
    const run = startEddy(['run', COUNT, 'events=Infinity', '--no-progress', '--no-rest'], cwd);
    await new Promise((r) => setTimeout(r, afterMs));
    run.child.kill('SIGINT');
    const code = await Promise.race([run.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    if (code === 'hung') await run.stop();
    assert.notEqual(code, 'hung', `still running 30 s after Ctrl-C:\n${run.stderr()}`);
    // cancelled by eddy (130), or ended by the signal itself when it came before eddy listened for it
    assert.ok(code === 130 || code === null, `exit ${String(code)}: ${run.stderr()}`);
  });
}
