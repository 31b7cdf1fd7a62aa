#!/usr/bin/env bash
# Alerts per symbol and hour on `make demo`'s data (issue #17: <= 2 per symbol-hour).
#   bench/alert_rate.sh [BUILD_DIR] [HOURS] [REFERENCE_BINARY]
# Generates HOURS (default 3) of event time with the synthetic generators `make demo` runs
# (`stockpulse generate`: the same post and bar generators as `stockpulse run`, at the demo's 5
# posts per second of event time: 300 a second of wall time at --speed 60; twelve symbols, minute
# bars), replays it in file mode (`run --until-eof`, SQLite store, no lake), and prints the alerts
# by kind and severity, alerts per symbol-hour over every symbol with windows (the twelve tickers
# and the market "*"), and the busiest symbol's rate. With REFERENCE_BINARY (e.g. a build of an
# earlier commit) the same data goes through it too and the ratio is printed. Deterministic:
# same binary, same numbers. Extra `run` flags for this build can be passed in RUN_ARGS (e.g.
# "--config policy.toml" to try an [alerts] policy), for the reference in REF_RUN_ARGS.
set -euo pipefail
BUILD="${1:-build}"
HOURS="${2:-3}"
REF="${3:-}"
BIN="$BUILD/stockpulse"
DATA="$BUILD/bench-data/alerts-${HOURS}h"
mkdir -p "$DATA"
if [ ! -s "$DATA/posts.jsonl" ]; then
  "$BIN" generate --posts-per-second 5 --span-days "$(python3 -c "print($HOURS / 24)")" \
    --bar-layout minute --posts-out "$DATA/posts.jsonl" --bars-out "$DATA/bars.jsonl" \
    >/dev/null 2>&1
fi

# run BINARY OUT_DIR: file-mode replay into OUT_DIR/serving.db
run() {
  rm -rf "$2"
  # shellcheck disable=SC2086
  if ! "$1" run --posts "$DATA/posts.jsonl" --bars "$DATA/bars.jsonl" --until-eof --quiet \
    --output-dir "$2" --lake none $3 >"$2.log" 2>&1; then
    cat "$2.log" >&2
    exit 1
  fi
}

# report LABEL DB: prints the figures, and the per symbol-hour rate last on a line "rate X"
report() {
  python3 - "$1" "$2" <<'EOF'
import sqlite3, sys
label, db = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
lo, hi = c.execute("SELECT min(window_start), max(window_end) FROM topic_sentiment_avg").fetchone()
from datetime import datetime
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
hours = (t(hi) - t(lo)) / 3600
symbols = [r[0] for r in c.execute(
    "SELECT symbol FROM topic_sentiment_avg UNION SELECT symbol FROM stock_trends")]
cols = [r[1] for r in c.execute("PRAGMA table_info(alerts)")]
total = c.execute("SELECT count(*) FROM alerts").fetchone()[0]
print(f"{label}: {total} alerts, {len(symbols)} symbols, {hours:.2f} h of event time")
for kind, n in c.execute("SELECT kind, count(*) FROM alerts GROUP BY kind ORDER BY kind"):
    print(f"  {kind:<22} {n:6d}  {n / len(symbols) / hours:6.2f} per symbol-hour")
if "severity" in cols:
    for sev, n in c.execute("SELECT severity, count(*) FROM alerts GROUP BY severity ORDER BY 1"):
        print(f"  severity {sev:<13} {n:6d}")
busiest = c.execute(
    "SELECT symbol, count(*) FROM alerts GROUP BY symbol ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
if busiest:
    print(f"  busiest symbol {busiest[0]!r}: {busiest[1] / hours:.2f} per hour")
print(f"  alerts per symbol-hour: {total / len(symbols) / hours:.2f}")
print(f"rate {total / len(symbols) / hours:.6f}")
EOF
}

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
run "$BIN" "$TMP/new" "${RUN_ARGS:-}"
NEW="$(report "this build ($BIN)" "$TMP/new/serving.db")"
echo "$NEW" | grep -v '^rate '
if [ -n "$REF" ]; then
  run "$REF" "$TMP/ref" "${REF_RUN_ARGS:-}"
  OLD="$(report "reference ($REF)" "$TMP/ref/serving.db")"
  echo "$OLD" | grep -v '^rate '
  python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); \
print(f'ratio this / reference: {a / b:.3f}' if b else 'reference raised no alerts')" \
    "$(echo "$NEW" | sed -n 's/^rate //p')" "$(echo "$OLD" | sed -n 's/^rate //p')"
fi
