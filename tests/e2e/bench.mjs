// Browser benchmark of the whole pipeline (not a test): for each file, drop
// it into the built app in headless Chromium with k = 6, wait for the
// painted result (checked at every animation frame: polling every 50 ms
// added 0-50 ms to the wall time), and print one JSON line with the page's own per-stage
// times, the wall time from file choice to painted result, and the main
// thread's long tasks (PerformanceObserver 'longtask', > 50 ms each); then
// one zoom redraw of the scatter and one hover answer.
//
// Usage: node tests/e2e/bench.mjs FILE...   (dist/ built; scripts/bench.sh runs it)
import { statSync } from 'node:fs';
import { join, resolve, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist, CHROMIUM_ARGS, gotoApp } from './serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = resolve(process.env.SEGSCOPE_DIST ?? join(root, 'dist'));
const server = await serveDist(dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
const version = browser.version();
try {
  for (const file of process.argv.slice(2)) {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    // The app runs in the sealed page's sandboxed frame; the init script above runs in it too.
    const page = await gotoApp(tab, server.url, 60_000);
    await page.getByLabel('Segments (k)').fill('6');
    await page.getByLabel('Segments (k)').blur();
    await page.evaluate(() => { window.__longTasks = []; });
    const t0 = Date.now();
    await page.getByLabel('Upload data').setInputFiles(file);
    await page.waitForFunction((n) => /render \d+ ms/.test(document.querySelector('.timings')?.textContent ?? '') && document.querySelector('.timings').textContent.startsWith(n), basename(file), { timeout: 900_000, polling: 'raf' });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const wall = Date.now() - t0;
    const timings = await page.locator('.timings').innerText();
    const long = await page.evaluate(() => window.__longTasks);
    const num = (re, text = timings) => Number(re.exec(text)?.[1] ?? NaN);
    const stages = Object.fromEntries([...(/\(([^)]*)\)/.exec(timings)?.[1] ?? '').matchAll(/([a-zA-Z ]+?) (\d+)(?:,|$)/g)].map((m) => [m[1].trim(), Number(m[2])]));
    // Scatter interaction: the page's render time for one zoom redraw, and
    // the time from a mousemove over a point to its tooltip in the DOM.
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.waitForFunction(() => ![...document.querySelectorAll('button')].find((b) => b.textContent === 'Reset view').disabled);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const zoomMs = num(/render (\d+) ms/, await page.locator('.timings').innerText());
    const hoverMs = await page.evaluate(async () => {
      const c = document.querySelector('canvas[aria-label="PCA scatter plot"]');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let at = -1;
      for (let i = 0; i < d.length && at < 0; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) at = i / 4;
      if (at < 0) return null;
      const r = c.getBoundingClientRect(), k = r.width / c.width;
      const t0 = performance.now();
      const shown = new Promise((ok) => new MutationObserver((_, o) => document.querySelector('[role=tooltip]') && (o.disconnect(), ok())).observe(document.body, { childList: true, subtree: true }));
      c.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: r.left + ((at % c.width) + 0.5) * k, clientY: r.top + (Math.floor(at / c.width) + 0.5) * k }));
      await shown;
      return performance.now() - t0;
    });
    const accounts = Number(/^([\d,]+) accounts/.exec(await page.locator('.quality').innerText())?.[1].replaceAll(',', '') ?? NaN);
    console.log(JSON.stringify({
      impl: 'segscope', browser: `Chromium ${version}`, file: basename(file), bytes: statSync(file).size, accounts,
      read_ms: num(/read (\d+) ms/), features_ms: num(/features (\d+) ms/), features_while_reading: / features while reading /.test(timings), analysis_ms: num(/analysis (\d+) ms/), stages,
      render_ms: num(/render (\d+) ms/), worker_memory_mb: num(/worker memory ([\d.]+) MB/), wall_ms: wall, zoom_redraw_ms: zoomMs, hover_ms: hoverMs === null ? null : Math.round(hoverMs * 10) / 10,
      long_tasks: long.length, longest_task_ms: Math.round(Math.max(0, ...long)),
    }));
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
