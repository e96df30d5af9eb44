#!/usr/bin/env bash
# Native single-thread k-means: segscope (cargo bench) vs scikit-learn
# (OMP_NUM_THREADS=1, threadpoolctl limit 1) on the same data, in one run.
# Usage: bash scripts/bench-kmeans.sh [sizes, default 100000,1000000]
# Needs python3 with venv; installs the pinned numpy/scikit-learn of
# tests/golden/requirements.txt into .tools/benchvenv (once).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-100000,1000000}"
venv=.tools/benchvenv
if ! "$venv/bin/python" -c "import sklearn" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r tests/golden/requirements.txt
fi
out=$(mktemp)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
SEGSCOPE_BENCH_SIZES="$sizes" cargo bench --quiet --bench kmeans | tee "$out"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$venv/bin/python" scripts/bench_kmeans_sklearn.py ${sizes//,/ } | tee -a "$out"
"$venv/bin/python" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ours = {(r["algorithm"], r["n"]): r for r in rows if r["impl"] == "segscope"}
print("\n| n | fit | segscope s (iter) | scikit-learn s (iter) | ms/iter ours | ms/iter sklearn | time ratio sklearn/ours | inertia ours / sklearn |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["impl"] == "segscope":
        continue
    o = ours[(r["algorithm"], r["n"])]
    print(f"| {r['n']:,} | {r['algorithm']} | {o['seconds']:.3f} ({o['n_iter']}) | {r['seconds']:.3f} ({r['n_iter']}) "
          f"| {o['ms_per_iter']:.2f} | {r['ms_per_iter']:.2f} | {r['seconds'] / o['seconds']:.2f} | {o['inertia'] / r['inertia']:.5f} |")
PY
rm -f "$out"
