#!/usr/bin/python3
"""Independent oracle for sp_analytics: recomputes every window metric, the indicators and the
sentiment/return correlation from CSV input with pandas, by explicit window enumeration.

usage: pandas_oracle.py IN_DIR OUT_DIR
  IN_DIR/bars.csv   symbol,ts_ms,open,high,low,close,volume,vwap   (vwap empty when missing)
  IN_DIR/posts.csv  symbol,ts_ms,compound
  OUT_DIR/market.csv, sentiment.csv, indicators.csv, correlation.csv (floats written with repr)

It shares no code with the C++ side; it follows the definitions in src/analytics/*.h and README.md.
Exit status 3 when pandas cannot be imported.
"""
import sys

try:
    import numpy as np
    import pandas as pd
except ImportError as e:  # the C++ test turns this into a failure with this message
    print(f"pandas_oracle: cannot import pandas/numpy ({e}); install Debian python3-pandas",
          file=sys.stderr)
    sys.exit(3)

MIN = 60000
WIDTHS = (1, 5)          # tumbling 1-minute candles and 5-minute windows, both sliding by 1 minute
N_CORR, L_CORR, MIN_PAIRS = 60, 5, 10


def f(x):
    return repr(float(x))


def windows(df, width):
    """(start_minute, frame) for every window [s, s+width) minutes holding at least one row.
    Rows are sorted by time (stable), so a window is a contiguous slice found by binary search."""
    df = df.sort_values("ts_ms", kind="stable")
    ts = df.ts_ms.to_numpy()
    minutes = ts // MIN
    for s in range(int(minutes.min()) - width + 1, int(minutes.max()) + 1):
        lo = np.searchsorted(ts, s * MIN, side="left")
        hi = np.searchsorted(ts, (s + width) * MIN, side="left")
        if hi > lo:
            yield s, df.iloc[lo:hi]


def trend(avg, lo, hi):
    rng = hi - lo
    if not rng > 0:
        return "NEUTRAL"
    if avg > lo + 0.6 * rng:
        return "BULLISH"
    if avg < lo + 0.4 * rng:
        return "BEARISH"
    return "NEUTRAL"


def sample_std(x):
    return float(np.std(x, ddof=1)) if len(x) > 1 else 0.0


def market_rows(bars, out):
    out.write("symbol,width,start_ms,bar_count,open,high,low,close,total_volume,avg_close,"
              "max_close,min_close,volatility,avg_volume,avg_vwap,vwap_deviation_pct,"
              "buy_pressure,avg_pct_change,price_range,trend_signal\n")
    for sym, g in bars.groupby("symbol", sort=True):
        for width in WIDTHS:
            for s, w in windows(g, width):
                # Plain numpy on the window's columns: pandas' per-call overhead on thousands of
                # tiny windows would make this test slow, and numpy's pairwise sums and two-pass
                # std are still a different computation from the C++ Welford/Chan merges.
                o, h, l, c = (w[k].to_numpy() for k in ("open", "high", "low", "close"))
                v, vw = w.volume.to_numpy(), w.vwap.to_numpy()
                n = len(c)
                avg_close = np.mean(c)
                vw = vw[~np.isnan(vw)]
                avg_vwap = np.mean(vw) if len(vw) else np.nan
                dev = (avg_close - avg_vwap) / avg_vwap * 100 if len(vw) else np.nan
                nz = o != 0
                pct = np.mean((c[nz] - o[nz]) / o[nz] * 100) if nz.any() else 0.0
                mx, mn = np.max(c), np.min(c)
                row = [sym, width, s * MIN, n, o[0], np.max(h), np.min(l), c[-1], np.sum(v),
                       avg_close, mx, mn, sample_std(c), np.mean(v), avg_vwap, dev,
                       np.mean(c > o), pct, mx - mn, trend(avg_close, mn, mx)]
                out.write(",".join(str(x) if isinstance(x, (str, int, np.integer)) else f(x)
                                   for x in row) + "\n")


def sentiment_rows(posts, out):
    out.write("symbol,width,start_ms,tweet_count,avg,min,max,stddev,bullish,bearish,neutral,"
              "bullish_share," + ",".join(f"h{i}" for i in range(20)) + "\n")
    for sym, g in posts.groupby("symbol", sort=True):
        for width in WIDTHS:
            for s, w in windows(g, width):
                c = w.compound.to_numpy()
                n = len(c)
                bull = int((c >= 0.05).sum())
                bear = int((c <= -0.05).sum())
                buckets = np.clip(((c + 1.0) * 10.0).astype(int), 0, 19)
                hist = np.bincount(buckets, minlength=20)
                row = [sym, str(width), str(s * MIN), str(n), f(np.mean(c)), f(np.min(c)),
                       f(np.max(c)), f(sample_std(c)), str(bull), str(bear),
                       str(n - bull - bear), f(bull / n)] + [str(int(x)) for x in hist]
                out.write(",".join(row) + "\n")


