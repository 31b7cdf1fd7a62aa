#!/usr/bin/env python3
"""Soak benchmark: `stockpulse run` live (synthetic feed, dashboard on) under clients that join,
stall and leave, and a few of issue #15's attacks, for SOAK_MINUTES minutes.

Every minute it prints one row: the server's RSS, its open TCP connections (from /proc/net/tcp,
ESTABLISHED and CLOSE_WAIT apart, and the server's own `stockpulse_http_connections`), /healthz
latency p50/p99 over one probe a second (a new connection each), probes failed, live subscribers,
subscribers dropped, connections evicted/rejected, and what each kind of client saw. Flat RSS and
connections are the goal. Traffic goes to 127.0.0.0/8 only; every loop stops at the deadline.

Clients, each from its own loopback source address so the per-address limits apply to them:
  127.0.0.2  readers: 6 live /api/stream readers that read, each leaving after 20-90 s and
             replaced, plus one keep-alive API client querying /api/sentiment every second
  127.0.0.3  stalled readers: 20 /api/stream requests a minute that never read (held 90 s)
  127.0.0.4  idle sockets: 80 connections a minute that send nothing (held 45 s)
  127.0.0.5  slow header senders: 20 a minute sending one header byte a second (up to 40 s)
  127.0.0.6  HEAD requests (5 routes, each followed by a GET on the same connection: framing) and
             requests with a foreign Host header (must be 400), 10 of each a minute
Usage: bench/soak.py STOCKPULSE_BIN [MINUTES]
"""
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

READER_ADDR, STALL_ADDR, IDLE_ADDR, SLOW_ADDR, ODD_ADDR = (
    "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6")


class Counters:
    def __init__(self):
        self.reset()

    def reset(self):
        self.probe_ms = []
        self.probe_fail = 0
        self.events = 0
        self.readers_joined = 0
        self.stalled_opened = 0
        self.stalled_refused = 0
        self.idle_opened = 0
        self.idle_closed_by_server = 0
        self.slow_opened = 0
        self.slow_closed_by_server = 0
        self.head_ok = 0
        self.head_bad = 0
        self.badhost_ok = 0
        self.badhost_bad = 0
        self.api_ok = 0
        self.api_bad = 0


C = Counters()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def open_conn(port, source, rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((source, 0))
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), 5)
    return await asyncio.open_connection(sock=sock)


async def read_response(reader, head=False):
    """Reads one HTTP/1.1 response; returns (status, body). Content-Length framing only."""
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    body = b"" if head else await reader.readexactly(length)
    return status, body


def request(method, path, host="127.0.0.1", close=False):
    conn = "close" if close else "keep-alive"
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: {conn}\r\n\r\n".encode()


async def close_quietly(writer):
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 2)
    except Exception:
        pass


async def probe_loop(port, deadline):
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            r, w = await open_conn(port, "127.0.0.1")
            w.write(request("GET", "/healthz", close=True))
            status, _ = await asyncio.wait_for(read_response(r), 5)
            await close_quietly(w)
            if status == 200:
                C.probe_ms.append((time.monotonic() - start) * 1000)
            else:
                C.probe_fail += 1
        except Exception:
            C.probe_fail += 1
        await asyncio.sleep(max(0, 1 - (time.monotonic() - start)))


async def live_reader(port, deadline):
    while time.monotonic() < deadline:
        stay = min(random.uniform(20, 90), deadline - time.monotonic())
        try:
            r, w = await open_conn(port, READER_ADDR)
            w.write(request("GET", "/api/stream"))
            C.readers_joined += 1
            end = time.monotonic() + stay
            while time.monotonic() < end:
                try:
                    chunk = await asyncio.wait_for(r.read(65536), 1)
                except asyncio.TimeoutError:
                    continue
                if not chunk:
                    break
                C.events += chunk.count(b"\ndata: ") + chunk.startswith(b"data: ")
            await close_quietly(w)
        except Exception:
            await asyncio.sleep(1)


