// The k-means kernel in headless Chromium: one Lloyd iteration (assignment
// and centre sums) on SIMD128 lanes and on the scalar fallback, n x 12,
// k = 6. Prints JSON lines. Run through scripts/bench-kmeans.sh.
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './serve.mjs';
import { runKernels } from './kernels.mjs';

const sizes = (process.argv[2] ?? '100000,1000000').split(',').map(Number);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  const cases = sizes.map((n) => ({ n, d: 12, k: 6, iters: 20 }));
  for (const r of await runKernels(page, cases)) {
    console.log(JSON.stringify({ impl: 'segscope-wasm', browser: browser.version(), ...r }));
  }
} finally {
  await browser.close();
}
