#!/usr/bin/env bash
# Installs what segscope needs to build (and, with --test, to test), skipping
# whatever is already there at the pinned version. Safe to run any number of times.
# Pinned: Debian's clang (zstd's C for wasm32), Trunk 0.21.14, wasm-bindgen-cli 0.2.130 (= Cargo.lock), binaryen 132
# (wasm-opt; Debian's 108 produces broken wasm); for the tests, playwright-core
# with Debian's Chromium, puppeteer-core with Debian's firefox-esr, Debian's
# WebKitGTK WebDriver (webkit2gtk-driver, under xvfb) and axe-core, and
# duckdb 2.0.1, pyspark 4.3.0 and jpmml_evaluator 0.16.0 (with a Java runtime)
# for the SQL and PMML checks. See ../shared/TOOLCHAIN.md for why.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132.0.0

log() { printf '[setup] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for comp in clippy rustfmt; do
  rustup component list --installed | grep -q "^$comp" || rustup component add "$comp"
done

# zstd-sys (zstd-compressed Parquet) compiles its C for wasm32 with clang; gcc has no wasm32 target.
if ! command -v clang >/dev/null; then
  log "installing Debian's clang (compiles zstd's C for wasm32)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  log "installing trunk $TRUNK_VERSION (about 15 minutes on 2 cores)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes)"
  # Not --locked: one locked dependency is missing from the registry mirror.
  cargo install --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi
if [ "$(.tools/node_modules/.bin/wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
  log "installing binaryen $BINARYEN_VERSION (wasm-opt) into .tools/"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "binaryen@$BINARYEN_VERSION" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "installing Debian's chromium and chromium-driver"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  fi
  if [ ! -x /usr/bin/firefox-esr ]; then
    log "installing Debian's firefox-esr (the Firefox end-to-end tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends firefox-esr >/dev/null
  fi
  if [ ! -x /usr/bin/WebKitWebDriver ] || [ ! -x /usr/bin/xvfb-run ] || ! command -v xauth >/dev/null; then
    log "installing Debian's webkit2gtk-driver, xvfb and xauth (the WebKit end-to-end tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends webkit2gtk-driver xvfb xauth >/dev/null
  fi
  want=$(node -p "const d = require('./tests/e2e/package.json').devDependencies; Object.keys(d).sort().map((p) => d[p]).join(' ')")
  have=$(node -p "Object.keys(require('./tests/e2e/package.json').devDependencies).sort().map((p) => require('./tests/e2e/node_modules/' + p + '/package.json').version).join(' ')" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    log "installing browser-test dependencies (axe-core, playwright-core, puppeteer-core, pinned by tests/e2e/package-lock.json)"
    (cd tests/e2e && npm ci --silent --no-audit --no-fund >/dev/null)
  fi
  # The SQL engines the scoring scripts are checked in: DuckDB and Spark (local mode).
  if ! command -v java >/dev/null || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    log "installing Debian's openjdk-17-jre-headless and python3-venv (for Spark and the SQL check)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless python3-venv >/dev/null
  fi
  if ! .tools/sqlvenv/bin/python - tests/sql/requirements.txt 2>/dev/null <<'PY'
import sys, importlib.metadata as m
pins = [l.split("==") for l in open(sys.argv[1]) if "==" in l and not l.startswith("#")]
sys.exit(any(m.version(p.strip()) != v.strip() for p, v in pins))
PY
  then
    log "installing the pinned duckdb and pyspark into .tools/sqlvenv (about a minute)"
    python3 -m venv .tools/sqlvenv
    .tools/sqlvenv/bin/pip install --quiet -r tests/sql/requirements.txt
  fi
fi
log "toolchain ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}')"
