#!/usr/bin/env bash
# Builds the single-file app for air-gapped machines: dist/segscope-single-file.html,
# one HTML file (css, JS and wasm inlined) to e-mail or open from disk. The release
# build's post-build hook (scripts/seal.mjs) writes it; it is the same bytes as
# dist/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
trunk build --release
ls -l dist/segscope-single-file.html
