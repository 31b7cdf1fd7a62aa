#!/usr/bin/env bash
# Peak memory of file mode on inputs shaped like real data sets (issue #14: peak RSS <= 512 MB
# with default settings for any input up to the key cap).
#   bench/memory_shapes.sh [BUILD_DIR] [SCALE]
# For the dense synthetic day and each `stockpulse generate --shape`, generates the data (cached
# under BUILD_DIR/bench-data/shapes), runs
#   stockpulse run --posts P --bars B --until-eof --quiet --output-dir TMP
# with default settings (SQLite serving store and Parquet lake on) under /usr/bin/time -v, and
# prints: shape, posts, distinct keys (window keys: tickers seen + "*"), wall seconds, posts/s,
# peak RSS in MB, and PASS/FAIL against the budget. The sparse-years shape also runs with
# `--lake none` (the lake's own memory bound is separate work). sparse-years has two years of
# daily candles for three symbols, fanned out to minute bars (~400k). many-cashtags draws from
# 150,000 cashtags, beyond the key cap (`[window] max_keys`), so the cap is what it tests. SCALE
# (default 1) multiplies the post counts; at 1 the whole benchmark takes a few minutes on 2 cores.
# Each run is stopped after LIMIT_S seconds (default 300).
set -euo pipefail
BUILD="${1:-build}"
SCALE="${2:-1}"
BIN="$BUILD/stockpulse"
DATA="$BUILD/bench-data/shapes"
BUDGET_MB=512
LIMIT_S="${LIMIT_S:-300}"  # a run that takes longer is stopped and fails (e.g. swapping)
mkdir -p "$DATA"
if [ ! -x /usr/bin/time ]; then
  echo "memory_shapes: /usr/bin/time is missing (scripts/setup.sh installs the 'time' package)" >&2
  exit 2
fi
n() { python3 -c "print(int($1 * $SCALE))"; }

# name | generate arguments (posts file and bars file are added)
SHAPES=(
  "dense|--posts $(n 300000)"
  "sparse-years|--shape sparse-years --symbols AAPL,NVDA,TSLA"
  "bursty|--shape bursty --posts $(n 300000)"
  "many-cashtags|--shape many-cashtags --posts $(n 150000) --cashtags 150000 --zipf 0.6"
  "shuffled|--shape shuffled --posts $(n 300000)"
  "retweets|--shape retweets --posts $(n 300000)"
)

printf '%-24s %9s %8s %8s %9s %8s %s\n' shape posts keys wall_s posts/s rss_MB result
run_one() {  # label, posts file, bars file, extra run args...
  local label="$1" posts="$2" bars="$3"
  shift 3
  local out
  out="$(mktemp -d "${TMPDIR:-/tmp}/memory-shapes.XXXXXX")"
  local t0 t1 status=0
  t0=$(date +%s.%N)
  timeout "$LIMIT_S" /usr/bin/time -v -o "$out/time.txt" "$BIN" run --posts "$posts" --bars "$bars" --until-eof \
    --quiet --output-dir "$out/data" "$@" >"$out/stdout.txt" 2>"$out/stderr.txt" || status=$?
  t1=$(date +%s.%N)
  local rss_kb count keys
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time.txt")
  count=$(grep -c '' "$posts" 2>/dev/null || echo 0)
  case "$posts" in *.csv) count=$(python3 -c "import csv,sys; csv.field_size_limit(1<<30); print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))) - 1)" "$posts");; esac
  keys="-"
  if [ -f "$out/data/serving.db" ] && command -v sqlite3 >/dev/null; then
    keys=$(sqlite3 "$out/data/serving.db" "SELECT COUNT(DISTINCT symbol) FROM topic_sentiment_avg" 2>/dev/null || echo "-")
  fi
  python3 - "$label" "$count" "$keys" "$t0" "$t1" "${rss_kb:-0}" "$status" "$BUDGET_MB" <<'PY'
import sys
label, count, keys, t0, t1, rss_kb, status, budget = sys.argv[1:]
wall = float(t1) - float(t0)
rss = int(rss_kb) / 1024
ok = int(status) == 0 and rss <= float(budget)
verdict = "PASS" if ok else ("FAIL" + (f" (exit {status})" if int(status) else ""))
print(f"{label:<24} {int(count):>9} {keys:>8} {wall:>8.1f} {int(count)/wall:>9.0f} {rss:>8.0f} {verdict}")
PY
  if [ "$status" -ne 0 ]; then tail -3 "$out/stderr.txt" >&2; fi
  rm -rf "$out"
}

for entry in "${SHAPES[@]}"; do
  name="${entry%%|*}"
  args="${entry#*|}"
  key=$(echo "$name $args" | tr -c 'A-Za-z0-9\n' '_')
  posts="$DATA/$key.posts.jsonl"
  bars="$DATA/$key.bars.jsonl"
  [ "$name" = "sparse-years" ] && bars="$DATA/$key.bars.csv"
  if [ ! -s "$posts" ]; then
    # shellcheck disable=SC2086
    "$BIN" generate $args --seed 7 --posts-out "$posts" --bars-out "$bars" 2>"$DATA/$key.gen.log"
  fi
  run_one "$name" "$posts" "$bars"
  if [ "$name" = "sparse-years" ]; then run_one "$name --lake none" "$posts" "$bars" --lake none; fi
done