def seeded_ewm(values, period, alpha):
    """EMA with adjust=False, seeded by the simple mean of the first `period` values; the result
    is aligned so that position period-1 holds the seed."""
    seed = values.iloc[:period].mean()
    rest = pd.concat([pd.Series([seed]), values.iloc[period:].reset_index(drop=True)],
                     ignore_index=True)
    sm = rest.ewm(alpha=alpha, adjust=False).mean()
    out = pd.Series(np.nan, index=range(len(values)))
    out.iloc[period - 1:] = sm.values
    return out


def minute_closes(bars):
    b = bars.sort_values(["symbol", "ts_ms"], kind="stable").copy()
    b["minute"] = b.ts_ms // MIN
    return b.groupby(["symbol", "minute"]).close.last()


def indicator_rows(bars, out):
    out.write("symbol,minute_ms,close,rsi_14,ema_20,sma_50\n")
    closes = minute_closes(bars)
    for sym in sorted(closes.index.get_level_values(0).unique()):
        c = closes.loc[sym]
        minutes = list(c.index)
        c = c.reset_index(drop=True)
        sma = c.rolling(50).mean()
        ema = seeded_ewm(c, 20, 2.0 / 21) if len(c) >= 20 else pd.Series(np.nan, index=c.index)
        delta = c.diff()
        gain = delta.clip(lower=0).iloc[1:].reset_index(drop=True)
        loss = (-delta).clip(lower=0).iloc[1:].reset_index(drop=True)
        rsi = pd.Series(np.nan, index=c.index)
        if len(gain) >= 14:
            ag = seeded_ewm(gain, 14, 1.0 / 14)
            al = seeded_ewm(loss, 14, 1.0 / 14)
            for i in range(13, len(gain)):
                if al[i] == 0:
                    v = 50.0 if ag[i] == 0 else 100.0
                else:
                    v = 100.0 - 100.0 / (1.0 + ag[i] / al[i])
                rsi[i + 1] = v  # change i is between closes i and i+1
        for i, m in enumerate(minutes):
            out.write(f"{sym},{m * MIN},{f(c[i])},{f(rsi[i])},{f(ema[i])},{f(sma[i])}\n")


def pearson(x, y):
    """Pearson r by numpy's corrcoef; NaN when a side is constant (r undefined)."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan
    return float(np.corrcoef(x, y)[0, 1])


def correlation_rows(bars, posts, out):
    out.write("symbol,as_of_ms,r_lag0,pairs_lag0,best_lag,best_r,pairs_best\n")
    closes = minute_closes(bars)
    p = posts.copy()
    p["minute"] = p.ts_ms // MIN
    sent = p.groupby(["symbol", "minute"]).compound.mean()
    symbols = sorted(set(closes.index.get_level_values(0)) | set(sent.index.get_level_values(0)))
    lags = [0] + [s * m for m in range(1, L_CORR + 1) for s in (1, -1)]
    for sym in symbols:
        c = closes.loc[sym] if sym in closes.index.get_level_values(0) else pd.Series(dtype=float)
        s = sent.loc[sym] if sym in sent.index.get_level_values(0) else pd.Series(dtype=float)
        seen = sorted(set(c.index) | set(s.index))
        base = seen[0] - N_CORR - L_CORR - 2
        full = range(base, seen[-1] + L_CORR + 2)
        sv = s.reindex(full).to_numpy()
        cv = c.reindex(full).to_numpy()
        rv = np.full(len(cv), np.nan)
        rv[1:] = cv[1:] / cv[:-1] - 1  # NaN when either minute has no close
        for as_of in seen:
            u = np.arange(as_of - N_CORR + 1, as_of + 1) - base
            results = {}
            for k in lags:
                x = sv[u - k].copy()
                y = rv[u]
                x[u - k > as_of - base] = np.nan  # minutes after as_of are not known yet
                ok = ~np.isnan(x) & ~np.isnan(y)
                n = int(ok.sum())
                r = pearson(x[ok], y[ok]) if n >= MIN_PAIRS else np.nan
                results[k] = (r, n)
            best_k, best_r, best_n = 0, np.nan, 0
            for k in lags:
                r, n = results[k]
                if r != r:
                    continue
                if best_r != best_r or abs(r) > abs(best_r):
                    best_k, best_r, best_n = k, r, n
            out.write(f"{sym},{as_of * MIN},{f(results[0][0])},{results[0][1]},{best_k},"
                      f"{f(best_r)},{best_n}\n")


def main():
    in_dir, out_dir = sys.argv[1], sys.argv[2]
    # round_trip: pandas' default fast parser can miss the nearest double by an ulp (it reads
    # "0.29999999999999999" as 0.2999999999999999), which moves a score across a bucket edge.
    bars = pd.read_csv(f"{in_dir}/bars.csv", dtype={"symbol": str}, float_precision="round_trip")
    posts = pd.read_csv(f"{in_dir}/posts.csv", dtype={"symbol": str},
                        float_precision="round_trip")
    with open(f"{out_dir}/market.csv", "w") as out:
        market_rows(bars, out)
    with open(f"{out_dir}/sentiment.csv", "w") as out:
        sentiment_rows(posts, out)
    with open(f"{out_dir}/indicators.csv", "w") as out:
        indicator_rows(bars, out)
    with open(f"{out_dir}/correlation.csv", "w") as out:
        correlation_rows(bars, posts, out)


if __name__ == "__main__":
    main()
