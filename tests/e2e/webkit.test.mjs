// End-to-end tests in WebKit (Safari's engine): Debian's WebKitGTK MiniBrowser,
// driven by WebKitWebDriver (package webkit2gtk-driver) over classic
// WebDriver, in a virtual display (xvfb-run: MiniBrowser has no headless
// mode). The client is a few plain WebDriver HTTP calls with node's fetch.
// Skipped, with a line, where WebKitWebDriver or xvfb-run is not installed
// (scripts/setup.sh installs both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist } from './serve.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DRIVER = '/usr/bin/WebKitWebDriver';
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const missing = [DRIVER, '/usr/bin/xvfb-run', MINIBROWSER].filter((p) => !existsSync(p));
const skip = missing.length ? `not installed: ${missing.join(', ')}` : false;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

let server, driver, base, session;
// MiniBrowser saves downloads into the home folder (GLib's download folder when
// no user-dirs.dirs names one): the driver runs with a fresh one, where the test looks.
const home = mkdtempSync(join(tmpdir(), 'segscope-webkit-home-'));

/** One WebDriver command; throws with the driver's message on an error. */
async function wd(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
  return json.value;
}
const cmd = (method, path, body) => wd(method, `/session/${session}${path}`, body);
/**
 * Runs `script` in the app's frame. The app writes its settings into the
 * shell's address (a same-document navigation), after which WebKitWebDriver
 * has lost the frame ("no such window"): it is then entered again.
 */
async function run(script, ...args) {
  try {
    return await cmd('POST', '/execute/sync', { script, args });
  } catch (e) {
    if (!/no such window|no such frame/.test(e.message)) throw e;
    await cmd('POST', '/frame/parent', {});
    await cmd('POST', '/frame', { id: 0 });
    return cmd('POST', '/execute/sync', { script, args });
  }
}
const ref = (v) => v[ELEMENT];
/** Enters the app's frame again from the top (the driver can be left in the shell, or in a frame document that was replaced). */
async function reenter() {
  await cmd('POST', '/frame', { id: null }).catch(() => {});
  await cmd('POST', '/frame', { id: 0 }).catch(() => {});
}
/** Finds an element in the app's frame, entering the frame again once if the driver is not in it. */
async function element(using, value) {
  try {
    return ref(await cmd('POST', '/element', { using, value }));
  } catch (e) {
    if (!/no such (element|window|frame)/.test(e.message)) throw e;
    await reenter();
    return ref(await cmd('POST', '/element', { using, value }));
  }
}
const find = (css) => element('css selector', css);

