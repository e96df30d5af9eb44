// End-to-end tests of the built app (dist/) in Debian's headless Chromium,
// driven by playwright-core through the page's accessible names.
//
// Every page records every request it makes: after the app has loaded (it
// adds its locked Content-Security-Policy), there must be none, and none to
// another origin at any time. Real files: the sample, ../shared/data/*.csv
// (skipped with a printed reason when absent) and hostile/broken files this
// test writes to a temporary folder.
//
// Run: bash scripts/test.sh (builds dist/ first), or `node --test` here with
// SEGSCOPE_DIST pointing at a built dist/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync, truncateSync, closeSync, openSync, statSync } from 'node:fs';
import { join, resolve, dirname, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist, CHROMIUM_ARGS, appOf, gotoApp } from './serve.mjs';
import { runKernels, KERNELS_WASM } from './kernels.mjs';
import { openSink, staticProbes, NAVIGATIONS } from './exits.mjs';
import { createServer as createHttpServer } from 'node:http';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dist = process.env.SEGSCOPE_DIST ?? join(root, 'dist');
const shared = resolve(root, '../shared/data');
const tmp = mkdtempSync(join(tmpdir(), 'segscope-e2e-'));
const timings = [];

let server;
let origin;
let browser;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), `no built app at ${dist}: run trunk build --release first`);
  server = await serveDist(dist);
  origin = server.url.replace(/\/$/, '');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (timings.length) {
    console.log('# Wall times in headless Chromium (as shown in the page):');
    for (const t of timings) console.log(`#   ${t}`);
  }
});

/**
 * Opens the app in a fresh tab; returns the app (its frame, see appOf in serve.mjs,
 * as `page`), the tab's request log (every frame and worker of the tab) and the context.
 * `options` go to the browser context; `using` is the browser (another launch, with other flags).
 */
async function openApp(options = {}, using = browser) {
  const context = await using.newContext({ acceptDownloads: true, ...options });
  const tab = await context.newPage();
  const log = { all: [], afterLoad: [], violations: [], csp: [], blocked: [] };
  let loaded = false;
  tab.on('request', (r) => {
    log.all.push(r.url());
    if (loaded) log.afterLoad.push(r.url());
  });
  // A request Chromium blocks by CSP is reported as a request, then as failed: it never left the browser.
  tab.on('requestfailed', (r) => {
    if (/^csp$|BLOCKED_BY_CSP/.test(r.failure()?.errorText ?? '')) log.blocked.push(r.url());
  });
  tab.on('pageerror', (e) => log.violations.push(`pageerror: ${e.message}`));
  tab.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) log.csp.push(m.text());
  });
  const page = await gotoApp(tab, origin + '/');
  loaded = true;
  return { page, log, context };
}

function assertPrivate(log, { expectCspReports = false } = {}) {
  if (!expectCspReports) assert.deepEqual(log.csp, [], 'the app itself never trips its own CSP');
  const sent = (u) => !log.blocked.includes(u);
  const foreign = log.all.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(foreign.filter(sent), [], 'requests to another origin');
  // The analysis worker starts from a blob: URL the page built in memory (the sandboxed frame's origin is opaque: blob:null/...).
  const network = (u) => !u.startsWith('blob:');
  assert.deepEqual(log.afterLoad.filter(sent).filter(network), [], 'requests after the app had loaded');
}

/** Waits for a finished run and checks scatter, table and timings; returns k. */
async function expectResult(page, label) {
  const table = page.getByRole('table', { name: 'Segment summary' });
  await table.waitFor({ timeout: 120_000 });
  await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 120_000 });
  const rows = await table.locator('tbody tr').count();
  const quality = await page.locator('.quality').innerText();
  const k = Number(/in (\d+) segments/.exec(quality)[1]);
  assert.equal(rows, k, `${label}: one summary row per segment`);
  const canvas = page.getByRole('img', { name: 'PCA scatter plot' });
  const pixels = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) {
        coloured++;
        colours.add(`${r >> 4},${g >> 4},${b >> 4}`);
      }
    }
    return { coloured, colours: colours.size };
  });
  assert.ok(pixels.coloured > 20, `${label}: the scatter has coloured pixels (${pixels.coloured})`);
  await page.waitForFunction(() => /render \d+ ms/.test(document.querySelector('.timings')?.textContent ?? ''));
  timings.push((await page.locator('.timings').innerText()) + ` · k=${k}`);
  return k;
}

/** Uploads the file at `path` (written with `body` first, when given) and waits for its result. */
async function upload(page, path, body) {
  if (body !== undefined) writeFileSync(path, body);
  await page.getByLabel('Upload data').setInputFiles(path);
  await page.waitForFunction((n) => document.querySelector('.timings')?.textContent?.startsWith(n), basename(path));
  await expectResult(page, basename(path));
}

/** Clicks button `button` (in `scope`, else anywhere) and saves the download it starts: its suggested name, saved path and text. */
async function saveDownload(page, button, scope = page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), scope.getByRole('button', { name: button }).click()]);
  const path = join(tmp, `${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), path, text: readFileSync(path, 'utf8') };
}

/**
 * In the page: a hash of the pixels of the canvas named `name` (to see a redraw); given `hash`, whether the
 * canvas now hashes otherwise (or, with `same`, equally). Self-contained: the driver sends its source.
 */
function canvasPixels([name, hash, same]) {
  const c = document.querySelector(`canvas[aria-label="${name}"]`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
  return hash === undefined ? h : same ? h === hash : h !== hash;
}
const canvasHash = (page, name) => page.evaluate(canvasPixels, [name]);
/** Waits until the canvas named `name` hashes other than `hash` (or, with `same`, equal to it). */
const canvasRedrawn = (page, name, hash, same = false) => page.waitForFunction(canvasPixels, [name, hash, same]);

async function download(page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download assignments' }).click()]);
  const path = join(tmp, `${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

const lines = (t) => t.trimEnd().split('\n');

test('the sample: scatter, one row per segment, export with one row per account, k input', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'sample');
  assert.ok(k >= 2 && k <= 10);
  const csv = await download(page);
  assert.equal(csv.name, 'sample_trades-kmeans-k3-segments.csv', 'the name says the method and k');
  const l = lines(csv.text);
  assert.equal(l.length - 1, 3000, 'one row per account');
  assert.match(l[0], /^account_id,segment,pc1,pc2,anomaly_score,top_anomaly,anomaly_features,margin_multiplier,trade_count,.*,segment_name$/);
  const segs = new Set(l.slice(1).map((r) => r.split(',')[1]));
  assert.equal(segs.size, k);
  // Same seed, same segments in wasm as natively (tests/pipeline.rs checks the native side).
  const firstTwo = l.map((r) => r.split(',').slice(0, 2).join(',')).join('\n') + '\n';
  assert.ok(firstTwo === readFileSync(join(root, 'tests/golden/sample_segments.csv'), 'utf8'), 'wasm segments equal native');
  // Model quality: stability, the k sweep (chart and table), top anomalies.
  assert.match(await page.getByLabel('Stability').innerText(), /mean adjusted Rand index (0|1)\.\d\d/);
  // Per-segment stability: one clusterwise Jaccard per segment.
  const perSegment = /clusterwise Jaccard.*or below: dissolves\): (.*)\.$/.exec(await page.getByLabel('Stability').innerText());
  assert.ok(perSegment, 'per-segment stability is given');
  assert.equal(perSegment[1].split(', ').length, k, perSegment[1]);
  assert.equal(await page.getByRole('table', { name: 'k sweep scores' }).locator('tbody tr').count(), 9);
  assert.ok((await colouredPixels(page.getByRole('img', { name: 'k sweep' }))) > 50, 'the k sweep chart is drawn');
  assert.equal(await page.getByRole('table', { name: 'Top anomalies' }).locator('tbody tr').count(), 15);
  assert.equal(l.slice(1).filter((r) => r.split(',')[5] === '1').length, 30, 'top 1% flagged in the export');

  // The sample generated in the page is byte for byte the file shipped in public/.
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save sample CSV' }).click()]);
  const savedPath = join(tmp, 'saved-sample.csv');
  await saved.saveAs(savedPath);
  assert.ok(readFileSync(savedPath).equals(readFileSync(join(dist, 'public', 'sample_trades.csv'))), 'in-page sample equals public/sample_trades.csv');

  await page.getByLabel('Segments (k)').fill('4');
  await page.getByLabel('Segments (k)').press('Enter');
  await page.getByLabel('Segments (k)').blur();
  await page.waitForFunction(() => /in 4 segments/.test(document.querySelector('.quality')?.textContent ?? ''));
  assert.equal(await expectResult(page, 'sample k=4'), 4);
  // Typing is taken after a short pause, without Enter; the file input says what is loaded.
  await page.getByLabel('Segments (k)').fill('5');
  await page.waitForFunction(() => /in 5 segments/.test(document.querySelector('.quality')?.textContent ?? ''), null, { timeout: 30_000 });
  assert.equal(await expectResult(page, 'sample k=5, typed'), 5);
  assert.match(await page.locator('.loaded-name').innerText(), /^Loaded: sample_trades\.csv/);
  assertPrivate(log);
  await context.close();
});

test('segment names: generated in the field\'s words, editable, and carried into the legend, tooltip, exports and the saved model', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'sample');
  const table = page.getByRole('table', { name: 'Segment summary' });
  assert.equal((await table.locator('thead th').first().innerText()).trim(), 'Name');
  const names = [];
  for (let s = 1; s <= k; s++) names.push(await page.getByLabel(`Name of segment ${s}`).inputValue());
  // The sample's segments at the automatic k (tests/names.rs checks the rules on every trader type).
  assert.deepEqual(names, ['Spot holders', 'High-leverage perpetual traders', 'Put-heavy options hedgers, large tickets']);
  assert.match(await page.getByLabel('Legend').innerText(), /1 · Spot holders \(\d+\)/);

  // Summary JSON: k objects whose names are the table's; summary CSV: one row per segment.
  const save = (button) => saveDownload(page, button);
  const json = await save('Download summary JSON');
  assert.equal(json.name, 'sample_trades-summary.json');
  const summary = JSON.parse(json.text);
  assert.equal(summary.length, k);
  assert.deepEqual(summary.map((x) => x.name), names);
  assert.ok(summary.every((x, i) => x.segment === i + 1 && x.size > 0 && x.share > 0 && x.share < 1 && typeof x.means.trade_count === 'number'));
  assert.equal(summary.reduce((a, x) => a + x.size, 0), 3000);
  const csv = await save('Download summary CSV');
  assert.equal(csv.name, 'sample_trades-summary.csv');
  const rows = lines(csv.text);
  assert.match(rows[0], /^segment,name,size,share,distinguishing,actions,trade_count,/);
  assert.equal(rows.length - 1, k);
  assert.equal(csvFields(rows[1])[1], 'Spot holders');

  // An edit, with a comma, a quote and a formula start, reaches the legend, the tooltip, the exports and the model.
  const edited = '=VIP "whales", Q1';
  await page.getByLabel('Name of segment 1').fill(edited);
  await page.getByLabel('Name of segment 1').press('Enter');
  await page.getByLabel('Name of segment 1').blur();
  await page.waitForFunction((n) => document.querySelector('[aria-label="Legend"]').textContent.includes(n), edited);
  const assignments = await download(page);
  const al = lines(assignments.text);
  const head = csvFields(al[0]);
  assert.equal(head[head.length - 1], 'segment_name', 'segment_name is the last column: the others keep their places');
  const at = head.indexOf('segment');
  const named = al.slice(1).map(csvFields);
  assert.ok(named.filter((r) => r[at] === '1').every((r) => r[r.length - 1] === "'" + edited), 'the edited name, guarded against formulas, for every account of segment 1');
  assert.ok(named.filter((r) => r[at] === '2').every((r) => r[r.length - 1] === names[1]));
  assert.equal(JSON.parse((await save('Download summary JSON')).text)[0].name, edited);
  // Suggested actions: the playbook's, editable, carried into the summary.
  assert.equal(await page.getByLabel('Actions for segment 2').inputValue(), 'Leverage education and a margin review');
  assert.deepEqual(summary[1].actions, ['Leverage education and a margin review']);
  await page.getByLabel('Actions for segment 2').fill('Leverage education; call them');
  await page.getByLabel('Actions for segment 2').press('Enter');
  await page.getByLabel('Actions for segment 2').blur();
  assert.deepEqual(JSON.parse((await save('Download summary JSON')).text)[1].actions, ['Leverage education', 'call them']);
  // Scree plot and its table: ratios in decreasing order, the running total reaching 100 %.
  await page.locator('details.scree > summary').click();
  assert.ok((await colouredPixels(page.getByRole('img', { name: 'Scree plot' }))) > 200, 'the scree plot is drawn');
  const scree = (await page.getByRole('table', { name: 'Explained variance' }).locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(1).map(Number));
  assert.ok(scree.length >= 2 && scree.every((r, i) => i === 0 || r[0] <= scree[i - 1][0]), `decreasing ratios: ${scree}`);
  assert.ok(Math.abs(scree[scree.length - 1][1] - 100) < 0.2, `cumulative ends at 100 %: ${scree[scree.length - 1]}`);
  assert.match(await page.locator('details.scree > summary').innerText(), new RegExp(`explain ${(scree[1][1]).toFixed(1)} %`));
  // The silhouette plot: drawn when its panel opens; its table has one row per segment, means averaging to the overall.
  await page.locator('details.silhouette > summary').click();
  assert.ok((await colouredPixels(page.getByRole('img', { name: 'Silhouette plot' }))) > 500, 'the silhouette plot is drawn');
  const sil = (await page.getByRole('table', { name: 'Silhouette by segment' }).locator('tbody tr').allInnerTexts()).map((r) => r.split('\t'));
  assert.equal(sil.length, k);
  const overall = Number(/mean (-?\d\.\d{3}) over (\d+) sampled accounts/.exec(await page.locator('details.silhouette > summary').innerText())[1]);
  const weighted = sil.reduce((a, r) => a + Number(r[1]) * Number(r[2]), 0) / sil.reduce((a, r) => a + Number(r[1]), 0);
  assert.ok(Math.abs(weighted - overall) < 0.002, `segment means ${weighted} average to the overall ${overall}`);
  // The profile heatmap: drawn, and a hovered cell says its segment, feature and value.
  const heat = page.getByRole('img', { name: 'Segment profile heatmap' });
  assert.ok((await colouredPixels(heat)) > 500, 'the heatmap is drawn');
  await heat.hover({ position: { x: 190 + 17, y: 150 + 13 } });
  await page.waitForFunction(() => /^Segment 1 \(.+\) · [a-z_]+: [+-]\d+\.\d\d SD from the overall centre$/.test(document.querySelector('details.heatmap p.hint')?.textContent ?? ''));
  // The glossary explains the terms the results use.
  const terms = await page.locator('details.glossary dt').allTextContents();
  for (const t of ['Calinski-Harabasz index', 'Davies-Bouldin index', 'Adjusted Rand index (ARI)', 'Yeo-Johnson', 'PC1, PC2']) assert.ok(terms.includes(t), `glossary: ${t}`);
  // Run details: the settings and the file's SHA-256, computed in the page, as node computes it.
  const sha = createHash('sha256').update(readFileSync(join(dist, 'public', 'sample_trades.csv'))).digest('hex');
  const details = page.getByRole('region', { name: 'Run details' });
  await page.waitForFunction(() => /[0-9a-f]{64}/.test(document.querySelector('[aria-label="Run details"]')?.textContent ?? ''), null, { timeout: 30_000 });
  const detailsText = await details.innerText();
  assert.ok(detailsText.includes(sha), `the sample's SHA-256 ${sha}: ${detailsText}`);
  assert.match(detailsText, /Seed\s+\d+/);
  assert.match(detailsText, /Segments\s+3 \(chosen automatically\)/);
  const model = JSON.parse((await save('Download model')).text);
  assert.equal(model.segments[0].name, edited, 'the model carries the edited name');
  assert.equal(model.input.sha256, sha, 'the model records the input\'s fingerprint');
  // The report: one HTML file that, opened from disk, loads nothing else, with the names, the charts and the fingerprint.
  const [rdl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download report' }).click()]);
  assert.equal(rdl.suggestedFilename(), 'sample_trades-report.html');
  const reportPath = join(tmp, `${Date.now()}-report.html`);
  await rdl.saveAs(reportPath);
  const reader = await context.newPage();
  const reportRequests = [];
  reader.on('request', (r) => reportRequests.push(r.url()));
  await reader.goto(pathToFileURL(reportPath).href);
  assert.deepEqual(reportRequests.filter((u) => !u.startsWith('data:')), [pathToFileURL(reportPath).href], 'the report loads nothing but itself');
  const reportNames = await reader.getByRole('table', { name: 'Segment summary' }).locator('tbody tr td:nth-child(2)').allInnerTexts();
  assert.deepEqual(reportNames, [edited, ...names.slice(1)], 'the names in force, the edit included');
  const pictures = await reader.locator('img').evaluateAll((imgs) => imgs.map((i) => ({ alt: i.alt, w: i.naturalWidth })));
  assert.ok(pictures.length === 1 && pictures[0].w > 100, `the scatter, decoded: ${JSON.stringify(pictures)}`);
  // The other charts as inline SVG, drawn by the page's chart code: each segment named in the heatmap.
  const figures = await reader.locator('figure[role=img]').evaluateAll((fs) => fs.map((f) => [f.getAttribute('aria-label'), f.querySelector('svg').getBoundingClientRect().width]));
  assert.deepEqual(figures.map((f) => f[0]), ['Segment profile heatmap', 'Scree plot', 'k sweep', 'Silhouette plot']);
  assert.ok(figures.every((f) => f[1] > 100), `the charts are laid out: ${JSON.stringify(figures)}`);
  const heatTexts = await reader.locator('figure[aria-label="Segment profile heatmap"] svg text').allTextContents();
  assert.ok(heatTexts.some((t) => t.trim().startsWith('1 ' + edited.slice(0, 20))), `the edited name in the report's heatmap: ${heatTexts.slice(0, 4)}`);
  assert.ok((await reader.locator('body').innerText()).includes(sha), 'the input\'s fingerprint');
  assert.equal(await reader.evaluate(() => document.scripts.length), 0, 'no script');
  const pdf = await reader.pdf();
  assert.ok(pdf.length > 10_000, `it prints to PDF (${pdf.length} bytes)`);
  await reader.close();
  // Hover a point of segment 1 (its colour, #4e79a7): the tooltip names its segment.
  const canvas = page.getByRole('img', { name: 'PCA scatter plot' });
  const spot = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const k = c.clientWidth / c.width;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - 0x4e) + Math.abs(d[i + 1] - 0x79) + Math.abs(d[i + 2] - 0xa7) < 12) return { x: ((i / 4) % c.width) * k, y: Math.floor(i / 4 / c.width) * k };
    }
    return null;
  });
  assert.ok(spot, 'a point of segment 1 to hover');
  await canvas.hover({ position: spot });
  const tip = page.getByRole('tooltip', { name: 'Point details' });
  await tip.waitFor({ timeout: 5_000 });
  const shown = /· segment (\d+): ([^\n]+)/.exec(await tip.innerText());
  assert.ok(shown, 'the tooltip names the segment');
  const now = [edited, ...names.slice(1)];
  assert.equal(shown[2], now[Number(shown[1]) - 1], 'the hovered account\'s segment under its name in force');
  // Cleared, the generated name comes back.
  await page.getByLabel('Name of segment 1').fill('');
  await page.getByLabel('Name of segment 1').press('Enter');
  await page.waitForFunction(() => document.querySelector('[aria-label="Name of segment 1"]').value === 'Spot holders');
  assertPrivate(log);
  await context.close();
});

