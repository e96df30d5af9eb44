// Browser benchmark (not a test): the time to segment a file afresh against
// scoring it with a saved model (issue "Models that live on"). For each
// round: a fresh page fits FILE with k = 6 and downloads its model; another
// fresh page loads that model, then the same file, as a next period would
// be; then the first page compares the same file as its next period (Upload
// next period). Prints one JSON line per round with the wall time from file
// choice to painted result and the page's own read/features/analysis times,
// and for the comparison the wall time to its tables and the page's long
// tasks (> 50 ms) meanwhile: the comparison itself runs on the page.
//
// Usage: node tests/e2e/bench-model.mjs FILE [ROUNDS]   (dist/ built; K=auto
// leaves k to the sweep, as the app does by default)
import { mkdtempSync } from 'node:fs';
import { join, resolve, dirname, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist, CHROMIUM_ARGS, gotoApp } from './serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = resolve(process.env.SEGSCOPE_DIST ?? join(root, 'dist'));
const [file, rounds = '3'] = process.argv.slice(2);
const server = await serveDist(dist);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const tmp = mkdtempSync(join(tmpdir(), 'segscope-bench-model-'));

async function run(page) {
  const t0 = Date.now();
  await page.getByLabel('Upload data').setInputFiles(file);
  await page.waitForFunction((n) => /render \d+ ms/.test(document.querySelector('.timings')?.textContent ?? '') && document.querySelector('.timings').textContent.startsWith(n), basename(file), { timeout: 900_000, polling: 'raf' });
  const wall = Date.now() - t0;
  const t = await page.locator('.timings').innerText();
  const num = (re) => Number(re.exec(t)?.[1] ?? NaN);
  return { wall_ms: wall, read_ms: num(/read (\d+) ms/), features_ms: num(/features (\d+) ms/), analysis_ms: num(/analysis (\d+) ms/) };
}

try {
  for (let r = 0; r < Number(rounds); r++) {
    const context = await browser.newContext({ acceptDownloads: true });
    const fitTab = await context.newPage();
    await fitTab.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(Math.round(e.duration)))).observe({ type: 'longtask', buffered: true });
    });
    const fit = await gotoApp(fitTab, server.url, 60_000);
    if ((process.env.K ?? '6') !== 'auto') {
      await fit.getByLabel('Segments (k)').fill(process.env.K ?? '6');
      await fit.getByLabel('Segments (k)').blur();
    }
    const fitted = await run(fit);
    const [dl] = await Promise.all([fit.waitForEvent('download'), fit.getByRole('button', { name: 'Download model' }).click()]);
    const model = join(tmp, `model-${r}.json`);
    await dl.saveAs(model);
    await fit.evaluate(() => { window.__longTasks = []; });
    const c0 = Date.now();
    await fit.getByLabel('Upload next period').setInputFiles(file);
    await fit.getByRole('table', { name: 'Segment migration' }).waitFor({ timeout: 900_000 });
    const compared = { wall_ms: Date.now() - c0, long_tasks_ms: await fit.evaluate(() => window.__longTasks) };
    const score = await gotoApp(await context.newPage(), server.url, 60_000);
    await score.getByLabel('Load model').setInputFiles(model);
    await score.locator('p.model-state').filter({ hasText: 'fitted on' }).waitFor();
    const scored = await run(score);
    console.log(JSON.stringify({ file: basename(file), round: r + 1, chromium: browser.version(), fit: fitted, scored_with_model: scored, compared_as_next_period: compared }));
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
