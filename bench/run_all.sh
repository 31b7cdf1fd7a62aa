#!/usr/bin/env bash
# Every benchmark that prints hard numbers, in one go (`make bench`):
#   1. end-to-end file mode against its read+decode ceiling (bench/e2e_throughput.sh), and peak
#      memory per data-set shape (bench/memory_shapes.sh),
#   2. the VADER scorer against NLTK on the same corpus (bench/sentiment_vs_nltk.sh),
#   3. the Google Benchmarks of the hot paths (decode, sentiment, windows, analytics, sinks, serve).
# Usage: bench/run_all.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"

echo "== end to end (1,000,000 posts)"
"$root/bench/e2e_throughput.sh" "$build" 1000000
echo
echo "== peak memory per data-set shape (budget 512 MB)"
"$root/bench/memory_shapes.sh" "$build"
echo
echo "== sentiment: stockpulse vs NLTK"
"$root/bench/sentiment_vs_nltk.sh" "$build" 100000
for b in src/decode/sp_decode_benchmark src/sentiment/sp_sentiment_benchmark \
         src/window/sp_window_benchmark src/analytics/sp_analytics_benchmark \
         src/serve/sp_serve_benchmark; do
  echo
  echo "== $b"
  "$build/$b" --benchmark_min_time=0.5
done
echo; echo "== sinks vs 500,000 posts/s (SQLite, ClickHouse, lake)"; "$root/bench/sink_throughput.sh" "$build"
echo
echo "== Kafka: 1 and 2 processors through the mock cluster, produce -> store latency at 20,000 posts/s"
/usr/bin/python3 "$root/bench/kafka_bench.py" "$build" 60000 20000 8
echo
echo "== dashboard: ingest -> live update delay at 10,000 posts/s (default trigger, then 250 ms)"
/usr/bin/python3 "$root/bench/dashboard_latency.py" "$build" 10000 15 1000
/usr/bin/python3 "$root/bench/dashboard_latency.py" "$build" 10000 15 250