async function colouredPixels(canvas) {
  return canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) n++;
    return n;
  });
}

/** The fields of one CSV line (RFC 4180 quotes). */
function csvFields(line) {
  const out = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

test('the playbook: a rule\'s edited action reaches the segments it holds for (not those typed by hand) and the summary JSON; emptied, the rule is off; Restore playbook brings it back', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'sample');
  await page.locator('details.playbook > summary').click();
  const table = page.getByRole('table', { name: 'Playbook' });
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.children[2].textContent.trim()));
  assert.equal(rows.length, 11);
  // The first rule that holds for a segment of the sample (the hedgers' options tooling, say).
  const r = rows.findIndex((h) => h !== '–') + 1;
  assert.ok(r >= 1, `a rule holds for some segment: ${rows}`);
  const holds = rows[r - 1].split(', ').map(Number);
  assert.ok(holds.every((n) => n >= 1 && n <= k), `rule ${r} holds for ${holds}`);
  const rule = page.getByLabel(`Action for rule ${r}`, { exact: true });
  const original = await rule.inputValue();
  const s = holds[0];
  const actions = page.getByLabel(`Actions for segment ${s}`, { exact: true });
  assert.ok((await actions.inputValue()).includes(original), `segment ${s} is suggested "${original}"`);
  await rule.fill('VIP desk programme');
  await rule.press('Tab');
  await page.waitForFunction((n) => document.querySelector(`input[aria-label="Actions for segment ${n}"]`).value.includes('VIP desk programme'), s);
  assert.ok(!(await actions.inputValue()).includes(original));
  const json = JSON.parse((await saveDownload(page, 'Download summary JSON')).text);
  assert.ok(json[s - 1].actions.includes('VIP desk programme'), 'the summary JSON carries the edited action');
  assert.equal(json[s - 1].run.File, 'sample_trades.csv', 'each segment of the summary JSON carries the run\'s record');
  assert.match(json[s - 1].run['SHA-256 of the file'], /^([0-9a-f]{64}|computing.*)$/);
  // Typed by hand: the playbook leaves it alone; an emptied rule is off for the others.
  await actions.fill('Call them first');
  await actions.press('Tab');
  await rule.fill('');
  await rule.press('Tab');
  assert.equal(await actions.inputValue(), 'Call them first');
  for (const t of holds.slice(1)) {
    const text = await page.getByLabel(`Actions for segment ${t}`, { exact: true }).inputValue();
    assert.ok(!text.includes('VIP desk') && !text.includes(original), `rule ${r} is off for segment ${t}: ${text}`);
  }
  await page.getByRole('button', { name: 'Restore playbook' }).click();
  assert.equal(await rule.inputValue(), original);
  assert.equal(await actions.inputValue(), 'Call them first');
  assertPrivate(log);
  await context.close();
});

test('the Risk view on the sample: stress, margin multiplier, red flags and the watchlist, without reading again', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'risk');
  const risk = page.getByRole('region', { name: 'Risk' });
  const table = risk.getByRole('table', { name: 'Risk by segment' });
  assert.equal(await table.locator('tbody tr').count(), k, 'one body row per segment');
  const heads = await table.locator('thead th').allInnerTexts();
  const col = (name) => heads.indexOf(name);
  for (const h of ['Liquidated accounts (%)', 'Liquidated notional (%)', 'Margin multiplier']) assert.ok(col(h) >= 0, `column ${h}`);
  const column = async (name) => (await table.locator('tbody tr').evaluateAll((rows, c) => rows.map((r) => r.children[c].textContent), col(name)));
  for (const m of await column('Margin multiplier')) assert.match(m, /^[12]\.\d\d$/);
  const liquidated = (await column('Liquidated accounts (%)')).map(Number);
  // A larger shock liquidates at least as many accounts in every segment, and more in one; nothing is read again.
  const timings = await page.getByLabel('Timings').innerText();
  const shock = risk.getByRole('spinbutton', { name: 'Price shock (%)' });
  assert.equal(await shock.inputValue(), '10');
  assert.equal(await risk.getByRole('spinbutton', { name: 'Maintenance margin (%)' }).inputValue(), '0.5');
  const rowsBefore = await table.locator('tbody tr').allTextContents();
  await shock.fill('50');
  await shock.blur();
  await page.waitForFunction(([before]) => {
    const t = [...document.querySelectorAll('table[aria-label="Risk by segment"] tbody tr')];
    return t.some((r, i) => r.textContent !== before[i]);
  }, [rowsBefore]);
  const after = (await column('Liquidated accounts (%)')).map(Number);
  // The scenario is in the address: a page opened there starts with it.
  assert.match(page.url(), /[#&]shock=50(&|$)/);
  const again = await gotoApp(await context.newPage(), page.url());
  await again.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(again, 'risk, from the address');
  assert.equal(await again.getByRole('spinbutton', { name: 'Price shock (%)' }).inputValue(), '50');
  assert.deepEqual((await again.getByRole('table', { name: 'Risk by segment' }).locator('tbody tr').allTextContents()), await table.locator('tbody tr').allTextContents());
  await again.tab.close();
  assert.ok(after.every((v, i) => v >= liquidated[i]) && after.some((v, i) => v > liquidated[i]), `${liquidated} -> ${after}`);
  assert.equal(await page.getByRole('progressbar').count(), 0, 'no job ran');
  assert.equal(await page.getByLabel('Timings').innerText(), timings, 'the same result: not read or segmented again');
  // A refused value says why and keeps the previous one.
  await shock.fill('150');
  await shock.blur();
  assert.match(await page.getByRole('alert').innerText(), /Price shock \(%\): "150" is not a number from 0 to 100/);
  assert.equal(await shock.inputValue(), '50');
  // Red flags: the table, then the watchlist lists exactly its accounts.
  const flags = risk.getByRole('table', { name: 'Red flags' });
  const ids = (await flags.locator('tbody tr td:first-child').allInnerTexts()).map((t) => t.trim());
  assert.ok(ids.length > 0, 'the sample has flagged accounts');
  const [dl] = await Promise.all([page.waitForEvent('download'), risk.getByRole('button', { name: 'Download watchlist' }).click()]);
  assert.equal(dl.suggestedFilename(), 'sample_trades-watchlist.csv');
  const path = join(tmp, `${Date.now()}-watchlist.csv`);
  await dl.saveAs(path);
  const rows = lines(readFileSync(path, 'utf8')).map(csvFields);
  assert.equal(rows[0][0], 'account_id');
  for (const c of ['rules', 'evidence', 'segment_name', 'anomaly_score', 'anomaly_features', 'margin_multiplier']) assert.ok(rows[0].includes(c), `watchlist column ${c}`);
  assert.deepEqual(rows.slice(1).map((r) => r[0]), ids, 'the watchlist is the table\'s flagged accounts');
  const rules = rows[0].indexOf('rules');
  assert.ok(rows.slice(1).every((r) => /^(round_trips|burst|dormant_then_active)(;|$)/.test(r[rules])));
  // Stricter rules flag fewer accounts, at once.
  await risk.locator('details.flag-rules > summary').click();
  const days = risk.getByRole('spinbutton', { name: 'Dormant: days without a fill at least' });
  await days.fill('100');
  await days.blur();
  await page.waitForFunction((n) => document.querySelectorAll('table[aria-label="Red flags"] tbody tr').length < n, ids.length);
  console.log(`# risk: k=${k}; liquidated accounts (%) at a 10 % shock ${liquidated}, at 50 % ${after}; ${ids.length} flagged, ${await flags.locator('tbody tr').count()} with 100 days of dormancy`);
  assert.deepEqual(log.afterLoad, []);
  await context.close();
});

test('methods, scaling and per-feature transforms on the sample', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  const quality = () => page.locator('.quality').innerText();

  await page.getByLabel('Method').selectOption('gmm-full');
  // k is chosen by the Calinski-Harabasz index for every method; the Method part names the mixture.
  await page.waitForFunction(() => /Method: Gaussian mixture \(full covariance\)/.test(document.querySelector('.quality')?.textContent ?? ''));
  assert.match(await quality(), /highest Calinski-Harabasz index over k = 2\.\.10: \d+ at k = \d+, runner-up k = \d+ at \d+ \(\d+ % lower\)/);
  const kg = await expectResult(page, 'sample, Gaussian mixture');
  assert.match(await page.getByRole('table', { name: 'k sweep scores' }).locator('thead').innerText(), /BIC/);
  let l = lines((await download(page)).text);
  assert.ok(l[0].includes(`,p_segment_${kg},`), 'membership probabilities exported');
  const p = csvFields(l[1]);
  const from = csvFields(l[0]).indexOf('p_segment_1');
  const probs = p.slice(from, from + kg).map(Number);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'probabilities sum to 1');

  await page.getByLabel('Method').selectOption('hdbscan');
  await page.waitForFunction(() => /found by HDBSCAN/.test(document.querySelector('.quality')?.textContent ?? ''));
  assert.match(await quality(), /left unassigned as noise/);
  assert.match(await page.getByLabel('Legend').innerText(), /Noise \(\d+\)/);
  l = lines((await download(page)).text);
  assert.ok(l[0].includes(',membership_probability,'));
  assert.ok(l.some((r) => r.split(',')[1] === 'noise'), 'noise rows exported as "noise"');
  await page.getByLabel('Min cluster size').fill('60');
  await page.getByLabel('Min cluster size').blur();
  await page.waitForFunction(() => /min cluster size 60/.test(document.querySelector('.quality')?.textContent ?? ''));

  await page.getByLabel('Method').selectOption('kmeans');
  await page.waitForFunction(() => /Method: k-means/.test(document.querySelector('.quality')?.textContent ?? ''));
  const transforms = page.getByRole('table', { name: 'Feature transforms' });
  await page.locator('details.transforms > summary').click();
  const row = transforms.locator('tbody tr').filter({ hasText: 'total_notional' });
  assert.match(await row.innerText(), /ln\(1 \+ x\)/, 'a heavy-tailed non-negative feature is log-transformed by default');
  await page.getByLabel('Transform of total_notional').selectOption('yeo-johnson');
  await page.waitForFunction(() => /Yeo-Johnson \(λ = /.test([...document.querySelectorAll('table[aria-label="Feature transforms"] tbody tr')].find((r) => r.textContent.includes('total_notional'))?.textContent ?? ''));
  await page.getByLabel('Scaling').selectOption('robust');
  await page.waitForFunction(() => /robust scaling/.test(document.querySelector('details.transforms summary')?.textContent ?? ''));
  await expectResult(page, 'sample, Yeo-Johnson and robust scaling');
  assertPrivate(log);
  await context.close();
});

test('features for clustering: behaviour by default, a change re-runs without reading again, the choice lives in the address', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  const quality = () => page.locator('.quality').innerText();
  // Behaviour by default: outcomes are computed and shown, not clustered on.
  assert.equal(await page.getByLabel('Feature set').inputValue(), 'behaviour');
  assert.equal(await page.getByLabel('Use realized_pnl for clustering').isChecked(), false);
  assert.equal(await page.getByLabel('Use total_fees for clustering').isChecked(), false);
  assert.equal(await page.getByLabel('Use trade_count for clustering').isChecked(), true);
  assert.match(await quality(), /clustered on \d+ of \d+ features \(behaviour\)/);
  assert.match(page.url(), /#.*features=behaviour/);
  const used = Number(/clustered on (\d+) of/.exec(await quality())[1]);

  // Untick one: the analysis runs again on the features it holds (no read stage), and the summary still lists it.
  const stages = [];
  const seen = setInterval(async () => {
    const s = await page.getByRole('list', { name: 'Stages' }).innerText().catch(() => '');
    if (s) stages.push(s);
  }, 20);
  await page.getByLabel('Use maker_share for clustering').uncheck();
  await page.waitForFunction((n) => new RegExp(`clustered on ${n} of`).test(document.querySelector('.quality')?.textContent ?? ''), used - 1);
  clearInterval(seen);
  assert.ok(!stages.some((s) => /Reading/.test(s)), `no read stage after a feature change: ${stages.join(' | ')}`);
  assert.match(await page.locator('.timings').innerText(), /features reused/);
  assert.equal(await page.getByLabel('Feature set').inputValue(), 'custom');
  const header = await page.getByRole('table', { name: 'Segment summary' }).locator('thead').innerText();
  assert.match(header, /maker_share/, 'a feature left out of the distance is still profiled');
  assert.match(header, /realized_pnl/);
  assert.match(lines((await download(page)).text)[0], /,maker_share,.*realized_pnl/, 'the export keeps every feature');

  // All features and balanced families; the address says so, and a new page at that address starts with them.
  await page.getByLabel('Feature set').selectOption('all');
  await page.waitForFunction(() => /\(all\)/.test(document.querySelector('.quality')?.textContent ?? ''));
  await page.getByLabel('Balance feature families').check();
  await page.waitForFunction(() => /families balanced/.test(document.querySelector('.quality')?.textContent ?? ''));
  const url = page.url();
  assert.match(url, /features=all/);
  assert.match(url, /balance=1/);
  await page.locator('details.correlations > summary').click();
  const corr = page.getByRole('table', { name: 'Feature correlations' });
  await corr.waitFor();
  assert.equal(await corr.locator('tbody tr').count(), Number(/clustered on (\d+) of/.exec(await quality())[1]));
  assert.match(await corr.locator('tbody tr').first().innerText(), /\+1\.0/, 'a feature correlates +1 with itself');
  const second = await gotoApp(await context.newPage(), url);
  await second.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(second, 'sample from a bookmarked address');
  assert.equal(await second.getByLabel('Feature set').inputValue(), 'all');
  assert.equal(await second.getByLabel('Balance feature families').isChecked(), true);
  assert.match(await second.locator('.quality').innerText(), /\(all, families balanced\)/);

  // Nothing chosen: a clear message, and the picker stays to fix it.
  await page.getByLabel('Feature set').selectOption('custom');
  await page.waitForFunction(() => /\(custom/.test(document.querySelector('.quality')?.textContent ?? ''));
  for (const box of await page.locator('details.features input[type=checkbox][aria-label^="Use "]').all()) {
    if (await box.isChecked()) {
      await box.uncheck();
      await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 60_000 });
    }
  }
  await page.getByRole('alert').filter({ hasText: 'No feature is chosen for clustering' }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Feature set').selectOption('behaviour');
  await expectResult(page, 'sample, behaviour again');
  assertPrivate(log);
  await context.close();
});

