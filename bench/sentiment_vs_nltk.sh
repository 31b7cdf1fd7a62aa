#!/usr/bin/env bash
# Scores the same 100,000-post corpus (~100-character finance posts) with stockpulse's VaderScorer
# (NLTK-exact mode, one thread) and with NLTK's VADER (Debian python3-nltk, one process), then
# prints both rates and the ratio. Rates are per second of CPU time of the scoring thread/process
# (wall time on a shared machine mostly measures the scheduler).
#
# Usage: bench/sentiment_vs_nltk.sh [BUILD_DIR] [POSTS]
#   BUILD_DIR defaults to build-sentiment; it must hold sp_sentiment_corpus_tool
#   (cmake --build BUILD_DIR --target sp_sentiment_corpus_tool).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build-sentiment}"
posts="${2:-100000}"
tool="$build/src/sentiment/sp_sentiment_corpus_tool"
lexicon="$root/.deps/vader/vader_lexicon.txt"
[[ -x "$tool" ]] || { echo "missing $tool: build target sp_sentiment_corpus_tool" >&2; exit 1; }
[[ -f "$lexicon" ]] || { echo "missing $lexicon: run scripts/setup.sh" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$tool" generate "$posts" > "$work/corpus.txt"

read -r sp_posts sp_secs sp_rate _ < <("$tool" score "$work/corpus.txt")

nltk_rate="$(/usr/bin/python3 - "$lexicon" "$work/corpus.txt" "$work" <<'PY'
import sys, time
from nltk.sentiment.vader import SentimentIntensityAnalyzer
lexicon, corpus, work = sys.argv[1:4]
# NLTK cannot read a lexicon ending in a newline; same entries, trailing newline removed.
with open(lexicon, encoding="utf-8") as f:
    content = f.read().rstrip("\n")
path = work + "/lexicon.txt"
with open(path, "w", encoding="utf-8") as f:
    f.write(content)
sia = SentimentIntensityAnalyzer(lexicon_file="file:" + path)
posts = open(corpus, encoding="utf-8").read().split("\n")[:-1]
t0 = time.process_time()
for p in posts:
    sia.polarity_scores(p)
secs = time.process_time() - t0
print(f"{len(posts) / secs:.0f}")
PY
)"

echo "corpus:     $posts finance posts (~100 characters each)"
echo "stockpulse: $sp_rate posts/s (one thread; $sp_posts posts in $sp_secs s of CPU time)"
echo "nltk:       $nltk_rate posts/s (one process, CPU time)"
awk -v a="$sp_rate" -v b="$nltk_rate" 'BEGIN { printf "ratio:      %.0fx\n", a / b }'
