#!/usr/bin/env python3
"""Independent computation of `stockpulse backtest` with pandas, compared with its JSON.

usage: backtest_oracle.py SERVING_DB BACKTEST_JSON

Reads the serving store with sqlite3 + pandas, recomputes every (signal, horizon, condition) row
of the JSON except the permutation figures (n, ic, ic_t, hit_rate, positioned, pnl, trades), and
prints one line per mismatch and "N rows, M problems". Exit status 1 when there is a problem.
"""
import json
import sqlite3
import sys

import numpy as np
import pandas as pd

MIN = 60_000
DAY = 86_400_000


def ms(col):
    return (pd.to_datetime(col, utc=True).astype("int64") // 1_000_000).astype("int64")


def load(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    sent = pd.read_sql_query(
        "SELECT symbol, window_end, tweet_count, sentiment_score_avg AS avg, bullish_share "
        "FROM topic_sentiment_avg WHERE is_final = 1 AND symbol <> '*'", con)
    market = pd.read_sql_query(
        "SELECT symbol, window_end, close, trend_signal FROM stock_trends WHERE is_final = 1", con)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    rsi = pd.read_sql_query("SELECT symbol, ts, rsi_14 FROM indicators WHERE rsi_14 IS NOT NULL "
                            "AND symbol <> '*'", con) if "indicators" in tables else None
    fg = pd.read_sql_query("SELECT symbol, ts, score FROM fear_greed WHERE score IS NOT NULL "
                           "AND symbol <> '*'", con) if "fear_greed" in tables else None
    con.close()
    sent["t"] = ms(sent.window_end)
    market["t"] = ms(market.window_end)
    market = market.sort_values(["symbol", "t"])
    return sent, market, rsi, fg


def signals(sent, market, rsi, fg, step, lookback=30):
    """{name: DataFrame(symbol, t, v)} for symbols with prices."""
    priced = set(market.symbol)
    sent = sent[sent.symbol.isin(priced)].sort_values(["symbol", "t"])
    out = {
        "avg_sentiment": sent[["symbol", "t"]].assign(v=sent.avg),
        "bullish_share": sent[["symbol", "t"]].assign(v=sent.bullish_share),
        "trend_signal": market[["symbol", "t"]].assign(
            v=market.trend_signal.map({"BULLISH": 1.0, "BEARISH": -1.0}).fillna(0.0)),
    }
    prev = sent[["symbol", "t", "avg"]].assign(t=sent.t + step).rename(columns={"avg": "prev"})
    ch = sent.merge(prev, on=["symbol", "t"])
    out["sentiment_change"] = ch[["symbol", "t"]].assign(v=ch.avg - ch.prev)
    spikes = []
    for sym, g in sent.groupby("symbol"):
        counts = g.set_index("t").tweet_count.astype(float)
        grid = np.arange(counts.index.min(), counts.index.max() + step, step)
        full = counts.reindex(grid, fill_value=0.0)
        mean = full.shift(1).rolling(lookback).sum() / lookback
        ratio = (counts / mean.reindex(counts.index)).where(mean.reindex(counts.index) > 0)
        ratio = ratio[counts.index - lookback * step >= counts.index.min()].dropna()
        spikes.append(pd.DataFrame({"symbol": sym, "t": ratio.index, "v": ratio.values}))
    out["volume_spike"] = pd.concat(spikes) if spikes else pd.DataFrame(columns=["symbol", "t", "v"])
    if rsi is not None:
        r = rsi[rsi.symbol.isin(priced)]
        out["rsi_14"] = pd.DataFrame({"symbol": r.symbol, "t": ms(r.ts) + MIN, "v": r.rsi_14})
    if fg is not None:
        f = fg[fg.symbol.isin(priced)]
        out["fear_greed"] = pd.DataFrame({"symbol": f.symbol, "t": ms(f.ts), "v": f.score})
    return {k: v.sort_values(["symbol", "t"]).reset_index(drop=True) for k, v in out.items()}


THRESHOLDS = {
    "avg_sentiment": (0.05, -0.05), "bullish_share": (1 / 3, 1 / 3 - 1e-12),
    "sentiment_change": (0.05, -0.05), "volume_spike": (None, -np.inf),
    "trend_signal": (1, -1), "fear_greed": (55, 45), "rsi_14": (70, 30),
}


def observations(sig, market, horizon, spike, spike_ratio):
    """DataFrame(symbol, t, v, r) in symbol, time order."""
    px = market[["symbol", "t", "close"]]
    if horizon.endswith("d"):
        days = int(horizon[:-1])
        m = market.assign(date=(market.t - 1) // DAY)
        closes = m.groupby(["symbol", "date"]).tail(1).sort_values(["symbol", "t"])
        closes = closes.assign(day=closes.groupby("symbol").cumcount())
        closes = closes.assign(c1=closes.groupby("symbol").close.shift(-days)).dropna(subset=["c1"])
        s = sig.assign(date=(sig.t - 1) // DAY, sig_t=sig.t).sort_values("t")
        o = pd.merge_asof(closes.sort_values("t"), s[["symbol", "t", "v", "date", "sig_t"]],
                          on="t", by="symbol", suffixes=("", "_s"))
        o = o[o.date == o.date_s].dropna(subset=["v"])
        o = o[o.close > 0].assign(r=o.c1 / o.close - 1, clock=o.day)
        key = "sig_t"
    else:
        h = {"s": 1000, "m": MIN, "h": 60 * MIN}[horizon[-1]] * int(horizon[:-1])
        o = sig.merge(px, on=["symbol", "t"])
        o = o.merge(px.assign(t=px.t - h).rename(columns={"close": "c1"}), on=["symbol", "t"])
        o = o[o.close > 0].assign(r=o.c1 / o.close - 1, sig_t=o.t, clock=o.t)
        key = "sig_t"
    if spike is not None:
        sp = spike.rename(columns={"t": key, "v": "spike"})
        o = o.merge(sp, on=["symbol", key])
        o = o[o.spike >= spike_ratio]
    return o.sort_values(["symbol", "t"]).reset_index(drop=True)[["symbol", "t", "clock", "v", "r"]]


def measure(name, o, horizon, step, cost_bps, spike_ratio):
    n = len(o)
    overlap = int(horizon[:-1]) if horizon.endswith("d") else max(
        1.0, {"s": 1000, "m": MIN, "h": 60 * MIN}[horizon[-1]] * int(horizon[:-1]) / step)
    res = {"n": n, "ic": None, "ic_t": None}
    if n >= 3:
        with np.errstate(invalid="ignore", divide="ignore"):  # a constant side: NaN, as in C++
            ic = np.corrcoef(o.v.rank(method="average"), o.r.rank(method="average"))[0, 1]
        if np.isfinite(ic):
            res["ic"] = ic
            n_eff = n / overlap
            if n_eff > 2 and abs(ic) < 1:
                res["ic_t"] = ic * np.sqrt((n_eff - 2) / (1 - ic * ic))
    up, down = THRESHOLDS[name]
    if up is None:
        up = spike_ratio
    pos = np.where(o.v >= up, 1, np.where(o.v <= down, -1, 0))
    active = (pos != 0) & (o.r != 0)
    res["positioned"] = int(active.sum())
    res["hit_rate"] = float(((pos > 0) == (o.r > 0))[active].mean()) if active.any() else None
    trades, pnl = 0, 0.0
    for _, g in o.assign(pos=pos).groupby("symbol", sort=False):
        next_entry = -np.inf
        for clock, p, r in zip(g.clock, g.pos, g.r):
            if p != 0 and clock >= next_entry:
                trades += 1
                pnl += p * r - 2 * cost_bps / 1e4
                next_entry = clock + (overlap if horizon.endswith("d") else overlap * step)
    res["trades"], res["pnl"] = trades, pnl
    return res


def close(a, b, tol=1e-6):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(b))


def main():
    db, out = sys.argv[1], sys.argv[2]
    doc = json.load(open(out))
    sent, market, rsi, fg = load(db)
    step = int(doc["step_s"] * 1000)
    sigs = signals(sent, market, rsi, fg, step)
    spike_ratio = doc["spike_ratio"]
    problems = 0
    for row in doc["signals"]:
        name, horizon = row["signal"], row["horizon"]
        spike = sigs["volume_spike"] if row["condition"] == "spike" else None
        o = observations(sigs[name], market, horizon, spike, spike_ratio)
        want = measure(name, o, horizon, step, doc["cost_bps"], spike_ratio)
        for key in ("n", "positioned", "trades"):
            if row[key] != want[key]:
                problems += 1
                print(f"{name} {horizon} {row['condition']} {key}: {row[key]} != pandas {want[key]}")
        for key in ("ic", "ic_t", "hit_rate", "pnl"):
            if not close(row[key], want[key]):
                problems += 1
                print(f"{name} {horizon} {row['condition']} {key}: {row[key]} != pandas {want[key]}")
    print(f"{len(doc['signals'])} rows, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