const SHARED = [
  { file: 'online_retail_2010-12.csv', accounts: 922 },
  { file: 'dex_swaps_2021-06.csv', accounts: 2628 },
  { file: 'mall_customers.csv', accounts: 200 },
];

for (const { file, accounts } of SHARED) {
  test(`real file ${file}`, async (t) => {
    const path = join(shared, file);
    if (!existsSync(path)) {
      console.log(`# SKIP ${file}: ${path} is absent (../shared/data is not next to this checkout)`);
      t.skip(`${path} absent`);
      return;
    }
    const { page, log, context } = await openApp();
    await page.getByLabel('Upload data').setInputFiles(path);
    await expectResult(page, file);
    if (file.startsWith('online_retail')) {
      const selected = async (label) => page.getByLabel(label, { exact: true }).evaluate((s) => s.selectedOptions[0].textContent);
      assert.equal(await selected('Account id'), 'CustomerID');
      assert.equal(await selected('Timestamp'), 'InvoiceDate');
      assert.equal(await selected('Quantity'), 'Quantity');
      assert.equal(await selected('Price'), 'UnitPrice');
      assert.equal(await selected('Notional'), '(not used)');
      assert.equal(await selected('Timestamp format'), 'day-first (DD/MM/YYYY)');
      const notes = await page.locator('.mapping .notes').innerText();
      assert.match(notes, /day-first/);
      assert.match(notes, /Notional computed as \|Quantity x UnitPrice\|/);
    }
    const csv = await download(page);
    assert.equal(lines(csv.text).length - 1, accounts, 'one row per account');
    if (file.startsWith('mall')) assert.match(lines(csv.text)[1], /^0001,/, 'ids keep their leading zeros');
    assertPrivate(log);
    await context.close();
  });
}

test('hostile text stays text, and the export is guarded against formulas', async () => {
  const path = join(tmp, 'hostile.csv');
  const rows = ['customer_id,"<img src=x onerror=window.__pwned=1>",=cmd|\' /C calc\'!A0'];
  const ids = ['=HYPERLINK("http://evil")', '@SUM(1)', '<script>window.__pwned=2</script>', '+1', 'plain'];
  ids.forEach((id, i) => rows.push(`"${id.replaceAll('"', '""')}",${i * 3 + 1},${(i * 7) % 5}`));
  writeFileSync(path, rows.join('\n') + '\n');
  const { page, log, context } = await openApp();
  await page.getByLabel('Upload data').setInputFiles(path);
  await expectResult(page, 'hostile');
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no injected script ran');
  const header = await page.getByRole('table', { name: 'Segment summary' }).locator('thead').innerText();
  assert.ok(header.includes('<img src=x onerror=window.__pwned=1>'), 'header shown as text');
  const csv = lines((await download(page)).text);
  assert.ok(csv[0].includes(",'=cmd|' /C calc'!A0"), `header cell guarded: ${csv[0]}`);
  const first = csv.slice(1).map((r) => r.split(',')[0]);
  assert.ok(first.includes('"\'=HYPERLINK(""http://evil"")"'), `formula id guarded and quoted: ${first}`);
  assert.ok(first.includes("'@SUM(1)") && first.includes("'+1") && first.includes('plain'));
  assertPrivate(log);
  await context.close();
});

const BROKEN = [
  { name: 'empty.csv', body: '', alert: /file is empty/ },
  { name: 'binary.csv', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]), alert: /not a text file/ },
  { name: 'header-only.csv', body: 'account_id,timestamp,side,qty,price\n', alert: /no data rows/ },
  { name: 'no-header.csv', body: '1,2,3\n4,5,6\n7,8,9\n', alert: /looks like data, not column names/ },
  { name: 'one-account.csv', body: 'account_id,timestamp,side,qty,price\na,2024-01-01T00:00:00Z,buy,1,10\na,2024-01-02T00:00:00Z,sell,2,11\n', alert: /Only one account/ },
  { name: 'no-account.csv', body: 'timestamp,side,qty,price,leverage\n2024-01-01T00:00:00Z,buy,1,10,5\n2024-01-02T00:00:00Z,sell,2,11,3\n', alert: /No account column/ },
  { name: 'constant.csv', body: 'customer_id,a,b\n1,5,7\n2,5,7\n3,5,7\n4,5,7\n', alert: /same value for all accounts/ },
  { name: 'text-only.csv', body: 'customer_id,name,city\n1,Ann,Oslo\n2,Bob,Rome\n', alert: /no numeric column/ },
  { name: 'huge.csv', body: null, size: 2 * 1024 ** 3, alert: /too large for this browser tab: 2\.00 GiB of text/ },
  { name: 'cut.csv.gz', body: gzipSync(Buffer.from('customer_id,spend\n' + '1,2\n'.repeat(5000))).subarray(0, 40), alert: /damaged: gzip/ },
  // JSON: cut off, not objects, no rows.
  { name: 'cut.json', body: '[{"account": "A1", "qty": 1}, {"account": "A2", "qty"', alert: /starts as JSON but cannot be read as rows: EOF while parsing an object at line 1 column \d+/ },
  { name: 'numbers.json', body: '[1, 2, 3]', alert: /item 1 is a number value, not an object with named fields/ },
  { name: 'empty-array.json', body: '[]', alert: /it holds no rows/ },
  { name: 'bad-line.ndjson', body: '{"account": "A1", "qty": 1}\n{"account": "A2", "qty": }\n', alert: /line 2: expected value/ },
  // Workbooks: cut off (the archive's directory, at its end, is missing), a header and no data row, ZIP's signature over other bytes.
  { name: 'cut.xlsx', body: readFileSync(join(root, 'tests/fixtures/binance_spot.xlsx')).subarray(0, 60_000), alert: /is a spreadsheet workbook \(Excel or OpenDocument\) but cannot be read as rows: .*save the sheet as CSV/ },
  { name: 'empty-sheet.xlsx', body: readFileSync(join(root, 'tests/fixtures/workbook_empty.xlsx')), alert: /sheet "Empty" has a header in row 1 but no data row under it/ },
  { name: 'not-a-zip.xlsx', body: Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('not an archive at all')]), alert: /is a spreadsheet workbook/ },
  // Parquet: Brotli pages (not read here), cut off.
  { name: 'brotli.parquet', body: readFileSync(join(root, 'tests/fixtures/binance_spot_brotli.parquet')), alert: /This file is Parquet but cannot be read as rows: column "account_id" is compressed with BROTLI, which segscope does not read/ },
  { name: 'cut.parquet', body: readFileSync(join(root, 'tests/fixtures/binance_spot.parquet')).subarray(0, 30_000), alert: /This file is Parquet but cannot be read as rows/ },
  // Row 42 opens a quote that never closes: 2,000 rows after it would have vanished into one field.
  {
    name: 'open-quote.csv',
    body: 'account_id,timestamp,side,qty,price\n' + Array.from({ length: 40 }, (_, i) => `A${i % 7},2026-01-0${1 + (i % 9)}T00:00:00Z,buy,1,10`).join('\n') + '\nA9,"2026-01-01T00:00:00Z,buy,1,10\n' + Array.from({ length: 2000 }, (_, i) => `B${i},2026-01-02T00:00:00Z,sell,2,11`).join('\n') + '\n',
    alert: /Row 42 opens a quoted field that does not close: it runs on for \d+ lines and more/,
  },
];

/**
 * axe-core's audit of the app's frame (WCAG 2.x A and AA rules, and axe's best practices), every
 * `details` panel opened so that what it holds is audited too: the serious and critical violations.
 * axe is evaluated in the frame through the driver (CDP), which the frame's locked policy does not govern.
 */
async function axeViolations(page) {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.evaluate(readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  const r = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// Presses Tab until focus has gone round the frame's document twice over
// and returns the visible, enabled controls (buttons, inputs, selects,
// links, summaries, anything with tabindex >= 0) that focus never reached,
// and how many there are.
async function unreachableByTab(page) {
  const total = await page.evaluate(() => {
    const sel = 'button, input, select, textarea, a[href], summary, [tabindex]';
    const all = [...document.querySelectorAll(sel)].filter((e) => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length > 0
      && !e.closest('[inert], [aria-hidden="true"]') && getComputedStyle(e).visibility !== 'hidden');
    all.forEach((e, i) => { e.dataset.kb = String(i); });
    window.__kbSeen = new Set();
    document.addEventListener('focusin', (ev) => { if (ev.target.dataset?.kb) window.__kbSeen.add(ev.target.dataset.kb); });
    document.activeElement?.blur();
    return all.length;
  });
  for (let n = 0; n < total + 40; n++) await page.keyboard.press('Tab');
  const missing = await page.evaluate(() => [...document.querySelectorAll('[data-kb]')].filter((e) => !window.__kbSeen.has(e.dataset.kb))
    .map((e) => `${e.tagName.toLowerCase()} ${e.getAttribute('aria-label') ?? e.textContent.trim().slice(0, 40)}`));
  return { total, missing };
}

test('accessibility: axe-core finds no serious or critical violation on the empty page, a trades result (Risk included), a customer table and in the dark colour scheme; Tab reaches every control', async () => {
  const { page, log, context } = await openApp();
  assert.deepEqual(await axeViolations(page), [], 'the page before a file');
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  assert.deepEqual(await axeViolations(page), [], 'the sample\'s result, every panel open');
  // Every control of the result, every panel open, is reached by Tab alone.
  const { total, missing } = await unreachableByTab(page);
  assert.ok(total > 100, `${total} visible controls`);
  assert.deepEqual(missing, [], `of ${total} visible controls, those Tab never reached`);
  console.log(`# Tab reached every one of the sample result's ${total} visible controls`);
  const customers = 'customer_id,spend,visits,tenure\n' + Array.from({ length: 300 }, (_, i) => `C${i},${(i * 37) % 1000},${(i % 9) + 1},${(i * 7) % 60}`).join('\n') + '\n';
  await upload(page, join(tmp, 'customers-a11y.csv'), customers);
  assert.deepEqual(await axeViolations(page), [], 'a customer table\'s result, every panel open');
  // The dark colour scheme (prefers-color-scheme): dark surfaces, and still no violation (contrast included).
  await context.pages()[0].emulateMedia({ colorScheme: 'dark' });
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 120, `a dark page background: ${bg}`);
  assert.deepEqual(await axeViolations(page), [], 'the sample\'s result in the dark colour scheme, every panel open');
  assertPrivate(log);
  await context.close();
});

test('gzip, UTF-16, Windows-1252, decimal commas and repeated header names are read, with a note saying how', async () => {
  const { page, log, context } = await openApp();
  const text = 'customer_id,city,spend,visits\n' + Array.from({ length: 60 }, (_, i) => `Müller-${i},Köln,${(i % 7) * 100 + i},${(i % 3) + 1}`).join('\n') + '\n';
  const files = [
    { name: 'customers.csv.gz', body: gzipSync(Buffer.from(text, 'utf8')), note: /gzip-compressed: 0\.0 MB unpacked/ },
    { name: 'customers-utf16.csv', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), note: /Read as UTF-16 \(little-endian\)/ },
    { name: 'customers-latin1.csv', body: Buffer.from(text, 'latin1'), note: /read as Windows-1252/ },
    { name: 'customers-eu.csv', body: text.replace(/,/g, ';').replace(/;(\d+);(\d)\n/g, ';$1,5;$2\n'), note: /"spend" writes numbers as 1\.234,5 \(decimal comma\); read that way/ },
    { name: 'customers-dup.csv', body: text.replace('visits\n', 'visits,visits\n').replace(/(\d)\n/g, '$1,1\n'), note: /Column 5 repeats the name "visits"; it is called "visits \(2\)" here/ },
  ];
  for (const f of files) {
    await upload(page, join(tmp, f.name), f.body);
    const notes = (await page.locator('details.mapping').innerText()) + (await page.locator('.data-notes').innerText());
    assert.match(notes, f.note, f.name);
    const l = lines((await download(page)).text);
    assert.equal(l.length, 61, `${f.name}: one row per customer`);
    assert.ok(l.slice(1).every((r) => /^Müller-\d+,/.test(r)), `${f.name}: ids decoded exactly`);
    if (f.name === 'customers-eu.csv') assert.ok(l.slice(1).some((r) => r.split(',').includes('101.5')), 'decimal commas read as decimals');
  }
  assertPrivate(log);
  await context.close();
});

test('Binance\'s spot export (units attached to amounts) and Kraken\'s trades.csv give the assignments of their plain equivalent, and the unit is shown', async () => {
  const { page, log, context } = await openApp();
  const fixtures = join(root, 'tests/fixtures');
  const got = {};
  for (const name of ['binance_spot_plain.csv', 'binance_spot.csv']) {
    await upload(page, join(fixtures, name));
    got[name] = (await download(page)).text;
  }
  const selected = async (label) => page.getByLabel(label, { exact: true }).evaluate((s) => s.selectedOptions[0].textContent);
  assert.equal(await selected('Quantity'), 'Executed');
  assert.equal(await selected('Notional'), 'Amount');
  assert.equal(await selected('Fee'), 'Fee');
  const mapping = await page.locator('details.mapping').innerText();
  assert.match(mapping, /Unit: USDT/, 'the fee and notional units are shown');
  assert.match(mapping, /Unit: BTC, ETH and 1 more/, 'the quantities\' assets are shown');
  assert.match(mapping, /Column "Fee" \(Fee\) writes numbers with a unit \(USDT\)/);
  const header = lines(got['binance_spot.csv'])[0];
  assert.match(header, /total_notional/);
  assert.match(header, /total_fees/);
  assert.equal(got['binance_spot.csv'], got['binance_spot_plain.csv'], 'the same assignments, features and segments, byte for byte');
  // Kraken's trades.csv (its own names: pair, type, vol, cost; XBT for bitcoin): the same again.
  await upload(page, join(fixtures, 'kraken_trades.csv'));
  assert.equal(await selected('Quantity'), 'vol');
  assert.equal(await selected('Notional'), 'cost');
  assert.equal((await download(page)).text, got['binance_spot_plain.csv'], 'Kraken\'s layout: the same assignments, byte for byte');
  assertPrivate(log);
  await context.close();
});