/** Waits until `script` returns a truthy value in the app's frame; returns it. */
async function until(script, what, timeout = 60_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await run(script).catch(() => null);
    if (v) return v;
    if (Date.now() > end) {
      const page = await run('return document.body.innerText.slice(0, 1500)').catch((e) => String(e));
      throw new Error(`timed out waiting for ${what}; the page says: ${page}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens the app and switches to its frame, once it has locked its policy. */
async function openApp() {
  await cmd('POST', '/url', { url: server.url });
  await until('return !!document.querySelector("iframe#segscope")', 'the shell page');
  // The shell shows the app in its only frame (WebKitWebDriver takes the frame by index, not by element).
  // The frame's first document can be replaced by the app's while the driver is in it: enter it again
  // from the top on each try, until the app has locked its policy.
  const end = Date.now() + 60_000;
  for (;;) {
    await reenter();
    const locked = await cmd('POST', '/execute/sync', { script: 'return !!document.querySelector(\'meta[data-segscope="locked"]\')', args: [] }).catch(() => false);
    if (locked) return;
    if (Date.now() > end) {
      await cmd('POST', '/frame', { id: null }).catch(() => {});
      const shell = await cmd('POST', '/execute/sync', { script: 'return location.href + " " + document.readyState + " frames=" + frames.length + " " + document.body.innerText.slice(0, 300)', args: [] }).catch((e) => String(e));
      throw new Error(`timed out waiting for the app to lock its policy; the shell: ${shell}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The result on screen once no job runs: summary rows, k, the scatter's coloured pixels, the mapping text. */
const RESULT = `
  if (document.querySelector('[role="progressbar"]')) return null;
  const t = document.querySelector('table[aria-label="Segment summary"] tbody');
  const q = /in (\\d+) segments/.exec(document.querySelector('.quality')?.textContent ?? '');
  if (!t || !q) return null;
  const c = document.querySelector('canvas[aria-label="PCA scatter plot"]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let coloured = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) coloured++;
  return { rows: t.querySelectorAll('tr').length, k: Number(q[1]), summary: t.innerText, coloured,
           timings: document.querySelector('.timings')?.textContent ?? '', mapping: document.querySelector('details.mapping')?.textContent ?? '' };`;

before(async () => {
  if (skip) return;
  server = await serveDist(resolve(root, 'dist'));
  const port = 4400 + Math.floor(Math.random() * 500);
  driver = spawn('xvfb-run', ['-a', DRIVER, `--port=${port}`], { detached: true, stdio: 'ignore', env: { ...process.env, HOME: home } });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/status`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const s = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
  });
  session = s.sessionId;
  console.log(`# WebKit: ${s.capabilities.browserName} ${s.capabilities.browserVersion}`);
});

after(async () => {
  if (session) await cmd('DELETE', '').catch(() => {});
  if (driver) try { process.kill(-driver.pid); } catch {}
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('WebKit: Load sample (the scatter drawn, the assignments downloaded), then a CSV and its Excel workbook give the same segments', { skip }, async () => {
  await openApp();
  const started = Date.now();
  const load = await element('xpath', "//button[normalize-space()='Load sample']");
  await cmd('POST', `/element/${load}/click`, {});
  const sample = await until(`${RESULT}`, 'the sample\'s result');
  console.log(`# WebKit: Load sample to the summary in ${((Date.now() - started) / 1000).toFixed(1)} s; ${sample.timings}`);
  assert.equal(sample.rows, sample.k, 'one summary row per segment');
  assert.ok(sample.coloured > 20, `the scatter has coloured pixels (${sample.coloured})`);
  assert.ok(!/on the page's thread|no analysis worker/i.test(sample.timings), 'the job ran in the worker');
  // Download assignments: the file WebKit saves has a header and one row per account.
  const download = await element('xpath', "//button[normalize-space()='Download assignments']");
  await cmd('POST', `/element/${download}/click`, {});
  const saved = join(home, `sample_trades-kmeans-k${sample.k}-segments.csv`);
  for (let i = 0; i < 200 && !(existsSync(saved) && readFileSync(saved, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(saved), `WebKit saved ${saved}: ${readdirSync(home)}`);
  const lines = readFileSync(saved, 'utf8').trimEnd().split('\n');
  assert.match(lines[0], /^account_id,segment,pc1,pc2,/);
  assert.equal(lines.length - 1, 3000, 'one row per account');
  const input = await find('input[aria-label="Upload data"]');
  const summaryOf = async (file) => {
    await cmd('POST', `/element/${input}/value`, { text: resolve(root, 'tests/fixtures', file) });
    return until(`const r = (() => {${RESULT}})(); return r && r.timings.startsWith(${JSON.stringify(file)}) ? r : null;`, file);
  };
  const csv = await summaryOf('binance_spot.csv');
  const xlsx = await summaryOf('binance_spot.xlsx');
  assert.match(xlsx.mapping, /sheet "Trades" of a workbook/);
  assert.ok(csv.summary.length > 50, 'a summary was drawn');
  assert.equal(xlsx.summary, csv.summary, 'the same segment summary, cell for cell');
});

test('WebKit: after load, a request the page tries reaches no server', { skip }, async () => {
  let hits = 0;
  const probe = createServer((req, res) => {
    hits++;
    res.end('x');
  });
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${probe.address().port}/leak`;
  await openApp();
  const outcome = await cmd('POST', '/execute/async', {
    script: `const done = arguments[arguments.length - 1];
      const img = new Image(); img.src = arguments[0] + '?img';
      fetch(arguments[0] + '?fetch').then(() => done('fetched'), () => done('blocked'));`,
    args: [url],
  });
  await new Promise((r) => setTimeout(r, 500));
  probe.close();
  assert.equal(outcome, 'blocked');
  assert.equal(hits, 0, 'the probe server saw no request');
});

test('WebKit: a crash in the analysis worker is contained: the page says so and works on', { skip }, async () => {
  await openApp();
  const loadSample = async () => {
    const load = await element('xpath', "//button[normalize-space()='Load sample']");
    await cmd('POST', `/element/${load}/click`, {});
  };
  // Test hook: the worker panics at the start of each job.
  await run('window.__sameDocument = true; location.hash = "crash-test";');
  await loadSample();
  const alert = await until('const a = document.querySelector(\'[role="alert"]\'); return a && !document.querySelector(\'[role="progressbar"]\') ? a.innerText : null;', 'the alert');
  assert.match(alert, /^sample_trades\.csv: segscope hit an internal error while analysing this file/);
  assert.match(alert, /the page still works/);
  await run('history.replaceState(null, "", location.href.split("#")[0]);');
  await loadSample();
  const r = await until(`${RESULT}`, 'the sample after a crash');
  assert.equal(r.rows, r.k);
  assert.equal(await run('return window.__sameDocument === true'), true, 'no reload happened');
  assert.equal(await run('return document.querySelectorAll(\'[role="alert"]\').length'), 0, 'the alert is cleared by the next run');
});