async def api_client(port, deadline):
    symbols = ["AAPL", "NVDA", "TSLA", "*"]
    r = w = None
    while time.monotonic() < deadline:
        try:
            if w is None:
                r, w = await open_conn(port, READER_ADDR)
            sym = random.choice(symbols).replace("*", "%2A")
            w.write(request("GET", f"/api/sentiment?symbol={sym}&limit=100"))
            status, _ = await asyncio.wait_for(read_response(r), 5)
            if status == 200:
                C.api_ok += 1
            else:
                C.api_bad += 1
        except Exception:
            C.api_bad += 1
            if w is not None:
                await close_quietly(w)
            r = w = None
        await asyncio.sleep(1)
    if w is not None:
        await close_quietly(w)


async def hold(writer, seconds):
    await asyncio.sleep(seconds)
    await close_quietly(writer)


async def stalled_reader(port, hold_s):
    try:
        r, w = await open_conn(port, STALL_ADDR, rcvbuf=4096)
        w.write(request("GET", "/api/stream"))
        C.stalled_opened += 1
        await hold(w, hold_s)  # never reads
    except Exception:
        C.stalled_refused += 1


async def idle_socket(port, hold_s):
    try:
        r, w = await open_conn(port, IDLE_ADDR)
        C.idle_opened += 1
        try:
            # EOF, a 408 before the close, or a reset: the server let go of it.
            await asyncio.wait_for(r.read(1), hold_s)
            C.idle_closed_by_server += 1
        except ConnectionError:
            C.idle_closed_by_server += 1
        except asyncio.TimeoutError:
            pass
        await close_quietly(w)
    except Exception:
        pass


async def slow_sender(port, hold_s):
    try:
        r, w = await open_conn(port, SLOW_ADDR)
        C.slow_opened += 1
        w.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        end = time.monotonic() + hold_s
        closed = False
        while time.monotonic() < end and not closed:
            try:
                w.write(b"a")
                await w.drain()
                data = await asyncio.wait_for(r.read(4096), 1)
                if not data:
                    closed = True
                elif data.startswith(b"HTTP/1.1 408") or data.startswith(b"HTTP/1.1 4"):
                    closed = True
            except asyncio.TimeoutError:
                pass
            except ConnectionError:
                closed = True
        if closed:
            C.slow_closed_by_server += 1
        await close_quietly(w)
    except Exception:
        pass


async def head_and_host(port):
    for path in ["/healthz", "/api/sentiment", "/metrics", "/api/stream", "/no-such-page"]:
        try:
            r, w = await open_conn(port, ODD_ADDR)
            w.write(request("HEAD", path))
            await asyncio.wait_for(read_response(r, head=True), 5)
            # A body after HEAD would be read as the next response's status line.
            w.write(request("GET", "/healthz"))
            status, body = await asyncio.wait_for(read_response(r), 5)
            if status == 200 and body.startswith(b"{"):
                C.head_ok += 1
            else:
                C.head_bad += 1
            await close_quietly(w)
        except Exception:
            C.head_bad += 1
    for _ in range(10):
        try:
            r, w = await open_conn(port, ODD_ADDR)
            w.write(request("GET", "/api/sentiment", host="attacker.example", close=True))
            status, _ = await asyncio.wait_for(read_response(r), 5)
            if status == 400:
                C.badhost_ok += 1
            else:
                C.badhost_bad += 1
            await close_quietly(w)
        except Exception:
            C.badhost_bad += 1


async def attacks(port, deadline):
    tasks = set()
    while time.monotonic() < deadline:
        minute_end = min(time.monotonic() + 60, deadline)
        left = lambda: max(1, minute_end - time.monotonic())
        for _ in range(20):
            tasks.add(asyncio.create_task(stalled_reader(port, min(90, deadline - time.monotonic()))))
        for _ in range(80):
            tasks.add(asyncio.create_task(idle_socket(port, min(45, deadline - time.monotonic()))))
        for _ in range(20):
            tasks.add(asyncio.create_task(slow_sender(port, min(40, deadline - time.monotonic()))))
        tasks.add(asyncio.create_task(head_and_host(port)))
        tasks.add(asyncio.create_task(head_and_host(port)))
        tasks = {t for t in tasks if not t.done()}
        await asyncio.sleep(left())
    await asyncio.gather(*tasks, return_exceptions=True)