test('An Excel workbook (a title over the header, Excel dates, merged column groups, two sheets) gives its CSV files\' assignments, sheet by sheet', async () => {
  const { page, log, context } = await openApp();
  const fixtures = join(root, 'tests/fixtures');
  const want = {};
  for (const name of ['binance_spot.csv', 'binance_spot_plain.csv']) {
    await upload(page, join(fixtures, name));
    want[name] = (await download(page)).text;
  }
  await upload(page, join(fixtures, 'binance_spot.xlsx'));
  const notes = async () => (await page.locator('details.mapping').innerText()) + (await page.locator('.data-notes').innerText());
  assert.match(await notes(), /sheet "Trades" of a workbook/);
  assert.match(await notes(), /header in row 4 \(the 3 rows above it skipped as a title\)/);
  assert.equal(await page.getByLabel('Sheet', { exact: true }).inputValue(), 'Trades', 'the first sheet with data');
  assert.equal((await download(page)).text, want['binance_spot.csv'], 'sheet "Trades": the Binance CSV\'s assignments, byte for byte');
  await page.getByLabel('Sheet', { exact: true }).selectOption('Plain');
  await page.waitForFunction(() => /sheet "Plain" of a workbook/.test(document.querySelector('details.mapping')?.textContent ?? ''), null, { timeout: 60_000 });
  await expectResult(page, 'sheet Plain');
  assert.match(await notes(), /Row 1 holds groups of columns \(merged cells\)/);
  const selected = async (label) => page.getByLabel(label, { exact: true }).evaluate((s) => s.selectedOptions[0].textContent);
  assert.equal(await selected('Notional'), 'Trade amount');
  assert.equal(await selected('Fee'), 'Fee amount');
  assert.equal((await download(page)).text, want['binance_spot_plain.csv'], 'sheet "Plain": the plain CSV\'s assignments, byte for byte');
  // A CSV file named .xlsx is read by its content, with a note.
  await upload(page, join(tmp, 'really-csv.xlsx'), readFileSync(join(fixtures, 'binance_spot.csv')));
  assert.match(await notes(), /named \.xlsx but holds CSV text: it was read as CSV text, by its content/);
  assert.equal(await page.getByLabel('Sheet', { exact: true }).count(), 0, 'no Sheet select for a text file');
  assertPrivate(log);
  await context.close();
});

test('Parquet (Snappy with UTC milliseconds; gzip with local microseconds and a nested struct; zstd) gives its CSV file\'s assignments', async () => {
  const { page, log, context } = await openApp();
  const fixtures = join(root, 'tests/fixtures');
  await upload(page, join(fixtures, 'binance_spot_plain.csv'));
  const want = (await download(page)).text;
  const notes = async () => (await page.locator('details.mapping').innerText()) + (await page.locator('.data-notes').innerText());
  for (const [name, note] of [['binance_spot.parquet', /Read as Parquet: 1,500 rows in 3 row groups of 8 columns; SNAPPY/], ['binance_spot_local.parquet', /"timestamp" have no time zone in the file/], ['binance_spot_zstd.parquet', /; ZSTD compression/]]) {
    await upload(page, join(fixtures, name));
    assert.match(await notes(), note, name);
    assert.match(await page.locator('details.mapping').innerText(), /Parquet/);
    assert.equal((await download(page)).text, want, `${name}: the CSV's assignments, byte for byte`);
  }
  assertPrivate(log);
  await context.close();
});

test('JSON as exchange APIs return it (an array, one object per line, a wrapped array; numbers as strings) gives the CSV file\'s assignments', async () => {
  const { page, log, context } = await openApp();
  const csvText = readFileSync(join(root, 'public/sample_trades.csv'), 'utf8');
  const [head, ...rows] = lines(csvText);
  const keys = head.split(',');
  // Every value a string, as Binance's API writes numbers; a nested object for the fee, as some APIs do.
  const objects = rows.map((r) => {
    const v = r.split(',');
    const o = Object.fromEntries(keys.map((k, i) => [k, v[i]]));
    return o;
  });
  const files = [
    { name: 'sample.json', body: JSON.stringify(objects), note: /Read as JSON: 38,788 objects/ },
    { name: 'sample.ndjson', body: objects.map((o) => JSON.stringify(o)).join('\n') + '\n', note: /one object per line/ },
    { name: 'sample-wrapped.json', body: JSON.stringify({ retCode: 0, result: { list: objects } }), note: /from the array at "result\.list"/ },
  ];
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  const want = (await download(page)).text;
  for (const f of files) {
    await upload(page, join(tmp, f.name), f.body);
    assert.match(await page.locator('details.mapping').innerText(), /JSON/);
    assert.match(await page.locator('.data-notes').innerText() + await page.locator('details.mapping').innerText(), f.note, f.name);
    assert.equal((await download(page)).text, want, `${f.name}: the sample's assignments, byte for byte`);
  }
  assertPrivate(log);
  await context.close();
});

test('broken files give a clear alert, and the page keeps working', async () => {
  const { page, log, context } = await openApp();
  for (const b of BROKEN) {
    const path = join(tmp, b.name);
    if (b.size) closeSync(openSync(path, 'w')), truncateSync(path, b.size); // sparse: 2 GB on disk without writing it
    else writeFileSync(path, b.body);
    await page.getByLabel('Upload data').setInputFiles(path);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    const text = await alert.innerText();
    assert.match(text, b.alert, `${b.name}: ${text}`);
    assert.ok(text.startsWith(b.name), `${b.name}: the message names the file: ${text}`);
  }
  // Fewer accounts than k.
  const few = join(tmp, 'three-customers.csv');
  writeFileSync(few, 'customer_id,spend,visits\n1,10,2\n2,20,3\n3,35,1\n');
  await page.getByLabel('Segments (k)').fill('5');
  await page.getByLabel('Segments (k)').blur();
  await page.getByLabel('Upload data').setInputFiles(few);
  await page.getByRole('alert').filter({ hasText: 'Cannot make 5 segments from 3 accounts' }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Segments (k)').fill('');
  await page.getByLabel('Segments (k)').blur();
  // Missing, NaN and infinite cells are imputed and reported, not fatal.
  const messy = join(tmp, 'messy.csv');
  writeFileSync(messy, 'customer_id,spend,visits,age\n1,10,2,30\n2,,3,41\n3,NaN,1,inf\n4,40,null,25\n5,12,2,33\n6,90,9,60\n7,15,1,\n');
  await page.getByLabel('Upload data').setInputFiles(messy);
  await expectResult(page, 'messy');
  assert.match(await page.locator('.data-notes').innerText(), /spend: 2 accounts have no value/);
  // And the sample still works afterwards.
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample after errors');
  assert.equal(log.violations.length, 0, log.violations.join('\n'));
  assertPrivate(log);
  await context.close();
});

test('the sealed page: one file, every inline script allowed by its hash, the app in a sandboxed frame', async () => {
  const shell = readFileSync(join(dist, 'index.html'), 'utf8');
  assert.ok(readFileSync(join(dist, 'segscope-single-file.html')).equals(readFileSync(join(dist, 'index.html'))), 'the single file is the served page');
  const policyOf = (html) => /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)[1];
  const scriptsOf = (html) => [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[0].startsWith('<script type="application/json"') || m[0].startsWith('<script type="text/plain"') ? null : m[1]).filter((x) => x !== null);
  const app = JSON.parse(/<script type="application\/json" id="segscope-app">([\s\S]*?)<\/script>/.exec(shell)[1]);
  for (const [name, html] of [['shell', shell], ['app', app]]) {
    const csp = policyOf(html);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    assert.equal(directives['default-src'], "'none'", `${name}: default-src 'none'`);
    assert.equal(directives['frame-src'], "'none'", `${name}: frame-src 'none' (the shell's confines the frame's navigations)`);
    assert.equal(directives['connect-src'], undefined, `${name}: no connect-src at all`);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes("'unsafe-eval'"), `${name}: no unsafe-inline, no eval`);
    const scripts = scriptsOf(html);
    assert.ok(scripts.length >= 1);
    for (const body of scripts) {
      const hash = createHash('sha256').update(body).digest('base64');
      assert.ok(directives['script-src'].includes(`'sha256-${hash}'`), `${name}: every inline script is allowed by its hash`);
    }
  }
  assert.ok(!/<script[^>]*\bsrc=|<link[^>]*\bhref="(?!data:)/.test(shell + app), 'nothing is loaded from a file');
  assert.match(scriptsOf(app)[0], /RTC/, "the app's first script removes WebRTC");

  const { page, log, context } = await openApp();
  const tab = page.tab;
  assert.equal(await tab.locator('#segscope').getAttribute('sandbox'), 'allow-scripts allow-downloads', 'no popups, top navigation, forms or same-origin');
  assert.equal(page.frame().url(), 'about:srcdoc');
  assert.equal(await page.evaluate(() => [typeof RTCPeerConnection, typeof webkitRTCPeerConnection, typeof RTCDataChannel, typeof RTCIceCandidate].join()), 'undefined,undefined,undefined,undefined');
  assert.equal(await page.evaluate(() => origin), 'null', "the frame's origin is opaque: no storage, no same-origin access to the shell");
  assertPrivate(log);
  await context.close();
});

test('no exit after the lock: requests, navigation, popups, forms, pings, workers and WebRTC all fail to reach a local sink', async () => {
  // Every figure is printed as soon as it is known, so a failure's output says where it stood;
  // the finally block closes the sink and the control server, which would otherwise keep the run alive.
  const say = (line) => console.log(`# exits: ${line}`);
  const sink = await openSink();
  // Control: the same probes from a page with no policy and no frame reach the sink, so the sink and the probes work.
  const control = createHttpServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>control</title><body></body>'));
  const contexts = [];
  try {
    await new Promise((ok) => control.listen(0, '127.0.0.1', ok));
    const controlUrl = `http://127.0.0.1:${control.address().port}/`;
    const ctl = await browser.newContext({ acceptDownloads: true });
    contexts.push(ctl);
    const ctlPage = await ctl.newPage();
    await ctlPage.goto(controlUrl);
    const controlOutcomes = await ctlPage.evaluate(staticProbes, { sink: sink.url, udpPort: sink.udpPort, secret: 'CONTROL' });
    for (const nav of Object.values(NAVIGATIONS)) {
      const p = await ctl.newPage();
      await p.goto(controlUrl);
      await p.evaluate(nav, { sink: sink.url, secret: 'CONTROL' }).catch(() => {});
    }
    // On a slow machine popups, navigations and downloads take a while: wait for each
    // expected path (up to 20 s) rather than a fixed time.
    const expected = ['fetch', 'beacon', 'img', 'popup', 'form-post', 'ping', 'location-href', 'meta-refresh', 'download', 'form-get'];
    const pathsOf = (r) => new Set(r.requests.map((l) => /^\w+ \/([\w-]+)/.exec(l)?.[1]).filter(Boolean));
    const waited = Date.now();
    while (Date.now() - waited < 20_000 && !(expected.every((p) => pathsOf(sink.hits()).has(p)) && sink.hits().datagrams > 0)) {
      await new Promise((ok) => setTimeout(ok, 250));
    }
    await new Promise((ok) => setTimeout(ok, 500));
    const reached = sink.hits();
    const paths = pathsOf(reached);
    say(`control (no policy, no frame): ${paths.size} probe paths and ${reached.datagrams} WebRTC datagrams reached the sink within ${((Date.now() - waited) / 1000).toFixed(1)} s`);
    // The sink must work (plain requests reach it); a probe that cannot reach it even from an
    // unguarded page on this machine is named, so that its check below is known to prove nothing here.
    for (const p of ['fetch', 'img']) {
      assert.ok(paths.has(p), `control: ${p} reaches the sink from an unguarded page (reached: ${[...paths].join(', ')})`);
    }
    const unreached = expected.filter((p) => !paths.has(p));
    if (unreached.length) say(`WARNING control: ${unreached.join(', ')} did not reach the sink even from an unguarded page on this machine`);
    // WebRTC gathers candidates only on a machine with a network interface other than loopback:
    // where it has none, the control says so and the app's check rests on its constructors being gone.
    if (reached.datagrams === 0) {
      say(`control: WebRTC sent no datagram from an unguarded page on this machine (outcomes ${controlOutcomes.webrtc_turn}, ${controlOutcomes.webrtc_stun}): the WebRTC check below is the constructors' absence`);
    }
    await ctl.close();

    for (const how of ['served', 'single file']) {
      sink.reset();
      const context = await browser.newContext({ acceptDownloads: true });
      contexts.push(context);
      const tab = await context.newPage();
      const url = how === 'served' ? origin + '/' : pathToFileURL(join(dist, 'segscope-single-file.html')).href;
      const page = await gotoApp(tab, url);
      await page.getByRole('button', { name: 'Load sample' }).click();
      await expectResult(page, `exits, ${how}`);
      // The secret: an account id as the page shows it.
      const secret = (await page.getByRole('table', { name: 'Top anomalies' }).locator('tbody tr td').first().innerText()).trim();
      assert.match(secret, /^ACC\d+$/);
      // WebRTC: no constructor left in the app's document or in a frame it creates.
      const rtcLeft = await page.evaluate(() => {
        const f = document.createElement('iframe');
        document.body.append(f);
        const names = (w) => { try { return Object.getOwnPropertyNames(w).filter((k) => /^(webkit|moz)?RTC/.test(k) && w[k]); } catch { return []; } };
        const left = [...names(globalThis), ...names(f.contentWindow ?? {}).map((k) => `child frame: ${k}`)];
        f.remove();
        return left;
      });
      assert.deepEqual(rtcLeft, [], `${how}: WebRTC constructors left in the app`);
      const outcomes = await page.evaluate(staticProbes, { sink: sink.url, udpPort: sink.udpPort, secret });
      say(`${how}: probe outcomes ${JSON.stringify(outcomes)}`);
      for (const k of ['webrtc_turn', 'webrtc_stun', 'webrtc_from_child_frame']) {
        assert.match(outcomes[k], /^(threw|rejected)/, `${how}: ${k} could not even start (${outcomes[k]})`);
      }
      // A navigation the shell's frame-src refuses leaves the frame on the browser's error page
      // (the app is gone, nothing was sent): each one runs in a freshly loaded app.
      const framesAfter = {};
      for (const [name, nav] of Object.entries(NAVIGATIONS)) {
        if (page.frame().url().split('#')[0] !== 'about:srcdoc') await gotoApp(tab, url);
        await page.evaluate(nav, { sink: sink.url, secret }).catch(() => {});
        await tab.waitForTimeout(200);
        framesAfter[name] = page.frame().url().split('#')[0];
        assert.ok(['about:srcdoc', 'chrome-error://chromewebdata/'].includes(framesAfter[name]), `${how}: ${name} left the frame at ${framesAfter[name]}`);
      }
      say(`${how}: blocked navigations left the frame at ${JSON.stringify(framesAfter)}`);
      if (page.frame().url().split('#')[0] !== 'about:srcdoc') await gotoApp(tab, url);
      // Workers the app itself runs: their fetch and compile are refused by the inherited policy.
      for (const w of tab.workers()) {
        await w.evaluate(async ({ sink, secret }) => {
          await fetch(`${sink}/app-worker?data=${secret}`).catch(() => {});
          await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).catch(() => {});
        }, { sink: sink.url, secret }).catch(() => {}); // a worker that ended meanwhile sends nothing either
      }
      await tab.waitForTimeout(2_000);
      const got = sink.hits();
      say(`${how}: ${Object.keys(outcomes).length + Object.keys(NAVIGATIONS).length} probes; sink saw ${got.bytes} bytes over ${got.connections} TCP connections, ${got.datagrams} datagrams; requests ${JSON.stringify(got.requests)}`);
      assert.deepEqual(got.requests, [], `${how}: no request reached the sink`);
      assert.equal(got.bytes, 0, `${how}: no byte reached the sink`);
      assert.equal(got.datagrams, 0, `${how}: no WebRTC datagram reached the sink`);
      assert.equal(context.pages().length, 1, `${how}: no window was opened`);
      assert.equal(tab.url().split('#')[0], url.split('#')[0], `${how}: the tab did not navigate`);
    }
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    control.closeAllConnections?.();
    control.close();
    await sink.close();
  }
});

