#!/usr/bin/env bash
# Runs one libFuzzer target for $FUZZ_SECONDS (default 20) on its committed seeds plus the inputs
# earlier runs of the same build folder kept, and prints one summary line. A crash, sanitizer
# report, leak, timeout (> 10 s for one input) or out-of-memory (> 2 GB) fails the run; the input
# that caused it is left in WORK_DIR (crash-*, leak-*, timeout-*, oom-*) to reproduce with
# `FUZZER WORK_DIR/crash-...`, and belongs in the seeds once fixed (a regression input).
# Usage: fuzz/run.sh FUZZER SEED_DIR WORK_DIR
set -uo pipefail
fuzzer="$1" seeds="$2" work="$3"
name="$(basename "$fuzzer")"
seconds="${FUZZ_SECONDS:-20}"
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
  echo "fuzz $name: no seed corpus in $seeds" >&2
  exit 1
fi
mkdir -p "$work/corpus"
log="$work/last-run.log"
timeout --kill-after=10 "$((seconds + 120))" "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$log" 2>&1
code=$?
runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1)"
corpus="$(ls "$work/corpus" | wc -l)"
if [ "$code" -ne 0 ]; then
  tail -n 60 "$log"
  echo "fuzz $name: FAILED (exit $code) after ${runs:-?} runs; input: $(ls -t "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -1)"
  exit 1
fi
echo "fuzz $name: ${runs:-?} runs in ${seconds} s (${rate:-?} exec/s), ${cov:-cov: ?}, $(ls "$seeds" | wc -l) seeds + $corpus found, no findings"
