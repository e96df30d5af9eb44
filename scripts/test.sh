#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh --test) and runs every check:
# formatting, clippy with warnings denied (native and wasm32), native unit,
# golden and pipeline tests, a release build of the app and of the single-file
# app, the k-means kernel module, a seeded 1M-trade file (kept in target/bench-data, also as Parquet), and the end-to-end
# tests in headless Chromium, Firefox and WebKit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

step() { printf '\n== %s\n' "$*"; }
step "cargo fmt --check"
cargo fmt --all -- --check
step "clippy, native (ingest, features, analysis, tests)"
cargo clippy --locked --all-targets -- -D warnings
step "clippy, wasm32 (the UI)"
cargo clippy --locked --target wasm32-unknown-unknown -- -D warnings
step "native tests"
cargo test --locked -- --show-output
step "release build of the app, sealed into one file (dist/index.html = dist/segscope-single-file.html)"
trunk build --release
step "the k-means kernel as a bare wasm module (checked against the scalar fallback in the browser)"
cargo build --locked --release --example kernels_wasm --target wasm32-unknown-unknown
step "a 1M-trade file for the end-to-end scale test (seeded, target/bench-data)"
# Kept between runs, remade when the generator changed (written whole, then renamed).
data=target/bench-data/trades_1m.csv
if [ ! -f "$data" ] || [ examples/bench_data.rs -nt "$data" ] || [ src/sample.rs -nt "$data" ]; then
  cargo run --locked --quiet --example bench_data -- target/bench-data 1m
fi
step "the same 1M trades as Parquet, written by DuckDB (Snappy, its row groups of 122,880 rows)"
pq=target/bench-data/trades_1m.parquet
if [ ! -f "$pq" ] || [ "$data" -nt "$pq" ]; then
  .tools/sqlvenv/bin/python -c 'import sys, duckdb; duckdb.sql(f"COPY (SELECT * FROM read_csv({sys.argv[1]!r})) TO {sys.argv[2]!r} (FORMAT parquet, COMPRESSION snappy)")' "$data" "$pq.part"
  mv "$pq.part" "$pq"
fi
step "the same 1M trades as gzip (level 6, as gzip writes by default)"
gz=target/bench-data/trades_1m.csv.gz
if [ ! -f "$gz" ] || [ "$data" -nt "$gz" ]; then
  gzip -6 -c "$data" > "$gz.part"
  mv "$gz.part" "$gz"
fi
step "the sample's population drawn again, for Compare periods (target/bench-data)"
cargo run --locked --quiet --example bench_data -- target/bench-data periods
step "end-to-end tests in headless Chromium, Firefox (firefox.test.mjs) and WebKit (webkit.test.mjs, under xvfb)"
rm -rf target/sql-cases  # one of the tests saves its SQL downloads there, for the SQL step below
cd tests/e2e
# Bounded: a test that hangs fails after 10 minutes, open handles left by a failed test
# do not keep the run alive (--test-force-exit), and the whole stage stops at 40 minutes
# (it takes about 10), so CI reports a failure instead of running out its time.
timeout --kill-after=30s 40m node --test --test-concurrency=1 --test-force-exit --test-timeout=600000
cd ../..
step "the fitted pipeline as SQL, run in DuckDB and in Spark (local mode), and as PMML, validated and scored by JPMML, against the app's own results"
# Cases: the page's downloads (saved by the e2e tests above: the sample with k-means, each shared
# file with k-means and a mixture), and natively the sample and each
# ../shared/data file (skipped, with a line, when absent), and three files of corner cases
# (examples/sql_cases.rs), each with k-means and a mixture.
shared=(); for f in ../shared/data/*.csv; do [ -f "$f" ] && shared+=("$f"); done
[ ${#shared[@]} -gt 0 ] || echo "# SKIP ../shared/data/*.csv: not next to this checkout"
# The page's downloads must be there: a run that saved none would check nothing of the page.
browser=$(ls -d target/sql-cases/*-browser 2>/dev/null | wc -l)
[ "$browser" -ge $(( 1 + 2 * ${#shared[@]} )) ] || { echo "only $browser cases of the page's downloads in target/sql-cases"; exit 1; }
cargo run --locked --release --quiet --example sql_cases -- target/sql-cases sample edge "${shared[@]}"
.tools/sqlvenv/bin/python tests/sql/check.py --spark target/sql-cases/*
.tools/sqlvenv/bin/python tests/sql/check_pmml.py target/sql-cases/*
