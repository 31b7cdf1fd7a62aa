#pragma once

#include <string_view>
#include <vector>

#include "common/events.h"
#include "sentiment/scorer.h"
#include "sentiment/ticker_extractor.h"

namespace stockpulse {

// Scores a post as a whole and per ticker it mentions.
//
// The clause rule: the text is cut into clauses at , ; . ! ? (a run of them stays with the clause
// it ends; "," and "." between two letters or digits, as in "1,000", "5.50" or "$BRK.B", do not
// cut) and before the words "but", "while", "whereas" (any case, whole words). A ticker gets the
// score of the clause holding its FIRST mention; when that clause carries no sentiment (compound
// exactly 0), it gets the whole-post score instead. So "$NVDA looks great, $INTC looks awful" is
// positive for NVDA and negative for INTC, and "$AMD. Great quarter!" is positive for AMD.
//
// Lifecycle: holds references to a Scorer and a TickerExtractor that must outlive it.
// Thread-safety: analyze() is const and safe to call concurrently (as the Scorer is).
class PostAnalyzer {
 public:
  PostAnalyzer(const Scorer& scorer, const TickerExtractor& tickers)
      : scorer_(scorer), tickers_(tickers) {}

  // Fills `overall` and replaces `tickers` (reusing its capacity) with one entry per ticker, in
  // first-mention order.
  void analyze(std::string_view text, SentimentScores& overall,
               std::vector<TickerSentiment>& tickers) const;

  const Scorer& scorer() const { return scorer_; }

 private:
  const Scorer& scorer_;
  const TickerExtractor& tickers_;
};

}  // namespace stockpulse
