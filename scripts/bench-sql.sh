#!/usr/bin/env bash
# The SQL benchmark (issue 19): the model fitted on a 100k-fill file scores a
# seeded 10M-fill file (about 850 MB, examples/bench_data.rs) in DuckDB and in
# Spark SQL (local[2]): wall time and peak memory (resident memory of the
# process tree, JVM included, sampled by tests/sql/run.py). Appends to target/bench-sql/results.txt; figures go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
data=target/bench-data
out=target/bench-sql
mkdir -p "$out"
for n in 100k 10m; do
  [ -f "$data/trades_$n.csv" ] || cargo run --locked --release --quiet --example bench_data -- "$data" "$n"
done
cargo run --locked --release --quiet --example sql_cases -- "$out/models" "$data/trades_100k.csv" >/dev/null
py="$PWD/.tools/sqlvenv/bin/python"
for method in kmeans gmm; do
  for engine in duckdb spark; do
    script="$PWD/$out/$method-$engine.sql"
    cargo run --locked --release --quiet --example sql_script -- "$out/models/trades_100k-$method/model.json" "$engine" trades_10m.csv > "$script"
    line=$(cd "$data" && "$py" "$OLDPWD/tests/sql/run.py" "$engine" "$script" "$OLDPWD/$out/result-$method-$engine" | tail -1)
    echo "{\"method\":\"$method\",${line#\{}" | tee -a "$out/results.txt"
  done
done
