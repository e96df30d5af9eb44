// Makes the single-file build: one HTML file with the app's css, JS glue and
// wasm inlined, for air-gapped machines. It can be e-mailed, copied on a USB
// stick and opened from disk (file://); it never needs the network.
//
//   node scripts/single-file.mjs [DIST] [OUT]   (defaults: dist, DIST/segscope-single-file.html)
//
// Run after `trunk build --release` (scripts/single-file.sh does both).
// The page's policy allows only the inlined script and style by their
// SHA-256 hashes, wasm instantiation, and the analysis worker from a blob:
// URL; no connect-src at all. The glue and its boot code share one inline
// module script (id "segscope-glue"): the app reads that script's text to
// start its analysis worker, where the boot part does nothing.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dist = resolve(process.argv[2] ?? 'dist');
const out = resolve(process.argv[3] ?? join(dist, 'segscope-single-file.html'));
const html = readFileSync(join(dist, 'index.html'), 'utf8');

const href = (re, what) => {
  const m = re.exec(html);
  if (!m) throw new Error(`single-file: no ${what} link in ${dist}/index.html`);
  return m[1];
};
const jsFile = href(/<link rel="modulepreload" href="\.\/([^"]+\.js)"/, 'modulepreload (JS glue)');
const wasmFile = href(/<link rel="preload" href="\.\/([^"]+\.wasm)"/, 'wasm preload');
const cssFile = href(/<link rel="stylesheet" href="\.\/([^"]+\.css)"/, 'stylesheet');

const glue = readFileSync(join(dist, jsFile), 'utf8');
if (!/__wbg_init as default/.test(glue)) throw new Error('single-file: the glue has no default __wbg_init export');
if (/^\s*import\s/m.test(glue)) throw new Error('single-file: the glue imports other files (snippets); inline them first');
const wasm = readFileSync(join(dist, wasmFile)).toString('base64');
const css = readFileSync(join(dist, cssFile), 'utf8');
for (const [name, text] of [['glue', glue], ['css', css]]) {
  if (/<\/(script|style)|<!--/i.test(text)) throw new Error(`single-file: the ${name} contains a closing tag or <!--`);
}

// No top-level await: the app turns this text into a classic worker script.
const boot = `${glue}
;if (typeof document !== 'undefined') {
  const b64 = document.getElementById('segscope-wasm').textContent;
  __wbg_init({ module_or_path: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) });
}
`;
const sha = (t) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
const csp = [
  "default-src 'none'",
  `script-src ${sha(boot)} 'wasm-unsafe-eval'`,
  `style-src ${sha(css)}`,
  'img-src data:',
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let page = html
  .replace(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`)
  .replace(/<link rel="(?:modulepreload|preload|stylesheet)" [^>]*>\s*/g, '')
  .replace(/<script type="module"[^>]*>[\s\S]*?<\/script>\s*/g, '');
if (page.includes('<script') || !page.includes(csp)) throw new Error('single-file: unexpected index.html shape');
// A function, so that `$` in the glue is not read as a replacement pattern.
page = page.replace(
  '</head>',
  () => `<style>${css}</style>\n<script type="text/plain" id="segscope-wasm">${wasm}</script>\n<script type="module" id="segscope-glue">${boot}</script>\n</head>`,
);
writeFileSync(out, page);
console.log(`single-file: ${out} (${(page.length / 1e6).toFixed(2)} MB: wasm ${wasmFile}, glue ${jsFile}, css ${cssFile})`);
