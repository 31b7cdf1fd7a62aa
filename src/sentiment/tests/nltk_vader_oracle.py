#!/usr/bin/python3
"""Test oracle: scores texts with NLTK's own VADER (Debian python3-nltk) for the parity tests.

Usage: /usr/bin/python3 nltk_vader_oracle.py --lexicon LEXICON.txt [--jobs N] < texts > scores

Input: one JSON string per line (UTF-8). Output: one line per input, in order,
"compound pos neu neg" with Python's repr() of NLTK's rounded floats, so nothing is lost in
printing. Exits non-zero with a message on stderr if NLTK cannot be imported or run.

The lexicon file is the same one stockpulse compiles in. NLTK's make_lex_dict() fails on a final
newline (it splits on "\n" and unpacks every piece), so the file is copied once with trailing
newlines removed; the entries are unchanged.
"""
import argparse
import json
import multiprocessing
import os
import sys
import tempfile

_analyzer = None


def _init(lexicon_path):
    global _analyzer
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    _analyzer = SentimentIntensityAnalyzer(lexicon_file="file:" + lexicon_path)


def _score(text):
    s = _analyzer.polarity_scores(text)
    return f"{s['compound']!r} {s['pos']!r} {s['neu']!r} {s['neg']!r}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lexicon", required=True)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    try:
        import nltk  # noqa: F401
    except ImportError as e:
        sys.exit(f"nltk_vader_oracle: cannot import nltk ({e}); install Debian's python3-nltk "
                 "and run with /usr/bin/python3")
    with open(args.lexicon, encoding="utf-8") as f:
        content = f.read().rstrip("\n")
    fd, path = tempfile.mkstemp(suffix=".txt", prefix="vader_lexicon_")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(content)
        # Split on "\n" only: str.splitlines() would also split on U+2028, U+0085, ...
        texts = [json.loads(line) for line in sys.stdin.buffer.read().split(b"\n") if line.strip()]
        out = sys.stdout
        if args.jobs > 1 and len(texts) > 2000:
            with multiprocessing.Pool(args.jobs, initializer=_init, initargs=(path,)) as pool:
                for line in pool.imap(_score, texts, chunksize=500):
                    out.write(line + "\n")
        else:
            _init(path)
            for t in texts:
                out.write(_score(t) + "\n")
        out.flush()
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
