#!/usr/bin/env python3
"""Scale-out on Kafka (issue 8): throughput with 1 and 2 processors, and produce -> store latency.

Runs against librdkafka's mock cluster (sp_kafka_mock_cluster, 3 brokers, 6 partitions per topic)
on this machine. Each processor writes its own SQLite store (as it would write a shared ClickHouse),
so the numbers are the processors', not one SQLite file's lock.

1. Throughput: N posts (and their bars) are produced first; then P processors of a fresh group
   start (trigger 100 ms); the clock runs from the first post row stored to the last (group join
   excluded; rows land on each trigger, so the time is a multiple of ~0.1 s).
   Printed for P = 1 and P = 2, with the ratio.
2. Latency at RATE posts/s: `stockpulse produce posts --rate RATE` feeds one processor that is
   already running. Post k is handed to the producer at start + k/RATE; the store is polled every
   20 ms, and when it first holds k posts, post k's latency is that time minus its hand-over time.
   Printed as p50/p99/max over every poll.

The mock cluster keeps only 5 MiB per partition, so the sizes stay modest; producers compress
(lz4) as the processor's own producers do.

usage: bench/kafka_bench.py [BUILD_DIR] [POSTS] [RATE] [SECONDS]
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
posts = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
rate = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 8
binary = os.path.join(build, "stockpulse")
mock = os.path.join(build, "src", "bus", "kafka", "sp_kafka_mock_cluster")
work = os.path.join(build, "bench-data", "kafka")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
TOPICS = ["tweets:6", "stock-prices:6", "stockpulse-keyed:6", "stockpulse-state:6",
          "stockpulse-sentiment-windows:3", "stockpulse-market-trends:3", "stockpulse-alerts:3",
          "stockpulse-dead-letters:3"]
LZ4 = ["--kafka-property", "compression.codec=lz4"]


def start_cluster(name):
    boot = os.path.join(work, name + ".boot")
    p = subprocess.Popen([mock, "--bootstraps-file", boot] + TOPICS, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if os.path.exists(boot) and open(boot).read().strip():
            return p, open(boot).read().strip()
        time.sleep(0.05)
    sys.exit("the mock cluster did not start")


def generate(n, name):
    base = os.path.join(work, name)
    subprocess.run([binary, "generate", "--posts", str(n), "--seed", "7", "--posts-per-second",
                    "200", "--posts-out", base + ".posts", "--bars-out", base + ".bars"],
                   check=True, stderr=subprocess.DEVNULL)
    return base + ".posts", base + ".bars"


def produce(boot, kind, path, topic, extra=()):
    return subprocess.Popen([binary, "produce", kind, "--from", path, "--to",
                             f"kafka://{boot}/{topic}"] + LZ4 + list(extra),
                            stderr=subprocess.DEVNULL)


def processor(boot, group, db):
    return subprocess.Popen(
        [binary, "process", "--kafka", boot, "--group", group, "--serving", "sqlite:" + db,
         "--lake", "none", "--output-dir", work, "--exit-when-idle", "4", "--quiet",
         "--checkpoint-interval", "2", "--trigger-ms", "100"],
        stderr=open(db + ".log", "w"))


def stored(dbs):
    total = 0
    for db in dbs:
        if not os.path.exists(db):
            continue
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            total += con.execute("SELECT count(DISTINCT id) FROM tweets").fetchone()[0]
            con.close()
        except sqlite3.Error:
            pass
    return total


def throughput(members):
    cluster, boot = start_cluster(f"tp{members}")
    posts_path, bars_path = generate(posts, "tp")
    for kind, path, topic in (("bars", bars_path, "stock-prices"), ("posts", posts_path, "tweets")):
        if produce(boot, kind, path, topic).wait() != 0:
            sys.exit("produce failed")
    dbs = [os.path.join(work, f"tp{members}-{i}.db") for i in range(members)]
    procs = [processor(boot, f"tp{members}", db) for db in dbs]
    first = last = None
    deadline = time.time() + 300
    while time.time() < deadline:
        n = stored(dbs)
        now = time.time()
        if n > 0 and first is None:
            first = now
        if n >= posts:
            last = now
            break
        time.sleep(0.02)
    for p in procs:
        p.wait()
    cluster.terminate()
    cluster.wait()
    if last is None:
        sys.exit(f"only {stored(dbs)} of {posts} posts were stored with {members} processor(s)")
    # Rows land on each 100 ms trigger: the first batch's own time is not in (last - first).
    return posts / max(last - first, 0.1)


def latency():
    cluster, boot = start_cluster("lat")
    n = rate * seconds
    posts_path, bars_path = generate(n, "lat")
    produce(boot, "bars", bars_path, "stock-prices").wait()
    db = os.path.join(work, "lat.db")
    proc = processor(boot, "lat", db)
    time.sleep(6)  # joined the group and holds every partition
    start = time.time()
    prod = produce(boot, "posts", posts_path, "tweets", ["--rate", str(rate)])
    samples = []
    seen = 0
    deadline = start + seconds + 60
    while seen < n and time.time() < deadline:
        now = time.time()
        k = stored([db])
        if k > seen:
            samples.append(now - (start + k / rate))
            seen = k
        time.sleep(0.02)
    prod.wait()
    proc.wait()
    cluster.terminate()
    cluster.wait()
    if seen < n:
        sys.exit(f"only {seen} of {n} posts were stored")
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99)], samples[-1]


one = throughput(1)
two = throughput(2)
print(f"kafka throughput, {posts} posts through the mock cluster (6 partitions):")
print(f"  1 processor : {one:10,.0f} posts/s")
print(f"  2 processors: {two:10,.0f} posts/s  ({two / one:.2f}x; this machine has "
      f"{os.cpu_count()} cores for both, the cluster and the poller)")
p50, p99, worst = latency()
print(f"kafka latency, produce -> row in the serving store, at {rate:,} posts/s for {seconds} s:")
print(f"  p50 {p50 * 1000:7.0f} ms   p99 {p99 * 1000:7.0f} ms   max {worst * 1000:7.0f} ms")
