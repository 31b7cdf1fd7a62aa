#!/usr/bin/env bash
# End-to-end throughput of file mode, measured against its own ceiling in the same run.
#   bench/e2e_throughput.sh [BUILD_DIR] [POSTS]
# 1. generates POSTS (default 1,000,000) synthetic posts and the matching minute bars (cached by
#    count and seed under BUILD_DIR/bench-data),
# 2. runs `stockpulse run --posts --bars --until-eof` over them, with the SQLite serving store and
#    the Parquet lake, with each of them alone, and with both sinks off (compute only): a sink
#    that is not the bottleneck leaves the rate near the compute-only one,
# 3. runs the ceiling: reading and decoding the same posts file on one thread, nothing else,
# and prints posts/s of each and the ratios.
set -euo pipefail
BUILD="${1:-build}"
POSTS="${2:-1000000}"
BIN="$BUILD/stockpulse"
DATA="$BUILD/bench-data"
mkdir -p "$DATA"
P="$DATA/posts-$POSTS.jsonl"
B="$DATA/bars-$POSTS.jsonl"
if [ ! -s "$P" ] || [ ! -s "$B" ]; then
  echo "generating $POSTS posts..." >&2
  "$BIN" generate --posts "$POSTS" --posts-out "$P" --bars-out "$B" --seed 7 --posts-per-second 200 >&2
fi
echo "corpus: $(wc -l <"$P") posts ($(du -h "$P" | cut -f1)), $(wc -l <"$B") bars" >&2

now() { date +%s.%N; }
run_pipeline() {  # label, extra args...
  local label="$1"; shift
  local out="$DATA/out-$label"
  rm -rf "$out"
  local t0 t1
  t0=$(now)
  "$BIN" run --posts "$P" --bars "$B" --until-eof --quiet --output-dir "$out" "$@" 2>"$DATA/$label.log"
  t1=$(now)
  python3 -c "print(f'{$POSTS/($t1-$t0):.0f}')"
}

full=$(run_pipeline full)
sqlite_only=$(run_pipeline sqlite --lake none)
lake_only=$(run_pipeline lake --serving none)
compute=$(run_pipeline compute --serving none --lake none --dead-letter none)
ceiling=$("$BUILD/bench/sp_bench_decode_ceiling" "$P" | sed -E 's/.*rate=([0-9]+).*/\1/')
cores=$(nproc)
echo "end-to-end (SQLite + Parquet lake): $full posts/s"
echo "end-to-end (SQLite only):           $sqlite_only posts/s"
echo "end-to-end (Parquet lake only):     $lake_only posts/s"
echo "end-to-end (sinks off):             $compute posts/s"
echo "ceiling (read + decode, 1 thread):  $ceiling posts/s"
python3 -c "print(f'ratio end-to-end / ceiling: {$full/$ceiling:.2f} (sinks off: {$compute/$ceiling:.2f}); {$cores} cores')"
python3 -c "print(f'share of the compute-only rate kept: SQLite + lake {$full/$compute:.2f}, SQLite {$sqlite_only/$compute:.2f}, lake {$lake_only/$compute:.2f}')"
