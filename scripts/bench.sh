#!/usr/bin/env bash
# The pipeline benchmark: segscope in headless Chromium vs pandas +
# scikit-learn (one thread) on the same seeded synthetic files, in one run.
# Prints JSON lines, then a markdown table (the one in BENCHMARKS.md).
# Usage: bash scripts/bench.sh [files]   (default: 10k, 100k and 1M trades, 1M customers)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
venv=.tools/benchvenv
if ! "$venv/bin/python" -c "import sklearn, pandas" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r tests/golden/requirements.txt "pandas==3.1.1"
fi
data=target/bench-data
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  cargo run --quiet --release --example bench_data -- "$data" 10k 100k 1m customers >&2
  files=("$data/trades_10k.csv" "$data/trades_100k.csv" "$data/trades_1m.csv" "$data/customers_1m.csv")
fi
trunk build --release >&2
out=$(mktemp)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB"
node tests/e2e/bench.mjs "${files[@]}" | tee "$out"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$venv/bin/python" scripts/bench_pipeline_pandas.py "${files[@]}" | tee -a "$out"
"$venv/bin/python" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ours = {r["file"]: r for r in rows if r["impl"] == "segscope"}
print("\n| file | MB | accounts | segscope read / features / analysis / render / wall (s) | pandas+sklearn read / features / analysis / total (s) | wall ratio ours/theirs | longest main-thread task (ms) |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    if r["impl"] == "segscope":
        continue
    o = ours[r["file"]]
    # A streamed file's features are computed while it is read: "in read".
    feats = "in read" if o["features_ms"] is None else f"{o['features_ms'] / 1e3:.2f}"
    print(f"| {r['file']} | {o['bytes'] / 1e6:.0f} | {o['accounts']:,} | {o['read_ms'] / 1e3:.2f} / {feats} / {o['analysis_ms'] / 1e3:.2f} / "
          f"{o['render_ms'] / 1e3:.2f} / {o['wall_ms'] / 1e3:.2f} | {r['read_s']:.2f} / {r['features_s']:.2f} / {r['analysis_s']:.2f} / {r['total_s']:.2f} "
          f"| {o['wall_ms'] / 1e3 / r['total_s']:.2f} | {o['longest_task_ms']} ({o['long_tasks']} over 50 ms) |")
print("\nsegscope analysis stages (ms): " + "; ".join(f"{f}: " + ", ".join(f"{k} {v}" for k, v in o["stages"].items()) for f, o in ours.items()))
PY
rm -f "$out"
