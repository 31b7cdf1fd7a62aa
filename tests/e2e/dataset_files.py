#!/usr/bin/env python3
"""Writes the input files of the dataset tests, in the layouts of the public datasets.

posts: the posts of a bus-contract JSON-lines file (stockpulse generate) as a tweet dataset CSV
  (id, created_at, body, username, sentiment; quoted fields with commas, quotes and newlines),
  every 7th time in Twitter's "Wed Apr 09 23:59:51 +0000 2020" form, plus bad rows: a time that
  does not parse and a row without text.
candles: daily OHLCV candles in the long layout (Date,Symbol,Open,High,Low,Close,Adj Close,Volume)
  for SYMBOLS over DAYS weekdays from 2024-04-01, plus one inconsistent row (high below low).

usage: dataset_files.py posts IN.jsonl OUT.csv
       dataset_files.py candles OUT.csv SYMBOLS DAYS
"""
import csv
import datetime
import json
import random
import sys


def posts(src, dst):
    with open(src, encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["id", "created_at", "body", "username", "sentiment"])
        for n, line in enumerate(f):
            p = json.loads(line)
            t = p["created_at"]
            if n % 7 == 3:
                # Twitter's form has whole seconds only: keep the post's own second.
                d = datetime.datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")
                t = d.strftime("%a %b %d %H:%M:%S +0000 %Y")
            text = p["text"]
            if n % 11 == 5:
                text = text + ', "quoted", and\na second line'
            w.writerow([p["id"], t, text, p.get("user", ""), "ignored"])
            if n % 1000 == 17:
                w.writerow([f"bad-time-{n}", "not a time", "$AAPL bad time", "x", ""])
            if n % 1000 == 18:
                w.writerow([f"no-text-{n}", t, "", "x", ""])


def candles(dst, symbols, days):
    rnd = random.Random(7)
    day = datetime.date(2024, 4, 1)
    rows = []
    while days > 0:
        if day.weekday() < 5:
            for i, s in enumerate(symbols):
                o = 100 + 40 * i + rnd.uniform(-3, 3)
                c = o * (1 + rnd.uniform(-0.02, 0.02))
                hi = max(o, c) * (1 + rnd.uniform(0.001, 0.01))
                lo = min(o, c) * (1 - rnd.uniform(0.001, 0.01))
                rows.append([day.isoformat(), s, f"{o:.4f}", f"{hi:.4f}", f"{lo:.4f}", f"{c:.4f}",
                             f"{c:.4f}", str(rnd.randint(1_000_000, 5_000_000))])
            days -= 1
        day += datetime.timedelta(days=1)
    rows.insert(len(rows) // 2, [rows[0][0], "BAD", "10", "9", "11", "10", "10", "1000"])
    with open(dst, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["Date", "Symbol", "Open", "High", "Low", "Close", "Adj Close", "Volume"])
        w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "posts":
        posts(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "candles":
        candles(sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
