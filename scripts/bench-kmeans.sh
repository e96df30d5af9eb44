#!/usr/bin/env bash
# Single-thread k-means: segscope natively (cargo bench) and in headless
# Chromium (the SIMD128 kernel and its scalar fallback, examples/kernels_wasm.rs)
# vs scikit-learn (OMP_NUM_THREADS=1, threadpoolctl limit 1), in one run.
# Usage: bash scripts/bench-kmeans.sh [sizes, default 100000,1000000]
# Needs python3 with venv; installs the pinned numpy/scikit-learn of
# tests/golden/requirements.txt into .tools/benchvenv (once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test >&2
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
sizes="${1:-100000,1000000}"
venv=.tools/benchvenv
if ! "$venv/bin/python" -c "import sklearn" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r tests/golden/requirements.txt
fi
out=$(mktemp)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
SEGSCOPE_BENCH_SIZES="$sizes" cargo bench --quiet --bench kmeans | tee "$out"
cargo build --quiet --release --example kernels_wasm --target wasm32-unknown-unknown
node tests/e2e/bench-kernels.mjs "$sizes" | tee -a "$out"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$venv/bin/python" scripts/bench_kmeans_sklearn.py ${sizes//,/ } | tee -a "$out"
"$venv/bin/python" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ours = {(r["algorithm"], r["n"]): r for r in rows if r["impl"] == "segscope"}
wasm = {r["n"]: r for r in rows if r["impl"] == "segscope-wasm"}
sk = {r["n"]: r for r in rows if r["impl"].startswith("scikit-learn") and r["algorithm"] == "lloyd_fixed"}
print("\n| n x d, k | one Lloyd iteration (ms): wasm SIMD128 | wasm scalar fallback | native (f32 lanes, scalar) | scikit-learn |")
print("|---|---|---|---|---|")
for n, w in wasm.items():
    nat = ours.get(("lloyd_fixed", n), {}).get("ms_per_iter", float("nan"))
    print(f"| {n:,} x {w['d']}, {w['k']} | {w['simd']['ms_per_iter']:.2f} | {w['scalar']['ms_per_iter']:.2f} | {nat:.2f} | {sk[n]['ms_per_iter']:.2f} |" if n in sk else "")
print("\n| n | fit | segscope s (iter) | scikit-learn s (iter) | ms/iter ours | ms/iter sklearn | time ratio sklearn/ours | inertia ours / sklearn |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if not r["impl"].startswith("scikit-learn"):
        continue
    o = ours[(r["algorithm"], r["n"])]
    print(f"| {r['n']:,} | {r['algorithm']} | {o['seconds']:.3f} ({o['n_iter']}) | {r['seconds']:.3f} ({r['n_iter']}) "
          f"| {o['ms_per_iter']:.2f} | {r['ms_per_iter']:.2f} | {r['seconds'] / o['seconds']:.2f} | {o['inertia'] / r['inertia']:.5f} |")
PY
rm -f "$out"