test('the locked policy blocks requests attempted from the page', async () => {
  const { page, log, context } = await openApp();
  const outcome = await page.evaluate(async (origin) => {
    const violations = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    const attempt = async (f) => {
      try {
        await f();
        return 'allowed';
      } catch {
        return 'blocked';
      }
    };
    const foreign = await attempt(() => fetch('https://example.com/leak?data=1'));
    const same = await attempt(() => fetch(`${origin}/index.html`));
    const image = await new Promise((r) => {
      const img = document.createElement('img');
      img.onload = () => r('allowed');
      img.onerror = () => r('blocked');
      img.src = 'https://example.com/pixel.png?data=1';
      document.body.append(img);
    });
    const socket = await new Promise((r) => {
      try {
        const ws = new WebSocket(`${origin.replace('http', 'ws')}/leak`);
        ws.onopen = () => r('allowed');
        ws.onerror = () => r('blocked');
      } catch {
        r('blocked');
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    return { foreign, same, image, socket, violations };
  }, origin);
  assert.equal(outcome.foreign, 'blocked');
  assert.equal(outcome.same, 'blocked', 'even same-origin requests are blocked after load');
  assert.equal(outcome.image, 'blocked', 'an <img> to another origin is blocked');
  assert.equal(outcome.socket, 'blocked', 'a WebSocket is blocked');
  assert.ok(outcome.violations.includes('img-src'), `img-src violation reported: ${outcome.violations}`);
  assert.ok(outcome.violations.includes('connect-src'), `connect-src violations reported: ${outcome.violations}`);
  assert.ok(outcome.violations.length >= 4, `violations reported: ${outcome.violations}`);
  assert.ok(log.blocked.includes('https://example.com/pixel.png?data=1'), `the image request was blocked by CSP: ${log.blocked}`);
  // The analysis worker (a blob: script) inherits the locked policy: no request, no new script.
  // WebAssembly may be compiled ('wasm-unsafe-eval', which Firefox needs to instantiate the
  // worker's module): bytes already in the page, and no exit for what the code computes.
  const [analysis] = page.workers();
  assert.ok(analysis, 'the analysis worker is running');
  const inWorker = await analysis.evaluate(async (origin) => {
    const violations = [];
    self.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
    const attempt = async (f) => f().then(() => 'allowed', () => 'blocked');
    const out = {
      fetch: await attempt(() => fetch('https://example.com/leak?from=worker')),
      same: await attempt(() => fetch(origin + '/index.html')),
      compile: await attempt(() => WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))),
      eval: await attempt(async () => new Function('return 1')()),
    };
    await new Promise((r) => setTimeout(r, 100));
    return { ...out, violations };
  }, origin);
  const { violations, ...attempts } = inWorker;
  assert.deepEqual(attempts, { fetch: 'blocked', same: 'blocked', compile: 'allowed', eval: 'blocked' }, 'the worker can neither fetch nor make script from text');
  // Blocked by the policy (reported as violations), not merely failing for want of a network:
  // both fetches (the foreign one breaks both policies) and the eval.
  assert.ok(violations.filter((v) => v === 'connect-src').length >= 2, `connect-src violations in the worker: ${violations}`);
  assert.ok(violations.includes('script-src'), `script-src violation in the worker: ${violations}`);
  await page.waitForTimeout(100);
  assert.ok(log.csp.length > 0, 'CSP reports reach the console log, so the check in the other tests can fail');
  assertPrivate(log, { expectCspReports: true });
  await context.close();
});

test('a crash in the analysis is contained: the page says so and works on without a reload', async () => {
  const { page, log, context } = await openApp();
  await page.evaluate(() => {
    window.__sameDocument = true; // gone if the page were reloaded
    location.hash = 'crash-test'; // test hook: the worker panics at the start of each job
  });
  await page.getByRole('button', { name: 'Load sample' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 30_000 });
  const text = await alert.innerText();
  assert.match(text, /^sample_trades\.csv: segscope hit an internal error while analysing this file/);
  assert.match(text, /crash test requested by the page/, 'the panic message is shown');
  assert.match(text, /the page still works/);
  await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 10_000 });
  await page.evaluate(() => history.replaceState(null, '', location.href.split('#')[0]));
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample after a crash');
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload happened');
  assert.equal(await page.getByRole('alert').count(), 0, 'the alert is cleared by the next run');
  // The page's own counter (updated every second) is not fooled by the new worker's blob: script.
  await page.waitForTimeout(1_100);
  assert.match(await page.locator('.requests').innerText(), /Requests since the app loaded: 0\./);
  assertPrivate(log);
  await context.close();
});

test('Cancel stops a running analysis at once, and the page stays usable', async () => {
  const { page, log, context } = await openApp();
  await page.getByLabel('Method').selectOption('gmm-full'); // seconds of work on the sample
  await page.getByRole('button', { name: 'Load sample' }).click();
  await page.getByRole('progressbar', { name: 'Scaling, clustering and PCA' }).waitFor({ timeout: 30_000 });
  const [analysis] = page.workers();
  assert.ok(analysis, 'the job runs in a worker');
  const closed = new Promise((ok) => analysis.on('close', ok));
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 5_000 });
  const gone = Date.now() - t0;
  await closed; // Playwright reports the terminated worker's end with some delay
  console.log(`# Cancel: progress bar gone ${gone} ms after the click, worker closed (as Playwright saw it) after ${Date.now() - t0} ms; GMM on the sample takes seconds`);
  assert.match(await page.getByRole('status').innerText(), /^Cancelled\./);
  // Longer than the cancelled run would have taken: its result must never appear.
  await page.waitForTimeout(6_000);
  assert.equal(await page.getByRole('table', { name: 'Segment summary' }).count(), 0, 'no stale result appears');
  // The page answers at once while nothing runs, and the next job starts a fresh worker.
  await page.getByLabel('Method').selectOption('kmeans');
  await expectResult(page, 'sample after Cancel');
  assertPrivate(log);
  await context.close();
});

test('after the first visit the app loads and works with the network off (service worker)', async () => {
  const srv = await serveDist(dist);
  const context = await browser.newContext({ acceptDownloads: true });
  const tab = await context.newPage();
  const page = await gotoApp(tab, srv.url);
  // The shell page (not the sandboxed frame, whose origin is opaque) owns the offline cache.
  await tab.locator('meta[data-segscope="shell-locked"]').waitFor({ state: 'attached', timeout: 30_000 });
  const cached = await tab.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const keys = await caches.keys();
    const files = keys.length ? (await (await caches.open(keys[0])).keys()).map((r) => new URL(r.url).pathname) : [];
    return { active: !!reg.active, keys, files };
  });
  assert.ok(cached.active, 'the service worker is active after the first visit');
  assert.equal(cached.keys.length, 1);
  assert.match(cached.keys[0], /^segscope-[0-9a-f]{16}$/, 'one cache, versioned by content hash');
  assert.deepEqual(cached.files, ['/'], 'the sealed page is the one file cached');
  // Network off, and the server gone too: nothing can come from anywhere but the cache.
  await context.setOffline(true);
  await srv.stop();
  await tab.reload();
  await tab.frameLocator('#segscope').locator('meta[data-segscope="locked"]').waitFor({ state: 'attached', timeout: 30_000 });
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'sample, offline');
  const csv = await download(page);
  assert.equal(lines(csv.text).length - 1, 3000, 'export works offline');
  await page.getByLabel('Segments (k)').fill(String(k === 3 ? 4 : 3));
  await page.getByLabel('Segments (k)').blur();
  await page.waitForFunction((n) => new RegExp(`in ${n} segments`).test(document.querySelector('.quality')?.textContent ?? ''), k === 3 ? 4 : 3);
  await context.close();
});

test('the single-file build works when opened from disk (file://), with no request at all', async () => {
  const file = join(dist, 'segscope-single-file.html');
  assert.ok(existsSync(file), `no ${file}: run trunk build --release (its post-build hook, scripts/seal.mjs, writes it)`);
  const context = await browser.newContext({ acceptDownloads: true });
  const tab = await context.newPage();
  const requests = [];
  const problems = [];
  tab.on('request', (r) => requests.push(r.url()));
  tab.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  tab.on('console', (m) => /Content.Security.Policy|analysis runs on the page/i.test(m.text()) && problems.push(m.text()));
  const page = await gotoApp(tab, pathToFileURL(file).href);
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'single file, sample');
  const csv = await download(page);
  assert.equal(lines(csv.text).length - 1, 3000);
  // `problems` would hold the page's warning had the analysis fallen back to its own thread.
  await page.getByLabel('Segments (k)').fill('4');
  await page.getByLabel('Segments (k)').blur();
  await page.waitForFunction(() => /in 4 segments/.test(document.querySelector('.quality')?.textContent ?? ''));
  assert.deepEqual(problems, []);
  assert.deepEqual(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('blob:') && !u.startsWith('data:')), [], 'no network request');
  assert.deepEqual(requests.filter((u) => u.startsWith('file://')), [pathToFileURL(file).href], 'only the file itself was read');
  await context.close();
});

/** Records in CSV text (RFC 4180: a newline inside quotes does not end a record). */
function csvRecords(text) {
  let n = 0;
  let quoted = false;
  for (const ch of text.endsWith('\n') ? text : text + '\n') {
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) n++;
  }
  return n;
}

/** A customer table of `n` rows as lines: id, spend, visits (a little spread so k-means has work). */
const customerLines = (n, id = (i) => `c${i}`) => Array.from({ length: n }, (_, i) => `${id(i)},${(i * 37) % 101 + 5},${(i % 6) + 1}`);

test('messy and hostile inputs: each is read or refused with a clear message, and the page works on', async () => {
  const { page, log, context } = await openApp();
  const wide = 10_000;
  const MESSY = [
    { name: 'bom.csv', body: '\ufeffcustomer_id,spend,visits\n' + customerLines(40).join('\n') + '\n', rows: 40, did: 'UTF-8 BOM stripped' },
    { name: 'crlf.csv', body: 'customer_id,spend,visits\r\n' + customerLines(40).join('\r\n') + '\r\n', rows: 40, did: 'CRLF line ends read' },
    { name: 'cr-only.csv', body: 'customer_id,spend,visits\r' + customerLines(40).join('\r') + '\r', rows: 40, did: 'CR-only line ends read' },
    {
      name: 'quoted.csv',
      body: 'customer_id,note,spend,visits\n' + customerLines(40).map((l, i) => {
        const [id, spend, visits] = l.split(',');
        return `${i === 0 ? '"Smith, J ""JJ"""' : i === 1 ? '"two\nlines"' : id},"a, ""quoted"" note ${i}",${spend},${visits}`;
      }).join('\n') + '\n',
      rows: 40,
      ids: ['"Smith, J ""JJ"""', '"two\nlines"'],
      did: 'delimiters, quotes and newlines inside quoted fields kept in the ids',
    },
    {
      name: 'thousands.csv',
      body: 'customer_id,spend,visits\n' + customerLines(40).map((l, i) => l.replace(/,(\d+),/, (_, v) => `,"1,${100 + Number(v)}.5",`)).join('\n') + '\n',
      rows: 40,
      note: /"spend" writes numbers as 1,234\.5 \(thousands commas\); read that way/,
      did: 'thousands separators read, with a note',
    },
    {
      name: 'missing-markers.csv',
      body: 'customer_id,spend,visits\n' + customerLines(40).map((l, i) => (i % 5 === 0 ? l.replace(/,\d+,/, `,${['NaN', 'null', '-', '', 'N/A', 'NaN', 'null', '-'][i / 5]},`) : l)).join('\n') + '\n',
      rows: 40,
      note: /spend: 8 accounts have no value/,
      did: 'NaN, null, -, empty and N/A read as missing, imputed and counted',
    },
    {
      name: 'ragged.csv',
      body: 'customer_id,spend,visits\n' + customerLines(40).map((l, i) => (i === 2 ? 'c2,1' : i === 5 ? 'c5,1,2,3' : l)).join('\n') + '\n',
      rows: 38,
      note: /2 rows with the wrong number of fields skipped \(rows 4, 7\)/,
      did: 'ragged rows skipped and listed by row number (default)',
    },
    {
      name: 'wide-customers.csv',
      body: 'customer_id,' + Array.from({ length: wide - 1 }, (_, j) => `m${j}`).join(',') + '\n' + Array.from({ length: 60 }, (_, i) => `c${i},` + Array.from({ length: wide - 1 }, (_, j) => (i * 7 + j * 13) % 97).join(',')).join('\n') + '\n',
      rows: 60,
      note: /9999 numeric columns found; only the first 200/,
      did: '10,000 columns: the first 200 numeric ones used, the rest named in a note',
    },
  ];
  const report = [];
  for (const m of MESSY) {
    const path = join(tmp, m.name);
    writeFileSync(path, m.body);
    const t0 = Date.now();
    await page.getByLabel('Upload data').setInputFiles(path);
    await page.waitForFunction((n) => document.querySelector('.timings')?.textContent?.startsWith(n), m.name, { timeout: 120_000 });
    await expectResult(page, m.name);
    const ms = Date.now() - t0;
    if (m.note) {
      const notes = (await page.locator('details.mapping').innerText()) + (await page.locator('.data-notes').innerText());
      assert.match(notes, m.note, m.name);
    }
    const l = lines((await download(page)).text);
    assert.equal(csvRecords(l.join('\n')) - 1, m.rows, `${m.name}: one export row per account`);
    for (const id of m.ids ?? []) assert.ok(l.join('\n').includes(`\n${id},`), `${m.name}: id ${id} kept exactly`);
    report.push(`${m.name} (${(Buffer.byteLength(m.body) / 1e6).toFixed(2)} MB): ${m.did}; ${m.rows} accounts segmented; ${ms} ms`);
  }
  // The same ragged file, rejected at the user's choice, then skipped again.
  await page.getByLabel('Upload data').setInputFiles(join(tmp, 'ragged.csv'));
  await page.waitForFunction(() => document.querySelector('.timings')?.textContent?.startsWith('ragged.csv'));
  await page.getByLabel('Rows with the wrong number of fields').selectOption('reject');
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.innerText(), /^ragged\.csv: Row 4 has 2 fields but the header has 3 \(and 1 more row differs: row 7\)\./);
  report.push('ragged.csv, "Reject" chosen: refused: "Row 4 has 2 fields but the header has 3 (and 1 more row differs: row 7) ..."');
  await page.getByLabel('Rows with the wrong number of fields').selectOption('skip');
  await expectResult(page, 'ragged, skipped again');
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample after the messy files');
  report.push('then: the sample loads and segments in the same page');
  for (const r of report) console.log(`# messy: ${r}`);
  assert.equal(log.violations.length, 0, log.violations.join('\n'));
  assertPrivate(log);
  await context.close();
});

