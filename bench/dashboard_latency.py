#!/usr/bin/env python3
"""Delay from a post's ingestion to its window's update arriving at a live client (issue 9).

Starts `stockpulse run --posts -` with its dashboard on a free port, subscribes to /api/stream
(Server-Sent Events, as the browser does), and writes posts to the pipeline's stdin at RATE posts/s
with the current time as event time. Every 100th post is a marker naming a ticker of its own
($Lxxxx); the delay of a marker is the time from writing it to receiving the first `sentiment`
event for its ticker. Prints p50, p99 and max. Same machine, loopback only.

usage: bench/dashboard_latency.py [BUILD_DIR] [RATE] [SECONDS] [TRIGGER_MS]
"""
import datetime
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
rate = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
trigger_ms = int(sys.argv[4]) if len(sys.argv) > 4 else 1000

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
out = os.path.join(build, "bench-data", "latency")
os.makedirs(out, exist_ok=True)
proc = subprocess.Popen(
    [os.path.join(build, "stockpulse"), "run", "--posts", "-", "--quiet", "--lake", "none",
     "--listen", f"127.0.0.1:{port}", "--trigger-ms", str(trigger_ms), "--output-dir", out],
    stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)

sent = {}      # marker ticker -> time written
received = {}  # marker ticker -> time its first update arrived


def listen():
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/stream")
            resp = conn.getresponse()
            break
        except OSError:
            time.sleep(0.1)
    event = None
    while True:
        line = resp.fp.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "sentiment":
            sym = json.loads(line[6:]).get("symbol", "")
            if sym.startswith("L") and sym in sent and sym not in received:
                received[sym] = time.monotonic()


threading.Thread(target=listen, daemon=True).start()
time.sleep(1.5)  # let the subscription settle

start = time.monotonic()
n = 0
batch = []
while time.monotonic() - start < seconds:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
    due = start + n / rate
    while time.monotonic() < due:
        time.sleep(0.0005)
    if n % 100 == 0:
        k = n // 100  # cashtags are letters only: L + four base-26 letters
        sym = "L" + "".join(chr(65 + (k // 26 ** i) % 26) for i in (3, 2, 1, 0))
        text = f"${sym} looks great today"
    else:
        sym = None
        text = "$AAPL ripping higher, good earnings"
    rec = json.dumps({"id": f"p{n}", "created_at": now, "text": text}) + "\n"
    proc.stdin.write(rec.encode())
    if sym:
        proc.stdin.flush()
        sent[sym] = time.monotonic()
    n += 1
    if n % 200 == 0:
        proc.stdin.flush()
proc.stdin.flush()
time.sleep(3)
proc.stdin.close()
proc.wait(timeout=60)

delays = sorted((received[s] - sent[s]) * 1000 for s in sent if s in received)
if not delays:
    sys.exit("no marker update arrived")
pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
print(f"posts sent: {n} in {seconds} s ({n / seconds:.0f}/s); markers {len(sent)}, "
      f"updates received {len(delays)}")
print(f"trigger {trigger_ms} ms; ingest -> live update delay: p50 {pick(0.50):.0f} ms, p99 {pick(0.99):.0f} ms, "
      f"max {delays[-1]:.0f} ms")
