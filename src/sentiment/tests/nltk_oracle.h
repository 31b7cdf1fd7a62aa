#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/events.h"

namespace stockpulse::testing {

// Runs NLTK's VADER (tests/nltk_vader_oracle.py under /usr/bin/python3, Debian python3-nltk) on
// `texts` with the lexicon file stockpulse compiles in. On failure (no python, no nltk, a crash,
// a short answer) `error` says what happened; callers must FAIL on it, never skip.
struct OracleAnswer {
  std::string error;
  std::vector<SentimentScores> scores;
};
OracleAnswer run_nltk_oracle(const std::vector<std::string>& texts, int jobs);

// A JSON string literal for valid UTF-8 `s`, pure ASCII (non-ASCII as \u escapes), so the oracle's
// line splitting cannot be confused by U+2028 and friends.
std::string json_string(std::string_view s);

// NLTK rounds compound to 4 decimals and pos/neu/neg to 3; VaderScorer reproduces Python's
// round(). Both sides are therefore points of a decimal grid, and |a - b| < 5e-5 means "equal to 4
// decimals" without being fooled by printing or half-way ties.
bool same_to_4_decimals(const SentimentScores& a, const SentimentScores& b);

std::string describe(const SentimentScores& s);

}  // namespace stockpulse::testing