test('what is shown is what is there; rows left out are said before the results; a stray quote can be read with quoting off', async () => {
  const { page, log, context } = await openApp();
  // Hidden characters and 20,000 characters, in ids and in column names (a column's name is
  // shown for sure: in the summary's header and the feature picker).
  const long = 'L'.repeat(20_000);
  const spoofIds = ['ACC\u202Egpj.exe', 'AC\u200BC1', long];
  const rows = [`customer_id,spend\u202Egnp,visits,${'W'.repeat(20_000)}`, ...customerLines(60).map((l, i) => `${l},${(i * 3) % 7}`)];
  spoofIds.forEach((id, i) => rows.push(`${id},${90_000 + i * 5_000},${50 + i},${i}`));
  const spoof = join(tmp, 'spoof.csv');
  writeFileSync(spoof, rows.join('\n') + '\n');
  await page.getByLabel('Upload data').setInputFiles(spoof);
  await expectResult(page, 'spoof');
  const shown = await page.evaluate(() => {
    const text = document.querySelector('.results')?.textContent ?? '';
    return {
      hidden: [...text].filter((c) => /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060\uFEFF]/.test(c)).length,
      escapes: [...document.querySelectorAll('.results span.ctl')].map((e) => e.textContent),
      wide: document.documentElement.scrollWidth - innerWidth,
      longest: Math.max(...[...document.querySelectorAll('.results bdi.file-text')].map((e) => e.textContent.length)),
    };
  });
  assert.equal(shown.hidden, 0, 'no bidi control or zero-width character is shown as itself');
  assert.ok(shown.escapes.includes('\\u202E'), `spelled out: ${[...new Set(shown.escapes)]}`);
  // The scatter's keyboard cursor announces each account: its id spelled out too.
  await page.getByRole('img', { name: 'PCA scatter plot' }).focus();
  const announced = [];
  for (let i = 1; i <= 63; i++) {
    await page.keyboard.press('n');
    announced.push(await page.waitForFunction((n) => {
      const t = document.querySelector('[aria-label="Plot announcements"]').textContent;
      return new RegExp(`: point ${n} of 63 in view\\.$`).test(t) && t;
    }, i).then((h) => h.jsonValue()));
  }
  assert.equal(announced.filter((t) => /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060\uFEFF]/.test(t)).length, 0, 'no hidden character announced as itself');
  assert.ok(announced.some((t) => t.startsWith('ACC\\u202Egpj.exe, ')), 'the spoofing id is announced spelled out');
  assert.ok(announced.every((t) => t.length < 250), 'the 20,000-character id is cut');
  assert.ok(shown.wide <= 0, `a 20,000-character id does not widen the page (${shown.wide} px too wide)`);
  assert.ok(shown.longest < 200, `long values are cut in view (${shown.longest} characters)`);
  const header = await page.getByRole('table', { name: 'Segment summary' }).locator('thead').innerText();
  assert.ok(header.includes('spend\\u202Egnp'), `the column name's override is spelled out: ${header.slice(0, 200)}`);
  await page.getByRole('table', { name: 'Segment summary' }).getByRole('button', { name: 'Show the whole text' }).first().click();
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)) <= 0, 'the whole value wraps instead of widening the page');
  const exported = (await download(page)).text;
  for (const id of spoofIds) assert.ok(exported.includes(`\n${id},`), 'the export keeps the exact characters');

  // More than 1 % of the rows left out: said above the results, with the reasons.
  const ragged = join(tmp, 'ragged-left-out.csv');
  writeFileSync(ragged, 'customer_id,spend,visits\n' + customerLines(40).map((l, i) => (i === 2 ? 'c2,1' : i === 5 ? 'c5,1,2,3' : l)).join('\n') + '\n');
  await page.getByLabel('Upload data').setInputFiles(ragged);
  await expectResult(page, 'ragged, left out');
  const leftOut = page.getByRole('status', { name: 'Rows left out' });
  assert.match(await leftOut.innerText(), /^2 of 40 rows \(5\.0 %\) were left out: 2 with the wrong number of fields \(from row 4\)/);
  const above = await page.evaluate(() => {
    const w = document.querySelector('[aria-label="Rows left out"]');
    const t = document.querySelector('table[aria-label="Segment summary"]');
    return !!(w.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(above, 'the warning comes before the results');

  // A quote that never closes stops the read; the page offers to read the file with quoting off.
  const quoteRows = ['account_id,timestamp,side,qty,price', ...Array.from({ length: 40 }, (_, i) => `A${i % 7},2026-01-0${1 + (i % 9)}T00:00:00Z,buy,1,10`),
    'A9,"2026-01-01T00:00:00Z,buy,1,10', ...Array.from({ length: 2000 }, (_, i) => `B${i},2026-01-02T00:00:00Z,sell,2,11`)];
  const quote = join(tmp, 'stray-quote.csv');
  writeFileSync(quote, quoteRows.join('\n') + '\n');
  await page.getByLabel('Upload data').setInputFiles(quote);
  await page.getByRole('alert').filter({ hasText: 'Row 42 opens a quoted field that does not close' }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Read with quoting off' }).click();
  await expectResult(page, 'stray quote, quoting off');
  assert.equal(await page.getByLabel('Quoting').inputValue(), 'off');
  assert.match(await page.locator('.data-notes').innerText(), /quoting off/i);
  const accounts = new Set(lines((await download(page)).text).slice(1).map((r) => r.split(',')[0]));
  assert.equal(accounts.size, 2_007, 'the 2,000 accounts after the stray quote are all there (7 before it)');
  assertPrivate(log);
  await context.close();
});

test('a header of 1,000,000 columns: the page stays responsive (no main-thread task of a second; the tasks printed) and the columns stay findable', async () => {
  const n = 1_000_000;
  const path = join(tmp, 'million-columns.csv');
  const header = ['id', ...Array.from({ length: n - 1 }, (_, j) => `c${j + 1}`)].join(',');
  const row = (r) => [`C${r}`, ...Array.from({ length: n - 1 }, (_, j) => (r * 7 + j) % 10)].join(',');
  writeFileSync(path, [header, row(1), row(2), row(3)].join('\n') + '\n');
  const { page, log, context } = await openApp();
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(Math.round(e.duration)))).observe({ type: 'longtask' });
  });
  const t0 = Date.now();
  await page.getByLabel('Upload data').setInputFiles(path);
  const find = page.getByLabel('Find a column');
  await find.waitFor({ timeout: 120_000 });
  await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 120_000 });
  const shownAfter = Date.now() - t0;
  const options = await page.getByLabel('Account id', { exact: true }).locator('option').count();
  assert.ok(options <= 52, `the Account id select holds ${options} options, not one per column`);
  await find.fill('c999999');
  await find.press('Enter');
  await page.getByRole('status').filter({ hasText: 'Column "c999999" added to every select.' }).waitFor({ timeout: 10_000 });
  const t1 = Date.now();
  await page.getByLabel('Account id', { exact: true }).selectOption({ label: 'c999999' });
  await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 120_000 });
  const long = await page.evaluate(() => window.__longTasks);
  console.log(`# 1M columns (${(statSync(path).size / 1e6).toFixed(1)} MB): mapping panel after ${shownAfter} ms, a new account column handled in ${Date.now() - t1} ms; main-thread long tasks: ${long.length ? long.join(', ') + ' ms' : 'none'}`);
  // A guard against a page that freezes for seconds, not a speed test: the tasks' lengths are
  // figures, printed above, and vary with the machine (171 ms at most on one, 280 ms on a slower one).
  assert.ok(long.every((d) => d < 1000), `no main-thread task of a second or more: ${long}`);
  assert.equal(await page.getByRole('alert').filter({ hasText: /capacity|internal error/ }).count(), 0);
  assertPrivate(log);
  await context.close();
});

test('the scatter: hover shows the account, wheel zooms, drag pans, reset restores', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  const canvas = page.getByRole('img', { name: 'PCA scatter plot' });
  const snapshot = () => canvasHash(page, 'PCA scatter plot');
  const renders = async () => /render (\d+) ms/.exec(await page.locator('.timings').innerText())[1];
  // A coloured pixel, in CSS pixels relative to the canvas.
  const spot = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) {
        const x = (i / 4) % c.width, y = Math.floor(i / 4 / c.width);
        const k = c.clientWidth / c.width;
        return { x: x * k, y: y * k };
      }
    }
    return null;
  });
  assert.ok(spot, 'a coloured point to hover');
  await canvas.hover({ position: spot });
  const tip = page.getByRole('tooltip', { name: 'Point details' });
  await tip.waitFor({ timeout: 5_000 });
  assert.match(await tip.innerText(), /^ACC\d{5} · segment \d+: [^\n]+\nPC1 -?\d+\.\d\d, PC2 -?\d+\.\d\d\n/, 'the hovered account, its segment and position');
  await page.mouse.move(1, 1);
  await tip.waitFor({ state: 'detached', timeout: 5_000 });

  const before = await snapshot();
  assert.equal(await page.getByRole('button', { name: 'Reset view' }).isDisabled(), true);
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  // Scrolling past the plot scrolls the page: the wheel zooms only once the plot has focus.
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(200);
  assert.equal(await snapshot(), before, 'the wheel does not zoom a plot without focus');
  await canvas.focus();
  await page.mouse.wheel(0, -300);
  const resetDisabled = () => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Reset view').disabled;
  await page.waitForFunction(`!(${resetDisabled})()`);
  const zoomed = await snapshot();
  assert.notEqual(zoomed, before, 'the wheel zoomed the plot');
  console.log(`# scatter redraw after zoom (3,000 points): ${await renders()} ms`);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 4 });
  await page.mouse.up();
  await canvasRedrawn(page, 'PCA scatter plot', zoomed);
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await page.getByRole('button', { name: 'Reset view' }).click();
  await page.waitForFunction(`(${resetDisabled})()`);
  assert.equal(await snapshot(), before, 'Reset view restores the full plot exactly');
  assertPrivate(log);
  await context.close();
});

test('the scatter by keyboard and screen reader: a text alternative with every segment, n and p step through the points with their details, zoom keys announce the view', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  const canvas = page.getByRole('img', { name: 'PCA scatter plot' });
  // The text alternative: the canvas's description names every segment of the legend with its size.
  const description = () => canvas.evaluate((c) => c.getAttribute('aria-describedby').split(' ')
    .map((id) => c.ownerDocument.getElementById(id).textContent).join(' '));
  const text = await description();
  assert.match(text, /^PCA scatter plot of 3000 accounts, PC1 \(\d+\.\d% of variance\) across, PC2 \(\d+\.\d%\) up\./);
  const entries = await page.getByRole('list', { name: 'Legend' }).getByRole('button').allInnerTexts();
  assert.ok(entries.length >= 2);
  for (const entry of entries) {
    const [, id, name, size] = /^(\d+) · (.+) \((\d+)\)$/.exec(entry.trim());
    assert.ok(text.includes(`Segment ${id} · ${name}: ${size} accounts (`), `segment ${id} in the description: ${text}`);
  }
  assert.match(text, /, centred at PC1 -?\d+\.\d\d, PC2 -?\d+\.\d\d\./);
  assert.match(text, /press n and p to step through the points/);

  // n: the leftmost point, its details shown and announced; n again: the next to the right; p: back.
  const status = page.getByRole('status', { name: 'Plot announcements' });
  const tip = page.getByRole('tooltip', { name: 'Point details' });
  await canvas.focus();
  await page.keyboard.press('n');
  await page.waitForFunction(() => /point 1 of 3000 in view/.test(document.querySelector('[aria-label="Plot announcements"]').textContent));
  const said = async () => /^(ACC\d{5}), (?:segment \d+ · .+|noise), PC1 (-?\d+\.\d\d), PC2 (-?\d+\.\d\d): point (\d+) of (\d+) in view\.$/.exec(await status.innerText());
  const first = await said();
  assert.ok(first, `announced: ${await status.innerText()}`);
  await tip.waitFor({ timeout: 5_000 });
  assert.ok((await tip.innerText()).startsWith(first[1]), 'the details are the announced account\'s');
  assert.equal(await page.locator('.point-ring').count(), 1, 'the point is ringed');
  // The ring sits on a drawn point: a coloured pixel at its centre.
  const ringPixel = await page.locator('.point-ring').evaluate((r) => {
    const c = r.parentElement.querySelector('canvas');
    const k = c.width / c.clientWidth;
    const x = Math.round((r.offsetLeft + r.offsetWidth / 2) * k), y = Math.round((r.offsetTop + r.offsetHeight / 2) * k);
    const d = c.getContext('2d').getImageData(x - 2, y - 2, 5, 5).data;
    let best = 0;
    for (let i = 0; i < d.length; i += 4) best = Math.max(best, Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]));
    return best;
  });
  assert.ok(ringPixel > 60, `a coloured point under the ring (chroma ${ringPixel})`);
  await page.keyboard.press('n');
  await page.waitForFunction(() => /point 2 of 3000/.test(document.querySelector('[aria-label="Plot announcements"]').textContent));
  const second = await said();
  assert.ok(Number(second[2]) >= Number(first[2]), 'left to right');
  assert.notEqual(second[1], first[1]);
  assert.ok((await tip.innerText()).startsWith(second[1]));
  await page.keyboard.press('p');
  await page.waitForFunction(() => /point 1 of 3000/.test(document.querySelector('[aria-label="Plot announcements"]').textContent));
  assert.equal((await said())[1], first[1], 'p steps back');
  // p from the first wraps to the rightmost.
  await page.keyboard.press('p');
  await page.waitForFunction(() => /point 3000 of 3000/.test(document.querySelector('[aria-label="Plot announcements"]').textContent));
  assert.ok(Number((await said())[2]) >= Number(second[2]));
  await page.keyboard.press('Escape');
  await tip.waitFor({ state: 'detached', timeout: 5_000 });
  assert.equal(await page.locator('.point-ring').count(), 0);

  // + zooms: the view's count is announced and the description says it; n now counts within the view.
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await page.waitForFunction(() => /^\d+ of 3000 accounts in view\.$/.test(document.querySelector('[aria-label="Plot announcements"]').textContent));
  const inView = Number(/^(\d+)/.exec(await status.innerText())[1]);
  assert.ok(inView > 0 && inView < 3000, `${inView} in view`);
  assert.ok((await description()).includes(`Zoomed: ${inView} of 3000 accounts in view, PC1 `));
  await page.keyboard.press('n');
  await page.waitForFunction((n) => new RegExp(`point 1 of ${n} in view`).test(document.querySelector('[aria-label="Plot announcements"]').textContent), inView);
  await page.keyboard.press('0');
  await page.waitForFunction(() => document.querySelector('[aria-label="Plot announcements"]').textContent === '3000 of 3000 accounts in view.');
  assert.ok(!(await description()).includes('Zoomed'));
  assertPrivate(log);
  await context.close();
});

