// Benchmark of the limits at their real sizes (not a test: the test suite keeps
// its files under 100 MB and tests the limit logic with lowered limits). For each
// case, generated once into target/bench-data/limits/, drop it into the built app
// in headless Chromium and print what the user sees (the alert, or the result's
// first line) and how long it took from file choice.
//
// Usage: node tests/e2e/bench-limits.mjs [part of a case's name]   (dist/ built)
import { createWriteStream, existsSync, mkdirSync, statSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serveDist, CHROMIUM_ARGS, gotoApp } from './serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, 'target/bench-data/limits');
mkdirSync(dir, { recursive: true });

/** Writes `name` once from the chunks `gen` yields (optionally through gzip), then keeps it. */
async function make(name, gen, gzip = false) {
  const path = join(dir, name);
  if (existsSync(path)) return path;
  const out = createWriteStream(path + '.part');
  const sink = gzip ? createGzip({ level: 9 }) : out;
  if (gzip) sink.pipe(out);
  for (const chunk of gen()) if (!sink.write(chunk)) await new Promise((ok) => sink.once('drain', ok));
  await new Promise((ok) => { out.on('close', ok); sink.end(); });
  renameSync(path + '.part', path);
  return path;
}

const customerRow = (r) => `C${r},` + Array.from({ length: 199 }, (_, j) => (r + j) % 10).join(',') + '\n';
const cases = [
  {
    name: 'customers-1GiB.csv (200 one-digit columns, 1,073,741,823 bytes)',
    path: () => make('customers-1GiB.csv', function* () {
      const header = 'customer_id,' + Array.from({ length: 199 }, (_, j) => `m${j}`).join(',') + '\n';
      let left = 1_073_741_823 - header.length;
      yield header;
      for (let r = 0; left > 0; r++) {
        const line = customerRow(r);
        const piece = line.length <= left ? line : line.slice(0, left);
        left -= piece.length;
        yield piece;
      }
    }),
  },
  {
    name: 'bomb.csv.gz (3.2 GB of text gzipped)',
    path: () => make('bomb.csv.gz', function* () {
      yield 'customer_id,spend,visits\n';
      const block = 'c1,1,1\n'.repeat(200_000); // one line over and over: about 1,000 to 1
      for (let n = 0; n * block.length < 3.2e9; n++) yield block;
    }, true),
  },
  {
    name: 'open-quote-103MB.csv (row 42 opens a quote that never closes)',
    path: () => make('open-quote-103MB.csv', function* () {
      yield 'account_id,timestamp,side,qty,price\n';
      for (let i = 0; i < 40; i++) yield `A${i % 7},2026-01-0${1 + (i % 9)}T00:00:00Z,buy,1,10\n`;
      yield 'A9,"2026-01-01T00:00:00Z,buy,1,10\n';
      const line = (i) => `B${i % 50_000},2026-01-02T00:00:00Z,sell,2,11\n`;
      for (let i = 0; i < 2_900_000; i += 10_000) yield Array.from({ length: 10_000 }, (_, k) => line(i + k)).join('');
    }),
  },
  {
    // The red-flag evidence keeps every timed fill until the end of the read (28 bytes
    // each): a trades file at the text limit shows what that costs at its largest.
    name: 'trades-1GiB.csv (about 12M fills of 200,000 accounts, just under 1 GiB)',
    path: () => make('trades-1GiB.csv', function* () {
      const header = 'account_id,timestamp,instrument,side,quantity,price,leverage,fee,realized_pnl,liquidity\n';
      const instruments = ['BTC-PERPETUAL', 'ETH-PERPETUAL', 'BTC/USDT', 'BTC-26JUN26', 'BTC-26JUN26-80000-P'];
      let left = 1_073_741_823 - header.length;
      yield header;
      const t0 = Date.parse('2026-01-01T00:00:00Z');
      for (let i = 0; left > 0; i += 10_000) {
        let block = '';
        for (let k = i; k < i + 10_000; k++) {
          const a = (k * 7919) % 200_000;
          block += `ACC${a},${new Date(t0 + k * 1000).toISOString()},${instruments[k % 5]},${k % 3 ? 'buy' : 'sell'},${(0.01 + (k % 97) / 100).toFixed(4)},${60000 + (k % 1000)},${1 + (k % 20)},0.01,${((k % 11) - 5).toFixed(2)},${k % 2 ? 'maker' : 'taker'}\n`;
        }
        // Whole lines only, up to the limit.
        if (block.length > left) block = block.slice(0, block.lastIndexOf('\n', left - 1) + 1);
        if (!block) break;
        left -= block.length;
        yield block;
      }
    }),
  },
  {
    name: 'million-columns.csv (1,000,000 columns x 3 rows)',
    path: () => make('million-columns.csv', function* () {
      yield ['id', ...Array.from({ length: 999_999 }, (_, j) => `c${j + 1}`)].join(',') + '\n';
      for (let r = 1; r <= 3; r++) yield [`C${r}`, ...Array.from({ length: 999_999 }, (_, j) => (r * 7 + j) % 10)].join(',') + '\n';
    }),
  },
];

const server = await serveDist(join(root, 'dist'));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  // `node bench-limits.mjs trades` runs the cases whose name contains "trades" only.
  for (const c of cases.filter((c) => !process.argv[2] || c.name.includes(process.argv[2]))) {
    const path = await c.path();
    const context = await browser.newContext();
    const tab = await context.newPage();
    const page = await gotoApp(tab, server.url);
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(Math.round(e.duration)))).observe({ type: 'longtask' });
    });
    const t0 = Date.now();
    await page.getByLabel('Upload data').setInputFiles(path);
    const alert = page.getByRole('alert');
    const done = await Promise.race([
      alert.waitFor({ timeout: 600_000 }).then(() => 'alert'),
      page.getByLabel('Find a column').waitFor({ timeout: 600_000 }).then(() => 'mapping'),
      page.getByRole('table', { name: 'Segment summary' }).waitFor({ timeout: 600_000 }).then(() => 'result'),
    ]);
    const ms = Date.now() - t0;
    const what = done === 'alert' ? await alert.innerText() : done === 'mapping' ? 'mapping panel with Find a column' : (await page.locator('.quality').innerText()).split('\n')[0];
    const long = await page.evaluate(() => window.__longTasks);
    if (done === 'result') {
      await page.waitForFunction(() => /render \d+ ms/.test(document.querySelector('.timings')?.textContent ?? ''));
      console.log(`  ${await page.getByLabel('Timings').innerText()}`);
    }
    console.log(`${c.name}, ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB on disk: ${done} after ${ms} ms; longest main-thread task ${Math.max(0, ...long)} ms\n  ${what.replace(/\n/g, ' ')}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
