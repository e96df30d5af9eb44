// Runs the k-means kernel module (examples/kernels_wasm.rs) in headless
// Chromium. Used by the kernel benchmark (scripts/bench-kmeans.sh) and by
// the e2e test that checks SIMD128 against the scalar fallback.
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KERNELS_WASM = resolve(dirname(fileURLToPath(import.meta.url)), '../../target/wasm32-unknown-unknown/release/examples/kernels_wasm.wasm');

/**
 * In `page` (any page; about:blank will do), instantiates the module and,
 * for each `{ n, d, k, iters }`, sets up the data and times `iters` Lloyd
 * iterations on SIMD128 lanes and on the scalar fallback (best of `repeats`).
 * Returns one object per case: ms per iteration, inertia of each, and the
 * rows whose label or distance bits differ between the two (0 expected).
 */
export async function runKernels(page, cases, repeats = 3) {
  const bytes = readFileSync(KERNELS_WASM).toString('base64');
  return page.evaluate(async ({ bytes, cases, repeats }) => {
    const buf = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
    const module = await WebAssembly.compile(buf);
    // Whatever the linked crates import (wasm-bindgen's hooks), stubbed: the kernel calls none of it.
    const imports = {};
    for (const i of WebAssembly.Module.imports(module)) {
      (imports[i.module] ??= {})[i.name] = () => { throw new Error(`kernel module called ${i.module}.${i.name}`); };
    }
    const { exports: k } = await WebAssembly.instantiate(module, imports);
    const out = [];
    for (const c of cases) {
      k.setup(c.n, c.d, c.k, 7);
      const time = (f) => {
        let best = Infinity, inertia;
        for (let r = 0; r < repeats; r++) {
          const t = performance.now();
          inertia = f(c.iters);
          best = Math.min(best, performance.now() - t);
        }
        return { ms_per_iter: best / c.iters, inertia };
      };
      out.push({ ...c, simd128: k.simd128(), mismatches: k.mismatches(), simd: time(k.lloyd_simd), scalar: time(k.lloyd_scalar) });
    }
    return out;
  }, { bytes, cases, repeats });
}
