#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), builds the app in release mode
# and serves it at http://127.0.0.1:8080 (Ctrl-C stops). The sample is one
# click away: "Load sample".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
echo "segscope: building, then serving at http://127.0.0.1:8080"
exec trunk serve --release "$@"
