#!/usr/bin/env bash
# Soak benchmark (issue #15): `stockpulse run` live with the dashboard on for SOAK_MINUTES
# (default 30) under joining, stalling and leaving clients and a few attacks; one row a minute
# of RSS, open connections, /healthz latency and live-subscriber counts (bench/soak.py says
# which clients). Not part of `make test`.
# Usage: SOAK_MINUTES=30 bench/soak.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
bin="${SOAK_BIN:-$build/stockpulse}"
if [ ! -x "$bin" ]; then
  echo "soak: $bin not found: build it first (make build)" >&2
  exit 1
fi
exec /usr/bin/python3 "$root/bench/soak.py" "$bin" "${SOAK_MINUTES:-30}"
