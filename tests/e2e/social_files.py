#!/usr/bin/env python3
"""Writes a Twitter API v1.1 JSON-lines file from the posts of a bus-contract JSON-lines file
(stockpulse generate), with the copies dedupe must skip: every 5th tweet is a retweet of an
earlier one (with retweeted_status), every 7th repeats an earlier tweet's id, every 11th is a
classic "RT @user: text" of an earlier tweet without retweeted_status. Texts escape & < > as
the API does. All users and texts are the generator's, made up.

usage: social_files.py twitter-v1 IN.jsonl OUT.jsonl
prints: the number of tweets written and how many of them are copies
"""
import datetime
import json
import sys


def twitter_time(iso):
    d = datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")
    return d.strftime("%a %b %d %H:%M:%S +0000 %Y")


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def twitter_v1(src, dst):
    originals = []
    copies = 0
    written = 0
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for n, line in enumerate(f):
            p = json.loads(line)
            tweet = {
                "created_at": twitter_time(p["created_at"]),
                "id_str": str(10**18 + n),
                "text": escape(p["text"]),
                "user": {"screen_name": p["user"]},
                "lang": "en",
            }
            if originals and n % 5 == 4:
                o = originals[(n * 7919) % len(originals)]
                tweet["text"] = "RT @" + o["user"]["screen_name"] + ": " + o["text"]
                tweet["retweeted_status"] = o
                copies += 1
            elif originals and n % 7 == 6:
                o = originals[(n * 104729) % len(originals)]
                tweet = dict(o, created_at=tweet["created_at"])
                copies += 1
            elif originals and n % 11 == 10:
                o = originals[(n * 31) % len(originals)]
                tweet["text"] = "RT @" + o["user"]["screen_name"] + ": " + o["text"]
                copies += 1
            else:
                originals.append(tweet)
            out.write(json.dumps(tweet, ensure_ascii=False, separators=(",", ":")) + "\n")
            written += 1
    print(written, copies)


if __name__ == "__main__":
    if sys.argv[1] == "twitter-v1":
        twitter_v1(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown kind " + sys.argv[1])
