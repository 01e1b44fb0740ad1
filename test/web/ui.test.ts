// The Web UI in a real browser (headless Chromium through playwright-core) against `eddy run` of a real job:
// the job graph (one node per job vertex), a vertex's subtasks, the checkpoint history, the state browser
// (checked against the job's own printed output), the flame graph, the exceptions (the job fails once, in a
// user function, and restarts), a savepoint and Cancel. Prints the first render time of a running job's page
// (navigation start → graph drawn); reported, not asserted. Screenshots go to the test's temp dir; those of
// the overview, checkpoints, state (keyed and windowed), flame graph and exceptions pages are copied to
// /tmp/eddy-ui-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { registration, repo, startEddy, waitFor, type RunningEddy } from '../cli/eddy-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const UI_BUILT = existsSync(repo('dist/web-ui/index.html'));
const JOB = repo('test/web/jobs/ui-count.ts');
const N = 1000;

// In CI a missing browser or an unbuilt UI is a failure; elsewhere the test says why it did not run.
const missing = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install -y chromium)` : !UI_BUILT ? 'dist/web-ui is not built (npm run build)' : undefined;
const skip = process.env.CI === 'true' ? false : (missing ?? false);

/** The highest count the job printed for `key` (its lines are `<subtask>> key=<k> count=<c>`). */
function printedCount(stdout: string, key: number): number {
  let max = 0;
  for (const m of stdout.matchAll(/key=(\d+) count=(\d+)/g)) if (Number(m[1]) === key) max = Math.max(max, Number(m[2]));
  return max;
}

async function json(url: string): Promise<any> {
  const r = await fetch(url);
  return r.json();
}

test('Web UI against a running job', { timeout: 180_000, skip }, async (t) => {
  assert.equal(missing, undefined, missing);
  const dir = mkdtempSync(join(tmpdir(), 'eddy-ui-'));
  let run: RunningEddy | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await run?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const shots = join(dir, 'screenshots');
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };

  run = startEddy(['run', JOB, `n=${N}`, 'failOnce=true', '--web-port', '0', '--no-progress'], dir);
  const reg = await registration(dir, run);
  const base = reg.url;
  // the first attempt fails on its first bid (failOnce): wait for the second one to run
  const job = await waitFor('the job to fail once and run again', async () => {
    const e = await json(`${base}/jobs/${reg.id}/exceptions`);
    const d = await json(`${base}/jobs/${reg.id}`);
    return e.exceptionHistory.entries.length > 0 && d.state === 'RUNNING' ? d : undefined;
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The time the graph's first node appears, relative to navigation start (performance.now()'s origin).
  await page.addInitScript({
    content: `new MutationObserver((_m, obs) => {
      if (document.querySelector('#job-graph g.vertex')) { window.graphDrawnAt = performance.now(); obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`,
  });

  // The job list links to the job.
  await page.goto(`${base}/`);
  await page.locator(`#job-list tr[data-jid="${reg.id}"]`).waitFor({ timeout: 20_000 });
  await shot(page, 'job-list');

  // The job page, loaded afresh (a hash change in the same document would not restart the clock): one graph
  // node per job vertex.
  await page.goto('about:blank');
  await page.goto(`${base}/#/jobs/${reg.id}`);
  await page.locator('#job-graph g.vertex').first().waitFor({ timeout: 20_000 });
  const drawnAt = (await page.evaluate('window.graphDrawnAt')) as number;
  console.log(`# Web UI: first render of a running job's page (navigation start → graph drawn): ${drawnAt.toFixed(0)} ms`);
  const nodeIds = await page.locator('#job-graph g.vertex').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-vertex-id')));
  assert.deepEqual([...nodeIds].sort(), job.vertices.map((v: { id: string }) => v.id).sort());

  // Clicking a vertex shows its subtasks.
  const keyed = job.vertices.find((v: { name: string }) => v.name.startsWith('count per key'));
  assert.ok(keyed, JSON.stringify(job.vertices.map((v: { name: string }) => v.name)));
  await page.locator(`#job-graph g.vertex[data-vertex-id="${keyed.id}"]`).click();
  await waitFor('the subtasks table', async () => ((await page.locator('#subtasks .subtask-row').count()) === keyed.parallelism ? true : undefined), 20_000);
  assert.match(await page.locator('#subtasks h2').innerText(), /count per key/);
  // the throughput chart has gathered a few seconds of samples
  await waitFor('throughput samples', async () => (Number(await page.locator('#throughput-chart').getAttribute('data-points')) >= 4 ? true : undefined), 20_000);
  // live keyed state: the ten keys' counts, over the two subtasks (heap: entries only)
  await waitFor('the keyed state size', async () => {
    const cells = await page.locator('#subtasks .keyed-state-size').allInnerTexts();
    return cells.length === keyed.parallelism && cells.reduce((a, c) => a + Number(c), 0) === 10 ? true : undefined;
  }, 20_000);
  await shot(page, 'overview');

  // Checkpoints: the completed count rises while the page is open.
  await page.locator('a[data-tab="checkpoints"]').click();
  const completed = async () => Number(await page.locator('#cp-completed').innerText());
  await page.locator('#cp-completed').waitFor({ timeout: 20_000 });
  const first = await completed();
  await waitFor('a checkpoint to complete', async () => ((await completed()) > first ? true : undefined), 30_000);
  await page.locator('#checkpoint-history tbody tr').first().click();
  await page.locator('#checkpoint-details tbody tr').first().waitFor({ timeout: 20_000 });
  await shot(page, 'checkpoints');

  // State browser: key 3's count is what the job printed last for key 3 (all N numbers counted: N / 10).
  await waitFor('the job to print every count', () => (printedCount(run!.stdout(), 3) === N / 10 ? true : undefined), 30_000);
  await page.locator('a[data-tab="state"]').click();
  await page.locator('#state-operator').selectOption({ label: 'count per key' });
  await waitFor('the operator\'s states', async () => ((await page.locator('#state-name option').allInnerTexts()).includes('count') ? true : undefined), 20_000);
  await page.locator('#state-name').selectOption('count');
  await page.locator('#state-key').fill('3');
  await page.locator('#state-query').click();
  await page.locator('#state-value').waitFor({ timeout: 20_000 });
  assert.equal(JSON.parse(await page.locator('#state-value').innerText()), printedCount(run.stdout(), 3));
  await shot(page, 'state');

  // Windowed state: key 3 has contents in ten windows (see ui-count.ts); pick one, then type another's bounds.
  const FUTURE = 4_000_000_000_000;
  const contents = (w: number) => Array.from({ length: 10 }, (_, i) => 100 * w + 3 + 10 * i);
  await page.locator('#state-operator').selectOption({ label: 'window contents per key' });
  await waitFor('the window operator\'s states', async () => ((await page.locator('#state-name option').allInnerTexts()).includes('window-contents') ? true : undefined), 20_000);
  await page.locator('#state-name').selectOption('window-contents');
  await page.locator('#state-key').fill('3');
  await page.locator('#state-query').click();
  await waitFor('the windows of key 3', async () => ((await page.locator('#state-window option').count()) === 11 ? true : undefined), 20_000);
  assert.match(await page.locator('#state-where').innerText(), /no window · no value outside windows/);
  await page.locator('#state-window').selectOption(`${FUTURE + 200}:${FUTURE + 300}`);
  await waitFor('window 2 of key 3', async () => ((await page.locator('#state-where').innerText()).includes('window [') ? true : undefined), 20_000);
  assert.deepEqual(JSON.parse(await page.locator('#state-value').innerText()), contents(2));
  assert.equal(await page.locator('#state-window-start').inputValue(), String(FUTURE + 200));
  await page.locator('#state-window-start').fill(String(FUTURE + 700));
  await page.locator('#state-window-end').fill(String(FUTURE + 800));
  await page.locator('#state-window-read').click();
  await waitFor('window 7 of key 3', async () => {
    const v = page.locator('#state-value');
    return (await v.count()) > 0 && (await v.innerText()).includes(String(contents(7)[0])) ? true : undefined;
  }, 20_000);
  assert.deepEqual(JSON.parse(await page.locator('#state-value').innerText()), contents(7));
  await shot(page, 'state-windows');

  // Flame graph of subtask 0 of the paced vertex.
  await page.locator('a[data-tab="flamegraph"]').click();
  const paced = job.vertices.find((v: { name: string }) => v.name.includes('paced'));
  if (paced) await page.locator('#flame-vertex').selectOption(paced.id);
  await page.locator('#flame-panel input[type="number"]').fill('1');
  await page.locator('#flame-run').click();
  await waitFor('the flame graph', async () => ((await page.locator('#flame-graph .frame').count()) > 1 ? true : undefined), 30_000);
  await shot(page, 'flamegraph');

  // Exceptions: the first attempt's failure, in the user's function, with its stack trace.
  await page.locator('a[data-tab="exceptions"]').click();
  const stack = page.locator('#exceptions pre.stack').first();
  await stack.waitFor({ timeout: 20_000 });
  const trace = await stack.innerText();
  assert.match(trace, /^UserFunctionError: operator 'reject first bid' .*bid of auction \d+ rejected on the first attempt\n\s+at /, trace);
  assert.match(await page.locator('#exceptions h2').first().innerText(), /UserFunctionError in reject first bid/);
  await shot(page, 'exceptions');

  // Savepoint: triggered, polled, its path shown and written.
  await page.locator('#savepoint').click();
  const result = page.locator('#savepoint-result');
  await result.waitFor({ timeout: 60_000 });
  const text = await result.innerText();
  assert.match(text, /^Savepoint written to .*savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/, text);
  assert.deepEqual(readdirSync(join(dir, 'savepoints')).length, 1);
  await shot(page, 'savepoint');
  for (const name of ['overview', 'checkpoints', 'state', 'state-windows', 'flamegraph', 'exceptions']) copyFileSync(join(shots, `${name}.png`), `/tmp/eddy-ui-${name}.png`);

  // Cancel stops the job: the process reports the cancellation and exits.
  page.on('dialog', (d) => void d.accept());
  await page.locator('#cancel').click();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([run.exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 30_000)))]);
  clearTimeout(timer);
  assert.equal(code, 130, run.stderr());
  assert.match(run.stderr(), /job cancelled; all workers stopped/);
  assert.deepEqual(pageErrors, []);
});
