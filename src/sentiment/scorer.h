#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/events.h"

namespace stockpulse {

// A byte range [begin, end) of a text.
struct TextSpan {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// A sentiment scorer: text in, VADER-style scores out (compound in [-1, 1]; pos + neu + neg ~ 1).
// Implementations: VaderScorer (NLTK-exact VADER, optionally with a finance lexicon/phrases); a
// model server (FinBERT over HTTP/ONNX) can be added behind the same interface.
//
// Lifecycle: built once at start-up, then only read.
// Thread-safety: implementations must make score() safe to call concurrently from many threads.
class Scorer {
 public:
  virtual ~Scorer() = default;
  // A short stable name ("vader", "finance", "finance-lexicon") used in CLI flags, metrics and eval
  // reports.
  virtual std::string_view name() const = 0;
  // Scores one post. Never fails: any byte string (empty, invalid UTF-8, huge) yields a defined
  // result.
  virtual SentimentScores score(std::string_view text) const = 0;
  // Scores `text` into `whole` and each of `parts` (byte ranges of text, clamped to it) into
  // part_scores[k] (part_scores.size() >= parts.size()): the same numbers as score(text) and
  // score(text.substr(part)). PostAnalyzer scores a post and its ticker clauses this way so that
  // an implementation can share work between them (VaderScorer tokenises once); this default
  // simply scores each piece.
  virtual void score_parts(std::string_view text, std::span<const TextSpan> parts,
                           SentimentScores& whole, std::span<SentimentScores> part_scores) const {
    whole = score(text);
    for (size_t k = 0; k < parts.size(); ++k) {
      const size_t end = parts[k].end < text.size() ? parts[k].end : text.size();
      const size_t begin = parts[k].begin < end ? parts[k].begin : end;
      part_scores[k] = score(text.substr(begin, end - begin));
    }
  }
};

}  // namespace stockpulse
