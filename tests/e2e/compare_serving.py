#!/usr/bin/env python3
"""Compares the serving tables of two SQLite stores row for row.

Every table must hold the same keys; text and integer columns must be equal, real columns equal
within 1e-9 relative (sums of the same numbers in another order differ in the last bits: the Kafka
processor sees a symbol's posts from several partitions, interleaved differently on each run).
Tables and rows listed with --skip-where are left out on both sides, e.g.
"fear_greed:symbol = '*'". Prints each difference and the row counts; exits 1 on any difference.

usage: compare_serving.py EXPECTED_DB ACTUAL_DB [--skip-where TABLE:SQL_CONDITION]...
"""
import math
import sqlite3
import sys

TABLES = {
    "tweets": ["symbol", "created_at", "id"],
    "market_data": ["symbol", "ts"],
    "topic_sentiment_avg": ["symbol", "window_start", "window_end"],
    "stock_trends": ["symbol", "window_start", "window_end"],
    "alerts": ["symbol", "ts", "kind"],
    "indicators": ["symbol", "ts"],
    "fear_greed": ["symbol", "ts"],
    "sentiment_correlation": ["symbol", "ts"],
}

expected_db, actual_db = sys.argv[1], sys.argv[2]
skip = {}
args = sys.argv[3:]
while args:
    if args[0] != "--skip-where" or len(args) < 2:
        sys.exit(__doc__)
    table, cond = args[1].split(":", 1)
    skip.setdefault(table, []).append(cond)
    args = args[2:]


def load(db, table):
    con = sqlite3.connect(db)
    where = " AND ".join(f"NOT ({c})" for c in skip.get(table, [])) or "1"
    cur = con.execute(f"SELECT * FROM {table} WHERE {where}")
    cols = [d[0] for d in cur.description]
    key_idx = [cols.index(k) for k in TABLES[table]]
    rows = {}
    for r in cur.fetchall():
        rows[tuple(r[i] for i in key_idx)] = r
    con.close()
    return cols, rows


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


problems = 0
for table in TABLES:
    cols, exp = load(expected_db, table)
    _, act = load(actual_db, table)
    missing = sorted(set(exp) - set(act))
    extra = sorted(set(act) - set(exp))
    differ = []
    for k in sorted(set(exp) & set(act)):
        bad = [c for c, a, b in zip(cols, exp[k], act[k]) if not same(a, b)]
        if bad:
            differ.append((k, bad))
    print(f"{table}: expected {len(exp)} rows, actual {len(act)}; missing {len(missing)}, "
          f"extra {len(extra)}, different {len(differ)}")
    for k in missing[:5]:
        print(f"  missing {k}")
    for k in extra[:5]:
        print(f"  extra {k}")
    for k, bad in differ[:5]:
        print(f"  differs {k}: " + ", ".join(
            f"{c}: {exp[k][cols.index(c)]!r} vs {act[k][cols.index(c)]!r}" for c in bad))
    problems += len(missing) + len(extra) + len(differ)
sys.exit(1 if problems else 0)
