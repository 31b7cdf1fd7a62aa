#!/usr/bin/env bash
# Sink throughput against the 500,000 posts/s goal: SQLite and ClickHouse upserts (posts at the
# pipeline's batch sizes, window rows per trigger) and the Parquet lake (ZSTD), from the Google
# Benchmarks in src/sink/sink_benchmark.cc (ClickHouse: a real clickhouse-server they start on
# free ports). Prints the benchmark output, then one table. Takes about two minutes.
# Usage: bench/sink_throughput.sh [BUILD_DIR] [extra benchmark flags...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
bin="$build/src/sink/sp_sink_benchmark"
if [[ ! -x "$bin" ]]; then
  echo "sink_throughput: $bin not built (cmake --build $build --target sp_sink_benchmark)" >&2
  exit 1
fi
json="$(mktemp /tmp/sp_sink_throughput.XXXXXX.json)"
trap 'rm -f "$json"' EXIT
"$bin" --benchmark_min_time=0.5 --benchmark_out="$json" --benchmark_out_format=json "$@"
echo
/usr/bin/python3 - "$json" <<'PY'
import json, sys
goal = 500_000
data = json.load(open(sys.argv[1]))
print(f"{'benchmark':<48} {'rows/s':>11} {'posts/s':>11} {'MB/s':>8} {'x 500k':>7}")
for b in data["benchmarks"]:
    name = b["name"]
    if b.get("error_occurred"):
        print(f"{name:<48} ERROR: {b.get('error_message', '')}")
        continue
    rows = b.get("items_per_second", 0.0)
    posts = b.get("posts/s")
    mb = b.get("bytes_per_second")
    posts_s = f"{posts:>11,.0f}" if posts else f"{'-':>11}"
    mb_s = f"{mb / 1e6:>8.1f}" if mb else f"{'-':>8}"
    ratio = f"{posts / goal:>7.2f}" if posts else f"{'-':>7}"
    print(f"{name:<48} {rows:>11,.0f} {posts_s} {mb_s} {ratio}")
print("rows/s: tweets rows (one per post and ticker; lake: one per post) or window rows;")
print("MB/s: row payload (strings + 8 bytes per number); x 500k: posts/s over the goal.")
PY
