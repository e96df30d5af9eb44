// Trunk post-build hook: seals the app. Trunk's index.html (which loads a JS glue
// and a wasm file) becomes one self-contained HTML file in two layers:
//
//   the shell   index.html (and the same bytes as segscope-single-file.html, for
//               air-gapped machines: e-mail it, open it from disk). Its policy
//               (a <meta> CSP) has frame-src 'none' and no connect-src. It holds
//               the app document as JSON text, shows it in a sandboxed frame
//               (srcdoc, sandbox="allow-scripts allow-downloads"), registers the
//               offline cache where it can (http/https), then locks its own policy.
//   the app     the frame's document: css, glue and wasm inlined (scripts allowed
//               only by their SHA-256 hashes), plus a first script that removes
//               the WebRTC constructors before any other script runs.
//
// Why two layers: a page's CSP does not govern where the page itself navigates
// or what windows it opens, nor WebRTC. A frame sandboxed without allow-popups,
// allow-top-navigation, allow-forms and allow-same-origin cannot open windows,
// navigate the shell, submit forms or reach the shell's DOM; every navigation
// of the frame itself is checked against the shell's frame-src 'none'; its
// origin is opaque, so it has no storage, cookies or service worker of its own.
// README "Privacy" says what is closed, by what, and what remains.
//
//   node scripts/seal.mjs [DIR]   (DIR defaults to $TRUNK_STAGING_DIR)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('seal: no TRUNK_STAGING_DIR and no directory argument');
  process.exit(1);
}
const fail = (msg) => {
  console.error(`seal: ${msg}`);
  process.exit(1);
};
const html = readFileSync(join(dir, 'index.html'), 'utf8');
if (html.includes('id="segscope-app"')) fail(`${dir}/index.html is sealed already`);
const href = (re, what) => re.exec(html)?.[1] ?? fail(`no ${what} link in ${dir}/index.html`);
const jsFile = href(/<link rel="modulepreload" href="\.\/([^"]+\.js)"/, 'modulepreload (JS glue)');
const wasmFile = href(/<link rel="preload" href="\.\/([^"]+\.wasm)"/, 'wasm preload');
const cssFile = href(/<link rel="stylesheet" href="\.\/([^"]+\.css)"/, 'stylesheet');

const glue = readFileSync(join(dir, jsFile), 'utf8');
if (!/__wbg_init as default/.test(glue)) fail('the glue has no default __wbg_init export');
if (/^\s*import\s/m.test(glue)) fail('the glue imports other files (snippets); inline them first');
const wasm = readFileSync(join(dir, wasmFile));
const css = readFileSync(join(dir, cssFile), 'utf8');
for (const [name, text] of [['glue', glue], ['css', css]]) {
  if (/<\/(script|style)|<!--/i.test(text)) fail(`the ${name} contains a closing tag or <!--`);
}

// The app document's first script. No policy governs WebRTC (CSP's `webrtc`
// directive is not implemented by Chromium 156), so its constructors go before
// any other script can run. A frame the app (or an intruder) creates gets an
// opaque origin of its own under the sandbox, so no fresh copy can be fetched
// from a child frame; windows cannot be opened; workers have no RTCPeerConnection.
const guard = `for (const name of Object.getOwnPropertyNames(globalThis)) {
  if (/^(webkit|moz)?RTC/.test(name)) try { delete globalThis[name]; } catch { globalThis[name] = undefined; }
}
`;
// No top-level await: the app turns this text into a classic worker script (see src/ui/worker/bootstrap.rs).
const boot = `${glue}
;if (typeof document !== 'undefined') {
  const b64 = document.getElementById('segscope-wasm').textContent;
  __wbg_init({ module_or_path: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) });
}
`;
const sha = (t) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
// CSP Level 3's `webrtc 'block'` is left out: Chromium 156 does not know it and logs
// an error for it on every load; the guard above does its work in every browser.
const common = ["base-uri 'none'", "form-action 'none'", "object-src 'none'", "frame-src 'none'", "manifest-src 'none'"];
const appPolicy = [
  "default-src 'none'",
  `script-src ${sha(guard)} ${sha(boot)} 'wasm-unsafe-eval'`,
  `style-src ${sha(css)}`,
  'img-src data:',
  'worker-src blob:',
  ...common,
].join('; ');

let app = html
  .replace(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, () => `<meta http-equiv="Content-Security-Policy" content="${appPolicy}">`)
  .replace(/<!--[\s\S]*?-->\s*/g, '')
  .replace(/<link rel="(?:modulepreload|preload|stylesheet)" [^>]*>\s*/g, '')
  .replace(/<script type="module"[^>]*>[\s\S]*?<\/script>\s*/g, '');
