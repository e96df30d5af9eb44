// End-to-end tests in Firefox (Debian's firefox-esr, headless, driven over
// WebDriver BiDi by puppeteer-core): the sample is segmented in the analysis
// worker (not on the page's thread after the 10 s wait, as when the locked
// policy kept Firefox from instantiating the worker's wasm), the assignments
// download lands on disk (Firefox's own download manager, allowed to save to
// a folder by WebDriver BiDi's browser.setDownloadBehavior), the locked policy holds (a request
// the page tries after load never reaches a server), an Excel workbook gives
// its CSV's segments, and a crash in the worker is contained.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { serveDist } from './serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIREFOX = '/usr/bin/firefox-esr';
let server, browser;
/** Where Firefox saves downloads, without asking. */
const downloads = mkdtempSync(join(tmpdir(), 'segscope-firefox-'));

before(async () => {
  server = await serveDist(resolve(root, 'dist'));
  browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** The app's frame, once it has locked its policy. */
async function openApp(page) {
  await page.goto(server.url);
  let frame;
  for (let i = 0; i < 300 && !frame; i++) {
    frame = page.mainFrame().childFrames()[0];
    if (!frame) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(frame, 'the shell shows the app in a frame');
  await frame.waitForSelector('meta[data-segscope="locked"]', { timeout: 30_000 });
  return frame;
}

test('Firefox: Load sample segments in the analysis worker, with the summary and the scatter, and the assignments download is saved', async () => {
  // A user context whose downloads are saved to `downloads` without asking (BiDi browser.setDownloadBehavior).
  const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  const app = await openApp(page);
  const started = Date.now();
  await app.locator('::-p-aria(Load sample[role="button"])').click();
  await app.waitForSelector('table[aria-label="Segment summary"] tbody tr', { timeout: 60_000 });
  await app.waitForFunction(() => !document.querySelector('[role="progressbar"]'), { timeout: 60_000 });
  const seconds = (Date.now() - started) / 1000;
  const { rows, k, timings, coloured } = await app.evaluate(() => {
    const c = document.querySelector('canvas[aria-label="PCA scatter plot"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) coloured++;
    return {
      rows: document.querySelectorAll('table[aria-label="Segment summary"] tbody tr').length,
      k: Number(/in (\d+) segments/.exec(document.querySelector('.quality').textContent)[1]),
      timings: document.querySelector('.timings')?.textContent ?? '',
      coloured,
    };
  });
  console.log(`# Firefox ${(await browser.version())}: Load sample to the summary in ${seconds.toFixed(1)} s; ${timings}`);
  assert.equal(rows, k, 'one summary row per segment');
  assert.ok(coloured > 20, `the scatter has coloured pixels (${coloured})`);
  // The page says on its console when no worker could start and the job ran on its own thread.
  assert.deepEqual(logs.filter((l) => /no analysis worker|Content.Security.Policy/i.test(l)), [], 'the job ran in the worker; no CSP report');
  // Download assignments: the file Firefox saves has a header and one row per account.
  await app.locator('::-p-aria(Download assignments[role="button"])').click();
  const name = 'sample_trades-kmeans-k' + k + '-segments.csv';
  const saved = join(downloads, name);
  for (let i = 0; i < 200 && !(existsSync(saved) && readFileSync(saved, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(saved), `Firefox saved ${name}: ${readdirSync(downloads)}`);
  const lines = readFileSync(saved, 'utf8').trimEnd().split('\n');
  assert.match(lines[0], /^account_id,segment,pc1,pc2,/);
  assert.equal(lines.length - 1, 3000, 'one row per account');
  await context.close();
});

test('Firefox: after load, a request the page tries reaches no server', async () => {
  let hits = 0;
  const probe = createServer((req, res) => {
    hits++;
    res.end('x');
  });
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${probe.address().port}/leak`;
  const page = await browser.newPage();
  const app = await openApp(page);
  const outcome = await app.evaluate(async (u) => {
    const img = new Image();
    img.src = u + '?img';
    try {
      await fetch(u + '?fetch');
      return 'fetched';
    } catch {
      return 'blocked';
    }
  }, url);
  await new Promise((r) => setTimeout(r, 500));
  probe.close();
  assert.equal(outcome, 'blocked');
  assert.equal(hits, 0, 'the probe server saw no request');
  await page.close();
});

test('Firefox: an Excel workbook and its CSV give the same segments', async () => {
  const page = await browser.newPage();
  const app = await openApp(page);
  const input = await app.waitForSelector('input[aria-label="Upload data"]');
  const summaryOf = async (file) => {
    await input.uploadFile(resolve(root, 'tests/fixtures', file));
    await app.waitForFunction((n) => document.querySelector('.timings')?.textContent?.startsWith(n), { timeout: 60_000 }, file);
    await app.waitForFunction(() => !document.querySelector('[role="progressbar"]'), { timeout: 60_000 });
    return app.evaluate(() => ({
      rows: document.querySelector('table[aria-label="Segment summary"] tbody').innerText,
      mapping: document.querySelector('details.mapping')?.textContent ?? '',
    }));
  };
  const csv = await summaryOf('binance_spot.csv');
  const xlsx = await summaryOf('binance_spot.xlsx');
  assert.match(xlsx.mapping, /sheet "Trades" of a workbook/);
  assert.ok(csv.rows.length > 50, 'a summary was drawn');
  assert.equal(xlsx.rows, csv.rows, 'the same segment summary, cell for cell');
  await page.close();
});

test('Firefox: a crash in the analysis worker is contained: the page says so and works on', async () => {
  const page = await browser.newPage();
  const app = await openApp(page);
  await app.evaluate(() => {
    window.__sameDocument = true; // gone if the page were reloaded
    location.hash = 'crash-test'; // test hook: the worker panics at the start of each job
  });
  await app.locator('::-p-aria(Load sample[role="button"])').click();
  const alert = await app.waitForFunction(() => {
    const a = document.querySelector('[role="alert"]');
    return a && !document.querySelector('[role="progressbar"]') ? a.innerText : null;
  }, { timeout: 60_000 }).then((h) => h.jsonValue());
  assert.match(alert, /^sample_trades\.csv: segscope hit an internal error while analysing this file/);
  assert.match(alert, /the page still works/);
  await app.evaluate(() => history.replaceState(null, '', location.href.split('#')[0]));
  await app.locator('::-p-aria(Load sample[role="button"])').click();
  await app.waitForSelector('table[aria-label="Segment summary"] tbody tr', { timeout: 60_000 });
  await app.waitForFunction(() => !document.querySelector('[role="progressbar"]'), { timeout: 60_000 });
  assert.equal(await app.evaluate(() => window.__sameDocument === true), true, 'no reload happened');
  assert.equal(await app.evaluate(() => document.querySelectorAll('[role="alert"]').length), 0, 'the alert is cleared by the next run');
  await page.close();
});