test('explore the scatter: axes, colour by a feature, a highlighted segment, a box selection and its download, PNG at 2x and SVG', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'sample');
  const canvas = page.getByRole('img', { name: 'PCA scatter plot' });
  const snapshot = () => canvasHash(page, 'PCA scatter plot');
  const changed = (from) => canvasRedrawn(page, 'PCA scatter plot', from);
  const save = (button) => saveDownload(page, button);
  const first = await snapshot();

  // Axes: PC3 across; the tooltip and the title follow.
  const xAxis = page.getByRole('combobox', { name: 'X axis' });
  const options = await xAxis.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(options.length >= 3 && options[0] === 'pc1' && options[2] === 'pc3', `components offered: ${options}`);
  await xAxis.selectOption('pc3');
  await changed(first);
  // The choice lives in the address: a bookmark brings it back for the next file.
  const bookmarked = page.url();
  assert.match(bookmarked, /#.*&x=pc3&y=pc2/);
  const tab = await context.newPage();
  const again = await gotoApp(tab, bookmarked);
  await again.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(again, 'sample from a bookmarked address');
  assert.equal(await again.getByRole('combobox', { name: 'X axis' }).inputValue(), 'pc3');
  await tab.close();
  await xAxis.selectOption('pc1');
  await canvasRedrawn(page, 'PCA scatter plot', first, true);
  assert.doesNotMatch(page.url(), /x=pc/, 'the defaults leave the address');

  // Biplot arrows: drawn over the points, and gone again when unticked.
  const biplot = page.getByRole('checkbox', { name: 'Biplot arrows' });
  await biplot.check();
  await changed(first);
  await biplot.uncheck();
  await canvasRedrawn(page, 'PCA scatter plot', first, true);

  // Colour by a feature: a continuous scale and its legend; back to segments.
  const colourBy = page.getByRole('combobox', { name: 'Colour by' });
  await colourBy.selectOption('trade_count');
  await changed(first);
  assert.match((await page.getByLabel('Legend').textContent()).replace(/\s+/g, ' '), /trade_count: [\d.]+ ?[\d.]+ \(log scale/);
  await colourBy.selectOption('segment');
  assert.match(await page.getByLabel('Legend').innerText(), /1 · /);

  // A legend entry highlights its segment (pressed), and pressing it again clears it.
  const entry = page.getByLabel('Legend').getByRole('button').first();
  await entry.click();
  assert.equal(await entry.getAttribute('aria-pressed'), 'true');
  await changed(first);
  await entry.click();
  assert.equal(await entry.getAttribute('aria-pressed'), 'false');
  // The summary's Highlight segment N is the same highlight.
  const rowButton = page.getByRole('button', { name: 'Highlight segment 1' });
  await rowButton.click();
  assert.equal(await entry.getAttribute('aria-pressed'), 'true', 'the legend shows the highlight made in the summary');
  await rowButton.click();
  assert.equal(await rowButton.getAttribute('aria-pressed'), 'false');

  // Box selection by shift-drag over the middle of the plot.
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const [cx, cy] = [box.x + box.width * 0.55, box.y + box.height * 0.45];
  await page.keyboard.down('Shift');
  await page.mouse.move(cx - 120, cy - 90);
  await page.mouse.down();
  await page.mouse.move(cx + 120, cy + 90, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const table = page.getByRole('table', { name: 'Selected accounts' });
  await table.waitFor({ timeout: 5_000 });
  const [x0, x1, y0, y1] = (await page.locator('section.selection').getAttribute('data-box')).split(' ').map(Number);
  const heading = await page.locator('section.selection h3').innerText();
  const count = Number(/\((\d+)\)/.exec(heading)[1]);
  assert.ok(count > 20 && count < 3000, `${count} accounts in the box`);
  const rendered = await table.locator('tbody tr:not(.spacer)').count();
  assert.ok(rendered < Math.min(count, 40), `virtualised: ${rendered} of ${count} rows in the document`);

  // Download selection: exactly the accounts of the assignments whose pc1, pc2 lie in the box.
  const sel = await save('Download selection');
  assert.equal(sel.name, 'sample_trades-selection.csv');
  const selRows = lines(sel.text);
  assert.match(selRows[0], /^account_id,segment,segment_name,pc1,pc2,trade_count,/);
  const selected = new Set(selRows.slice(1).map((l) => csvFields(l)[0]));
  assert.equal(selected.size, count);
  const assign = lines((await download(page)).text);
  const head = csvFields(assign[0]);
  const [ip1, ip2] = [head.indexOf('pc1'), head.indexOf('pc2')];
  const inside = assign.slice(1).map(csvFields).filter((f) => {
    const [a, b] = [Number(f[ip1]), Number(f[ip2])];
    return a >= x0 && a <= x1 && b >= y0 && b <= y1;
  }).map((f) => f[0]);
  assert.deepEqual([...inside].sort(), [...selected].sort(), 'the selection is the accounts inside the box');

  // Search by id, and sort by a column.
  const someId = [...selected][0];
  await page.getByLabel('Search accounts').fill(someId.slice(-4));
  await page.waitForFunction(() => /match/.test(document.querySelector('section.selection [role=status]').textContent));
  const ids = await table.locator('tbody tr:not(.spacer) th').allInnerTexts();
  assert.ok(ids.length >= 1 && ids.every((id) => id.includes(someId.slice(-4))), `search: ${ids}`);
  await page.getByLabel('Search accounts').fill('');
  const sortButton = table.getByRole('button', { name: 'trade_count' });
  await sortButton.click();
  await sortButton.click();
  assert.equal(await sortButton.evaluate((b) => b.closest('th').getAttribute('aria-sort')), 'descending');
  const top = await table.locator('tbody tr:not(.spacer)').first().locator('td.num').first().innerText();
  const maxCount = Math.max(...selRows.slice(1).map((l) => Number(csvFields(l)[5])));
  assert.equal(Number(top.replace(/,/g, '')), maxCount, 'sorted by trade_count, highest first');

  // PNG at twice the canvas's size; SVG that parses, with one legend mark per segment.
  const png = await save('Download scatter PNG');
  assert.equal(png.name, 'sample_trades-scatter.png');
  const bytes = readFileSync(png.path);
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  const [cw, ch] = await canvas.evaluate((c) => [c.width, c.height]);
  assert.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [2 * cw, 2 * ch], 'the PNG is drawn at 2x');
  const svg = await save('Download scatter SVG');
  assert.equal(svg.name, 'sample_trades-scatter.svg');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      error: doc.querySelector('parsererror') !== null,
      marks: doc.querySelectorAll('g.legend rect.legend-mark').length,
      circles: doc.querySelectorAll('circle').length,
      legend: doc.querySelector('g.legend')?.textContent ?? '',
    };
  }, svg.text);
  assert.equal(parsed.error, false, 'the SVG parses');
  assert.equal(parsed.marks, k, 'one legend mark per segment');
  assert.equal(parsed.circles, 3000, 'every account is a point');
  const name1 = await page.getByLabel('Name of segment 1').inputValue();
  assert.ok(parsed.legend.includes(name1), `the legend names segment 1: ${parsed.legend}`);

  await page.getByRole('button', { name: 'Clear selection' }).click();
  await table.waitFor({ state: 'detached' });

  // By keyboard alone: zoom in with + on the focused plot, then Select accounts in view lists exactly the accounts in the view.
  await canvas.focus();
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await page.getByRole('button', { name: 'Select accounts in view' }).focus();
  await page.keyboard.press('Enter');
  await table.waitFor({ timeout: 5_000 });
  const [v0, v1, w0, w1] = (await page.locator('section.selection').getAttribute('data-box')).split(' ').map(Number);
  const inView = assign.slice(1).map(csvFields).filter((f) => {
    const [a, b] = [Number(f[ip1]), Number(f[ip2])];
    return a >= v0 && a <= v1 && b >= w0 && b <= w1;
  }).length;
  const viewCount = Number(/\((\d+)\)/.exec(await page.locator('section.selection h3').innerText())[1]);
  assert.ok(inView > 0 && inView < 3000, `${inView} accounts in the zoomed view`);
  assert.equal(viewCount, inView, 'the selection is the accounts in the view');
  await page.getByRole('button', { name: 'Clear selection' }).click();
  await table.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Reset view' }).click();

  // Navigation Views: each button brings its view into sight and gives it focus; Distributions opens its panel.
  const views = page.getByRole('navigation', { name: 'Views' });
  await views.getByRole('button', { name: 'Distributions' }).click();
  assert.equal(await page.locator('details.distributions').evaluate((d) => d.open && document.activeElement === d), true);
  await views.getByRole('button', { name: 'Risk' }).click();
  assert.equal(await page.locator('section.risk').evaluate((s) => document.activeElement === s), true);
  await views.getByRole('button', { name: 'Overview' }).click();
  assert.equal(await page.locator('.results .plot').evaluate((p) => document.activeElement === p && p.getBoundingClientRect().top < innerHeight), true);
  assertPrivate(log);
  await context.close();
});

test('distributions: box plots by segment for a chosen feature, on a log axis when heavy-tailed, with each segment\'s median and IQR next to all accounts\'', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'sample');
  await page.locator('details.distributions > summary').click();
  await page.getByRole('combobox', { name: 'Distribution of' }).selectOption({ label: 'trade_count' });
  const canvas = page.getByRole('img', { name: 'Distribution by segment' });
  await page.waitForFunction(() => {
    const c = document.querySelector('canvas[aria-label="Distribution by segment"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) n++;
    return n > 500;
  });
  assert.ok(await colouredPixels(canvas) > 500, 'the boxes are drawn in the segments\' colours');
  const table = page.getByRole('table', { name: 'Medians by segment' });
  const rows = await table.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, k + 1, 'one row per segment and one for all accounts');
  // All accounts' median of trade_count is numpy's median of the assignments' column.
  const assign = lines((await download(page)).text);
  const j = csvFields(assign[0]).indexOf('trade_count');
  const v = assign.slice(1).map((l) => Number(csvFields(l)[j])).sort((a, b) => a - b);
  const median = (v[1499] + v[1500]) / 2;
  const shown = /^All accounts\s+(\d+)\s+([\d.,]+) \(/.exec(rows[k]);
  assert.ok(shown, rows[k]);
  assert.equal(Number(shown[1]), 3000);
  // Shown to 3 significant digits (fmt_num).
  assert.ok(Math.abs(Number(shown[2]) - median) <= Math.max(0.005, 0.005 * median), `median ${shown[2]} shown, numpy gives ${median}`);
  assertPrivate(log);
  await context.close();
});

test('every chart downloads as a PNG at twice its size and as an SVG that parses; on a 2x screen the canvases have 2 device pixels per CSS pixel', async () => {
  // A screen of 2 device pixels per CSS pixel, for every frame (the app's sandboxed frame runs in a
  // process of its own, which the context's emulated scale factor does not reach).
  const hidpi = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--force-device-scale-factor=2'],
  });
  const { page, log, context } = await openApp({}, hidpi);
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'sample');
  // The scatter: 760 x 500 CSS pixels, twice as many canvas pixels; hover still finds accounts.
  const scatter = page.getByRole('img', { name: 'PCA scatter plot' });
  assert.equal(await page.evaluate(() => devicePixelRatio), 2);
  await page.waitForFunction(() => document.querySelector('canvas[aria-label="PCA scatter plot"]').width === 1520);
  assert.deepEqual(await scatter.evaluate((c) => [c.width, c.height, c.clientWidth]), [1520, 1000, 760]);
  const charts = [
    ['heatmap', 'Segment profile heatmap', null, 'heatmap'],
    ['k sweep', 'k sweep', null, 'k-sweep'],
    ['scree plot', 'Scree plot', 'details.scree', 'scree'],
    ['silhouette plot', 'Silhouette plot', 'details.silhouette', 'silhouette'],
    ['box plots', 'Distribution by segment', 'details.distributions', 'distribution-'],
  ];
  for (const [what, label, panel, stem] of charts) {
    if (panel) await page.locator(`${panel} > summary`).click();
    const canvas = page.getByRole('img', { name: label });
    // Drawn at the screen's density: twice the CSS width in canvas pixels.
    await page.waitForFunction((l) => {
      const c = document.querySelector(`canvas[aria-label="${l}"]`);
      return c.style.width !== '' && c.width === 2 * parseFloat(c.style.width);
    }, label);
    const [cssW, cw, ch] = await canvas.evaluate((c) => [parseFloat(c.style.width), c.width, c.height]);
    const png = await saveDownload(page, `Download ${what} PNG`);
    assert.ok(png.name.startsWith(`sample_trades-${stem}`) && png.name.endsWith('.png'), png.name);
    const bytes = readFileSync(png.path);
    assert.equal(bytes.subarray(1, 4).toString(), 'PNG', `${what}: a PNG`);
    assert.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [cw, ch], `${what}: the PNG is 2x the chart's CSS size`);
    assert.equal(cw, 2 * cssW);
    const svg = await saveDownload(page, `Download ${what} SVG`);
    assert.equal(svg.name, png.name.replace(/\.png$/, '.svg'));
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      const root = doc.documentElement;
      return { error: doc.querySelector('parsererror') !== null, width: Number(root.getAttribute('width')), texts: [...doc.querySelectorAll('text')].map((t) => t.textContent.trim()) };
    }, svg.text);
    assert.equal(parsed.error, false, `${what}: the SVG parses`);
    assert.match(svg.text, /<desc>Made with segscope[^<]*\nFile: sample_trades\.csv\n[^<]*SHA-256 of the file: /, `${what}: the run's record`);
    assert.equal(parsed.width, cssW, `${what}: the SVG is the chart's size`);
    if (what === 'heatmap') {
      const name1 = await page.getByLabel('Name of segment 1').inputValue();
      assert.ok(parsed.texts.some((t) => t.startsWith('1 ') && name1.startsWith(t.slice(2).replace(/…$/, ''))), `segment 1 named in the heatmap SVG: ${parsed.texts.slice(0, k)}`);
    }
  }
  // The heatmap's hover maps CSS pixels to cells at any density: the first cell is segment 1's.
  const heatmap = page.getByRole('img', { name: 'Segment profile heatmap' });
  await heatmap.hover({ position: { x: 190 + 17, y: 150 + 13 } });
  await page.waitForFunction(() => /^Segment 1 /.test(document.querySelector('details.heatmap p.hint').textContent));
  assertPrivate(log);
  await context.close();
  await hidpi.close();
});

test('a 390 px wide screen: with every panel open, nothing makes the page scroll sideways', async () => {
  const { page, log, context } = await openApp();
  await context.pages()[0].setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= width, `the page is ${scroll} px wide in a ${width} px frame`);
  assertPrivate(log);
  await context.close();
});

test('a million trades: segmented in the worker while the page stays responsive (long tasks printed)', async (t) => {
  const file = join(root, 'target/bench-data/trades_1m.csv');
  if (!existsSync(file)) {
    console.log(`# SKIP 1M trades: ${file} is absent (scripts/test.sh writes it with the bench_data example)`);
    t.skip('no 1M-trade file');
    return;
  }
  const { page, log, context } = await openApp();
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(Math.round(e.duration)))).observe({ type: 'longtask' });
  });
  const t0 = Date.now();
  await page.getByLabel('Upload data').setInputFiles(file);
  // An 83 MB file is streamed: features are computed as it is read, so one
  // stage counts bytes. While the worker reads, the page answers: its progress
  // bar advances and a click is handled.
  const bar = page.getByRole('progressbar', { name: 'Reading file and extracting features' });
  await bar.waitFor({ timeout: 30_000 });
  await page.getByLabel('Segments (k)').click();
  assert.equal(await bar.getAttribute('max'), String(statSync(file).size), 'a determinate bar over the bytes');
  const bytes = page.locator('.busy span').filter({ hasText: /^Reading and extracting features: [\d.]+ [kM]?B of 83\.4 MB$/ });
  await bytes.waitFor({ timeout: 60_000 });
  await expectResult(page, '1M trades');
  assert.match(await page.getByLabel('Timings').innerText(), / · features while reading · /);
  // Two workers read it, each one part.
  await page.getByText(/Read in two parts at once, by two workers/).waitFor({ state: 'attached' });
  assert.match(await page.getByText(/its columns were detected on its first 50,000 rows/).innerText(), /without keeping its rows in memory/);
  const wall = Date.now() - t0;
  const long = await page.evaluate(() => window.__longTasks);
  console.log(`# 1M trades (${(statSync(file).size / 1e6).toFixed(0)} MB): ${wall} ms from file choice to result; main-thread long tasks (> 50 ms): ${long.length ? long.join(', ') + ' ms' : 'none'}`);
  const quality = await page.locator('.quality').innerText();
  assert.match(quality, /^77,?344 accounts/, quality);

  // The worker kept this file's features, not its rows: a new k reuses the
  // features, a mapping change reads the file again.
  await page.evaluate(() => {
    window.__stages = new Set();
    new MutationObserver(() => document.querySelectorAll('progress').forEach((p) => window.__stages.add(p.getAttribute('aria-label'))))
      .observe(document.body, { childList: true, subtree: true });
  });
  const k = Number(/in (\d+) segments/.exec(quality)[1]) === 4 ? 5 : 4;
  const t1 = Date.now();
  await page.getByLabel('Segments (k)').fill(String(k));
  await page.getByLabel('Segments (k)').blur();
  await page.waitForFunction((k) => new RegExp(`in ${k} segments`).test(document.querySelector('.quality')?.textContent ?? ''), k, { timeout: 60_000 });
  await expectResult(page, '1M trades, new k');
  const seenK = await page.evaluate(() => [...window.__stages]);
  assert.ok(!seenK.includes('Reading file'), `a new k does not read the file again: ${seenK}`);
  assert.match(await page.getByLabel('Timings').innerText(), / · features reused · /, 'nor computes the features again');
  console.log(`# 1M trades, k = ${k}: ${Date.now() - t1} ms (features reused)`);
  await page.evaluate(() => window.__stages.clear());
  const t2 = Date.now();
  await page.getByLabel('Leverage', { exact: true }).selectOption({ label: '(not used)' });
  await page.waitForFunction(() => window.__stages.has('Reading file and extracting features'), null, { timeout: 60_000 });
  await expectResult(page, '1M trades, leverage not used');
  const seenMap = await page.evaluate(() => [...window.__stages]);
  assert.ok(seenMap.includes('Reading file and extracting features'), `a mapping change reads the file again: ${seenMap}`);
  assert.match(await page.locator('.quality').innerText(), /^77,?344 accounts/);
  console.log(`# 1M trades, leverage not used: ${Date.now() - t2} ms (file read again)`);
  assertPrivate(log);
  await context.close();
});

