#pragma once

#include <string>
#include <vector>

#include "common/events.h"

namespace stockpulse::testing {

// Posts shaped like the pipeline's: ~120 characters of text, one or two tickers, offsets
// counting up in one partition, ten posts per second of event time.
inline std::vector<ScoredPost> bench_posts(size_t n, int64_t first_offset, int64_t start_ms) {
  static const char* kSymbols[] = {"AAPL", "TSLA", "NVDA", "MSFT", "AMZN", "META", "GOOG", "AMD"};
  std::vector<ScoredPost> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t off = first_offset + static_cast<int64_t>(i);
    ScoredPost sp;
    sp.post.id = std::to_string(1'000'000'000'000 + off);
    sp.post.created_at = EventTime(start_ms + off * 100);
    sp.post.text = "$" + std::string(kSymbols[off % 8]) +
                   " looking strong into earnings, calls printing and the dip got bought "
                   "hard today!!! 🚀 #" +
                   std::to_string(off);
    sp.post.user = "trader_" + std::to_string(off % 5000);
    sp.post.source = "synthetic";
    sp.post.position = SourcePosition{PartitionId(0), Offset(off)};
    sp.overall = SentimentScores{0.6, 0.3, 0.7, 0.0};
    sp.tickers.push_back(TickerSentiment{kSymbols[off % 8], {0.6, 0.3, 0.7, 0.0}});
    if (off % 3 == 0)
      sp.tickers.push_back(TickerSentiment{kSymbols[(off + 1) % 8], {-0.2, 0, 1, 0}});
    out.push_back(std::move(sp));
  }
  return out;
}

inline size_t ticker_rows(const std::vector<ScoredPost>& posts) {
  size_t n = 0;
  for (const auto& p : posts) n += p.tickers.empty() ? 1 : p.tickers.size();
  return n;
}

}  // namespace stockpulse::testing
