#pragma once

#include <string_view>

#include "common/events.h"

namespace stockpulse {

// A sentiment scorer: text in, VADER-style scores out (compound in [-1, 1]; pos + neu + neg ~ 1).
// Implementations: VaderScorer (NLTK-exact VADER, optionally with a finance lexicon/phrases); a
// model server (FinBERT over HTTP/ONNX) can be added behind the same interface.
//
// Lifecycle: built once at start-up, then only read.
// Thread-safety: implementations must make score() safe to call concurrently from many threads.
class Scorer {
 public:
  virtual ~Scorer() = default;
  // A short stable name ("vader", "finance") used in CLI flags, metrics and eval reports.
  virtual std::string_view name() const = 0;
  // Scores one post. Never fails: any byte string (empty, invalid UTF-8, huge) yields a defined
  // result.
  virtual SentimentScores score(std::string_view text) const = 0;
};

}  // namespace stockpulse
