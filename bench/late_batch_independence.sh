#!/usr/bin/env bash
# Late data decided per record: the same out-of-order input at several batch sizes and worker
# counts, in file order (--keep-file-order), must give the same late count and the same tables.
#   bench/late_batch_independence.sh [BUILD_DIR] [POSTS]
# Generates POSTS (default 50,000) posts, moves 12% of them back 0-9 min and 3% back 15-30 min
# (tests/e2e/late_data.py), runs each configuration and prints its late count and a digest of
# every serving table; then checks the late posts against the per-record rule written in Python.
set -euo pipefail
BUILD="${1:-build}"
POSTS="${2:-50000}"
BIN="$BUILD/stockpulse"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$(mktemp -d)"
trap 'rm -rf "$DATA"' EXIT
"$BIN" generate --posts "$POSTS" --seed 21 --posts-per-second 20 --posts-out "$DATA/sorted.jsonl" \
  --bars-out "$DATA/bars.jsonl" >/dev/null 2>&1
python3 "$HERE/tests/e2e/late_data.py" disorder "$DATA/sorted.jsonl" "$DATA/posts.jsonl" 3
digest() {
  for t in tweets market_data topic_sentiment_avg stock_trends alerts indicators fear_greed \
           sentiment_correlation; do
    sqlite3 "$1" "SELECT * FROM $t ORDER BY 1, 2, 3"
  done | sha256sum | cut -c1-16
}
printf '%-12s %-8s %8s  %s\n' batch workers late tables
for cfg in "1 1" "64 1" "64 2" "2048 1" "2048 2" "8192 1" "8192 2"; do
  set -- $cfg
  out="$DATA/out-$1-$2"
  log=$("$BIN" run --posts "$DATA/posts.jsonl" --bars "$DATA/bars.jsonl" --until-eof --keep-file-order \
    --quiet --lake none --batch-size "$1" --workers "$2" --output-dir "$out" 2>&1)
  late=$(grep -o '[0-9]* late' <<<"$log" | head -1 | cut -d' ' -f1)
  printf '%-12s %-8s %8s  %s\n' "$1" "$2" "$late" "$(digest "$out/serving.db")"
done
python3 "$HERE/tests/e2e/late_data.py" check "$DATA/posts.jsonl" "$DATA/out-2048-2/dead_letter.jsonl" \
  "$DATA/out-2048-2/serving.db" 600
