#!/usr/bin/env bash
# The quality benchmark (issue 15): ARI against known trader types for each
# feature set, k given or automatic, k-means and the mixture; and each k
# rule's hit rate on seeded trader populations and classic shapes.
# Prints markdown tables (the ones in BENCHMARKS.md). Natively, about 5 minutes
# on 2 cores; `bash scripts/bench-quality.sh quick` runs a third of the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo run --locked --quiet --release --example bench_quality -- "$@"