if (app.includes('<script') || !app.includes(appPolicy) || !app.includes('<html lang="en">')) fail('unexpected index.html shape');
// Functions, so that `$` in the glue is not read as a replacement pattern.
app = app
  .replace('<meta charset="utf-8">', () => `<meta charset="utf-8">\n<script>${guard}</script>`)
  .replace(
    '</head>',
    () =>
      `<meta http-equiv="x-dns-prefetch-control" content="off">\n<style>${css}</style>\n` +
      `<script type="text/plain" id="segscope-wasm">${wasm.toString('base64')}</script>\n` +
      `<script type="module" id="segscope-glue">${boot}</script>\n</head>`,
  );

// The shell. The fragment (the settings, never data) is handed to the frame as
// data-fragment and comes back by postMessage when the settings change; the
// shell accepts only that message, only from its frame, only fragment
// characters, and one more: a file to save ({segscope: 'download', name, blob}),
// which it downloads by its own link.
const shellCss = 'html,body{margin:0;height:100%;overflow:hidden}iframe{display:block;border:0;width:100%;height:100%}';
const shellJs = `(() => {
  const FRAGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@/?%-]{0,2000}$/;
  const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  const own = location.hash.slice(1);
  const app = JSON.parse(document.getElementById('segscope-app').textContent);
  const frame = document.createElement('iframe');
  frame.id = 'segscope';
  frame.title = 'segscope';
  frame.setAttribute('sandbox', 'allow-scripts allow-downloads');
  frame.srcdoc = app.replace('<html lang="en">', '<html lang="en" data-fragment="' + attr(FRAGMENT.test(own) ? own : '') + '">');
  document.body.append(frame);
  frame.focus();
  // A file the app saves: the shell's own link downloads it, since Firefox saves nothing a
  // sandboxed frame's link downloads. It stays on this machine: a download is no request.
  const NAME = /^[^\\\\/:*?"<>|\\u0000-\\u001f]{1,255}$/;
  const save = (name, blob) => {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  };
  addEventListener('message', (e) => {
    const d = e.data;
    if (e.source !== frame.contentWindow || !d) return;
    if (d.segscope === 'download' && typeof d.name === 'string' && NAME.test(d.name) && d.blob instanceof Blob) return save(d.name, d.blob);
    if (d.segscope !== 'fragment' || typeof d.value !== 'string' || !FRAGMENT.test(d.value)) return;
    if (location.hash.slice(1) !== d.value) history.replaceState(null, '', '#' + d.value);
  });
  const lock = () => {
    const m = document.createElement('meta');
    m.httpEquiv = 'Content-Security-Policy';
    m.content = "default-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";
    m.dataset.segscope = 'shell-locked';
    document.head.append(m);
  };
  if (isSecureContext && /^https?:$/.test(location.protocol) && 'serviceWorker' in navigator) {
    const wait = new Promise((ok) => setTimeout(ok, 3000));
    Promise.race([navigator.serviceWorker.register('./sw.js').then(() => navigator.serviceWorker.ready), wait])
      .catch((e) => console.warn('segscope: no offline cache (service worker):', e))
      .finally(lock);
  } else {
    lock();
  }
})();
`;
const shellPolicy = [
  "default-src 'none'",
  // The frame inherits this policy too (srcdoc), so it lists the app's scripts and style.
  `script-src ${sha(shellJs)} ${sha(guard)} ${sha(boot)} 'wasm-unsafe-eval'`,
  `style-src ${sha(shellCss)} ${sha(css)}`,
  'img-src data:',
  // 'self': the offline cache's sw.js; blob: the app's analysis worker (inherited).
  "worker-src 'self' blob:",
  ...common,
].join('; ');
const title = /<title>[^<]*<\/title>/.exec(html)?.[0] ?? fail('no <title>');
const json = JSON.stringify(app).replace(/</g, '\\u003c');
const shell = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${shellPolicy}">
<meta http-equiv="x-dns-prefetch-control" content="off">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${title}
<link rel="icon" href="data:,">
<style>${shellCss}</style>
<script type="application/json" id="segscope-app">${json}</script>
</head>
<body>
<noscript>segscope needs JavaScript and WebAssembly enabled. Your data never leaves this page.</noscript>
<script>${shellJs}</script>
</body>
</html>
`;
writeFileSync(join(dir, 'index.html'), shell);
writeFileSync(join(dir, 'segscope-single-file.html'), shell);
for (const f of [jsFile, wasmFile, cssFile]) rmSync(join(dir, f));
const gz = (await import('node:zlib')).gzipSync(shell, { level: 9 }).length;
console.log(`seal: index.html = segscope-single-file.html, ${(shell.length / 1e6).toFixed(2)} MB (${(gz / 1e3).toFixed(0)} kB gzipped; wasm ${(wasm.length / 1e6).toFixed(2)} MB inlined)`);