test('a million trades as Parquet: decoded row group by row group into the features, the CSV\'s accounts (worker memory printed)', async (t) => {
  const file = join(root, 'target/bench-data/trades_1m.parquet');
  if (!existsSync(file)) {
    console.log(`# SKIP 1M trades as Parquet: ${file} is absent (scripts/test.sh writes it with DuckDB)`);
    t.skip('no 1M-trade Parquet file');
    return;
  }
  const { page, log, context } = await openApp();
  const t0 = Date.now();
  await page.getByLabel('Upload data').setInputFiles(file);
  // Its rows are decoded after its bytes are read, and counted as they go into the features.
  await page.locator('.busy span').filter({ hasText: /^Extracting features: row [\d.]+k of 969\.9k$/ }).waitFor({ timeout: 60_000 });
  await expectResult(page, '1M trades as Parquet');
  const wall = Date.now() - t0;
  const timings = await page.getByLabel('Timings').innerText();
  assert.match(timings, / · features while reading · /, 'streamed, not read into a table first');
  assert.match(await page.getByText(/Read as Parquet: 969,873 rows in 8 row groups/).innerText(), /SNAPPY compression/);
  assert.match(await page.getByText(/its columns were detected on its first 50,000 rows/).innerText(), /without keeping its rows in memory/);
  assert.match(await page.locator('.quality').innerText(), /^77,?344 accounts/);
  const memory = Number(/worker memory ([\d.]+) MB/.exec(timings)[1]);
  console.log(`# 1M trades as Parquet (${(statSync(file).size / 1e6).toFixed(0)} MB): ${wall} ms from file choice to result; worker memory ${memory} MB`);
  assertPrivate(log);
  await context.close();
});

test('a million trades as gzip (23 MB stored, 83 MB unpacked): streamed by its unpacked size, the CSV\'s accounts (worker memory printed)', async (t) => {
  const file = join(root, 'target/bench-data/trades_1m.csv.gz');
  if (!existsSync(file)) {
    console.log(`# SKIP 1M trades as gzip: ${file} is absent (scripts/test.sh writes it)`);
    t.skip('no 1M-trade gzip file');
    return;
  }
  const { page, log, context } = await openApp();
  const t0 = Date.now();
  await page.getByLabel('Upload data').setInputFiles(file);
  await expectResult(page, '1M trades as gzip');
  const wall = Date.now() - t0;
  const timings = await page.getByLabel('Timings').innerText();
  assert.match(timings, / · features while reading · /, 'streamed, not read into a table first');
  assert.match(await page.getByText(/its columns were detected on its first 50,000 rows/).innerText(), /without keeping its rows in memory/);
  assert.match(await page.getByText(/gzip-compressed: 83\.4 MB unpacked from 22\.9 MB/).innerText(), /in this browser/);
  assert.match(await page.locator('.quality').innerText(), /^77,?344 accounts/);
  const memory = Number(/worker memory ([\d.]+) MB/.exec(timings)[1]);
  console.log(`# 1M trades as gzip (${(statSync(file).size / 1e6).toFixed(0)} MB): ${wall} ms from file choice to result; worker memory ${memory} MB`);
  assertPrivate(log);
  await context.close();
});

test('a saved model: download, reload the page, load it and the sample again: the same assignments; a file without its columns is refused', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'fit');
  const fitted = await download(page);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download model' }).click()]);
  assert.equal(dl.suggestedFilename(), 'sample_trades-model.json');
  const modelPath = join(tmp, `${Date.now()}-model.json`);
  await dl.saveAs(modelPath);
  const model = JSON.parse(readFileSync(modelPath, 'utf8'));
  assert.equal(model.format, 'segscope-model');
  assert.equal(model.clustering.method, 'k_means');
  assert.equal(model.segments.length, model.selection.k);
  // A fresh page: load the model first, then the sample.
  const again = await gotoApp(await context.newPage(), page.url());
  await again.getByLabel('Load model').setInputFiles(modelPath);
  await again.locator('p.model-state').filter({ hasText: 'fitted on sample_trades.csv' }).waitFor();
  await again.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(again, 'applied');
  assert.match(await again.locator('.quality').innerText(), /applied from a saved model/);
  // The model decides k, the method and the features: their controls are disabled meanwhile.
  assert.equal(await again.getByLabel('Segments (k)').isDisabled(), true);
  assert.equal(await again.getByLabel('Method').isDisabled(), true);
  const applied = await download(again);
  const segments = (t) => lines(t).map((l) => csvFields(l)[1]);
  assert.deepEqual(segments(applied.text), segments(fitted.text), 'every account in the same segment');
  assert.equal(applied.text, fitted.text, 'the whole export is the same');
  // The sample without its leverage and fee columns: the model names them.
  const cut = lines(readFileSync(join(root, 'public/sample_trades.csv'), 'utf8')).map((l) => { const f = l.split(','); return [...f.slice(0, 6), ...f.slice(8)].join(','); }).join('\n');
  const cutPath = join(tmp, 'no_leverage.csv');
  writeFileSync(cutPath, cut + '\n');
  await again.getByLabel('Upload data').setInputFiles(cutPath);
  await again.getByRole('alert').filter({ hasText: 'which this file lacks' }).waitFor();
  assert.match(await again.getByRole('alert').innerText(), /no_leverage\.csv: the model needs the columns "leverage" \(Leverage\), "fee" \(Fee\), which this file lacks/);
  // Clear model: the same file is segmented afresh.
  await again.getByRole('button', { name: 'Clear model' }).click();
  await expectResult(again, 'after Clear model');
  assert.match(await again.locator('p.model-state').innerText(), /^No model loaded/);
  assert.equal(await again.getByLabel('Segments (k)').isDisabled(), false);
  assertPrivate(log);
  await context.close();
});

test('Download SQL and PMML: the model as a DuckDB and a Spark script and as PMML, saved with the page\'s own assignments for tests/sql/check.py', async () => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  await expectResult(page, 'sample');
  // What scripts/test.sh then runs in DuckDB and Spark, against these very downloads.
  const dir = join(root, 'target/sql-cases/sample_trades-browser');
  mkdirSync(dir, { recursive: true });
  const saveSql = async (dialect) => {
    await page.getByLabel('SQL dialect').selectOption(dialect);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download SQL' }).click()]);
    assert.equal(dl.suggestedFilename(), `sample_trades-${dialect}.sql`);
    await dl.saveAs(join(dir, `${dialect}.sql`));
    return readFileSync(join(dir, `${dialect}.sql`), 'utf8');
  };
  const duck = await saveSql('duckdb');
  assert.match(duck, /^-- segscope .* scoring script \(duckdb\)/);
  // The committed example is what the page writes, up to the last bits of the PCA's loadings (the
  // eigen-solver's rounding differs between wasm and native code): numbers compared to 12 digits.
  const digits12 = (t) => t.replace(/-?\d+(\.\d+)?E-?\d+/g, (m) => Number(m).toPrecision(12));
  assert.equal(digits12(duck), digits12(readFileSync(join(root, 'docs/sample_trades-duckdb.sql'), 'utf8')), 'the committed example is what the page writes');
  assert.match(duck, /read_csv\('sample_trades\.csv'/, 'the script reads the file on screen by its name');
  assert.match(await saveSql('spark'), /USING csv\nOPTIONS \(path 'sample_trades\.csv'/);
  const [pm] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PMML' }).click()]);
  assert.equal(pm.suggestedFilename(), 'sample_trades-model.pmml');
  await pm.saveAs(join(dir, 'model.pmml'));
  assert.match(readFileSync(join(dir, 'model.pmml'), 'utf8'), /<ClusteringModel modelName="segscope" functionName="clustering" modelClass="centerBased" numberOfClusters="3">/);
  writeFileSync(join(dir, 'assignments.csv'), (await download(page)).text);
  writeFileSync(join(dir, 'sample_trades.csv'), readFileSync(join(root, 'public/sample_trades.csv')));
  assertPrivate(log);
  await context.close();
});

/** Saves what tests/sql/check.py and check_pmml.py compare, for the result on screen: both scripts,
 * the PMML (k-means), the page's assignments and the input, into target/sql-cases/<dir>. */
async function saveScoring(page, dir, input, stem, kmeans) {
  mkdirSync(dir, { recursive: true });
  for (const dialect of ['duckdb', 'spark']) {
    await page.getByLabel('SQL dialect').selectOption(dialect);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download SQL' }).click()]);
    assert.equal(dl.suggestedFilename(), `${stem}-${dialect}.sql`);
    await dl.saveAs(join(dir, `${dialect}.sql`));
  }
  if (kmeans) {
    const [pm] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PMML' }).click()]);
    await pm.saveAs(join(dir, 'model.pmml'));
  } else {
    await page.getByRole('button', { name: 'Download PMML' }).click();
    await page.getByRole('alert').filter({ hasText: 'PMML export covers k-means models only' }).waitFor();
  }
  writeFileSync(join(dir, 'assignments.csv'), (await download(page)).text);
  writeFileSync(join(dir, `${stem}.csv`), readFileSync(input));
}

for (const { file } of SHARED) {
  test(`Download SQL and PMML on ${file}, k-means and a mixture, for the engines' check`, async (t) => {
    const path = join(shared, file);
    if (!existsSync(path)) {
      t.skip(`${path} absent`);
      return;
    }
    const { page, log, context } = await openApp();
    await page.getByLabel('Upload data').setInputFiles(path);
    await expectResult(page, file);
    const stem = file.replace(/\.csv$/, '');
    await saveScoring(page, join(root, `target/sql-cases/${stem}-kmeans-browser`), path, stem, true);
    await page.getByLabel('Method', { exact: true }).selectOption('gmm-full');
    await page.locator('.quality').filter({ hasText: /mixture/i }).waitFor({ timeout: 120_000 });
    await expectResult(page, `${file}, mixture`);
    await saveScoring(page, join(root, `target/sql-cases/${stem}-gmm-browser`), path, stem, false);
    assertPrivate(log);
    await context.close();
  });
}

test('compare periods: the sample\'s next period shows its churn, new accounts and moves; a second draw holds', async (t) => {
  const { page, log, context } = await openApp();
  await page.getByRole('button', { name: 'Load sample' }).click();
  const k = await expectResult(page, 'first period');
  assert.equal(k, 3);
  const compare = page.getByRole('region', { name: 'Compare periods' });
  await compare.getByRole('button', { name: 'Score the sample\'s next period' }).click();
  const migration = compare.getByRole('table', { name: 'Segment migration' });
  await migration.waitFor({ timeout: 60_000 });
  // Each segment under its number and the name in force.
  const names = [];
  for (let s = 1; s <= k; s++) names.push(await page.getByLabel(`Name of segment ${s}`).inputValue());
  const header = await migration.locator('thead th').allInnerTexts();
  assert.deepEqual(header, ['From \\ to', ...names.map((n, i) => `Segment ${i + 1} · ${n}`), 'Churned']);
  const number = (t) => t.replace(/ · .*$/, '');
  const rows = await migration.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())))
    .then((rs) => rs.map(([first, ...rest]) => [first.replace(/ · .*$/, ''), ...rest]));
  // The same matrix as tests/periods.rs computes natively: 100 churned (every 30th account),
  // 120 new, and the 60 spot holders who became whales moved from segment 1 to segment 3.
  assert.deepEqual(rows, [
    ['Segment 1', '1076', '78', '60', '55'],
    ['Segment 2', '166', '1012', '0', '32'],
    ['Segment 3', '0', '0', '508', '13'],
    ['New', '45', '45', '30', '0'],
  ]);
  assert.match(await compare.locator('p.verdict').innerText(), /^Segments still hold/);
  assert.equal(await compare.getByRole('table', { name: 'Feature drift' }).locator('tbody tr').count(), 20);
  await compare.getByRole('img', { name: 'Segment migration flows' }).waitFor();
  // Every label of the Sankey lies inside it (long names are cut, their whole text in a tooltip).
  const outside = await compare.locator('svg.sankey').evaluate((svg) => {
    const v = svg.viewBox.baseVal;
    return [...svg.querySelectorAll(':scope > text')].map((t) => ({ b: t.getBBox(), text: t.firstChild.textContent, title: t.querySelector('title')?.textContent ?? '' }))
      .filter(({ b }) => b.x < v.x || b.x + b.width > v.x + v.width).map(({ text }) => text);
  });
  assert.deepEqual(outside, [], 'no Sankey label runs off the plot');
  const titles = await compare.locator('svg.sankey > text title').allTextContents();
  assert.ok(titles.includes(`Segment 1 · ${names[0]}`), `the whole name of segment 1 in its tooltip: ${titles}`);
  const save = (name) => saveDownload(page, name, compare);
  const next = await save('Download next-period assignments');
  assert.equal(next.name, 'sample_trades_next_period-segments.csv');
  const nl = lines(next.text);
  assert.match(nl[0], /^account_id,segment_before,segment,pc1,/);
  assert.equal(nl.length - 1, 3000 - 100 + 120, 'one row per account of the next period');
  assert.equal(nl.filter((l) => csvFields(l)[1] === '').length, 120, 'new accounts have no segment before');
  const migrationCsv = lines((await save('Download migration')).text);
  assert.equal(number(csvFields(migrationCsv[0])[1]), 'Segment 1');
  assert.equal(csvFields(migrationCsv[1])[0], `Segment 1 · ${names[0]}`, 'the migration CSV names each segment');
  assert.equal(migrationCsv[4], 'New,45,45,30,0');
  assert.match(lines((await save('Download drift')).text)[0], /^feature,psi,level,ks,/);
  // A second draw of the same population: no PSI above 0.1, the segments hold.
  const second = join(root, 'target/bench-data/sample_second_draw.csv');
  if (!existsSync(second)) {
    console.log(`# SKIP second draw: ${second} is absent (scripts/test.sh writes it)`);
  } else {
    await compare.getByLabel('Upload next period').setInputFiles(second);
    await compare.getByText('Next period: sample_second_draw.csv').waitFor({ timeout: 60_000 });
    const psi = (await compare.getByRole('table', { name: 'Feature drift' }).locator('tbody tr td:nth-child(2)').allInnerTexts()).map(Number);
    assert.equal(psi.length, 20);
    assert.ok(Math.max(...psi) < 0.1, `largest PSI ${Math.max(...psi)}`);
    assert.match(await compare.locator('p.verdict').innerText(), /^Segments still hold/);
    assert.equal(await migration.locator('tbody tr:last-child').innerText().then((t) => t.split(/\s+/).slice(1).map(Number).reduce((a, b) => a + b)), 0, 'nobody is new');
  }
  // Refit on the next period: it becomes the file on screen, its segments matched to this period's.
  await compare.getByRole('button', { name: 'Refit on next period' }).click();
  const matching = compare.getByRole('table', { name: 'Segment matching' });
  await matching.waitFor({ timeout: 60_000 });
  await expectResult(page, 'refit');
  const fates = await matching.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual(fates.slice(0, 3).map((r) => r[0]), names.map((n, i) => `Segment ${i + 1} · ${n}`), 'each previous segment by number and name');
  for (const [, fate] of fates) assert.match(fate, /^(survived as Segment \d|split into Segment|merged into Segment \d|disappeared|Segment \d+ emerged)/);
  // A second draw of the same population keeps every segment, under its number.
  if (existsSync(second)) assert.deepEqual(fates.map((r) => r[1]), ['survived as Segment 1', 'survived as Segment 2', 'survived as Segment 3']);
  assertPrivate(log);
  await context.close();
});

test('the k-means kernel on SIMD128 lanes gives the scalar fallback\'s bits in Chromium', async (t) => {
  if (!existsSync(KERNELS_WASM)) {
    console.log(`# SKIP kernel check: ${KERNELS_WASM} is absent (scripts/test.sh builds it)`);
    t.skip('no kernel module');
    return;
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  // Odd sizes leave a padded last block; k = 1, 3, 6 and 9 use every centre grouping (4, 2, 1).
  const cases = [{ n: 10_003, d: 12, k: 6, iters: 3 }, { n: 1_001, d: 5, k: 3, iters: 3 }, { n: 2_050, d: 17, k: 9, iters: 3 }, { n: 7, d: 2, k: 1, iters: 2 }];
  for (const r of await runKernels(page, cases, 1)) {
    assert.equal(r.simd128, 1, 'the module was built with SIMD128');
    assert.equal(r.mismatches, 0, `n ${r.n} d ${r.d} k ${r.k}: labels, distances, sums and counts agree bit for bit`);
    assert.equal(r.simd.inertia, r.scalar.inertia, `n ${r.n}: the same Lloyd run on both`);
    assert.ok(Number.isFinite(r.simd.inertia) && r.simd.inertia > 0, `n ${r.n}: inertia ${r.simd.inertia}`);
  }
  await context.close();
});
