#!/usr/bin/env python3
"""Independent computation of the windows stockpulse must produce, compared with its serving store.

Sentiment windows are recomputed with pandas from the scored posts in the `tweets` table (the
scores themselves are checked against NLTK elsewhere; this checks windowing and aggregation).
Market windows are recomputed from the raw bars file, parsed here with Python's json module.
Every final window row must match: same set of (symbol, start, end), same counts, averages within
1e-9 relative. Prints each difference; exits 1 if there is any.

usage: check_windows.py DB BARS_JSONL SIZE_S SLIDE_S
"""
import json
import math
import sqlite3
import sys

import pandas as pd

db, bars_path, size_s, slide_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
SIZE, SLIDE = size_s * 1000, slide_s * 1000
problems = []


def ms(series):
    return (pd.to_datetime(series, utc=True).astype("int64") // 1_000_000).astype("int64")


def explode_windows(df, t_col):
    """One row per (event, window containing it): windows [s, s+SIZE) aligned to SLIDE."""
    last_start = (df[t_col] // SLIDE) * SLIDE
    parts = []
    for k in range(SIZE // SLIDE):
        part = df.copy()
        part["window_start"] = last_start - k * SLIDE
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["window_end"] = out["window_start"] + SIZE
    return out


def close(a, b, rel=1e-9, abs_tol=1e-9):
    if (a is None or (isinstance(a, float) and math.isnan(a))) and (
            b is None or (isinstance(b, float) and math.isnan(b))):
        return True
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


con = sqlite3.connect(db)

# ---- sentiment ----------------------------------------------------------------------------------
tweets = pd.read_sql_query(
    "SELECT symbol, created_at, id, compound, ticker_compound FROM tweets", con)
tweets["t"] = ms(tweets["created_at"])
per_ticker = tweets[tweets["symbol"] != ""][["symbol", "t", "ticker_compound"]].rename(
    columns={"ticker_compound": "score"})
market = tweets.drop_duplicates("id")[["t", "compound"]].rename(columns={"compound": "score"})
market["symbol"] = "*"
events = pd.concat([per_ticker, market[["symbol", "t", "score"]]], ignore_index=True)
w = explode_windows(events, "t")
w["bull"] = (w["score"] >= 0.05).astype(int)
w["bear"] = (w["score"] <= -0.05).astype(int)
w["neut"] = 1 - w["bull"] - w["bear"]
expected = w.groupby(["symbol", "window_start", "window_end"]).agg(
    tweet_count=("score", "size"), avg=("score", "mean"), bull=("bull", "sum"),
    bear=("bear", "sum"), neut=("neut", "sum")).reset_index()

got = pd.read_sql_query(
    "SELECT symbol, window_start, window_end, tweet_count, sentiment_score_avg, bullish_count, "
    "bearish_count, neutral_count FROM topic_sentiment_avg WHERE is_final = 1", con)
got["window_start"] = ms(got["window_start"])
got["window_end"] = ms(got["window_end"])
m = expected.merge(got, on=["symbol", "window_start", "window_end"], how="outer", indicator=True)
for _, r in m[m["_merge"] != "both"].iterrows():
    problems.append(f"sentiment window {r.symbol} {r.window_start}: only in "
                    f"{'expected' if r._merge == 'left_only' else 'stockpulse'}")
for _, r in m[m["_merge"] == "both"].iterrows():
    if (r.tweet_count_x != r.tweet_count_y or r.bull != r.bullish_count or
            r.bear != r.bearish_count or r.neut != r.neutral_count or
            not close(r.avg, r.sentiment_score_avg)):
        problems.append(f"sentiment window {r.symbol} {r.window_start}: expected count "
                        f"{r.tweet_count_x} avg {r.avg} bull/bear/neut {r.bull}/{r.bear}/{r.neut}, "
                        f"got {r.tweet_count_y} {r.sentiment_score_avg} "
                        f"{r.bullish_count}/{r.bearish_count}/{r.neutral_count}")
n_sentiment = len(expected)

# ---- market -------------------------------------------------------------------------------------
rows = []
with open(bars_path, encoding="utf-8") as f:
    for line in f:
        if line.strip():
            b = json.loads(line)
            rows.append((b["symbol"], b["timestamp"], b["open"], b["close"], b["volume"]))
bars = pd.DataFrame(rows, columns=["symbol", "ts", "open", "close", "volume"])
bars["t"] = ms(bars["ts"])
bw = explode_windows(bars, "t")
bw["up"] = (bw["close"] > bw["open"]).astype(int)
exp_m = bw.groupby(["symbol", "window_start", "window_end"]).agg(
    bar_count=("close", "size"), avg_close=("close", "mean"), max_close=("close", "max"),
    min_close=("close", "min"), volatility=("close", "std"), avg_volume=("volume", "mean"),
    up=("up", "sum")).reset_index()
exp_m["volatility"] = exp_m["volatility"].fillna(0.0)
exp_m["buy_pressure"] = exp_m["up"] / exp_m["bar_count"]
rng = exp_m["max_close"] - exp_m["min_close"]
exp_m["signal"] = "NEUTRAL"
exp_m.loc[(rng > 0) & (exp_m["avg_close"] > exp_m["min_close"] + 0.6 * rng), "signal"] = "BULLISH"
exp_m.loc[(rng > 0) & (exp_m["avg_close"] < exp_m["min_close"] + 0.4 * rng), "signal"] = "BEARISH"

got_m = pd.read_sql_query(
    "SELECT symbol, window_start, window_end, bar_count, avg_close, max_close, min_close, "
    "volatility, avg_volume, buy_pressure, trend_signal FROM stock_trends WHERE is_final = 1", con)
got_m["window_start"] = ms(got_m["window_start"])
got_m["window_end"] = ms(got_m["window_end"])
mm = exp_m.merge(got_m, on=["symbol", "window_start", "window_end"], how="outer", indicator=True)
for _, r in mm[mm["_merge"] != "both"].iterrows():
    problems.append(f"market window {r.symbol} {r.window_start}: only in "
                    f"{'expected' if r._merge == 'left_only' else 'stockpulse'}")
for _, r in mm[mm["_merge"] == "both"].iterrows():
    bad = [name for name, a, b in [
        ("bar_count", r.bar_count_x, r.bar_count_y), ("avg_close", r.avg_close_x, r.avg_close_y),
        ("max_close", r.max_close_x, r.max_close_y), ("min_close", r.min_close_x, r.min_close_y),
        ("volatility", r.volatility_x, r.volatility_y), ("avg_volume", r.avg_volume_x, r.avg_volume_y),
        ("buy_pressure", r.buy_pressure_x, r.buy_pressure_y)] if not close(float(a), float(b))]
    # On a threshold itself the signal depends on the last bit of the mean (a running mean and
    # sum/n differ by an ulp), so either side is accepted there.
    rng_ = r.max_close_x - r.min_close_x
    on_edge = any(math.isclose(r.avg_close_x, r.min_close_x + f * rng_, rel_tol=1e-12, abs_tol=1e-12)
                  for f in (0.4, 0.6))
    if r.signal != r.trend_signal and not on_edge:
        bad.append(f"trend_signal {r.signal} != {r.trend_signal}")
    if bad:
        problems.append(f"market window {r.symbol} {r.window_start}: {', '.join(bad)}")

for p in problems[:50]:
    print(p)
print(f"checked {n_sentiment} sentiment windows and {len(exp_m)} market windows: "
      f"{len(problems)} problems")
sys.exit(1 if problems or n_sentiment == 0 or len(exp_m) == 0 else 0)
