#!/usr/bin/env bash
# Installs what stockpulse needs to build, run and test, and only what is missing.
# Idempotent: a second run on a set-up machine installs nothing and takes about a second.
#   Debian packages  -> apt-get (needs root, as on the Debian 12 build machines)
#   npm packages     -> `npm pack` into .deps/ (no install scripts run, nothing global)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="$ROOT/.deps"

# Versions pinned so that every machine builds against the same bytes.
DUCKDB_VERSION="1.4.4"
DUCKDB_BINDINGS_VERSION="1.4.4-r.4"
VADER_NPM_VERSION="1.1.3"
HYPARQUET_VERSION="1.31.5"
HYPARQUET_COMPRESSORS_VERSION="1.1.2"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format git ca-certificates
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev libsqlite3-dev sqlite3 libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  librdkafka-dev kcat libboost-dev libssl-dev
  python3 python3-nltk python3-pandas unicode-data time
  # The fuzz build (`make test-fuzz`): clang 14 and libFuzzer. libclang_rt.fuzzer-x86_64.a (and
  # the ASan/UBSan runtimes clang links) are in libclang-rt-14-dev, which clang-14 only
  # recommends, so a --no-install-recommends install needs it named; llvm brings
  # llvm-symbolizer for readable reports. GCC's sanitizer runtimes (libasan8, libubsan1,
  # libtsan2: `make test-asan`, `make test-tsan`) come with build-essential's g++.
  clang libclang-rt-14-dev llvm
)

log() { printf '[setup] %s\n' "$*" >&2; }

missing=()
# Node.js and npm may come from Debian (nodejs, npm) or be preinstalled; only the commands matter.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  APT_PACKAGES+=(nodejs npm)
fi
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

# Fetches an npm package tarball (without running any of its scripts) and unpacks it.
fetch_npm() {
  local spec="$1" dest="$2"
  if [ -f "$dest/.complete" ]; then return 0; fi
  log "fetching npm package $spec"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -xzf "$tmp"/*.tgz -C "$dest" --strip-components=1
  rm -rf "$tmp"
  touch "$dest/.complete"
}

mkdir -p "$DEPS"
fetch_npm "vader-sentiment@$VADER_NPM_VERSION" "$DEPS/npm/vader-sentiment"
fetch_npm "@duckdb/node-bindings-linux-x64@$DUCKDB_BINDINGS_VERSION" "$DEPS/npm/duckdb-bindings"

# DuckDB: libduckdb.so from the bindings package, duckdb.h from the duckdb package of the same
# version (the bindings ship no header). Only the header is kept from the 11 MB source package.
if [ ! -f "$DEPS/duckdb/.complete" ] || ! grep -qx "$DUCKDB_VERSION" "$DEPS/duckdb/.complete"; then
  log "fetching DuckDB $DUCKDB_VERSION header"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "duckdb@$DUCKDB_VERSION" >/dev/null)
  rm -rf "$DEPS/duckdb"
  mkdir -p "$DEPS/duckdb/include" "$DEPS/duckdb/lib"
  tar -xzf "$tmp"/duckdb-*.tgz -C "$tmp" package/src/duckdb/src/include/duckdb.h
  cp "$tmp/package/src/duckdb/src/include/duckdb.h" "$DEPS/duckdb/include/"
  cp "$DEPS/npm/duckdb-bindings/libduckdb.so" "$DEPS/duckdb/lib/"
  rm -rf "$tmp"
  echo "$DUCKDB_VERSION" >"$DEPS/duckdb/.complete"
fi

# hyparquet: an independent, pure-JavaScript Parquet reader the tests use to check the lake.
if [ ! -f "$DEPS/node/.complete" ]; then
  log "installing hyparquet (test-only Parquet reader)"
  mkdir -p "$DEPS/node"
  (cd "$DEPS/node" && [ -f package.json ] || echo '{"name":"stockpulse-test-deps","private":true}' >package.json)
  (cd "$DEPS/node" && npm install --silent --no-audit --no-fund --ignore-scripts \
    "hyparquet@$HYPARQUET_VERSION" "hyparquet-compressors@$HYPARQUET_COMPRESSORS_VERSION" >/dev/null)
  touch "$DEPS/node/.complete"
fi

# The VADER lexicon, with its trailing blank line removed (NLTK reads the same file).
if [ ! -s "$DEPS/vader/vader_lexicon.txt" ]; then
  mkdir -p "$DEPS/vader"
  sed -e '${/^[[:space:]]*$/d}' "$DEPS/npm/vader-sentiment/vader_lexicon.txt" >"$DEPS/vader/vader_lexicon.txt"
fi
# Emoji names for the emoji-to-words step (Debian unicode-data).
if [ ! -f /usr/share/unicode/emoji/emoji-test.txt ]; then
  log "error: /usr/share/unicode/emoji/emoji-test.txt is missing although unicode-data is installed"
  exit 1
fi
# Storage test services (clickhouse-server, Ceph radosgw) and libcurl.
if [ -x "$ROOT/scripts/setup-storage.sh" ]; then
  "$ROOT/scripts/setup-storage.sh"
fi

# The web dashboard's own set-up (front-end packages, browser and Prometheus for its tests).
if [ -x "$ROOT/scripts/setup-web.sh" ]; then
  "$ROOT/scripts/setup-web.sh"
fi
log "ready: dependencies in $DEPS"
