// Shared by the e2e tests and the browser benchmark: serve a built dist/ on
// loopback, and the flags headless Chromium needs here (as root, no network;
// see ../shared/TOOLCHAIN.md).
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.csv': 'text/csv', '.png': 'image/png' };

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** Serves `dist` on a port of its own on 127.0.0.1; `stop()` closes it and every open connection. */
export async function serveDist(dist) {
  const s = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = resolve(dist, '.' + (path === '/' ? '/index.html' : path));
    if (!file.startsWith(dist) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  const sockets = new Set();
  s.on('connection', (c) => sockets.add(c).size && c.on('close', () => sockets.delete(c)));
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const stop = () => new Promise((ok) => { for (const c of sockets) c.destroy(); s.close(ok); });
  return { url: `http://127.0.0.1:${s.address().port}/`, stop };
}

// What a test asks of the browser tab rather than of the app's document.
const TAB = new Set(['waitForEvent', 'workers', 'context', 'reload', 'goto', 'url', 'on', 'once', 'off', 'keyboard', 'mouse',
  'setViewportSize', 'viewportSize', 'screenshot', 'close', 'bringToFront', 'frames', 'mainFrame', 'addInitScript', 'isClosed']);

/**
 * The app as a test sees it. The sealed page (scripts/seal.mjs) shows the app in a
 * sandboxed frame of a shell page: locators, evaluate and waits go to that frame
 * (found anew at each use, so a reload is followed), everything about the tab
 * (downloads, workers, mouse, keyboard, the address) to the page.
 */
export function appOf(page) {
  const frame = () => {
    const f = page.mainFrame().childFrames()[0];
    if (!f) throw new Error('the shell page shows no app frame (yet)');
    return f;
  };
  return new Proxy({}, {
    get(_, key) {
      if (key === 'tab') return page;
      if (key === 'frame') return frame;
      const target = TAB.has(key) ? page : frame();
      const v = target[key];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Opens `url` in `page` and waits until the app in its frame has locked its policy; returns the app (see appOf). */
export async function gotoApp(page, url, timeout = 30_000) {
  await page.goto(url);
  await page.frameLocator('#segscope').locator('meta[data-segscope="locked"]').waitFor({ state: 'attached', timeout });
  return appOf(page);
}
