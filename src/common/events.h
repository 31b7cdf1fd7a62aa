#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/named_type.h"

namespace stockpulse {

// Where a record came from: its input partition and its position there. Sinks name lake files
// by position ranges so that a retry rewrites a file instead of duplicating rows.
struct SourcePosition {
  PartitionId partition;
  Offset offset;
};

// Thresholds of reference system A: compound >= 0.05 is bullish, <= -0.05 bearish.
enum class SentimentLabel : uint8_t { kBearish, kNeutral, kBullish };

inline SentimentLabel label_of(double compound) {
  if (compound >= 0.05) return SentimentLabel::kBullish;
  if (compound <= -0.05) return SentimentLabel::kBearish;
  return SentimentLabel::kNeutral;
}

inline const char* label_name(SentimentLabel l) {
  switch (l) {
    case SentimentLabel::kBearish:
      return "bearish";
    case SentimentLabel::kNeutral:
      return "neutral";
    case SentimentLabel::kBullish:
      return "bullish";
  }
  return "neutral";
}

// A social post, as decoded from the `tweets` contract (docs/design.md §3).
struct Post {
  std::string id;
  EventTime created_at;
  std::string text;
  std::string user;
  std::string source;
  SourcePosition position;
  // Optional contract fields (absent from most sources). `symbols`: tickers the source itself
  // tagged the post with (StockTwits' `symbols[].symbol`), attributed in addition to the cashtags
  // of the text. `label`: the author's own sentiment label (StockTwits' Bullish / Bearish), kept
  // for evaluating and training scorers; it never changes a score.
  std::vector<std::string> symbols;
  std::optional<SentimentLabel> label;
};

// One OHLCV bar, as decoded from the `stock-prices` contract (docs/design.md §3).
// vwap is NaN when the producer did not send it; trade_count is -1 when unknown.
struct Bar {
  std::string symbol;
  EventTime ts;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;
  double vwap = std::numeric_limits<double>::quiet_NaN();
  int64_t trade_count = -1;
  SourcePosition position;
};

// VADER's four outputs.
struct SentimentScores {
  double compound = 0;
  double pos = 0;
  double neu = 0;
  double neg = 0;
};

// The sentiment of one post toward one ticker, scored on the clause around its mention.
struct TickerSentiment {
  std::string symbol;
  SentimentScores scores;
};

// A post after enrichment: whole-post scores and one entry per ticker it mentions.
struct ScoredPost {
  Post post;
  SentimentScores overall;
  std::vector<TickerSentiment> tickers;
};

}  // namespace stockpulse
