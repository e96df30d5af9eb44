#!/usr/bin/env bash
# Builds the single-file app for air-gapped machines: dist/segscope-single-file.html,
# one HTML file (css, JS and wasm inlined) to e-mail or open from disk.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
trunk build --release
node scripts/single-file.mjs dist