def server_sockets(port):
    """Server-side TCP sockets of the listening port by state (IPv4), from /proc/net/tcp."""
    states = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            local_port = int(parts[1].split(":")[1], 16)
            if local_port == port and parts[3] != "0A":
                states[parts[3]] = states.get(parts[3], 0) + 1
    return states.get("01", 0), states.get("08", 0)  # ESTABLISHED, CLOSE_WAIT


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def metrics(port):
    r, w = await open_conn(port, "127.0.0.1")
    w.write(request("GET", "/metrics", close=True))
    status, body = await asyncio.wait_for(read_response(r), 5)
    await close_quietly(w)
    values = {}
    for line in body.decode().splitlines():
        m = re.match(r"^(stockpulse_[a-z_]+)(\{[^}]*\})? ([0-9.eE+-]+)$", line)
        if m and m.group(2) is None:
            values[m.group(1)] = float(m.group(3))
    return values


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


async def report(pid, port, deadline, minutes):
    header = ("min  rss_MB  est  close_wait  http_conns  hz_p50_ms  hz_p99_ms  hz_fail  live_subs  "
              "subs_dropped  evicted  rejected  events  stalled  idle_closed  slow_closed  "
              "head_ok/bad  badhost400/other  api_ok/bad")
    print(header, flush=True)
    rows = []
    for minute in range(1, minutes + 1):
        await asyncio.sleep(max(0, deadline - (minutes - minute) * 60 - time.monotonic()))
        m = {}
        try:
            m = await metrics(port)
        except Exception:
            pass
        est, close_wait = server_sockets(port)
        row = (minute, rss_mb(pid), est, close_wait, m.get("stockpulse_http_connections", -1),
               pct(C.probe_ms, 50), pct(C.probe_ms, 99), C.probe_fail,
               m.get("stockpulse_live_subscribers", -1),
               m.get("stockpulse_live_subscribers_dropped_total", -1),
               m.get("stockpulse_http_connections_evicted_total", -1),
               m.get("stockpulse_http_connections_rejected_total", -1))
        rows.append(row)
        print(f"{row[0]:>3}  {row[1]:6.1f}  {row[2]:>3}  {row[3]:>10}  {row[4]:>10.0f}  "
              f"{row[5]:>9.2f}  {row[6]:>9.2f}  {row[7]:>7}  {row[8]:>9.0f}  {row[9]:>12.0f}  "
              f"{row[10]:>7.0f}  {row[11]:>8.0f}  {C.events:>6}  {C.stalled_opened:>7}  "
              f"{C.idle_closed_by_server:>4}/{C.idle_opened:<6}  "
              f"{C.slow_closed_by_server:>4}/{C.slow_opened:<6}  {C.head_ok:>4}/{C.head_bad:<5}  "
              f"{C.badhost_ok:>6}/{C.badhost_bad:<9}  {C.api_ok:>3}/{C.api_bad}", flush=True)
        C.reset()
    return rows


async def soak(pid, port, minutes):
    deadline = time.monotonic() + minutes * 60
    random.seed(15)
    workers = [asyncio.create_task(probe_loop(port, deadline)),
               asyncio.create_task(api_client(port, deadline)),
               asyncio.create_task(attacks(port, deadline))]
    workers += [asyncio.create_task(live_reader(port, deadline)) for _ in range(6)]
    rows = await report(pid, port, deadline, minutes)
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    minutes = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    port = free_port()
    out = tempfile.mkdtemp(prefix="stockpulse-soak-")
    cmd = [binary, "run", "--quiet", "--output-dir", out, "--listen", f"127.0.0.1:{port}",
           "--lake", "none", "--rate", "300", "--speed", "60"]
    print(f"soak: {' '.join(cmd)} for {minutes} min", flush=True)
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(f"{out}/stderr.log", "w"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if server.poll() is not None:
                    sys.exit(f"soak: stockpulse exited with {server.returncode}; see {out}/stderr.log")
                time.sleep(0.1)
        rows = asyncio.run(soak(server.pid, port, minutes))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            code = "killed after 60 s"
    first, last = rows[0], rows[-1]
    peak = max(r[1] for r in rows)
    print(f"soak: RSS {first[1]:.1f} MB after minute 1, {last[1]:.1f} MB at the end, peak "
          f"{peak:.1f} MB; server sockets {first[2] + first[3]} -> {last[2] + last[3]}; "
          f"exit code after SIGTERM: {code}; output in {out}")


if __name__ == "__main__":
    main()
