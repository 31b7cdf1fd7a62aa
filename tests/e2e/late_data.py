#!/usr/bin/env python3
"""Out-of-order input with late records, and the independent per-record lateness computation.

  late_data.py disorder IN OUT SEED
      Copies the JSON-lines posts file IN to OUT with the order of a real dump: 12% of the posts
      are moved back 0-9 minutes in time (out of order, within the default lateness of 10 min)
      and 3% are moved back 15-30 minutes (late). The file order stays the order of IN.

  late_data.py check POSTS DEAD_LETTERS DB LATENESS_S
      The rule, written out here without stockpulse: a post is late when its created_at is more
      than LATENESS_S behind the newest created_at before it in the file. Checks that the late
      dead letters of a run are exactly those posts (by record number), and that the run's
      `tweets` table holds exactly the others. Prints each difference; exits 1 if there is any.
"""
import json
import random
import sqlite3
import sys
from datetime import datetime, timedelta, timezone


def parse(ts):
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def disorder(src, dst, seed):
    rng = random.Random(seed)
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            if not line.strip():
                continue
            post = json.loads(line)
            u = rng.random()
            if u < 0.03:
                back = timedelta(seconds=rng.uniform(15 * 60, 30 * 60))
            elif u < 0.15:
                back = timedelta(seconds=rng.uniform(0, 9 * 60))
            else:
                back = None
            if back is not None:
                post["created_at"] = fmt(parse(post["created_at"]) - back)
            out.write(json.dumps(post, ensure_ascii=False) + "\n")


def check(posts_path, letters_path, db, lateness_s):
    lateness_ms = int(lateness_s) * 1000
    late, kept = set(), set()
    newest = None
    with open(posts_path, encoding="utf-8") as f:
        number = 0
        for line in f:
            if not line.strip():
                continue
            post = json.loads(line)
            t = int(parse(post["created_at"]).timestamp() * 1000)
            if newest is not None and t < newest - lateness_ms:
                late.add(number)
            else:
                kept.add(str(post["id"]))
                newest = t if newest is None else max(newest, t)
            number += 1
    got_late = set()
    with open(letters_path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["reason"] == "late" and d["stream"] == "tweets":
                got_late.add(int(d["offset"]))
    con = sqlite3.connect(db)
    got_kept = {str(r[0]) for r in con.execute("SELECT DISTINCT id FROM tweets")}
    problems = []
    for n in sorted(late - got_late)[:20]:
        problems.append(f"record {n} is late but was not dead-lettered as late")
    for n in sorted(got_late - late)[:20]:
        problems.append(f"record {n} was dead-lettered as late but is on time")
    for i in sorted(kept - got_kept)[:20]:
        problems.append(f"post {i} is on time but not in the tweets table")
    for i in sorted(got_kept - kept)[:20]:
        problems.append(f"post {i} is late but in the tweets table")
    for p in problems:
        print(p)
    print(f"{len(late)} late of {len(late) + len(kept)} posts; {len(problems)} problems")
    return 1 if problems or not late else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "disorder":
        disorder(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 6 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
