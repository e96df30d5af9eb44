// Screenshots of each view for the README (docs/*.png): the sample and, when
// ../shared/data is beside the repository, online_retail_2010-12.csv.
// Usage (after a build): node tests/e2e/shots.mjs [dist]   (run from the repository root)
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist, CHROMIUM_ARGS, gotoApp } from './serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const server = await serveDist(process.argv[2] ?? join(root, 'dist'));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const retail = join(root, '../shared/data/online_retail_2010-12.csv');

async function shoot(tag, load) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const tab = await ctx.newPage();
  const page = await gotoApp(tab, server.url);
  await load(page);
  await page.getByRole('table', { name: 'Segment summary' }).waitFor({ timeout: 120_000 });
  await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 120_000 });
  const shot = async (locator, view) => {
    await locator.scrollIntoViewIfNeeded();
    await locator.screenshot({ path: join(root, 'docs', `${view}-${tag}.png`) });
    console.log(`docs/${view}-${tag}.png`);
  };
  await shot(page.locator('.plot'), 'overview');
  await shot(page.getByRole('img', { name: 'Segment profile heatmap' }), 'profiles');
  for (const panel of ['silhouette', 'distributions']) {
    await page.locator(`details.${panel} > summary`).click();
    await page.waitForTimeout(300);
    await shot(page.locator(`details.${panel}`), panel);
  }
  await ctx.close();
}

await shoot('sample', (page) => page.getByRole('button', { name: 'Load sample' }).click());
if (existsSync(retail)) await shoot('retail', (page) => page.getByLabel('Upload data').setInputFiles(retail));
else console.log(`SKIP online retail: ${retail} is absent`);
await browser.close();
await server.stop();
